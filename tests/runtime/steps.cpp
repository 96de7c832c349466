// Executing the steps that move rows without UDFs: filter, select, order_by
// (asc / desc, stable), limit; a source alone; the same results whether
// collected or saved; and a 100k-row map. map and gen: steps_map_gen.cpp;
// agg: steps_agg.cpp.
#include "steps_support.hpp"

using namespace rt_steps;

TEST_CASE("steps: filter", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    auto src = dc::read_values<"n", "s">(rt::iota64(10), names10());
    auto rows = dc::collect(src | dc::filter((dc::C<"n"> > 2 && dc::C<"n"> <= 6) || dc::C<"s"> == "j"), s);
    std::vector<std::int64_t> ns;
    for (auto& r : rows) ns.push_back(r.get<"n">());
    CHECK(ns == I64{3, 4, 5, 6, 9});
    CHECK(dc::collect(src | dc::filter(dc::C<"n"> * 2 + 1 == 7), s).at(0).get<"s">() == "d");
    CHECK(dc::collect(src | dc::filter(!(dc::C<"n"> != 4)), s).size() == 1);
    CHECK(dc::collect(src | dc::filter(dc::C<"n"> % 2 == 0 && dc::C<"n"> >= 0.5), s).size() == 4);
    CHECK(dc::collect(src | dc::filter(dc::C<"s">.glob("[a-c]")), s).size() == 3);
    CHECK(dc::collect(src | dc::filter(dc::C<"n"> > 100), s).empty());
    CHECK(dc::collect(src | dc::filter(dc::C<"n"> < 100), s).size() == 10);
    // filter after filter, saved
    auto chain = src | dc::filter(dc::C<"n"> >= 5) | dc::filter(dc::C<"s">.contains("h"));
    auto expect = dc::collect(chain, s);
    REQUIRE(expect.size() == 1);
    collect_and_save(chain, s, "filtered", expect);
}

TEST_CASE("steps: select, order_by, limit", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    // n: 0..9; k = n % 3; s: a..j
    auto src = dc::read_values<"n", "s">(rt::iota64(10), names10()) | dc::map<"k">(rt_mod3);

    auto sel = dc::collect(src | dc::select<"s", "n">, s);
    REQUIRE(sel.size() == 10);
    using Sel = decltype(src | dc::select<"s", "n">)::schema;
    STATIC_REQUIRE(Sel::size == 2);
    STATIC_REQUIRE(Sel::names[0] == "s");
    CHECK(sel[4].values == std::tuple<std::string, std::int64_t>{"e", 4});

    // Nested member paths become columns named by the whole path.
    rt::temp_dir files;
    rt::write_file(files / "x.txt", "abc");
    auto fs_sel = dc::collect(dc::read_storage((files.path).string()) | dc::select<"file.path", "file.size">, s);
    REQUIRE(fs_sel.size() == 1);
    CHECK(fs_sel[0].get<"file.path">() == "x.txt");
    CHECK(fs_sel[0].get<"file.size">() == 3u);

    // Ascending, stable: equal keys keep their input order.
    auto asc = dc::collect(src | dc::order_by(dc::C<"k">), s);
    I64 ns;
    for (auto& r : asc) ns.push_back(r.get<"n">());
    CHECK(ns == I64{0, 3, 6, 9, 1, 4, 7, 2, 5, 8});
    // Descending, still stable within equal keys.
    auto desc = dc::collect(src | dc::order_by(dc::C<"k">.desc()), s);
    ns.clear();
    for (auto& r : desc) ns.push_back(r.get<"n">());
    CHECK(ns == I64{2, 5, 8, 1, 4, 7, 0, 3, 6, 9});
    // Two keys, mixed directions.
    auto two = dc::collect(src | dc::order_by(dc::C<"k">, dc::C<"n">.desc()), s);
    ns.clear();
    for (auto& r : two) ns.push_back(r.get<"n">());
    CHECK(ns == I64{9, 6, 3, 0, 7, 4, 1, 8, 5, 2});
    // Strings, descending.
    auto sdesc = dc::collect(src | dc::order_by(dc::C<"s">.desc()) | dc::limit(2), s);
    REQUIRE(sdesc.size() == 2);
    CHECK(sdesc[0].get<"s">() == "j");
    CHECK(sdesc[1].get<"s">() == "i");

    CHECK(dc::collect(src | dc::limit(3), s).size() == 3);
    CHECK(dc::collect(src | dc::limit(0), s).empty());
    CHECK(dc::collect(src | dc::limit(100), s).size() == 10);
    // limit across batches
    auto lim = dc::collect(src | dc::limit(7), s, {.batch_size = 3});
    REQUIRE(lim.size() == 7);
    CHECK(lim[6].get<"n">() == 6);

    auto chain = src | dc::order_by(dc::C<"k">.desc(), dc::C<"n">) | dc::limit(4) | dc::select<"n", "s">;
    auto expect = dc::collect(chain, s);
    REQUIRE(expect.size() == 4);
    CHECK(expect[3].get<"n">() == 1);
    collect_and_save(chain, s, "top", expect);
}

TEST_CASE("steps: a source alone, and a map over 100k values", "[runtime][steps]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    CHECK(dc::collect(dc::read_values<"n">(rt::iota64(5)), s).size() == 5);

    const std::int64_t n = 100000;
    auto chain = dc::read_values<"n">(rt::iota64(n)) | dc::map<"sq">(rt_square);
    auto rows = dc::collect(chain, s);
    REQUIRE(rows.size() == static_cast<std::size_t>(n));
    bool ok = true;
    for (std::int64_t i = 0; i < n; ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        ok = ok && r.get<"n">() == i && r.get<"sq">() == i * i;
    }
    CHECK(ok);
    auto ds = (chain | dc::filter(dc::C<"n"> % 10 == 0) | dc::save("big")).run(s);
    CHECK(ds.size() == static_cast<std::uint64_t>(n / 10));
    std::int64_t i = 0;
    ok = true;
    for (const auto& r : ds) {  // streams from the store
        ok = ok && r.get<"n">() == i && r.get<"sq">() == i * i;
        i += 10;
    }
    CHECK(ok);
    CHECK(i == n);
}
