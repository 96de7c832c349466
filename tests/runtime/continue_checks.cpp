// Reuse that is checked where no save reads the table (issue 9): a skipped
// step in the middle of a chain is checked against the content recorded
// when its table was finished, and a continued step checks that the outputs
// it keeps were computed from this run's inputs (map: the input columns of
// each kept row; gen / agg: the input id of each done mark). A mismatch is
// store_corrupt, the table is discarded, and the next run computes the step
// anew: never outputs of damaged rows or of other inputs in a new version.
#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace {

std::atomic<int> cc_calls{0};
std::atomic<std::int64_t> cc_fail_at{-1};

std::int64_t cc_ten_x(std::int64_t x) { return 10 * x; }
std::int64_t cc_plus_one(std::int64_t y) {
    ++cc_calls;
    if (y == cc_fail_at) throw std::runtime_error("bug at " + std::to_string(y));
    return y + 1;
}
std::vector<std::int64_t> cc_pair(std::int64_t y) {
    ++cc_calls;
    if (y == cc_fail_at) throw std::runtime_error("bug at " + std::to_string(y));
    return {y, y + 1};
}
std::vector<std::int64_t> cc_total(const std::vector<std::int64_t>& y) {
    ++cc_calls;
    if (!y.empty() && y.front() == cc_fail_at) throw std::runtime_error("bug in a partition");
    std::int64_t t = 0;
    for (auto v : y) t += v;
    return {t};
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// src: x = 0..49, k = x % 5, y = 10 x (its table is the map's, adopted by save).
auto src_chain() {
    std::vector<std::int64_t> x = rt::iota64(50), k;
    for (auto v : x) k.push_back(v % 5);
    return dc::read_values<"x", "k">(std::move(x), std::move(k)) |
           dc::map<"y">(dc::versioned("cc_ten_x", 1, &cc_ten_x), dc::params<"x">) | dc::save("src");
}
using SRC = decltype(src_chain())::schema;

// Rewrites src's stored row of x = 10: y = `y`; returns the value it held.
std::string rewrite_src_10(dc::session& s, std::int64_t y) {
    auto r = s.find_dataset("src");
    REQUIRE(r);
    const auto key = dc::detail::rec::row_key(r->table, 10, 0);
    auto old = s.db().get(key);
    REQUIRE(old);
    std::string v;
    dc::encode(v, std::tuple<std::int64_t, std::int64_t, std::int64_t>{10, 0, y});
    s.db().put(key, v);
    return *old;
}

void restore_src_10(dc::session& s, const std::string& value) {
    s.db().put(dc::detail::rec::row_key(s.find_dataset("src")->table, 10, 0), value);
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("src")));
}

// Settings for a store under `root` that report, collecting the warnings.
dc::settings reporting(const rt::memory_root& root, std::string job, std::vector<std::string>& warnings) {
    auto c = rt::cfg(root.store(), std::move(job));
    c.report = true;
    c.output = [&warnings](const dc::output_line& l) {
        if (l.what == dc::output_line::kind::warning) warnings.push_back(l.text);
    };
    return c;
}

// The table of every UDF checkpoint in the store.
std::vector<std::uint64_t> udf_tables(dc::session& s) {
    std::vector<std::uint64_t> out;
    for (auto c = s.db().scan("K"); c->valid(); c->next()) {
        auto r = dc::detail::rec::unpack<dc::checkpoint_record>(c->value(), "test", c->key());
        if (r.kind == static_cast<std::uint8_t>(dc::checkpoint_kind::udf)) out.push_back(r.table);
    }
    return out;
}

// Runs `chain()` three times around a damaged source: (1) with src's row 10
// damaged, the UDF failing at `fail_at` (after row 10, before the end of the
// read, whose content check would catch it); (2) src restored, the bug
// fixed: the step continues, and finds row 10's kept outputs were computed
// from another input: store_corrupt; (3) the step computes anew. Returns
// the third run's dataset.
template <class Chain>
auto fail_restore_rerun(Chain chain, std::int64_t fail_at, int inputs) {
    rt::memory_root root;
    std::string original;
    {
        dc::session s{rt::cfg(root.store(), "src")};
        src_chain().run(s);
        original = rewrite_src_10(s, 101);
    }
    {
        dc::session s{rt::cfg(root.store(), "down")};
        cc_fail_at = fail_at;
        REQUIRE_THROWS_AS(chain().run(s), dc::udf_error);
        cc_fail_at = -1;
        restore_src_10(s, original);
    }
    {
        dc::session s{rt::cfg(root.store(), "down")};
        auto e = rt::catch_error([&] { chain().run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "is not the input"));
        CHECK(contains(e.what(), "run again"));
        CHECK(s.datasets("down").empty());
    }
    dc::session s{rt::cfg(root.store(), "down")};
    cc_calls = 0;
    auto ds = chain().run(s);
    CHECK(cc_calls == inputs);  // computed anew: nothing kept from the runs before
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
    return ds;
}

} // namespace

