// Must not compile: a string column compared with a number.
// Expected message: "cannot compare values of incompatible types".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/filter.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.path"> > "15000");
#else
    constexpr auto p = dc::read_storage("data/") | dc::filter(dc::C<"file.path"> > 15000);
#endif
    return p.hash().is_zero();
}
