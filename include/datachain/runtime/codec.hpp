// The row codec, derived from the compile-time schema.
//
//   std::string bytes; datachain::encode(bytes, row_tuple);
//   auto back = datachain::decode<decltype(row_tuple)>(bytes);   // throws on bad bytes
//
// Encoding (codec_version 1), field by field in declaration order, no tags:
//   bool              1 byte (0 or 1)
//   unsigned integer  LEB128 varint
//   signed integer    zigzag, then varint
//   float / double    4 / 8 bytes IEEE-754, little-endian
//   std::string       varint length, bytes
//   std::vector<T>    varint count, elements
//   std::optional<T>  1 byte presence, then the value
//   tuple / struct    members in order (structs through Hana reflection)
// Decoding checks every length against the bytes left and every value
// against its type's range: corrupt input throws datachain::error (kind
// decode), never reads out of bounds. The schema signature stored beside the
// rows decides whether they can be decoded as T at all.
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/types.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>

namespace datachain {

inline constexpr std::uint32_t codec_version = 1;

namespace detail::codec {

inline void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

[[noreturn]] inline void corrupt(const char* what) {
    throw error(error_kind::decode, std::string("datachain: cannot decode a stored row: ") + what +
                                        "; the data is corrupt or was written with another schema");
}

struct reader {
    const char* p;
    const char* end;

    std::size_t left() const noexcept { return static_cast<std::size_t>(end - p); }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p == end) corrupt("truncated integer");
            auto b = static_cast<unsigned char>(*p++);
            if (shift == 63 && b > 1) corrupt("integer too large");
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        corrupt("integer too long");
    }
    void take(void* dst, std::size_t n) {
        if (left() < n) corrupt("truncated value");
        std::memcpy(dst, p, n);
        p += n;
    }
};

template <class T>
void put(std::string& out, const T& v) {
    using namespace datachain::detail;
    if constexpr (std::is_same_v<T, bool>) {
        out.push_back(v ? 1 : 0);
    } else if constexpr (is_int_v<T> && std::is_signed_v<T>) {
        auto x = static_cast<std::int64_t>(v);
        put_varint(out, (static_cast<std::uint64_t>(x) << 1) ^ static_cast<std::uint64_t>(x >> 63));
    } else if constexpr (is_int_v<T>) {
        put_varint(out, static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_floating_point_v<T>) {
        using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        auto bits = std::bit_cast<U>(v);
        append_le(out, bits);
    } else if constexpr (std::is_same_v<T, std::string>) {
        put_varint(out, v.size());
        out.append(v);
    } else if constexpr (is_vector<T>::value) {
        put_varint(out, v.size());
        for (const auto& e : v) put(out, e);
    } else if constexpr (is_optional<T>::value) {
        out.push_back(v ? 1 : 0);
        if (v) put(out, *v);
    } else if constexpr (is_tuple<T>::value) {
        std::apply([&](const auto&... e) { (put(out, e), ...); }, v);
    } else {
        for_each_member_index<T>([&](auto i) { put(out, member_get<i>(v)); });
    }
}

template <class T>
void get(reader& r, T& v) {
    using namespace datachain::detail;
    if constexpr (std::is_same_v<T, bool>) {
        unsigned char b;
        r.take(&b, 1);
        if (b > 1) corrupt("invalid bool");
        v = b == 1;
    } else if constexpr (is_int_v<T> && std::is_signed_v<T>) {
        std::uint64_t z = r.varint();
        auto x = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
        if (x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) corrupt("integer out of range");
        v = static_cast<T>(x);
    } else if constexpr (is_int_v<T>) {
        std::uint64_t x = r.varint();
        if (x > std::numeric_limits<T>::max()) corrupt("integer out of range");
        v = static_cast<T>(x);
    } else if constexpr (std::is_floating_point_v<T>) {
        using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        unsigned char b[sizeof(U)];
        r.take(b, sizeof b);
        v = std::bit_cast<T>(load_le<U>(b));
    } else if constexpr (std::is_same_v<T, std::string>) {
        std::uint64_t n = r.varint();
        if (n > r.left()) corrupt("string longer than the row");
        v.assign(r.p, static_cast<std::size_t>(n));
        r.p += n;
    } else if constexpr (is_vector<T>::value) {
        std::uint64_t n = r.varint();
        if (n > r.left() + 1) corrupt("list longer than the row");
        v.clear();
        v.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
            typename T::value_type e{};  // (not emplace_back(): vector<bool> has no references)
            get(r, e);
            v.push_back(std::move(e));
        }
    } else if constexpr (is_optional<T>::value) {
        bool has;
        get(r, has);
        if (has) get(r, v.emplace());
        else v.reset();
    } else if constexpr (is_tuple<T>::value) {
        std::apply([&](auto&... e) { (get(r, e), ...); }, v);
    } else {
        for_each_member_index<T>([&](auto i) { get(r, member_get<i>(v)); });
    }
}

} // namespace detail::codec

// Appends the encoding of v to out.
template <storable T>
void encode(std::string& out, const T& v) {
    detail::codec::put(out, v);
}

// Decodes a T that must use all of `bytes`. Throws datachain::error (decode).
template <storable T>
T decode(std::string_view bytes) {
    T v{};
    detail::codec::reader r{bytes.data(), bytes.data() + bytes.size()};
    detail::codec::get(r, v);
    if (r.p != r.end) detail::codec::corrupt("trailing bytes after the row");
    return v;
}

} // namespace datachain
