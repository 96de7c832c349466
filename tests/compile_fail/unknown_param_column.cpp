// Must not compile: dc::params names a column the chain does not have
// ("weigth" for "weight"). Expected: one error, "datachain: unknown column",
// naming "weigth" and listing the columns (file, ..., weight).
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

#include <cstdint>

namespace dc = datachain;

DC_DEF(weight_of, (const dc::File& f) -> double { return f.size > 100 ? 2.0 : 1.0; });
DC_DEF(scaled, (std::uint64_t size, double w) -> double { return static_cast<double>(size) * w; });

int main() {
    constexpr auto src = dc::read_storage("data/") | dc::map<"weight">(weight_of);
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = src | dc::map<"scaled">(scaled, dc::params<"file.size", "weight">);
#else
    constexpr auto p = src | dc::map<"scaled">(scaled, dc::params<"file.size", "weigth">);
#endif
    return p.hash().is_zero();
}
