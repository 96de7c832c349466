// datachain/core/xxhash.hpp: the constexpr XXH64 must equal libxxhash's XXH64
// byte for byte, at compile time and at run time, one-shot and streaming. At
// run time xxh64 calls libxxhash, so the constexpr path (detail::xxh::ce_*) is
// also run at run time here and compared, and streams started at compile time
// are continued at run time (they share libxxhash's state layout).
#include <datachain/core/xxhash.hpp>

#include <catch2/catch.hpp>
#include <xxhash.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace dc = datachain;

namespace {

constexpr std::size_t max_len = 2048;
constexpr std::uint64_t prime32 = 2654435761U;

// xxHash's sanity buffer (xsum_sanity_check.c, fillTestBuffer), generated in
// a constexpr function so the published values can be checked in
// static_assert.
constexpr std::array<unsigned char, max_len> sanity_buffer() {
    std::array<unsigned char, max_len> buf{};
    std::uint64_t byte_gen = prime32;
    for (auto& b : buf) {
        b = static_cast<unsigned char>(byte_gen >> 56);
        byte_gen *= 11400714785074694797ULL;
    }
    return buf;
}

inline constexpr auto buffer = sanity_buffer();

constexpr std::uint64_t ours(std::size_t len, std::uint64_t seed) { return dc::xxh64(buffer.data(), len, seed); }

std::uint64_t reference(std::size_t len, std::uint64_t seed) { return XXH64(buffer.data(), len, seed); }

} // namespace

TEST_CASE("xxh64 matches xxHash's published sanity values at compile time", "[xxhash]") {
    STATIC_REQUIRE(ours(0, 0) == 0xEF46DB3751D8E999ULL);
    STATIC_REQUIRE(ours(0, prime32) == 0xAC75FDA2929B17EFULL);
    STATIC_REQUIRE(ours(1, 0) == 0xE934A84ADB052768ULL);
    STATIC_REQUIRE(ours(1, prime32) == 0x5014607643A9B4C3ULL);
    STATIC_REQUIRE(ours(4, 0) == 0x9136A0DCA57457EEULL);
    STATIC_REQUIRE(ours(14, 0) == 0x8282DCC4994E35C8ULL);
    STATIC_REQUIRE(ours(14, prime32) == 0xC3BD6BF63DEB6DF0ULL);
    STATIC_REQUIRE(ours(222, 0) == 0xB641AE8CB691C174ULL);
    STATIC_REQUIRE(ours(222, prime32) == 0x20CB8AB7AE10C14AULL);
    // The character-string overload reads the same bytes.
    STATIC_REQUIRE(dc::xxh64(std::string_view{}) == 0xEF46DB3751D8E999ULL);
}

