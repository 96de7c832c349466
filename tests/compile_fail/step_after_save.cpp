// Must not compile: save is the terminal step; nothing can follow it.
// Expected message: "must be the last step of a chain".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/limit.hpp>
#include <datachain/steps/save.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::limit(10) | dc::save("first_ten");
#else
    constexpr auto p = dc::read_storage("data/") | dc::save("first_ten") | dc::limit(10);
#endif
    return p.hash().is_zero();
}
