// A constexpr XXH64 (xxHash, 64-bit variant), usable at compile time and at
// run time with identical results.
//
//   static_assert(datachain::xxh64("", 0) == 0xEF46DB3751D8E999ull);
//   datachain::xxh64_stream s{seed}; s.update(p, n); s.digest();
//
// The implementation follows the public XXH64 specification with plain loops
// (no intrinsics, no reinterpret_cast) so the very same code runs inside
// `static_assert` and on the hot path. Tests compare it against libxxhash for
// every length 0..2048 and against xxHash's published sanity values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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
constexpr std::uint64_t read64(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
constexpr std::uint32_t read32(const unsigned char* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
    return v;
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

} // namespace detail::xxh

// Streaming XXH64. Feeding the same bytes in any split gives the same digest
// as one call to xxh64(). Not thread-safe; cheap to copy.
class xxh64_stream {
public:
    constexpr explicit xxh64_stream(std::uint64_t seed = 0) noexcept
        : seed_{seed},
          v_{seed + detail::xxh::p1 + detail::xxh::p2, seed + detail::xxh::p2, seed,
             seed - detail::xxh::p1} {}

    constexpr void update(const unsigned char* p, std::size_t n) noexcept {
        using namespace detail::xxh;
        total_ += n;
        if (fill_ + n < 32) {
            for (std::size_t i = 0; i < n; ++i) buf_[fill_++] = p[i];
            return;
        }
        if (fill_ > 0) {
            std::size_t take = 32 - fill_;
            for (std::size_t i = 0; i < take; ++i) buf_[fill_ + i] = p[i];
            stripe(buf_);
            p += take;
            n -= take;
            fill_ = 0;
        }
        while (n >= 32) {
            stripe(p);
            p += 32;
            n -= 32;
        }
        for (std::size_t i = 0; i < n; ++i) buf_[i] = p[i];
        fill_ = n;
    }

    constexpr void update(std::string_view s) noexcept {
        // Byte-wise copy keeps this constexpr (no reinterpret_cast).
        unsigned char tmp[64]{};
        while (!s.empty()) {
            std::size_t k = s.size() < sizeof tmp ? s.size() : sizeof tmp;
            for (std::size_t i = 0; i < k; ++i) tmp[i] = static_cast<unsigned char>(s[i]);
            update(tmp, k);
            s.remove_prefix(k);
        }
    }

    constexpr std::uint64_t digest() const noexcept {
        using namespace detail::xxh;
        std::uint64_t h;
        if (total_ >= 32) {
            h = rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18);
            for (auto v : v_) h = merge(h, v);
        } else {
            h = seed_ + p5;
        }
        h += total_;
        const unsigned char* p = buf_;
        std::size_t n = fill_;
        while (n >= 8) {
            h ^= round(0, read64(p));
            h = rotl(h, 27) * p1 + p4;
            p += 8;
            n -= 8;
        }
        if (n >= 4) {
            h ^= static_cast<std::uint64_t>(read32(p)) * p1;
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

private:
    constexpr void stripe(const unsigned char* p) noexcept {
        using namespace detail::xxh;
        for (int i = 0; i < 4; ++i) v_[i] = round(v_[i], read64(p + 8 * i));
    }

    std::uint64_t seed_;
    std::uint64_t v_[4];
    std::uint64_t total_ = 0;
    unsigned char buf_[32]{};
    std::size_t fill_ = 0;
};

// One-shot XXH64 of `n` bytes at `p`.
constexpr std::uint64_t xxh64(const unsigned char* p, std::size_t n, std::uint64_t seed = 0) noexcept {
    xxh64_stream s{seed};
    s.update(p, n);
    return s.digest();
}

// One-shot XXH64 of a character string (bytes taken as unsigned char).
constexpr std::uint64_t xxh64(std::string_view s, std::uint64_t seed = 0) noexcept {
    xxh64_stream st{seed};
    st.update(s);
    return st.digest();
}

} // namespace datachain
