// datachain/core/hash.hpp and the value/type encodings of types.hpp: the
// canonical byte encoding behind every structural hash. Each rule is checked
// against the bytes it must produce, so a silent change of width, order or
// normalization fails here (and in tests/golden).
#include <datachain/core/hash.hpp>
#include <datachain/core/types.hpp>

#include "test_support.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace dc = datachain;

namespace {

// The hash of exactly these bytes, with no encoding in between.
template <std::size_t N>
constexpr dc::hash128 bytes_hash(const std::array<unsigned char, N>& b) {
    dc::hasher h;
    h.raw(b.data(), N);
    return h.finish();
}

using dc_test::hash_with;

} // namespace

TEST_CASE("hasher: integers are little-endian with an explicit width", "[hash]") {
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.u8(0xAB); }) == bytes_hash(std::array<unsigned char, 1>{0xAB}));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.u32(0x01020304u); }) ==
                   bytes_hash(std::array<unsigned char, 4>{4, 3, 2, 1}));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.u64(0x0102030405060708ull); }) ==
                   bytes_hash(std::array<unsigned char, 8>{8, 7, 6, 5, 4, 3, 2, 1}));
    // Signed: two's complement in 8 bytes.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.i64(-2); }) ==
                   bytes_hash(std::array<unsigned char, 8>{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.i64(-1); }) ==
                   hash_with([](dc::hasher& h) { h.u64(~0ull); }));
    // The width is part of the encoding: 5 as u8, u32 and u64 are three values.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.u8(5); }) != hash_with([](dc::hasher& h) { h.u32(5); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.u32(5); }) != hash_with([](dc::hasher& h) { h.u64(5); }));
    // Booleans are one byte, 0 or 1.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.boolean(true); }) == hash_with([](dc::hasher& h) { h.u8(1); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.boolean(false); }) == hash_with([](dc::hasher& h) { h.u8(0); }));
}

TEST_CASE("hasher: strings are a 64-bit length and then the bytes", "[hash]") {
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.str("ab"); }) ==
                   bytes_hash(std::array<unsigned char, 10>{2, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'}));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.str(""); }) ==
                   bytes_hash(std::array<unsigned char, 8>{}));
    // The length keeps concatenations apart.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.str("ab").str("c"); }) !=
                   hash_with([](dc::hasher& h) { h.str("a").str("bc"); }));
    // Tags are strings.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.tag("filter"); }) ==
                   hash_with([](dc::hasher& h) { h.str("filter"); }));
    // Embedded NULs are bytes like any other.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.str(std::string_view("a\0b", 3)); }) !=
                   hash_with([](dc::hasher& h) { h.str("ab"); }));
    // Run-time strings (std::string, bytes >= 0x80) take the same path.
    std::string s = "caf\xC3\xA9 \xFF";
    dc::hasher a;
    a.str(s);
    dc::hasher b;
    b.u64(s.size());
    for (char c : s) b.u8(static_cast<unsigned char>(c));
    REQUIRE(a.finish() == b.finish());
    // Long strings cross the 64-byte copy window of xxh64_stream::update.
    const std::string long_text(1000, 'x');
    dc::hasher c;
    c.str(long_text);
    dc::hasher d;
    d.u64(1000);
    for (char ch : long_text) d.u8(static_cast<unsigned char>(ch));
    REQUIRE(c.finish() == d.finish());
}

TEST_CASE("hasher: doubles by bit pattern, -0.0 == 0.0, every NaN alike", "[hash]") {
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(1.0); }) ==
                   hash_with([](dc::hasher& h) { h.u64(0x3FF0000000000000ull); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(-0.0); }) == hash_with([](dc::hasher& h) { h.f64(0.0); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(0.0); }) == hash_with([](dc::hasher& h) { h.u64(0); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(std::numeric_limits<double>::quiet_NaN()); }) ==
                   hash_with([](dc::hasher& h) { h.u64(0x7FF8000000000000ull); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(1.0); }) != hash_with([](dc::hasher& h) { h.f64(-1.0); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.f64(std::numeric_limits<double>::infinity()); }) !=
                   hash_with([](dc::hasher& h) { h.f64(-std::numeric_limits<double>::infinity()); }));

    // NaNs with other signs and payloads, made at run time.
    const dc::hash128 canonical = hash_with([](dc::hasher& h) { h.u64(0x7FF8000000000000ull); });
    for (std::uint64_t bits : {0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF0000000000001ull,
                               0x7FFFFFFFFFFFFFFFull, 0xFFF4000000000123ull}) {
        const double nan = std::bit_cast<double>(bits);
        REQUIRE(nan != nan);
        INFO("bits " << std::hex << bits);
        CHECK(hash_with([&](dc::hasher& h) { h.f64(nan); }) == canonical);
    }
    volatile double zero = 0.0;
    const double negative_zero = -zero;
    REQUIRE(std::signbit(negative_zero));
    CHECK(hash_with([&](dc::hasher& h) { h.f64(negative_zero); }) == hash_with([](dc::hasher& h) { h.f64(0.0); }));
}