TEST_CASE("checked reuse: a skipped step in the middle of a chain is checked when read to its end",
          "[runtime][integrity][reuse]") {
    rt::memory_root root;
    auto chain = [](std::int64_t least) {
        return dc::read_values<"x">(rt::iota64(50)) |
               dc::map<"y">(dc::versioned("cc_plus_one", 1, &cc_plus_one), dc::params<"x">) |
               dc::filter(dc::C<"y"> >= least) | dc::save("mid");
    };
    std::uint64_t table = 0;
    {
        dc::session s{rt::cfg(root.store(), "mid")};
        chain(0).run(s);
        auto t = udf_tables(s);
        REQUIRE(t.size() == 1);
        table = t[0];
        std::string v;
        dc::encode(v, std::tuple<std::int64_t, std::int64_t>{10, 999});
        s.db().put(dc::detail::rec::row_key(table, 10, 0), v);
    }
    {
        // The filter changed: save computes, the map is skipped, and its
        // table, read to its end through the filter, is not what was written.
        dc::session s{rt::cfg(root.store(), "mid")};
        cc_calls = 0;
        auto e = rt::catch_error([&] { chain(5).run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "table " + std::to_string(table)));
        CHECK(contains(e.what(), "map<y>"));
        CHECK(cc_calls == 0);
        CHECK(s.datasets("mid").size() == 1);  // no version of the damaged rows
    }
    dc::session s{rt::cfg(root.store(), "mid")};
    cc_calls = 0;
    auto ds = chain(5).run(s);
    CHECK(cc_calls == 50);
    std::vector<std::int64_t> ys;
    for (const auto& r : ds) ys.push_back(r.get<"y">());
    CHECK(ys.size() == 46);
    CHECK(std::find(ys.begin(), ys.end(), 999) == ys.end());
    CHECK(std::find(ys.begin(), ys.end(), 11) != ys.end());
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

TEST_CASE("checked reuse: a continued map keeps no output computed from another input",
          "[runtime][integrity][reuse]") {
    auto ds = fail_restore_rerun(
        [] {
            return dc::read_dataset<SRC>("src") |
                   dc::map<"z">(dc::versioned("cc_plus_one", 1, &cc_plus_one), dc::params<"y">) | dc::save("down");
        },
        300, 50);
    for (const auto& r : ds)
        if (r.get<"x">() == 10) {
            CHECK(r.get<"y">() == 100);
            CHECK(r.get<"z">() == 101);
        }
}

TEST_CASE("checked reuse: a continued gen keeps no output computed from another input",
          "[runtime][integrity][reuse]") {
    auto ds = fail_restore_rerun(
        [] {
            return dc::read_dataset<SRC>("src") | dc::gen<"w">(dc::versioned("cc_pair", 1, &cc_pair), dc::params<"y">) |
                   dc::save("down");
        },
        300, 50);
    std::vector<std::int64_t> got, want;
    for (const auto& r : ds) got.push_back(r.get<"w">());
    for (std::int64_t x = 0; x < 50; ++x) {
        want.push_back(10 * x);
        want.push_back(10 * x + 1);
    }
    CHECK(got == want);
}

TEST_CASE("checked reuse: a continued agg whose done mark was rewritten is store_corrupt, then computed anew",
          "[runtime][integrity][reuse]") {
    // agg reads its whole input before its first call, so a damaged source
    // fails its content check first; a continued agg checks its done marks
    // (with its rows, against the running check): partition 0's is
    // rewritten after a failure in partition 3 (the first y of partition 3
    // is 30).
    auto chain = [] {
        return dc::read_dataset<SRC>("src") |
               dc::agg<"total">(dc::versioned("cc_total", 1, &cc_total), dc::partition_by<"k">, dc::params<"y">) |
               dc::save("down");
    };
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store(), "src")};
        src_chain().run(s);
    }
    {
        dc::session s{rt::cfg(root.store(), "down")};
        cc_fail_at = 30;
        REQUIRE_THROWS_AS(chain().run(s), dc::udf_error);
        cc_fail_at = -1;
        auto t = udf_tables(s);
        REQUIRE(t.size() == 2);  // src's map, and this agg's
        const auto mark = dc::detail::rec::done_key(std::max(t[0], t[1]), 0);
        REQUIRE(s.db().get(mark));
        s.db().put(mark, std::string(16, '\x5a'));
    }
    {
        dc::session s{rt::cfg(root.store(), "down")};
        auto e = rt::catch_error([&] { chain().run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "done marks differ from those written"));  // the running check, first
        CHECK(s.datasets("down").empty());
    }
    dc::session s{rt::cfg(root.store(), "down")};
    cc_calls = 0;
    auto ds = chain().run(s);
    CHECK(cc_calls == 5);
    std::vector<std::int64_t> got, want(5, 0);
    for (const auto& r : ds) got.push_back(r.get<"total">());
    for (std::int64_t x = 0; x < 50; ++x) want[static_cast<std::size_t>(x % 5)] += 10 * x;
    CHECK(got == want);
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

