// Must not compile: the UDF returns a char pointer, which does not own its
// bytes. Expected message: "the UDF's return type cannot be stored".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

#include <string>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"tag">(DC_UDF([](const dc::File&) { return std::string("x"); }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"tag">(DC_UDF([](const dc::File&) { return "x"; }));
#endif
    return p.hash().is_zero();
}
