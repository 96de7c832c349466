// Must not compile: the UDF returns a struct that is not reflected with
// BOOST_HANA_DEFINE_STRUCT, so its rows cannot be stored or hashed.
// Expected message: "the UDF's return type cannot be stored".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

#include <boost/hana/define_struct.hpp>

#include <cstdint>

namespace dc = datachain;

#ifdef DATACHAIN_COMPILE_FAIL_FIXED
struct Size {
    BOOST_HANA_DEFINE_STRUCT(Size, (std::uint32_t, width), (std::uint32_t, height));
};
#else
struct Size {
    std::uint32_t width, height;
};
#endif

int main() {
    constexpr auto p = dc::read_storage("data/") | dc::map<"size">(DC_UDF([](const dc::File&) { return Size{1, 2}; }));
    return p.hash().is_zero();
}