TEST_CASE("checked reuse: a continued gen whose kept rows were damaged is store_corrupt, then computed anew",
          "[runtime][integrity][reuse]") {
    // The rows and done marks a failed run kept are checked against the
    // running sum its commits recorded, before any is used: a row deleted
    // (fewer rows), rewritten (other rows), or a done mark deleted (the
    // rerun would compute input 7 again over its kept rows) is found, though
    // LevelDB's checksums pass. The message says to run again (an outside
    // review found "remove the store's checkpoints" advised where a rerun is
    // enough), and that run computes the step anew.
    enum class damage { row_deleted, row_rewritten, mark_deleted };
    const auto what = GENERATE(damage::row_deleted, damage::row_rewritten, damage::mark_deleted);
    auto chain = [] {
        return dc::read_dataset<SRC>("src") | dc::gen<"w">(dc::versioned("cc_pair", 1, &cc_pair), dc::params<"y">) |
               dc::save("down");
    };
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store(), "src")};
        src_chain().run(s);
    }
    std::uint64_t table = 0;
    {
        dc::session s{rt::cfg(root.store(), "down")};
        cc_fail_at = 300;
        REQUIRE_THROWS_AS(chain().run(s), dc::udf_error);
        cc_fail_at = -1;
        auto t = udf_tables(s);
        REQUIRE(t.size() == 2);
        table = std::max(t[0], t[1]);
        const auto key = what == damage::mark_deleted ? dc::detail::rec::done_key(table, 7)
                                                      : dc::detail::rec::row_key(table, 7, 1);  // x = 7: w = 71
        REQUIRE(s.db().get(key));
        if (what == damage::row_rewritten) {
            std::string v;
            dc::encode(v, std::tuple<std::int64_t>{7100});
            s.db().put(key, v);
        } else {
            s.db().del(key);
        }
    }
    {
        dc::session s{rt::cfg(root.store(), "down")};
        cc_calls = 0;
        auto e = rt::catch_error([&] { chain().run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "the outputs an earlier run kept (table " + std::to_string(table)));
        CHECK(contains(e.what(), what == damage::row_deleted     ? "it holds 59 rows, 60 were written"
                                 : what == damage::mark_deleted ? "it holds 29 done marks, 30 were written"
                                                                : "differ from those written"));
        CHECK(contains(e.what(), "run again to compute the step anew"));
        CHECK_FALSE(contains(e.what(), "datachain gc"));
        CHECK(cc_calls == 0);  // found before any call
        CHECK(s.datasets("down").empty());
    }
    dc::session s{rt::cfg(root.store(), "down")};
    cc_calls = 0;
    auto ds = chain().run(s);
    CHECK(cc_calls == 50);
    std::vector<std::int64_t> got, want;
    for (const auto& r : ds) got.push_back(r.get<"w">());
    for (std::int64_t x = 0; x < 50; ++x) {
        want.push_back(10 * x);
        want.push_back(10 * x + 1);
    }
    CHECK(got == want);
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

