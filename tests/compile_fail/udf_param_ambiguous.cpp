// Must not compile: the UDF takes one std::int32_t and two columns have that
// type, so binding by type is ambiguous.
// Expected message: "several columns have this parameter's type".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_values.hpp>
#include <datachain/steps/map.hpp>

#include <cstdint>
#include <vector>

namespace dc = datachain;

int main() {
    const auto src = dc::read_values<"width", "height">(std::vector<std::int32_t>{1}, std::vector<std::int32_t>{2});
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    const auto p = src | dc::map<"twice">(DC_UDF([](std::int32_t w) { return 2 * w; }), dc::params<"width">);
#else
    const auto p = src | dc::map<"twice">(DC_UDF([](std::int32_t w) { return 2 * w; }));
#endif
    return p.hash().is_zero();
}
