// libFuzzer target: one stored record type (datachain/runtime/records.hpp),
// compiled once per type with -DDC_FUZZ_RECORD=<type> (fuzz_record_job,
// fuzz_record_checkpoint, ...; see CMakeLists.txt).
//
// detail::rec::unpack<T> of any bytes either succeeds or throws
// datachain::error of kind store_corrupt or store_format: never a crash, a
// read out of bounds, undefined behaviour or another exception. Where it
// succeeds (any record version this build reads, older ones included), the
// record packs in the current version, unpacks again, and packs to the same
// bytes.
//
// Run by ctest (fuzz.record_<type>, a fixed number of runs from the seed
// corpus); by hand for longer, e.g. from the build directory:
//   tests/fuzz/fuzz_record_event -max_total_time=600 <scratch dir> ../../tests/fuzz/corpus/record_event
#include "fuzz_support.hpp"

#include <datachain/core/error.hpp>
#include <datachain/runtime/records.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#ifndef DC_FUZZ_RECORD
#error "compile with -DDC_FUZZ_RECORD=<record type>, e.g. job_record"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace dc = datachain;
    namespace rec = datachain::detail::rec;
    using T = dc::DC_FUZZ_RECORD;
    const std::string where = "fuzz";
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    T r;
    try {
        r = rec::unpack<T>(bytes, where, "key");
    } catch (const dc::error& e) {
        DC_FUZZ_CHECK(e.kind() == dc::error_kind::store_corrupt || e.kind() == dc::error_kind::store_format);
        return 0;
    }
    const std::string packed = rec::pack(r);
    const std::string again = rec::pack(rec::unpack<T>(packed, where));   // throws: reported
    DC_FUZZ_CHECK(again == packed);
    return 0;
}
