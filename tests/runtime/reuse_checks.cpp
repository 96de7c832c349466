// The row memo of gen and agg checks an earlier table against what was
// recorded when it was saved (its 'H' record, runtime/table_checks.hpp)
// before it reuses anything from it (issue 9, "never silently wrong"): a
// row rewritten with another valid value, or deleted, through the store API
// (damage LevelDB's checksums cannot see) is never reused into a new version
// that verifies. The table is discarded with a warning and its inputs are
// computed, as for map (integrity.cpp, [reuse]). Through segments
// (segments.hpp) the check covers the rows a table refers to in another
// table. A table with no record is reused unchecked, as before.
#include "support.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace {

std::atomic<int> calls{0};

// x % 4 outputs per input: x*10, x*10+1, ... (input 7: three rows).
std::vector<std::int64_t> spread(std::int64_t x) {
    ++calls;
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < x % 4; ++i) v.push_back(x * 10 + i);
    return v;
}
std::vector<std::int64_t> sum_of(const std::vector<std::int64_t>& v) {
    ++calls;
    std::int64_t s = 0;
    for (auto x : v) s += x;
    return {s};
}

auto gen_chain(std::int64_t n) {
    return dc::read_values<"x">(rt::iota64(n)) | dc::gen<"y">(dc::versioned("spread", 1, &spread)) |
           dc::save("gens");
}
using gen_schema = decltype(gen_chain(0).run(std::declval<dc::session&>()))::schema_type;

// k = i / 3 for i in 0..rows-1 (partitions of 3 rows; partition k at ordinal k), n = i.
auto agg_chain(std::int64_t rows) {
    std::vector<std::int64_t> k, n;
    for (std::int64_t i = 0; i < rows; ++i) {
        k.push_back(i / 3);
        n.push_back(i);
    }
    return dc::read_values<"k", "n">(std::move(k), std::move(n)) |
           dc::agg<"total">(dc::versioned("sum_of", 1, &sum_of), dc::partition_by<"k">, dc::params<"n">) |
           dc::save("sums");
}
using agg_schema = decltype(agg_chain(0).run(std::declval<dc::session&>()))::schema_type;

std::vector<std::int64_t> gen_rows(dc::session& s) {
    std::vector<std::int64_t> out;
    for (const auto& r : dc::open_dataset<gen_schema>(s, "gens")) out.push_back(r.get<"y">());
    return out;
}
std::vector<std::pair<std::int64_t, std::int64_t>> agg_rows(dc::session& s) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& r : dc::open_dataset<agg_schema>(s, "sums")) out.emplace_back(r.get<"k">(), r.get<"total">());
    return out;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Settings that collect the run's warnings into `into`.
dc::settings collecting(const rt::memory_root& root, std::vector<std::string>& into) {
    auto c = rt::cfg(root.store());
    c.report = true;
    c.output = [&into](const dc::output_line& l) {
        if (l.what == dc::output_line::kind::warning) into.push_back(l.text);
    };
    return c;
}

// The table of the newest version of `name`.
std::uint64_t table_of(dc::session& s, const std::string& name) {
    auto r = s.find_dataset(name);
    REQUIRE(r);
    return r->table;
}

// Rewrites row (ordinal `at`, sub-index 0) of `table` with the value of row
// (`from`, 0): another valid row, which LevelDB's checksums cannot tell.
void rewrite_row(dc::store& db, std::uint64_t table, std::uint64_t at, std::uint64_t from) {
    const auto k = dc::detail::rec::row_key(table, at, 0);
    auto v = db.get(dc::detail::rec::row_key(table, from, 0));
    REQUIRE(v);
    REQUIRE(db.get(k));
    REQUIRE(*db.get(k) != *v);
    db.put(k, *v);
}
void delete_row(dc::store& db, std::uint64_t table, std::uint64_t at, std::uint32_t sub) {
    const auto k = dc::detail::rec::row_key(table, at, sub);
    REQUIRE(db.get(k));
    db.del(k);
}

} // namespace

