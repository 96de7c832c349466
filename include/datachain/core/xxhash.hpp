// XXH64 (xxHash, 64-bit variant): constexpr at compile time, libxxhash at run
// time, with identical results.
//
//   static_assert(datachain::xxh64("", 0) == 0xEF46DB3751D8E999ull);
//   datachain::xxh64_stream s{seed}; s.update(p, n); s.digest();
//
// The state is libxxhash's own XXH64_state_t. In a constant expression the
// functions run a plain-loop implementation of the public XXH64 specification
// (detail::xxh::ce_*: no intrinsics, no reinterpret_cast); at run time they
// call XXH64_update / XXH64_digest / XXH64 (std::is_constant_evaluated()), so
// a stream started at compile time can be continued at run time and large
// inputs hash at libxxhash's speed. Tests compare the constexpr path, run at
// run time, against libxxhash for every length 0..2048 and random splits.
//
// This header defines XXH_STATIC_LINKING_ONLY before <xxhash.h> (the state
// struct must be complete to live inside a literal type); programs link
// libxxhash, as they already do for the content digests.
#pragma once

#include <datachain/core/byte_order.hpp>

#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif
#include <xxhash.h>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace datachain {
namespace detail::xxh {

inline constexpr std::uint64_t p1 = 0x9E3779B185EBCA87ull;
inline constexpr std::uint64_t p2 = 0xC2B2AE3D27D4EB4Full;
inline constexpr std::uint64_t p3 = 0x165667B19E3779F9ull;
inline constexpr std::uint64_t p4 = 0x85EBCA77C2B2AE63ull;
inline constexpr std::uint64_t p5 = 0x27D4EB2F165667C5ull;

constexpr std::uint64_t rotl(std::uint64_t x, int r) noexcept {
    return (x << r) | (x >> (64 - r));
}
constexpr std::uint64_t round(std::uint64_t acc, std::uint64_t input) noexcept {
    acc += input * p2;
    acc = rotl(acc, 31);
    return acc * p1;
}
constexpr std::uint64_t merge(std::uint64_t acc, std::uint64_t v) noexcept {
    acc ^= round(0, v);
    return acc * p1 + p4;
}
constexpr std::uint64_t avalanche(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= p2;
    h ^= h >> 29;
    h *= p3;
    h ^= h >> 32;
    return h;
}

// The 32-byte buffer lives in XXH64_state_t::mem64 (four words), which
// libxxhash reads as bytes in memory order. Byte i of that buffer is one byte
// of word i / 8, chosen by the host's byte order, so both paths agree.
constexpr int byte_shift(std::size_t i) noexcept {
    const auto b = static_cast<int>(i % 8);
    return 8 * (std::endian::native == std::endian::little ? b : 7 - b);
}
constexpr unsigned char mem_byte(const XXH64_state_t& st, std::size_t i) noexcept {
    return static_cast<unsigned char>(st.mem64[i / 8] >> byte_shift(i));
}
constexpr void set_mem_byte(XXH64_state_t& st, std::size_t i, unsigned char c) noexcept {
    auto& w = st.mem64[i / 8];
    w = (w & ~(std::uint64_t{0xFF} << byte_shift(i))) | (std::uint64_t{c} << byte_shift(i));
}

// The same as XXH64_reset: everything zero, then the four lanes.
constexpr void ce_reset(XXH64_state_t& st, std::uint64_t seed) noexcept {
    st = XXH64_state_t{};
    st.v[0] = seed + p1 + p2;
    st.v[1] = seed + p2;
    st.v[2] = seed;
    st.v[3] = seed - p1;
}

template <class Byte>
constexpr void ce_stripe(XXH64_state_t& st, const Byte* p) noexcept {
    for (int i = 0; i < 4; ++i) st.v[i] = round(st.v[i], load_le<std::uint64_t>(p + 8 * i));
}

// The same as XXH64_update, for bytes of type unsigned char or char.
template <class Byte>
constexpr void ce_update(XXH64_state_t& st, const Byte* p, std::size_t n) noexcept {
    st.total_len += n;
    std::size_t fill = st.memsize;
    if (fill + n < 32) {
        for (std::size_t i = 0; i < n; ++i) set_mem_byte(st, fill + i, static_cast<unsigned char>(p[i]));
        st.memsize = static_cast<XXH32_hash_t>(fill + n);
        return;
    }
    if (fill > 0) {
        const std::size_t take = 32 - fill;
        for (std::size_t i = 0; i < take; ++i) set_mem_byte(st, fill + i, static_cast<unsigned char>(p[i]));
        unsigned char buf[32]{};
        for (std::size_t i = 0; i < 32; ++i) buf[i] = mem_byte(st, i);
        ce_stripe(st, buf);
        p += take;
        n -= take;
    }
    while (n >= 32) {
        ce_stripe(st, p);
        p += 32;
        n -= 32;
    }
    for (std::size_t i = 0; i < n; ++i) set_mem_byte(st, i, static_cast<unsigned char>(p[i]));
    st.memsize = static_cast<XXH32_hash_t>(n);
}

// The same as XXH64_digest: does not change the state.
constexpr std::uint64_t ce_digest(const XXH64_state_t& st) noexcept {
    std::uint64_t h;
    if (st.total_len >= 32) {
        h = rotl(st.v[0], 1) + rotl(st.v[1], 7) + rotl(st.v[2], 12) + rotl(st.v[3], 18);
        for (auto v : st.v) h = merge(h, v);
    } else {
        h = st.v[2] + p5; // v[2] still holds the seed
    }
    h += st.total_len;
    unsigned char buf[32]{};
    const std::size_t n0 = st.memsize;
    for (std::size_t i = 0; i < n0; ++i) buf[i] = mem_byte(st, i);
    const unsigned char* p = buf;
    std::size_t n = n0;
    while (n >= 8) {
        h ^= round(0, load_le<std::uint64_t>(p));
        h = rotl(h, 27) * p1 + p4;
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        h ^= static_cast<std::uint64_t>(load_le<std::uint32_t>(p)) * p1;
        h = rotl(h, 23) * p2 + p3;
        p += 4;
        n -= 4;
    }
    while (n > 0) {
        h ^= (*p) * p5;
        h = rotl(h, 11) * p1;
        ++p;
        --n;
    }
    return avalanche(h);
}

} // namespace detail::xxh

