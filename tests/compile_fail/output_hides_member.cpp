// Must not compile: map's output is named "file.path", and the chain has a
// column "file" whose member path that is: the new column would hide it from
// filters, get<> and exports. Expected message: "duplicate output column".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"path_upper">(DC_UDF([](const dc::File& f) { return f.path; }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"file.path">(DC_UDF([](const dc::File& f) { return f.path; }));
#endif
    return p.hash().is_zero();
}
