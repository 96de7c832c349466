// libFuzzer target: the kept source listing (`G` record,
// datachain/runtime/listing_record.hpp).
//
// detail::parse_listing of any bytes either gives entries or nullopt: never
// a crash, a read out of bounds or undefined behaviour. Entries it gives are
// sorted by path, and encode back to bytes that parse to the same entries.
//
// Run by ctest (fuzz.listing); by hand for longer, from the build directory:
//   tests/fuzz/fuzz_listing -max_total_time=600 <scratch dir> ../../tests/fuzz/corpus/listing
#include "fuzz_support.hpp"

#include <datachain/runtime/listing_record.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace detail = datachain::detail;
    auto parsed = detail::parse_listing(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed) return 0;
    DC_FUZZ_CHECK(std::is_sorted(parsed->begin(), parsed->end()));
    auto again = detail::parse_listing(detail::encode_listing(*parsed));
    DC_FUZZ_CHECK(again && *again == *parsed);
    return 0;
}