// Streaming XXH64. Feeding the same bytes in any split gives the same digest
// as one call to xxh64(). Not thread-safe; cheap to copy (a copy forks the
// running hash).
class xxh64_stream {
    // Defined before its callers: clang 14 cannot call a member template
    // defined further down the class during constant evaluation.
    template <class Byte>
    constexpr void feed(const Byte* p, std::size_t n) noexcept {
        if (std::is_constant_evaluated()) {
            detail::xxh::ce_update(st_, p, n);
        } else if (st_.memsize + n < 32) {
            // What XXH64_update does first, without the call: the structural
            // hash feeds mostly 1..8-byte fields.
            if (n > 0) std::memcpy(reinterpret_cast<unsigned char*>(st_.mem64) + st_.memsize, p, n);
            st_.memsize += static_cast<XXH32_hash_t>(n);
            st_.total_len += n;
        } else {
            XXH64_update(&st_, p, n);
        }
    }

public:
    constexpr explicit xxh64_stream(std::uint64_t seed = 0) noexcept { detail::xxh::ce_reset(st_, seed); }

    constexpr void update(const unsigned char* p, std::size_t n) noexcept { feed(p, n); }
    constexpr void update(std::string_view s) noexcept { feed(s.data(), s.size()); }

    constexpr std::uint64_t digest() const noexcept {
        if (std::is_constant_evaluated()) return detail::xxh::ce_digest(st_);
        return XXH64_digest(&st_);
    }

private:
    XXH64_state_t st_{};
};

// One-shot XXH64 of `n` bytes at `p`.
constexpr std::uint64_t xxh64(const unsigned char* p, std::size_t n, std::uint64_t seed = 0) noexcept {
    if (!std::is_constant_evaluated()) return XXH64(p, n, seed);
    xxh64_stream s{seed};
    s.update(p, n);
    return s.digest();
}

// One-shot XXH64 of a character string (bytes taken as unsigned char).
constexpr std::uint64_t xxh64(std::string_view s, std::uint64_t seed = 0) noexcept {
    if (!std::is_constant_evaluated()) return XXH64(s.data(), s.size(), seed);
    xxh64_stream st{seed};
    st.update(s);
    return st.digest();
}

} // namespace datachain
