// Must not compile: the UDF takes a double, and no column of the chain is a
// double. Expected message: "no column of the chain has this parameter's type".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"kb">(DC_UDF([](const dc::File& f) { return f.size / 1024.0; }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"kb">(DC_UDF([](double size) { return size / 1024.0; }));
#endif
    return p.hash().is_zero();
}
