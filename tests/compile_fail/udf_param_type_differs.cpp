// Must not compile: an int parameter bound by name to the std::uint64_t
// column file.size would narrow silently. Expected: one error naming the
// column, both types, and dc::convert_params (the opt-in conversion, which
// the fixed line uses).
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/map.hpp>

namespace dc = datachain;

DC_DEF(kilobytes, (int size) -> int { return size / 1024; });

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") | dc::map<"kb">(kilobytes, dc::convert_params<"file.size">);
#else
    constexpr auto p = dc::read_storage("data/") | dc::map<"kb">(kilobytes, dc::params<"file.size">);
#endif
    return p.hash().is_zero();
}
