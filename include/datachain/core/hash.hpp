// hash128 and the canonical encoder that every structural hash goes through.
//
//   datachain::hasher h;
//   h.tag("filter");          // kind tag: length-prefixed ASCII
//   h.i64(15000);             // integers: explicit width, little-endian
//   datachain::hash128 k = h.finish();
//
// Contract (the same one LevelDB states for Comparator::Name()): the bytes fed
// here identify persisted results. Any change to what a step feeds, in which
// order or with which width, changes stored keys; such a change must bump
// datachain::hash_format_version and be listed in CHANGELOG.md.
//
// A hash128 is two independent XXH64 lanes over the same byte stream (seeds
// lane_seed_hi and lane_seed_lo): 128 bits, as the store's keys require.
// Everything is constexpr: the compile-time path runs the constexpr XXH64, the
// run-time path libxxhash (see xxhash.hpp); both give the same hashes.
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/core/xxhash.hpp>
#include <datachain/version.hpp>

#include <array>
#include <bit>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace datachain {

struct hash128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;

    friend constexpr bool operator==(const hash128&, const hash128&) = default;
    friend constexpr auto operator<=>(const hash128&, const hash128&) = default;

    constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }

    // 32 lowercase hex digits, hi lane first.
    std::string hex() const {
        std::string s(32, '0');
        constexpr char digits[] = "0123456789abcdef";
        for (int i = 0; i < 16; ++i) {
            s[15 - i] = digits[(hi >> (4 * i)) & 0xF];
            s[31 - i] = digits[(lo >> (4 * i)) & 0xF];
        }
        return s;
    }
    // The first 12 hex digits: enough for humans to tell hashes apart.
    std::string short_hex() const { return hex().substr(0, 12); }

    // 16 bytes, big-endian, hi lane first: sorts like the numeric value.
    std::array<unsigned char, 16> bytes() const noexcept {
        std::array<unsigned char, 16> b{};
        store_be(b.data(), hi);
        store_be(b.data() + 8, lo);
        return b;
    }
};

inline constexpr std::uint64_t lane_seed_hi = 0x64617461636861ull;   // "datacha"
inline constexpr std::uint64_t lane_seed_lo = 0x696e2d6370702121ull; // "in-cpp!!"

// Canonical byte encoder feeding two XXH64 lanes. Not thread-safe; cheap to
// copy (copy it to fork a running hash).
class hasher {
    // Fixed-width integers, little-endian. Defined before its callers: clang
    // 14 cannot call a member template defined further down the class during
    // constant evaluation.
    template <std::unsigned_integral U>
    constexpr hasher& le(U v) noexcept {
        unsigned char b[sizeof(U)]{};
        store_le(b, v);
        return raw(b, sizeof b);
    }

public:
    constexpr hasher() noexcept : hi_{lane_seed_hi}, lo_{lane_seed_lo} {}

    constexpr hasher& raw(const unsigned char* p, std::size_t n) noexcept {
        hi_.update(p, n);
        lo_.update(p, n);
        return *this;
    }
    constexpr hasher& u8(std::uint8_t v) noexcept { return raw(&v, 1); }
    constexpr hasher& u32(std::uint32_t v) noexcept { return le(v); }
    constexpr hasher& u64(std::uint64_t v) noexcept { return le(v); }
    constexpr hasher& i64(std::int64_t v) noexcept { return le(static_cast<std::uint64_t>(v)); }
    constexpr hasher& boolean(bool v) noexcept { return u8(v ? 1 : 0); }
    // Doubles by IEEE-754 bit pattern; -0.0 folds to 0.0 and every NaN to
    // one quiet NaN so that equal values hash alike.
    constexpr hasher& f64(double v) noexcept {
        if (v == 0.0) v = 0.0;
        if (v != v) return u64(0x7FF8000000000000ull);
        return u64(std::bit_cast<std::uint64_t>(v));
    }
    // Strings: 64-bit length, then the bytes.
    constexpr hasher& str(std::string_view s) noexcept {
        u64(s.size());
        hi_.update(s);
        lo_.update(s);
        return *this;
    }
    // Kind tags are strings too; a separate name keeps call sites readable.
    constexpr hasher& tag(std::string_view s) noexcept { return str(s); }
    constexpr hasher& h(const hash128& x) noexcept { return u64(x.hi).u64(x.lo); }

    constexpr hash128 finish() const noexcept { return {hi_.digest(), lo_.digest()}; }

private:
    xxh64_stream hi_;
    xxh64_stream lo_;
};

// Hash of a tag followed by a list of hashes: the building block of running
// (chain) hashes.
constexpr hash128 combine(std::string_view tag, const hash128& a, const hash128& b) noexcept {
    hasher h;
    h.tag(tag).h(a).h(b);
    return h.finish();
}

// The start of every chain hash: folds in the hash-format version.
constexpr hash128 chain_seed(const hash128& source) noexcept {
    hasher h;
    h.tag("datachain.chain").u32(hash_format_version).h(source);
    return h.finish();
}

// One step of a running chain hash.
constexpr hash128 chain_step(const hash128& prev, const hash128& step) noexcept {
    return combine("step", prev, step);
}

} // namespace datachain
