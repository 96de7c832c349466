// Must not compile: collect() returns rows without saving; a chain that ends
// with save(...) is run with run().
// Expected message: "collect\(\) returns rows without saving" (one error,
// not a cascade of internal template errors).
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/datachain.hpp>

namespace dc = datachain;

int main() {
    auto p = dc::read_values<"n">(std::vector<std::int64_t>{1, 2, 3}) | dc::save("numbers");
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    auto ds = p.run();
    return static_cast<int>(ds.size());
#else
    auto rows = p.collect();
    return static_cast<int>(rows.size());
#endif
}
