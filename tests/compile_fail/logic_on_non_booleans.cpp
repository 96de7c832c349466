// Must not compile: && between a number and a string.
// Expected message: "&& and || need boolean operands".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/filter.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.size"> > 0 && dc::C<"file.path"> != "");
#else
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.size"> && dc::C<"file.path">);
#endif
    return p.hash().is_zero();
}