TEST_CASE("xxh64 equals libxxhash for every length 0..2048, seeds 0 and 2654435761", "[xxhash]") {
    // The same values through the run-time path.
    REQUIRE(ours(0, 0) == 0xEF46DB3751D8E999ULL);
    REQUIRE(ours(222, prime32) == 0x20CB8AB7AE10C14AULL);

    std::size_t mismatches = 0;
    for (std::uint64_t seed : {std::uint64_t{0}, prime32}) {
        for (std::size_t len = 0; len <= max_len; ++len) {
            const std::uint64_t mine = ours(len, seed);
            const std::uint64_t theirs = reference(len, seed);
            if (mine != theirs) {
                ++mismatches;
                INFO("len " << len << " seed " << seed);
                CHECK(mine == theirs);
            }
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("xxh64 of a character string equals xxh64 of its bytes", "[xxhash]") {
    // update(string_view) copies through a 64-byte window: lengths around and
    // beyond it, and bytes >= 0x80 (negative as char), must not change anything.
    for (std::size_t len : {0u, 1u, 31u, 32u, 33u, 63u, 64u, 65u, 127u, 128u, 129u, 1000u, 2048u}) {
        std::string s(reinterpret_cast<const char*>(buffer.data()), len);
        INFO("len " << len);
        CHECK(dc::xxh64(s) == reference(len, 0));
        CHECK(dc::xxh64(s, prime32) == reference(len, prime32));
    }
}

TEST_CASE("streaming xxh64 in random splits equals one-shot", "[xxhash]") {
    std::mt19937_64 rng{20240601};
    std::size_t mismatches = 0;
    for (int round = 0; round < 400; ++round) {
        const std::size_t len = rng() % (max_len + 1);
        const std::uint64_t seed = (round % 3 == 0) ? 0 : rng();
        const std::uint64_t want = reference(len, seed);

        // Byte pointers: chunks of 0..70 bytes, so both the 32-byte stripe
        // buffer and zero-length updates are exercised.
        dc::xxh64_stream bytes{seed};
        // Character strings: chunks up to 200 bytes cross the 64-byte window.
        dc::xxh64_stream chars{seed};
        std::size_t at = 0;
        while (at < len) {
            const std::size_t n = std::min<std::size_t>(rng() % 71, len - at);
            bytes.update(buffer.data() + at, n);
            at += n;
        }
        at = 0;
        while (at < len) {
            const std::size_t n = std::min<std::size_t>(rng() % 201, len - at);
            chars.update(std::string_view(reinterpret_cast<const char*>(buffer.data()) + at, n));
            at += n;
        }
        if (bytes.digest() != want || chars.digest() != want) {
            ++mismatches;
            INFO("len " << len << " seed " << seed);
            CHECK(bytes.digest() == want);
            CHECK(chars.digest() == want);
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("xxh64_stream: digest does not consume the state, one byte at a time works", "[xxhash]") {
    dc::xxh64_stream s{prime32};
    for (std::size_t i = 0; i < 100; ++i) {
        REQUIRE(s.digest() == reference(i, prime32));
        s.update(buffer.data() + i, 1);
    }
    REQUIRE(s.digest() == reference(100, prime32));

    // A split stream at compile time equals the one-shot value.
    constexpr std::uint64_t split = [] {
        dc::xxh64_stream st{0};
        st.update(buffer.data(), 5);
        st.update(buffer.data() + 5, 0);
        st.update(buffer.data() + 5, 40);
        st.update(buffer.data() + 45, 177);
        return st.digest();
    }();
    STATIC_REQUIRE(split == 0xB641AE8CB691C174ULL);
}

namespace {
std::uint64_t constexpr_path(const unsigned char* p, std::size_t n, std::uint64_t seed) {
    XXH64_state_t st{};
    dc::detail::xxh::ce_reset(st, seed);
    dc::detail::xxh::ce_update(st, p, n);
    return dc::detail::xxh::ce_digest(st);
}
} // namespace

TEST_CASE("the constexpr path, run at run time, equals libxxhash for every length", "[xxhash]") {
    std::size_t mismatches = 0;
    for (std::uint64_t seed : {std::uint64_t{0}, prime32}) {
        for (std::size_t len = 0; len <= max_len; ++len) {
            if (constexpr_path(buffer.data(), len, seed) != reference(len, seed)) {
                ++mismatches;
                INFO("len " << len << " seed " << seed);
                CHECK(constexpr_path(buffer.data(), len, seed) == reference(len, seed));
            }
        }
    }
    CHECK(mismatches == 0);

    // Random splits through ce_update leave the same state libxxhash's
    // XXH64_update leaves: the digests of both agree after every step.
    std::mt19937_64 rng{7};
    for (int round = 0; round < 200; ++round) {
        XXH64_state_t ce{};
        const std::uint64_t seed = rng();
        dc::detail::xxh::ce_reset(ce, seed);
        XXH64_state_t* lib = XXH64_createState();
        XXH64_reset(lib, seed);
        std::size_t at = 0;
        const std::size_t len = rng() % (max_len + 1);
        while (at < len) {
            const std::size_t n = std::min<std::size_t>(rng() % 71, len - at);
            dc::detail::xxh::ce_update(ce, buffer.data() + at, n);
            XXH64_update(lib, buffer.data() + at, n);
            at += n;
            REQUIRE(dc::detail::xxh::ce_digest(ce) == XXH64_digest(lib));
            REQUIRE(XXH64_digest(&ce) == XXH64_digest(lib));
        }
        XXH64_freeState(lib);
    }
}

template <std::size_t K>
constexpr dc::xxh64_stream compile_time_prefix() {
    dc::xxh64_stream st{prime32};
    st.update(buffer.data(), K);
    return st;
}
template <std::size_t K>
void continue_at_run_time() {
    constexpr dc::xxh64_stream start = compile_time_prefix<K>();
    dc::xxh64_stream st = start;
    st.update(buffer.data() + K, 777 - K);
    INFO("compile-time prefix " << K);
    CHECK(st.digest() == reference(777, prime32));
}

TEST_CASE("a stream started at compile time continues at run time", "[xxhash]") {
    continue_at_run_time<0>();
    continue_at_run_time<5>();
    continue_at_run_time<31>();
    continue_at_run_time<32>();
    continue_at_run_time<45>();
    continue_at_run_time<100>();
}
