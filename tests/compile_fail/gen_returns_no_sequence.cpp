// Must not compile: a gen UDF returns one value (a number) instead of a
// sequence.
// Expected message: "a gen UDF must return a sequence".
// The fixed line (-DDATACHAIN_COMPILE_FAIL_FIXED) must compile: test <name>.fixed.
#include <datachain/sources/read_storage.hpp>
#include <datachain/steps/gen.hpp>

#include <cstdint>
#include <vector>

namespace dc = datachain;

int main() {
#ifdef DATACHAIN_COMPILE_FAIL_FIXED
    constexpr auto p = dc::read_storage("data/") |
                       dc::gen<"size">(DC_UDF([](const dc::File& f) { return std::vector<std::uint64_t>{f.size}; }));
#else
    constexpr auto p = dc::read_storage("data/") | dc::gen<"size">(DC_UDF([](const dc::File& f) { return f.size; }));
#endif
    return p.hash().is_zero();
}
