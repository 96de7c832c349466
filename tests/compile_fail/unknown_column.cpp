// Must not compile: a filter names a column the chain does not have
// ("file.sizee"). Expected message: "datachain: unknown column ...".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/filter.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.size"> > 15000);
#else
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.sizee"> > 15000);
#endif
    return p.hash().is_zero();
}
