// Must not compile: map's output is named "file", and the chain already has
// a column "file". Expected message: "duplicate output column".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"name">(DC_UDF([](const dc::File& f) { return f.name(); }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"file">(DC_UDF([](const dc::File& f) { return f.name(); }));
#endif
    return p.hash().is_zero();
}
