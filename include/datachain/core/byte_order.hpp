// Fixed-width integers as bytes: the one place that spells out byte order.
//
//   std::string k = "T"; datachain::append_be(k, table);      // 8 bytes, big-endian
//   std::uint64_t t = datachain::load_be<std::uint64_t>(k, 1);
//   unsigned char b[4]; datachain::store_le<std::uint32_t>(b, n); // little-endian
//
// Big-endian is what store keys use (fixed-width numbers then sort like their
// values); little-endian is what the structural hash, the row codec's floats
// and the content digest feed. The bytes these produce are persisted: any
// change here changes stored keys and hashes.
//
// Everything is constexpr, works on any host byte order (shifts, no
// reinterpret_cast), and compilers turn the loops into single loads/stores.
// `load_*` on a string_view requires `at + sizeof(U) <= s.size()` (unchecked).
#pragma once

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace datachain {

// Byte `i` (0 = most significant) of `v`, for U of any unsigned width.
template <std::unsigned_integral U>
constexpr void store_be(unsigned char* out, U v) noexcept {
    for (std::size_t i = 0; i < sizeof(U); ++i) out[i] = static_cast<unsigned char>(v >> (8 * (sizeof(U) - 1 - i)));
}
template <std::unsigned_integral U>
constexpr void store_le(unsigned char* out, U v) noexcept {
    for (std::size_t i = 0; i < sizeof(U); ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}
template <std::unsigned_integral U, class Byte>
constexpr U load_be(const Byte* p) noexcept {
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | static_cast<unsigned char>(p[i]));
    return v;
}
template <std::unsigned_integral U, class Byte>
constexpr U load_le(const Byte* p) noexcept {
    U v = 0;
    for (std::size_t i = sizeof(U); i-- > 0;) v = static_cast<U>((v << 8) | static_cast<unsigned char>(p[i]));
    return v;
}

// Appends the sizeof(U) bytes of `v` to a key or record.
template <std::unsigned_integral U>
void append_be(std::string& out, U v) {
    unsigned char b[sizeof(U)];
    store_be(b, v);
    out.append(reinterpret_cast<const char*>(b), sizeof b);
}
template <std::unsigned_integral U>
void append_le(std::string& out, U v) {
    unsigned char b[sizeof(U)];
    store_le(b, v);
    out.append(reinterpret_cast<const char*>(b), sizeof b);
}
template <std::unsigned_integral U>
constexpr U load_be(std::string_view s, std::size_t at) noexcept {
    return load_be<U>(s.data() + at);
}
template <std::unsigned_integral U>
constexpr U load_le(std::string_view s, std::size_t at) noexcept {
    return load_le<U>(s.data() + at);
}

} // namespace datachain
