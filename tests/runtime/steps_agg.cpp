// Executing agg with and without partition_by (vector parameters, tuple
// outputs, string keys, empty input); the same results whether collected or
// saved. Part of the runtime tests of every step (see steps.cpp).
#include "steps_support.hpp"

#include <bit>
#include <cmath>
#include <limits>

using namespace rt_steps;

TEST_CASE("steps: agg with and without partition_by", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto src = dc::read_values<"n">(rt::iota64(10)) | dc::map<"k">(rt_mod3);

    // Partitions in the order of their first row: k = 0, 1, 2.
    auto part = dc::collect(src | dc::agg<"total">(rt_sum, dc::partition_by<"k">, dc::params<"n">), s);
    REQUIRE(part.size() == 3);
    CHECK(part[0].get<"k">() == 0);
    CHECK(part[0].get<"total">() == 0 + 3 + 6 + 9);
    CHECK(part[1].get<"k">() == 1);
    CHECK(part[1].get<"total">() == 1 + 4 + 7);
    CHECK(part[2].get<"total">() == 2 + 5 + 8);

    auto all = dc::collect(src | dc::agg<"total">(rt_sum, dc::partition_by<>, dc::params<"n">), s);
    REQUIRE(all.size() == 1);
    CHECK(all[0].get<"total">() == 45);

    // Two vector parameters, several rows per partition, tuple outputs, string keys.
    auto named = dc::read_values<"n", "s", "g">(rt::iota64(6), std::vector<std::string>{"a", "b", "c", "d", "e", "f"},
                                                std::vector<std::string>{"x", "y", "x", "x", "y", "z"});
    auto firsts = dc::collect(named | dc::agg<"name", "num">(rt_first_two, dc::partition_by<"g">, dc::params<"s", "n">), s);
    REQUIRE(firsts.size() == 5);  // x: a, c; y: b, e; z: f
    CHECK(firsts[0].get<"g">() == "x");
    CHECK(firsts[0].get<"name">() == "a");
    CHECK(firsts[1].get<"name">() == "c");
    CHECK(firsts[1].get<"num">() == 2);
    CHECK(firsts[2].get<"g">() == "y");
    CHECK(firsts[3].get<"name">() == "e");
    CHECK(firsts[4].get<"g">() == "z");

    // Empty input: no partitions.
    auto none = dc::read_values<"n">(I64{}) | dc::map<"k">(rt_mod3);
    CHECK(dc::collect(none | dc::agg<"total">(rt_sum, dc::partition_by<"k">, dc::params<"n">), s).empty());

    collect_and_save(src | dc::agg<"total">(rt_sum, dc::partition_by<"k">, dc::params<"n">), s, "sums", part);
}

TEST_CASE("steps: agg partition keys compare by their stored bytes: 0.0 and -0.0, NaNs of other bits",
          "[runtime][steps]") {
    const double nan_a = std::numeric_limits<double>::quiet_NaN();
    const double nan_b = std::bit_cast<double>(std::bit_cast<std::uint64_t>(nan_a) | 1);  // another payload
    REQUIRE(std::isnan(nan_b));
    const std::vector<double> ks{0.0, -0.0, nan_a, nan_b, 0.0, nan_a, -0.0};
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    SECTION("in memory") {}
    SECTION("spilled") { cfg.spill_bytes = 0; }
    dc::session s{cfg};
    auto parts = dc::collect(dc::read_values<"n", "k">(rt::iota64(7), ks) |
                                 dc::agg<"total">(rt_sum, dc::partition_by<"k">, dc::params<"n">),
                             s);
    REQUIRE(parts.size() == 4);  // in order of first row: 0.0, -0.0, nan_a, nan_b
    auto bits = [&](std::size_t i) { return std::bit_cast<std::uint64_t>(parts[i].get<"k">()); };
    CHECK(bits(0) == std::bit_cast<std::uint64_t>(0.0));
    CHECK(parts[0].get<"total">() == 0 + 4);
    CHECK(bits(1) == std::bit_cast<std::uint64_t>(-0.0));
    CHECK(parts[1].get<"total">() == 1 + 6);
    CHECK(bits(2) == std::bit_cast<std::uint64_t>(nan_a));
    CHECK(parts[2].get<"total">() == 2 + 5);
    CHECK(bits(3) == std::bit_cast<std::uint64_t>(nan_b));
    CHECK(parts[3].get<"total">() == 3);
}
