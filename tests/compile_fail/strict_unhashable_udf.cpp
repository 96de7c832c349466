// Must not compile: with DATACHAIN_STRICT_UDF_HASH on, a plain lambda (no
// identity: it would be recomputed on every run) is an error.
// Expected message: "unhashable UDF ... DATACHAIN_STRICT_UDF_HASH is on".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#define DATACHAIN_STRICT_UDF_HASH 1
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    const auto p = dc::read_storage("data/") | dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; }));
#else
    const auto p = dc::read_storage("data/") | dc::map<"path">([](const dc::File& f) { return f.path; });
#endif
    return p.hash().is_zero();
}
