// Must not compile: a literal dataset name with a space and a '!'. Literal
// names are checked in a consteval constructor that calls a non-constexpr
// function named for the problem.
// Expected message: names "invalid_dataset_name_in_save".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/save.hpp>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    const auto p = dc::read_storage("data/") | dc::save("good_name");
#else
    const auto p = dc::read_storage("data/") | dc::save("bad name!");
#endif
    return p.hash().is_zero();
}