TEST_CASE("checked reuse: the memo checks the partial table of a failed run against its commits",
          "[runtime][integrity][reuse]") {
    // A failed run's table has no finished content record, but each commit
    // recorded the running check: the memo of a later run over grown input
    // (another chain: the table is not continued) checks it before reusing
    // any of it.
    const bool gen = GENERATE(false, true);
    rt::memory_root root;
    std::vector<std::string> warnings;
    auto c = reporting(root, "grow", warnings);
    auto run = [&](dc::session& s, std::int64_t n) {
        auto src = dc::read_values<"y">(rt::iota64(n));
        std::vector<std::int64_t> out;
        if (gen) {
            for (const auto& r : (src | dc::gen<"w">(dc::versioned("cc_pair", 1, &cc_pair)) | dc::save("g")).run(s))
                out.push_back(r.get<"w">());
        } else {
            for (const auto& r : (src | dc::map<"w">(dc::versioned("cc_plus_one", 1, &cc_plus_one)) | dc::save("g")).run(s))
                out.push_back(r.get<"w">());
        }
        return out;
    };
    {
        dc::session s{c};
        cc_fail_at = 30;
        REQUIRE_THROWS_AS(run(s, 50), dc::udf_error);
        cc_fail_at = -1;
        auto t = udf_tables(s);
        REQUIRE(t.size() == 1);
        CHECK_FALSE(dc::detail::recorded_table_content(s.db(), t[0]));  // not finished
        auto running = dc::detail::recorded_table_sum(s.db(), t[0]);
        REQUIRE(running);
        CHECK(running->rows == (gen ? 60u : 30u));
        const auto key = dc::detail::rec::row_key(t[0], 10, 0);
        REQUIRE(s.db().get(key));
        std::string v;
        if (gen) dc::encode(v, std::tuple<std::int64_t>{999});
        else dc::encode(v, std::tuple<std::int64_t, std::int64_t>{10, 999});
        s.db().put(key, v);
    }
    dc::session s{c};
    cc_calls = 0;
    auto got = run(s, 60);
    CHECK(cc_calls == 60);  // nothing reused from the damaged table
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "damaged"));
    CHECK(contains(warnings[0], gen ? "rows or done marks differ from those written" : "rows differ from those written"));
    std::vector<std::int64_t> want;
    for (std::int64_t y = 0; y < 60; ++y) {
        want.push_back(gen ? y : y + 1);
        if (gen) want.push_back(y + 1);
    }
    CHECK(got == want);
}

TEST_CASE("checked reuse: the memo of gen and agg checks the done marks it reads",
          "[runtime][integrity][reuse]") {
    // The memo finds an input's outputs by the input id its done mark holds:
    // two marks swapped (each still a valid id) would hand each input the
    // other's outputs. The running check covers the marks: nothing of that
    // table is reused, and the new version equals a clean run.
    const bool agg = GENERATE(false, true);
    rt::memory_root root;
    std::vector<std::string> warnings;
    auto c = reporting(root, "marks", warnings);
    auto run = [&](dc::session& s, std::int64_t n) {
        std::vector<std::int64_t> y = rt::iota64(n), k;
        for (auto v : y) k.push_back(v / 10);
        auto src = dc::read_values<"y", "k">(std::move(y), std::move(k));
        std::vector<std::int64_t> out;
        if (agg) {
            for (const auto& r : (src | dc::agg<"w">(dc::versioned("cc_total", 1, &cc_total), dc::partition_by<"k">,
                                                    dc::params<"y">) |
                                  dc::save("m"))
                                     .run(s))
                out.push_back(r.get<"w">());
        } else {
            for (const auto& r :
                 (src | dc::gen<"w">(dc::versioned("cc_pair", 1, &cc_pair), dc::params<"y">) | dc::save("m")).run(s))
                out.push_back(r.get<"w">());
        }
        return out;
    };
    std::vector<std::int64_t> clean;
    {
        dc::session s{rt::cfg(rt::memory_root{}.store(), "clean")};
        clean = run(s, 60);
    }
    {
        dc::session s{c};
        (void)run(s, 50);
        auto t = udf_tables(s);
        REQUIRE(t.size() == 1);
        const auto m1 = dc::detail::rec::done_key(t[0], 1), m2 = dc::detail::rec::done_key(t[0], 2);
        auto v1 = s.db().get(m1), v2 = s.db().get(m2);
        REQUIRE((v1 && v2));
        s.db().put(m1, *v2);
        s.db().put(m2, *v1);
    }
    dc::session s{c};
    cc_calls = 0;
    auto got = run(s, 60);
    CHECK(cc_calls == (agg ? 6 : 60));  // nothing reused from the damaged table
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "done marks differ from those written"));
    CHECK(got == clean);
}
