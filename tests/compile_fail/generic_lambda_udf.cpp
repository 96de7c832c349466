// Must not compile: a generic lambda (auto parameter) has no signature to
// bind columns to. Expected message: "cannot read the UDF's signature".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"path">(DC_UDF([](const auto& f) { return f.path; }));
#endif
    return p.hash().is_zero();
}
