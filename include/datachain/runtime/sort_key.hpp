// Order-preserving byte encoding of sort keys: comparing two encodings as
// unsigned bytes (memcmp, LevelDB's default comparator) gives the order of
// the values. order_by and agg sort with it in memory and, past
// settings::spill_bytes, through a temporary file of sorted runs (spill.hpp),
// so both paths give the same order.
//
//   std::string k;
//   detail::sort_key_append(k, 3.5, /*desc=*/false);
//   detail::sort_key_append(k, std::string("cat"), /*desc=*/true);
//
// Encodings (each column's bytes are inverted when it sorts descending):
//   bool                  1 byte, 0 or 1
//   signed integers       8 bytes big-endian of x with the sign bit flipped
//   unsigned integers     8 bytes big-endian
//   floating point        8 bytes: the double's bits, all bits flipped for
//                         negatives, the sign bit set for the rest; -0.0 is
//                         0.0 and every NaN sorts after +inf (first when
//                         descending), all NaNs equal
//   strings               the bytes with 0x00 written as 0x00 0xFF, then
//                         0x00 0x00 (prefix-free, so columns concatenate)
// The encoding is not persisted beyond one run: it may change freely.
#pragma once

#include <datachain/core/byte_order.hpp>

#include <bit>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace datachain::detail {

template <class T>
void sort_key_append(std::string& k, const T& v, bool desc) {
    const std::size_t from = k.size();
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, bool>) {
        k.push_back(v ? 1 : 0);
    } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
        append_be(k, static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) ^ (std::uint64_t{1} << 63));
    } else if constexpr (std::is_integral_v<U>) {
        append_be(k, static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_floating_point_v<U>) {
        const double d = static_cast<double>(v);
        std::uint64_t bits;
        if (d != d) {
            bits = ~std::uint64_t{0};
        } else {
            bits = std::bit_cast<std::uint64_t>(d == 0.0 ? 0.0 : d);
            bits = (bits >> 63) ? ~bits : bits | (std::uint64_t{1} << 63);
        }
        append_be(k, bits);
    } else {
        static_assert(std::is_convertible_v<const U&, std::string_view>,
                      "datachain: sort keys are numbers, strings or bools");
        for (char c : std::string_view(v)) {
            k.push_back(c);
            if (c == '\0') k.push_back('\xFF');
        }
        k.push_back('\0');
        k.push_back('\0');
    }
    if (desc)
        for (std::size_t i = from; i < k.size(); ++i) k[i] = static_cast<char>(~static_cast<unsigned char>(k[i]));
}

} // namespace datachain::detail
