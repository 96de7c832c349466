// Executing map (single and tuple outputs, dc::params, a struct output) and
// gen (vector and dc::generator, inputs that yield nothing); the same results
// whether collected or saved. Part of the runtime tests of every step (see
// steps.cpp).
#include "steps_support.hpp"

using namespace rt_steps;

TEST_CASE("steps: map with one output, a tuple, a struct and dc::params", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto src = dc::read_values<"n", "s">(rt::iota64(10), names10());

    auto sq = dc::collect(src | dc::map<"sq">(rt_square), s);
    REQUIRE(sq.size() == 10);
    for (std::size_t i = 0; i < 10; ++i) {
        CHECK(sq[i].get<"n">() == static_cast<std::int64_t>(i));
        CHECK(sq[i].get<"s">() == names10()[i]);
        CHECK(sq[i].get<"sq">() == static_cast<std::int64_t>(i * i));
    }
    auto dm = dc::collect(src | dc::map<"q", "r">(rt_divmod), s);
    CHECK(dm[7].get<"q">() == 2);
    CHECK(dm[7].get<"r">() == 1);
    // One name for a tuple result should make one tuple column: the schema
    // says so, but the executor flattens the tuple and does not compile
    // (guarded test at the end of this file).
    // binding by type, two parameters
    auto lab = dc::collect(src | dc::map<"label">(rt_label), s);
    CHECK(lab[3].get<"label">() == "d#3");
    // explicit binding: both parameters are int64 columns
    auto chain = src | dc::map<"sq">(rt_square) | dc::map<"w">(rt_weighted, dc::params<"n", "sq">) |
                 dc::map<"w2">(rt_weighted, dc::params<"sq", "n">);
    auto w = dc::collect(chain, s);
    CHECK(w[3].get<"w">() == 39.0);
    CHECK(w[3].get<"w2">() == 93.0);
    // a struct output, reached by member paths downstream
    auto st = dc::collect(src | dc::agg<"st">(rt_stats) | dc::filter(dc::C<"st.count"> == 10), s);
    REQUIRE(st.size() == 1);
    CHECK(st[0].get<"st.mean">() == 4.5);
    collect_and_save(chain, s, "mapped", w);
}

TEST_CASE("steps: gen with vectors, generators, tuples and empty outputs", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto src = dc::read_values<"n">(rt::iota64(10));

    auto v = dc::collect(src | dc::gen<"r">(rt_repeat), s);
    I64 got;
    for (auto& r : v) got.push_back(r.get<"r">());
    // n % 4 copies of n: inputs 0, 4, 8 yield nothing
    CHECK(got == I64{1, 2, 2, 3, 3, 3, 5, 6, 6, 7, 7, 7, 9});

    auto g = dc::collect(src | dc::gen<"r">(rt_repeat_gen), s);
    got.clear();
    for (auto& r : g) got.push_back(r.get<"r">());
    CHECK(got == I64{100, 200, 201, 300, 301, 302, 500, 600, 601, 700, 701, 702, 900});

    auto p = dc::collect(src | dc::gen<"n2", "tag">(rt_pairs), s);
    REQUIRE(p.size() == 10);
    CHECK(p[0].get<"n2">() == 0);
    CHECK(p[1].get<"tag">() == "b");
    CHECK(p[9].get<"n2">() == 8);

    // Nothing at all.
    CHECK(dc::collect(dc::read_values<"n">(I64{0, 4, 8}) | dc::gen<"r">(rt_repeat), s).empty());

    // Saved (the gen is the last step: its table is the dataset) and followed by a map.
    auto chain = src | dc::gen<"r">(rt_repeat_gen);
    collect_and_save(chain, s, "generated", g);
    auto after = dc::collect(chain | dc::map<"r1">(rt_plus1, dc::params<"r">), s);
    REQUIRE(after.size() == 13);
    CHECK(after[12].get<"r1">() == 901);
    // small batches: outputs of one input cross batch boundaries
    auto small = dc::collect(chain, s, {.ignore_checkpoints = true, .batch_size = 2});
    CHECK(small == g);
}

TEST_CASE("steps: one output name for a tuple result is a tuple column", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto src = dc::read_values<"n">(rt::iota64(10));
    auto whole = dc::collect(src | dc::map<"qr">(rt_divmod), s);
    CHECK(whole[8].get<"qr">() == std::tuple<std::int64_t, std::int64_t>{2, 2});
    auto pairs = dc::collect(src | dc::gen<"p">(rt_pairs), s);
    CHECK(pairs[1].get<"p">() == std::tuple<std::int64_t, std::string>{0, "b"});
}
