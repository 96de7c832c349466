// libFuzzer target: the row codec (datachain/runtime/codec.hpp).
//
// The first byte picks a row type of dc_fuzz::row_types, the rest are decoded
// as that type. Decoding any bytes either succeeds or throws datachain::error
// of kind decode: never a crash, a read out of bounds (ASan), undefined
// behaviour (UBSan) or another exception. Where it succeeds, the encoding is
// stable: y = encode(decode(x)) is no longer than x (the encoding is minimal),
// decodes again, and encodes to y again.
//
// Run by ctest (fuzz.codec, a fixed number of runs from the seed corpus); by
// hand for longer, e.g. from the build directory:
//   tests/fuzz/fuzz_codec -max_total_time=600 -jobs=2 <scratch dir> ../../tests/fuzz/corpus/codec
#include "fuzz_support.hpp"

#include <datachain/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace {

template <class T>
void check(std::string_view bytes) {
    namespace dc = datachain;
    T v;
    try {
        v = dc::decode<T>(bytes);
    } catch (const dc::error& e) {
        DC_FUZZ_CHECK(e.kind() == dc::error_kind::decode);
        return;
    }
    std::string y;
    dc::encode(y, v);
    DC_FUZZ_CHECK(y.size() <= bytes.size());
    T w = dc::decode<T>(y);   // an exception here escapes: libFuzzer reports it
    std::string z;
    dc::encode(z, w);
    DC_FUZZ_CHECK(z == y);
}

template <std::size_t... I>
void dispatch(std::size_t which, std::string_view bytes, std::index_sequence<I...>) {
    ((which == I ? check<std::tuple_element_t<I, dc_fuzz::row_types>>(bytes) : void()), ...);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    dispatch(data[0] % dc_fuzz::row_type_count, bytes, std::make_index_sequence<dc_fuzz::row_type_count>{});
    return 0;
}
