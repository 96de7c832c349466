// Must not compile: agg's partition_by names a column the chain does not have
// ("kind" for "label"). Expected: one error, "datachain: unknown column",
// naming "kind" and listing the columns (label, n).
#include <datachain/sources/read_values.hpp>
#include <datachain/steps/agg.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace dc = datachain;

DC_DEF(total, (const std::vector<std::int64_t>& n) -> std::vector<std::int64_t> {
    std::int64_t s = 0;
    for (auto v : n) s += v;
    return {s};
});

int main() {
    const auto src = dc::read_values<"label", "n">(std::vector<std::string>{"a"}, std::vector<std::int64_t>{1});
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    const auto p = src | dc::agg<"sum">(total, dc::partition_by<"label">);
#else
    const auto p = src | dc::agg<"sum">(total, dc::partition_by<"kind">);
#endif
    return p.hash().is_zero();
}