TEST_CASE("hash128: two XXH64 lanes over the same bytes", "[hash]") {
    constexpr std::array<unsigned char, 3> abc{'a', 'b', 'c'};
    STATIC_REQUIRE(bytes_hash(abc).hi == dc::xxh64(abc.data(), 3, dc::lane_seed_hi));
    STATIC_REQUIRE(bytes_hash(abc).lo == dc::xxh64(abc.data(), 3, dc::lane_seed_lo));
    STATIC_REQUIRE(dc::hasher{}.finish() ==
                   dc::hash128{dc::xxh64("", dc::lane_seed_hi), dc::xxh64("", dc::lane_seed_lo)});
    // h(x) feeds hi then lo as two u64.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { h.h(dc::hash128{1, 2}); }) ==
                   hash_with([](dc::hasher& h) { h.u64(1).u64(2); }));
}

TEST_CASE("hash128: hex, short_hex, bytes, comparisons", "[hash]") {
    constexpr dc::hash128 x{0x0123456789abcdefull, 0xfedcba9876543210ull};
    CHECK(x.hex() == "0123456789abcdeffedcba9876543210");
    CHECK(x.short_hex() == "0123456789ab");
    CHECK(dc::hash128{}.hex() == std::string(32, '0'));
    CHECK(dc::hash128{0, 1}.hex() == "00000000000000000000000000000001");
    CHECK(dc::hash128{0xF, 0}.hex() == "000000000000000f0000000000000000");
    const auto b = x.bytes();
    CHECK(b == std::array<unsigned char, 16>{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                              0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10});
    STATIC_REQUIRE(dc::hash128{}.is_zero());
    STATIC_REQUIRE(!x.is_zero());
    STATIC_REQUIRE(dc::hash128{1, 0} > dc::hash128{0, ~0ull});  // hi lane first, like bytes()
    STATIC_REQUIRE(dc::hash128{1, 2} == dc::hash128{1, 2});
    STATIC_REQUIRE(dc::hash128{1, 2} != dc::hash128{2, 1});
}

TEST_CASE("chain hashes: the format version is folded into the seed, steps run in order", "[hash]") {
    constexpr dc::hash128 src{11, 22};
    STATIC_REQUIRE(dc::chain_seed(src) ==
                   hash_with([&](dc::hasher& h) { h.tag("datachain.chain").u32(dc::hash_format_version).h(src); }));
    STATIC_REQUIRE(dc::chain_seed(src) !=
                   hash_with([&](dc::hasher& h) { h.tag("datachain.chain").u32(dc::hash_format_version + 1).h(src); }));
    STATIC_REQUIRE(dc::chain_step(src, {1, 1}) == dc::combine("step", src, {1, 1}));
    constexpr dc::hash128 a{1, 1}, b{2, 2};
    STATIC_REQUIRE(dc::chain_step(dc::chain_step(src, a), b) != dc::chain_step(dc::chain_step(src, b), a));
    STATIC_REQUIRE(dc::combine("x", a, b) != dc::combine("y", a, b));
}

namespace {
template <class T>
constexpr dc::hash128 value_hash(const T& v) {
    dc::hasher h;
    dc::hash_value(h, v);
    return h.finish();
}
} // namespace

TEST_CASE("hash_value: values normalize by kind", "[hash]") {
    // Integers widen to 64 bits by signedness; floating values to double.
    STATIC_REQUIRE(value_hash(std::int8_t{-5}) == hash_with([](dc::hasher& h) { h.i64(-5); }));
    STATIC_REQUIRE(value_hash(std::int32_t{-5}) == value_hash(std::int64_t{-5}));
    STATIC_REQUIRE(value_hash(std::uint8_t{200}) == hash_with([](dc::hasher& h) { h.u64(200); }));
    STATIC_REQUIRE(value_hash(std::uint16_t{7}) == value_hash(std::uint64_t{7}));
    STATIC_REQUIRE(value_hash(1.5f) == value_hash(1.5));
    STATIC_REQUIRE(value_hash(true) == hash_with([](dc::hasher& h) { h.u8(1); }));
    // Containers: length first; optional: presence byte first.
    STATIC_REQUIRE(value_hash(std::optional<std::int32_t>{}) == hash_with([](dc::hasher& h) { h.u8(0); }));
    STATIC_REQUIRE(value_hash(std::optional<std::int32_t>{3}) ==
                   hash_with([](dc::hasher& h) { h.u8(1).i64(3); }));
    STATIC_REQUIRE(value_hash(std::tuple<std::int32_t, double>{1, 2.0}) ==
                   hash_with([](dc::hasher& h) { h.i64(1).f64(2.0); }));
    REQUIRE(value_hash(std::vector<std::int32_t>{1, 2}) == hash_with([](dc::hasher& h) { h.u64(2).i64(1).i64(2); }));
    REQUIRE(value_hash(std::vector<std::vector<std::int32_t>>{{1}, {}}) !=
            value_hash(std::vector<std::vector<std::int32_t>>{{}, {1}}));
    REQUIRE(value_hash(std::string("ab")) == hash_with([](dc::hasher& h) { h.str("ab"); }));
    REQUIRE(value_hash(-0.0) == value_hash(0.0));
}