namespace {

// After an earlier table of `chain` was damaged in `root`: a run over grown
// input (`n1`: `grown_calls` UDF calls when nothing of it is reused) warns
// once, naming `step`, reuses nothing of it, and equals a clean run; the run
// after it (`n2`, `n2 - n1` new inputs or partitions) reuses the sound table
// of the second run and does not read the damaged one again.
template <class Chain, class Rows>
void memo_refuses_damaged_table(const rt::memory_root& root, Chain chain, Rows rows, std::int64_t n1,
                                std::int64_t n2, int grown_calls, int last_calls, const char* step) {
    std::vector<std::string> warnings;
    auto c = collecting(root, warnings);
    rt::memory_root clean_root;
    dc::session clean{rt::cfg(clean_root.store())};
    {
        // The input grew: the step computes; its memo checks the earlier
        // table, which fails, so none of its rows is reused.
        dc::session s{c};
        calls = 0;
        auto ds = chain(n1).run(s);
        CHECK(calls == grown_calls);
        (void)chain(n1).run(clean);
        CHECK(rows(s) == rows(clean));
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
        REQUIRE(warnings.size() == 1);
        CHECK(contains(warnings[0], "damaged"));
        CHECK(contains(warnings[0], "not reused"));
        CHECK(contains(warnings[0], step));
    }
    warnings.clear();
    dc::session s{c};
    calls = 0;
    auto ds = chain(n2).run(s);
    CHECK(calls == last_calls);
    CHECK(warnings.empty());
    (void)chain(n2).run(clean);
    CHECK(rows(s) == rows(clean));
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

} // namespace

TEST_CASE("reuse checks: the memo of gen does not reuse the rows of a damaged earlier table",
          "[runtime][integrity][reuse][rowreuse]") {
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store())};
        (void)gen_chain(50).run(s);
        const auto t = table_of(s, "gens");
        SECTION("a row rewritten") { rewrite_row(s.db(), t, 10, 11); }  // input 10: 100, 101 -> 110, 101
        SECTION("a row deleted") { delete_row(s.db(), t, 7, 1); }       // input 7: 70, 71, 72 -> 70, 72
    }
    memo_refuses_damaged_table(root, gen_chain, gen_rows, 60, 70, 60, 10, "gen<y>");
}

TEST_CASE("reuse checks: the memo of agg does not reuse the rows of a damaged earlier table",
          "[runtime][integrity][reuse][rowreuse]") {
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store())};
        (void)agg_chain(300).run(s);
        const auto t = table_of(s, "sums");
        SECTION("a row rewritten") { rewrite_row(s.db(), t, 10, 11); }  // partition 10 reads as partition 11
        SECTION("a row deleted") { delete_row(s.db(), t, 5, 0); }       // partition 5 has no output
    }
    memo_refuses_damaged_table(root, agg_chain, agg_rows, 330, 360, 110, 10, "agg<total>");
}

TEST_CASE("reuse checks: gen's check covers the rows a table refers to in another table (segments)",
          "[runtime][integrity][reuse][rowreuse][segments]") {
    rt::memory_root root;
    std::uint64_t first = 0, second = 0;
    {
        dc::session s{rt::cfg(root.store())};
        (void)gen_chain(50).run(s);
        first = table_of(s, "gens");
        (void)gen_chain(55).run(s);  // refers to the first table's rows of inputs 0..49
        second = table_of(s, "gens");
        REQUIRE(!dc::detail::load_segments(s.db(), second).empty());
        // The first table no longer serves the memo itself (as when three
        // newer complete runs came after it), but the second refers to its
        // rows; one of them is rewritten there.
        s.db().del(dc::detail::exec::memo_key::table(first));
        rewrite_row(s.db(), first, 10, 11);
    }
    std::vector<std::string> warnings;
    dc::session s{collecting(root, warnings)};
    calls = 0;
    auto ds = gen_chain(60).run(s);
    CHECK(calls == 60);
    rt::memory_root clean_root;
    dc::session clean{rt::cfg(clean_root.store())};
    (void)gen_chain(60).run(clean);
    CHECK(gen_rows(s) == gen_rows(clean));
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "table " + std::to_string(second)));
}

TEST_CASE("reuse checks: a gen or agg table with no recorded content is reused unchecked, as before",
          "[runtime][reuse][rowreuse]") {
    // No 'H' record (a table saved by an earlier build, or never adopted by
    // a save): nothing to compare against, so it is not taken for damaged.
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store())};
        (void)gen_chain(50).run(s);
        (void)agg_chain(300).run(s);
        s.db().del(dc::detail::table_content_key(table_of(s, "gens")));
        s.db().del(dc::detail::table_content_key(table_of(s, "sums")));
    }
    std::vector<std::string> warnings;
    dc::session s{collecting(root, warnings)};
    calls = 0;
    (void)gen_chain(60).run(s);
    CHECK(calls == 10);
    calls = 0;
    (void)agg_chain(330).run(s);
    CHECK(calls == 10);
    CHECK(warnings.empty());
}
