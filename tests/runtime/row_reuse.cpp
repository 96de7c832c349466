// Row-level reuse (the row memo, runtime/memo.hpp): a UDF step's outputs are
// reused per input across source changes; only inputs not seen before with
// the same code call the UDF, and the result equals a clean run of the
// current program, row for row, in the order of the current input.
#include "support.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace {

std::atomic<int> calls{0};

std::int64_t file_len(const dc::File& f) {
    ++calls;
    return static_cast<std::int64_t>(f.read().size());
}
std::int64_t file_len_v2(const dc::File& f) {
    ++calls;
    return 1000 + static_cast<std::int64_t>(f.read().size());
}
std::int64_t square(std::int64_t x) {
    ++calls;
    return x * x;
}
std::vector<std::int64_t> upto(std::int64_t x) {
    ++calls;
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < x % 4; ++i) v.push_back(x * 10 + i);
    return v;
}
std::vector<std::int64_t> total(const std::vector<std::int64_t>& v) {
    ++calls;
    std::int64_t s = 0;
    for (auto x : v) s += x;
    return {s};
}

auto lengths(const fs::path& dir, std::uint32_t version = 1) {
    return dc::read_storage(dir.string()) |
           dc::map<"len">(dc::versioned("file_len", version, version == 1 ? &file_len : &file_len_v2)) |
           dc::save("lengths");
}

// path -> len of a saved version, and the paths in order.
std::map<std::string, std::int64_t> by_path(const auto& ds, std::vector<std::string>* order = nullptr) {
    std::map<std::string, std::int64_t> m;
    for (const auto& r : ds) {
        m[r.template get<"file.path">()] = r.template get<"len">();
        if (order) order->push_back(r.template get<"file.path">());
    }
    return m;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

std::string name_of(int i) {
    char b[32];
    std::snprintf(b, sizeof b, "f%04d.txt", i);
    return b;
}

} // namespace

TEST_CASE("row reuse: add, modify, remove one file of 1,000: exactly the changed inputs call the UDF",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto data = d / "data";
    fs::create_directories(data);
    for (int i = 0; i < 1000; ++i) rt::write_file(data / name_of(i), std::string(static_cast<std::size_t>(i % 7), 'x'));
    auto cfg = rt::cfg(d.store());
    calls = 0;
    {
        dc::session s{cfg};
        CHECK(lengths(data).run(s).size() == 1000);
        CHECK(calls == 1000);
    }
    SECTION("add one file: one call, 1,001 rows, the new one in place") {
        rt::write_file(data / "f0500b.txt", "hello");
        calls = 0;
        dc::session s{cfg};
        auto ds = lengths(data).run(s);
        CHECK(calls == 1);
        std::vector<std::string> order;
        auto m = by_path(ds, &order);
        CHECK(m.size() == 1001);
        CHECK(m["f0500b.txt"] == 5);
        CHECK(std::is_sorted(order.begin(), order.end()));
        // The event says what happened: a UDF step that reused inputs.
        auto ev = s.events();
        auto it = std::find_if(ev.begin(), ev.end(), [](auto& e) { return e.type() == dc::event_kind::udf_reused; });
        REQUIRE(it != ev.end());
        CHECK(it->rows_before == 1000);
        CHECK(it->rows_now == 1);
    }
    SECTION("modify one file: one call, its new value") {
        rt::write_file(data / name_of(3), "a longer content than before");
        calls = 0;
        dc::session s{cfg};
        auto m = by_path(lengths(data).run(s));
        CHECK(calls == 1);
        CHECK(m[name_of(3)] == 28);
        CHECK(m[name_of(4)] == 4);
    }
    SECTION("remove one file: no call, a version without it") {
        fs::remove(data / name_of(10));
        calls = 0;
        dc::session s{cfg};
        auto m = by_path(lengths(data).run(s));
        CHECK(calls == 0);
        CHECK(m.size() == 999);
        CHECK(m.count(name_of(10)) == 0);
        CHECK(rt::versions(s, "lengths").size() == 2);
    }
    SECTION("code changed after success: every input recomputed") {
        rt::write_file(data / "new.txt", "n");
        calls = 0;
        dc::session s{cfg};
        auto m = by_path(lengths(data, 2).run(s));
        CHECK(calls == 1001);
        CHECK(m[name_of(6)] == 1006);
    }
    SECTION("checkpoints ignored: every input recomputed") {
        rt::write_file(data / "new.txt", "n");
        calls = 0;
        auto c2 = cfg;
        c2.ignore_checkpoints = true;
        dc::session s{c2};
        (void)lengths(data).run(s);
        CHECK(calls == 1001);
    }
}

TEST_CASE("row reuse: a reordered, grown source reuses by value and keeps the new order", "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::vector<std::int64_t> v) {
        return dc::read_values<"x">(std::move(v)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
               dc::save("squares");
    };
    calls = 0;
    {
        dc::session s{cfg};
        (void)chain(rt::iota64(100)).run(s);
        CHECK(calls == 100);
    }
    auto v = rt::iota64(100);
    std::reverse(v.begin(), v.end());
    v.push_back(500);
    v.insert(v.begin() + 50, 7);  // a duplicate of an input seen before
    calls = 0;
    dc::session s{cfg};
    auto ds = chain(v).run(s);
    CHECK(calls == 1);
    std::vector<std::int64_t> got, want;
    for (const auto& r : ds) got.push_back(r.get<"sq">());
    for (auto x : v) want.push_back(x * x);
    CHECK(got == want);
}

TEST_CASE("row reuse: gen keeps each input's outputs together, agg reruns only changed partitions",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    SECTION("gen") {
        auto chain = [](std::vector<std::int64_t> v) {
            return dc::read_values<"x">(std::move(v)) | dc::gen<"y">(dc::versioned("upto", 1, &upto)) |
                   dc::save("gen");
        };
        calls = 0;
        {
            dc::session s{cfg};
            (void)chain(rt::iota64(40)).run(s);
            CHECK(calls == 40);
        }
        auto v = rt::iota64(40);
        std::rotate(v.begin(), v.begin() + 13, v.end());
        v.push_back(41);
        v.push_back(43);
        calls = 0;
        dc::session s{cfg};
        auto ds = chain(v).run(s);
        CHECK(calls == 2);
        std::vector<std::int64_t> got, want;
        for (const auto& r : ds) got.push_back(r.get<"y">());
        for (auto x : v)
            for (std::int64_t i = 0; i < x % 4; ++i) want.push_back(x * 10 + i);
        CHECK(got == want);
    }
    SECTION("agg") {
        auto chain = [](std::vector<std::int64_t> k, std::vector<std::int64_t> n) {
            return dc::read_values<"k", "n">(std::move(k), std::move(n)) |
                   dc::agg<"total">(dc::versioned("total", 1, &total), dc::partition_by<"k">, dc::params<"n">) |
                   dc::save("sums");
        };
        std::vector<std::int64_t> k, n;
        for (std::int64_t i = 0; i < 100; ++i) {
            k.push_back(i % 10);
            n.push_back(i);
        }
        calls = 0;
        {
            dc::session s{cfg};
            (void)chain(k, n).run(s);
            CHECK(calls == 10);
        }
        n[3] = 1000;     // partition 3 changes
        k.push_back(10);  // a new partition
        n.push_back(5);
        calls = 0;
        dc::session s{cfg};
        auto ds = chain(k, n).run(s);
        CHECK(calls == 2);
        std::map<std::int64_t, std::int64_t> want, got;
        for (std::size_t i = 0; i < k.size(); ++i) want[k[i]] += n[i];
        for (const auto& r : ds) got[r.get<"k">()] = r.get<"total">();
        CHECK(got == want);
    }
}

TEST_CASE("row reuse: a saved version's table keeps serving reuse after gc, gc drops it with the version",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::int64_t n) {
        return dc::read_values<"x">(rt::iota64(n)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
               dc::save("squares");
    };
    {
        dc::session s{cfg};
        (void)chain(50).run(s);
    }
    {
        dc::session s{cfg};
        (void)s.gc(std::chrono::seconds(0));  // the version exists: its table stays
    }
    calls = 0;
    {
        dc::session s{cfg};
        (void)chain(51).run(s);
        CHECK(calls == 1);
        for (const auto& v : rt::versions(s, "squares")) s.remove_dataset("squares", v);
    }
    {
        dc::session s{cfg};
        auto st = s.gc(std::chrono::seconds(0));
        CHECK(st.tables >= 2);
    }
    calls = 0;
    dc::session s{cfg};
    (void)chain(51).run(s);
    CHECK(calls == 51);
    // Only what a table of this store refers to is left of the memo.
    std::size_t memo_records = 0;
    for (auto c = s.db().scan("Q"); c->valid(); c->next()) ++memo_records;
    CHECK(memo_records == 1);
}

TEST_CASE("row reuse: checkpoints off write no memo", "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    cfg.checkpoints = false;
    auto chain = [](std::int64_t n) {
        return dc::read_values<"x">(rt::iota64(n)) | dc::map<"sq">(dc::versioned("square", 1, &square));
    };
    {
        dc::session s{cfg};
        (void)chain(20).collect(s);
    }
    cfg.checkpoints = true;
    calls = 0;
    dc::session s{cfg};
    (void)chain(21).collect(s);
    CHECK(calls == 21);
}

TEST_CASE("row reuse: earlier outputs that do not decode are never fatal: every input is computed",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::int64_t n) {
        return dc::read_values<"x">(rt::iota64(n)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
               dc::save("squares");
    };
    std::uint64_t table = 0;
    {
        dc::session s{cfg};
        (void)chain(30).run(s);
        auto c = s.db().scan("Q");
        REQUIRE(c->valid());
        table = dc::key::read_be64(c->key(), 1);
        auto k = dc::detail::rec::row_key(table, 3, 0);
        REQUIRE(s.db().get(k));
        s.db().put(k, std::string("\xff\xff\xff", 3));  // no longer a row
    }
    calls = 0;
    std::vector<std::string> warnings;
    cfg.report = true;
    cfg.output = [&](const dc::output_line& l) {
        if (l.what == dc::output_line::kind::warning) warnings.push_back(l.text);
    };
    dc::session s{cfg};
    auto ds = chain(31).run(s);
    CHECK(calls == 31);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("cannot be read") != std::string::npos);
    std::int64_t i = 0;
    bool same = ds.size() == 31;
    for (const auto& r : ds) same = same && r.get<"sq">() == i * i && ++i;
    CHECK(same);
}

TEST_CASE("row reuse: the same step over another source in between does not hide the earlier run",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    auto big = [](std::vector<std::int64_t> v) {
        return dc::read_values<"x">(std::move(v)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
               dc::save("big");
    };
    {
        dc::session s{cfg};
        (void)big(rt::iota64(60)).run(s);
        // A newer complete table of the same step, over another source.
        (void)(dc::read_values<"x">(std::vector<std::int64_t>{1000, 1001}) |
               dc::map<"sq">(dc::versioned("square", 1, &square)) | dc::save("small"))
            .run(s);
    }
    calls = 0;
    auto v = rt::iota64(60);
    v.push_back(61);
    dc::session s{cfg};
    (void)big(v).run(s);
    CHECK(calls == 1);
}

// Without a file list (a read_dataset source) only the row counts are
// known: 2 removed and 3 added is "1 more", never "1 added".
TEST_CASE("row reuse: a source without file names is explained by its counts", "[runtime][rowreuse]") {
    rt::temp_dir d;
    using V = dc::schema<dc::column<"x", std::int64_t>>;
    auto values = [](std::vector<std::int64_t> v) { return dc::read_values<"x">(std::move(v)) | dc::save("vals"); };
    auto chain = dc::read_dataset<V>("vals") | dc::map<"sq">(dc::versioned("square", 1, &square)) | dc::save("counts");
    auto cfg = rt::cfg(d.store());
    {
        dc::session s{cfg};
        (void)values({6, 1, 2, 3, 4}).run(s);
        (void)chain.run(s);
    }
    calls = 0;
    dc::session s{cfg};
    (void)values({6, 1, 2, 8, 9, 10}).run(s);
    (void)chain.run(s);
    CHECK(calls == 3);
    std::string why;
    for (auto& e : s.events()) why += e.why + "\n";
    INFO(why);
    CHECK(contains(why, "source: contents changed, 1 more (vals@"));
    CHECK(!contains(why, "added"));
}

TEST_CASE("row reuse: the explanation names the files added, modified and removed, gc drops unneeded listings",
          "[runtime][rowreuse]") {
    rt::temp_dir d;
    auto data = d / "data";
    fs::create_directories(data / "cats");
    for (const char* n : {"cats/a.txt", "cats/b.txt", "cats/c.txt", "d.txt", "e.txt"}) rt::write_file(data / n, "x");
    auto cfg = rt::cfg(d.store());
    auto why_of = [](dc::session& s) {
        std::string why;
        for (auto& e : s.events())
            if (e.type() == dc::event_kind::save_completed || e.type() == dc::event_kind::udf_reused) why += e.why + "\n";
        return why;
    };
    {
        dc::session s{cfg};
        (void)lengths(data).run(s);
    }
    for (const char* n : {"f1.txt", "f2.txt", "f3.txt"}) rt::write_file(data / n, "new");
    rt::write_file(data / "cats/b.txt", "longer than before");
    fs::remove(data / "e.txt");
    calls = 0;
    {
        dc::session s{cfg};
        (void)lengths(data).run(s);
        CHECK(calls == 4);
        auto why = why_of(s);
        INFO(why);
        CHECK(contains(why, "source: 3 added (f1.txt, f2.txt, +1 more), 1 modified (cats/b.txt), 1 removed (e.txt); "
                            "5 files, 5 B -> 7 files, 30 B"));
    }
    // One kept listing per run; gc drops a listing with the last chain record naming it.
    const auto listings = [&] {
        auto st = dc::open_leveldb_store(d.store());
        std::size_t n = 0;
        for (auto c = st->scan("G"); c->valid(); c->next()) ++n;
        return n;
    };
    CHECK(listings() == 2);
    {
        dc::session s{cfg};
        auto first = rt::versions(s, "lengths").front();
        s.remove_dataset("lengths", first);
        (void)s.gc(std::chrono::seconds(0));
    }
    CHECK(listings() == 1);  // the first run's chain is gone, and its listing with it
}

// ---- storage written once: tables made of segments (runtime/segments.hpp) ----

namespace {

std::int64_t plus_one(std::int64_t x) { return x + 1; }

auto squares_chain(std::vector<std::int64_t> v, std::string name = "squares") {
    return dc::read_values<"x">(std::move(v)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
           dc::save(std::move(name));
}
using squares_schema = decltype(squares_chain({}).run(std::declval<dc::session&>()))::schema_type;

std::vector<std::pair<std::int64_t, std::int64_t>> squares_rows(dc::session& s, std::string_view version = {}) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& r : dc::open_dataset<squares_schema>(s, "squares", version))
        out.emplace_back(r.get<"x">(), r.get<"sq">());
    return out;
}

std::size_t count_prefix(const dc::store& db, std::string_view prefix) {
    std::size_t n = 0;
    for (auto c = db.scan(prefix); c->valid(); c->next()) ++n;
    return n;
}

// Key and value bytes of every record with prefix `p`.
std::uint64_t bytes_of(const dc::store& db, std::string_view p) {
    std::uint64_t n = 0;
    for (auto c = db.scan(p); c->valid(); c->next()) n += c->key().size() + c->value().size();
    return n;
}

std::vector<std::int64_t> grown(std::int64_t n) {  // 0..n-1 with a new value after every 10th
    std::vector<std::int64_t> v;
    for (std::int64_t i = 0; i < n; ++i) {
        v.push_back(i);
        if (i % 10 == 5) v.push_back(100000 + i);
    }
    return v;
}

} // namespace

TEST_CASE("segments: a version that refers to an earlier table reads exactly as a clean run, row for row",
          "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    {
        dc::session s{cfg};
        (void)squares_chain(rt::iota64(200)).run(s);
    }
    auto v = grown(200);
    std::swap(v[3], v[150]);  // and a reordering
    v.erase(v.begin() + 40);  // and a removal
    calls = 0;
    dc::session s{cfg};
    auto ds = squares_chain(v).run(s);
    CHECK(calls == 20);
    // The new table stores only its computed rows; the rest are segments.
    const auto table = ds.record().table;
    CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(table)) == 20);
    CHECK(count_prefix(s.db(), dc::detail::rec::segment_prefix(table)) > 0);
    // Every reader equals a clean run: the typed dataset, read_dataset, the
    // dynamic reader, verify.
    rt::temp_dir clean_dir;
    dc::session clean{rt::cfg(clean_dir.store())};
    (void)squares_chain(v).run(clean);
    const auto want = squares_rows(clean);
    REQUIRE(want.size() == v.size());
    CHECK(squares_rows(s) == want);
    auto copied = (dc::read_dataset<squares_schema>("squares") | dc::map<"y">(dc::versioned("plus_one", 1, &plus_one), dc::params<"x">) |
                   dc::save("copy"))
                      .run(s);
    std::vector<std::pair<std::int64_t, std::int64_t>> via_read;
    for (const auto& r : copied) via_read.emplace_back(r.get<"x">(), r.get<"sq">());
    CHECK(via_read == want);
    auto dyn = dc::open_dataset_dynamic(s.shared_store(), "squares");
    std::size_t n = 0;
    for (const auto& r : dyn) {
        (void)r;
        ++n;
    }
    CHECK(n == want.size());
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
    // Older version still reads as it was saved.
    CHECK(squares_rows(s, "1.0.0").size() == 200);
}

TEST_CASE("segments: a map followed by more steps refers to stored rows and emits them", "[runtime][rowreuse][segments]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::vector<std::int64_t> v) {
        return dc::read_values<"x">(std::move(v)) | dc::map<"sq">(dc::versioned("square", 1, &square)) |
               dc::filter(dc::C<"x"> >= 10) | dc::save("even");
    };
    {
        dc::session s{cfg};
        (void)chain(rt::iota64(100)).run(s);
    }
    calls = 0;
    auto v = grown(100);
    dc::session s{cfg};
    auto ds = chain(v).run(s);
    CHECK(calls == 10);
    std::vector<std::int64_t> got, want;
    for (const auto& r : ds) got.push_back(r.get<"sq">());
    for (auto x : v)
        if (x >= 10) want.push_back(x * x);
    CHECK(got == want);
    // The map step's own checkpoint table refers to the first run's rows.
    std::size_t segments = count_prefix(s.db(), "R");
    CHECK(segments > 0);
}

TEST_CASE("segments: a column the UDF does not read changed: the row is copied with the new column, not referred to",
          "[runtime][rowreuse][segments]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::vector<std::int64_t> x, std::vector<std::string> tag) {
        return dc::read_values<"x", "tag">(std::move(x), std::move(tag)) |
               dc::map<"sq">(dc::versioned("square", 1, &square), dc::params<"x">) | dc::save("tagged");
    };
    std::vector<std::string> tags(50, "a");
    {
        dc::session s{cfg};
        (void)chain(rt::iota64(50), tags).run(s);
    }
    tags[7] = "b";
    calls = 0;
    dc::session s{cfg};
    auto ds = chain(rt::iota64(50), tags).run(s);
    CHECK(calls == 0);
    std::int64_t i = 0;
    bool same = ds.size() == 50;
    for (const auto& r : ds) {
        same = same && r.get<"x">() == i && r.get<"sq">() == i * i && r.get<"tag">() == tags[static_cast<std::size_t>(i)];
        ++i;
    }
    CHECK(same);
    CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(ds.record().table)) == 1);  // row 7, copied
}

TEST_CASE("segments: gc after removing an early version keeps the rows later versions refer to",
          "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    std::vector<std::vector<std::int64_t>> sources{rt::iota64(100), grown(100), grown(120)};
    for (auto& v : sources) {
        dc::session s{cfg};
        (void)squares_chain(v).run(s);
    }
    std::uint64_t first_table = 0;
    {
        dc::session s{cfg};
        REQUIRE(rt::versions(s, "squares") == std::vector<std::string>{"1.0.0", "1.0.1", "1.0.2"});
        first_table = s.find_dataset("squares", "1.0.0")->table;
        s.remove_dataset("squares", "1.0.0");
        (void)s.gc(std::chrono::seconds(0));
        // The first table stays: the later versions' segments refer to it.
        CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(first_table)) == 100);
        for (std::size_t k = 1; k < 3; ++k) {
            std::vector<std::pair<std::int64_t, std::int64_t>> want;
            for (auto x : sources[k]) want.emplace_back(x, x * x);
            CHECK(squares_rows(s, "1.0." + std::to_string(k)) == want);
        }
        // Without any version, gc drops every table and segment.
        s.remove_dataset("squares", "1.0.1");
        s.remove_dataset("squares", "1.0.2");
    }
    dc::session s{cfg};
    (void)s.gc(std::chrono::seconds(0));
    CHECK(count_prefix(s.db(), "T") == 0);
    CHECK(count_prefix(s.db(), "R") == 0);
    calls = 0;
    (void)squares_chain(sources[2]).run(s);
    CHECK(calls == static_cast<int>(sources[2].size()));
}

TEST_CASE("segments: a damaged or removed referenced table is store_corrupt, never other rows",
          "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    std::uint64_t first_table = 0;
    {
        dc::session s{cfg};
        first_table = squares_chain(rt::iota64(100)).run(s).record().table;
        (void)squares_chain(grown(100)).run(s);
    }
    auto read_latest = [&] {
        dc::session s{cfg};
        return rt::catch_error([&] { (void)squares_rows(s, "1.0.1"); });
    };
    auto verify_latest = [&] {
        dc::session s{cfg};
        return rt::catch_error([&] { dc::detail::verify_version(s.db(), *s.find_dataset("squares", "1.0.1")); });
    };
    SECTION("a referenced row rewritten") {
        auto k = dc::detail::rec::row_key(first_table, 42, 0);
        {
            dc::session s{cfg};
            std::string row;
            dc::encode(row, std::tuple<std::int64_t, std::int64_t>{42, 7});
            s.db().put(k, row);
        }
        auto e = read_latest();
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "content digest"));
        CHECK(verify_latest().kind() == dc::error_kind::store_corrupt);
    }
    SECTION("a referenced row deleted") {
        {
            dc::session s{cfg};
            s.db().del(dc::detail::rec::row_key(first_table, 42, 0));
        }
        auto e = read_latest();
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "table " + std::to_string(first_table)));
        CHECK(verify_latest().kind() == dc::error_kind::store_corrupt);
    }
    SECTION("the referenced table removed") {
        {
            dc::session s{cfg};
            auto b = s.db().batch();
            for (auto c = s.db().scan(dc::detail::rec::table_prefix(first_table)); c->valid(); c->next())
                b->del(c->key());
            s.db().write(*b);
        }
        CHECK(read_latest().kind() == dc::error_kind::store_corrupt);
        CHECK(verify_latest().kind() == dc::error_kind::store_corrupt);
    }
    SECTION("a segment record that does not decode") {
        {
            dc::session s{cfg};
            auto c = s.db().scan("R");
            REQUIRE(c->valid());
            s.db().put(c->key(), "xx");
        }
        CHECK(read_latest().kind() == dc::error_kind::store_corrupt);
    }
}

TEST_CASE("segments: 100 saves of a source growing 1% store each row once, not 100 times",
          "[runtime][rowreuse][segments]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    std::vector<std::int64_t> v = rt::iota64(2000);
    std::uint64_t copies = 0;  // the bytes of the versions' rows, counted once per version
    std::int64_t next = 2000;
    calls = 0;
    for (int k = 0; k < 100; ++k) {
        if (k > 0)
            for (std::size_t i = 0, m = v.size() / 100; i < m; ++i) v.push_back(next++);
        dc::session s{cfg};
        auto ds = squares_chain(v).run(s);
        REQUIRE(ds.size() == v.size());
        for (auto c = dc::detail::scan_table(s.db(), ds.record().table); c->valid(); c->next())
            copies += c->key().size() + c->value().size();
    }
    CHECK(calls == static_cast<int>(v.size()));  // every value computed once
    dc::session s{cfg};
    const auto stored = bytes_of(s.db(), "T") + bytes_of(s.db(), "R");
    INFO("stored " << stored << " bytes, 100 copies would be " << copies);
    // About 1/24 here: the rows once (5,400 of them), plus one segment record
    // per earlier table a version refers to (about 5,000 in all).
    CHECK(stored * 10 < copies);
    // Every row is stored once, and the last version reads in full through its segments.
    CHECK(count_prefix(s.db(), "T") == v.size());
    std::size_t n = 0;
    for (const auto& r : dc::open_dataset<squares_schema>(s, "squares"))
        n += r.get<"sq">() == r.get<"x">() * r.get<"x">();
    CHECK(n == v.size());
}

TEST_CASE("segments: a format-1 store (version records of version 2, digests of kind 1) still reads, and is marked "
          "with the current format", "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    {
        dc::session s{cfg};
        auto ds = squares_chain(rt::iota64(30)).run(s);
        // Rewrite what a format-1 build wrote: the record (version 2, digest of the row bytes) and F = 1.
        const auto& r = ds.record();
        dc::detail::row_digest dg(1);
        for (auto c = s.db().scan(dc::detail::rec::table_prefix(r.table)); c->valid(); c->next())
            dg.add(c->key(), c->value());
        const auto h = dg.finish();
        dc::dataset_record_v2 old{r.name, r.version, r.uid_hi, r.uid_lo, r.table, r.rows, r.schema_hi, r.schema_lo,
                                  r.schema_text, r.job, r.created, r.complete, h.hi, h.lo};
        std::string v(1, '\2');
        dc::encode(v, old);
        s.db().put(dc::detail::rec::dataset_key("squares", 1, 0, 0), v);
        std::string f(dc::store_magic);
        dc::key::be32(f, 1);
        s.db().put("F", f);
    }
    {
        dc::session s{cfg};
        auto r = s.find_dataset("squares");
        REQUIRE(r);
        CHECK(r->digest_kind == 1);
        CHECK(squares_rows(s).size() == 30);
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), *r));
        CHECK(dc::key::read_be32(*s.db().get("F"), dc::store_magic.size()) == dc::store_format_version);
        calls = 0;
        (void)squares_chain(rt::iota64(31)).run(s);  // and reuse works across the upgrade
        CHECK(calls == 1);
        CHECK(squares_rows(s).size() == 31);
    }
}

// ---- gen and agg refer to the outputs they reuse (segments with sub-indices) ----

namespace {

std::atomic<std::int64_t> fail_at{-1};
std::vector<std::int64_t> upto_or_fail(std::int64_t x) {
    if (x == fail_at.load()) throw std::runtime_error("boom");
    return upto(x);
}

auto gen_chain(std::vector<std::int64_t> v) {
    return dc::read_values<"x">(std::move(v)) | dc::gen<"y">(dc::versioned("upto", 1, &upto)) | dc::save("gens");
}
using gen_schema = decltype(gen_chain({}).run(std::declval<dc::session&>()))::schema_type;

// k = i / 3 for i in 0..n-1 (partitions of 3 rows), n = i.
auto agg_chain(std::int64_t rows) {
    std::vector<std::int64_t> k, n;
    for (std::int64_t i = 0; i < rows; ++i) {
        k.push_back(i / 3);
        n.push_back(i);
    }
    return dc::read_values<"k", "n">(std::move(k), std::move(n)) |
           dc::agg<"total">(dc::versioned("total", 1, &total), dc::partition_by<"k">, dc::params<"n">) |
           dc::save("sums");
}
using agg_schema = decltype(agg_chain(0).run(std::declval<dc::session&>()))::schema_type;

std::vector<std::int64_t> gen_rows(dc::session& s, std::string_view version = {}) {
    std::vector<std::int64_t> out;
    for (const auto& r : dc::open_dataset<gen_schema>(s, "gens", version)) out.push_back(r.get<"y">());
    return out;
}
std::vector<std::int64_t> gen_want(const std::vector<std::int64_t>& v) {
    std::vector<std::int64_t> out;
    for (auto x : v)
        for (std::int64_t i = 0; i < x % 4; ++i) out.push_back(x * 10 + i);
    return out;
}
std::vector<std::pair<std::int64_t, std::int64_t>> agg_rows(dc::session& s, std::string_view version = {}) {
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& r : dc::open_dataset<agg_schema>(s, "sums", version)) out.emplace_back(r.get<"k">(), r.get<"total">());
    return out;
}

template <class Schema>
std::string csv_of(dc::session& s, const std::string& name) {
    std::ostringstream typed, dyn;
    (void)dc::export_csv(dc::open_dataset<Schema>(s, name), typed);
    (void)dc::export_csv(dc::open_dataset_dynamic(s.shared_store(), name), dyn);
    CHECK(typed.str() == dyn.str());
    return typed.str();
}

} // namespace

TEST_CASE("segments: gen refers to the outputs of the inputs it reuses (every sub-index), and every reader equals a "
          "clean run", "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    {
        dc::session s{cfg};
        (void)gen_chain(rt::iota64(200)).run(s);
    }
    auto v = grown(200);
    std::swap(v[3], v[150]);
    v.erase(v.begin() + 40);
    calls = 0;
    dc::session s{cfg};
    auto ds = gen_chain(v).run(s);
    CHECK(calls == 20);
    const auto table = ds.record().table;
    std::size_t computed_rows = 0;
    for (auto x : v)
        if (x >= 100000) computed_rows += static_cast<std::size_t>(x % 4);
    CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(table)) == computed_rows);
    CHECK(count_prefix(s.db(), dc::detail::rec::segment_prefix(table)) > 0);
    CHECK(count_prefix(s.db(), dc::detail::rec::done_prefix(table)) < 50);  // segments mark the rest done
    CHECK(ds.record().digest_kind == 2);
    rt::temp_dir clean_dir;
    dc::session clean{rt::cfg(clean_dir.store())};
    (void)gen_chain(v).run(clean);
    const auto want = gen_want(v);
    CHECK(gen_rows(clean) == want);
    CHECK(gen_rows(s) == want);
    CHECK(ds.record().rows == want.size());
    auto copied = (dc::read_dataset<gen_schema>("gens") |
                   dc::map<"z">(dc::versioned("plus_one", 1, &plus_one), dc::params<"y">) | dc::save("copy"))
                      .run(s);
    std::vector<std::int64_t> via_read;
    for (const auto& r : copied) via_read.push_back(r.get<"y">());
    CHECK(via_read == want);
    CHECK(csv_of<gen_schema>(s, "gens") == csv_of<gen_schema>(clean, "gens"));
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
    CHECK(gen_rows(s, "1.0.0") == gen_want(rt::iota64(200)));
    // A third run reuses through the second table's segments (ids from the
    // done marks of the table that stores the rows).
    auto v3 = v;
    v3.push_back(7777);
    calls = 0;
    auto ds3 = gen_chain(v3).run(s);
    CHECK(calls == 1);
    CHECK(gen_rows(s) == gen_want(v3));
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds3.record()));
}

TEST_CASE("segments: a skipped gen step and a continued one read their segments", "[runtime][rowreuse][segments]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    auto chain = [](std::vector<std::int64_t> v, std::int64_t least) {
        return dc::read_values<"x">(std::move(v)) | dc::gen<"y">(dc::versioned("upto_f", 1, &upto_or_fail)) |
               dc::filter(dc::C<"y"> >= least) | dc::save("gf");
    };
    auto want = [](const std::vector<std::int64_t>& v, std::int64_t least) {
        std::vector<std::int64_t> out;
        for (auto y : gen_want(v))
            if (y >= least) out.push_back(y);
        return out;
    };
    auto got = [](auto&& ds) {
        std::vector<std::int64_t> out;
        for (const auto& r : ds) out.push_back(r.template get<"y">());
        return out;
    };
    {
        dc::session s{cfg};
        (void)chain(rt::iota64(300), 0).run(s);
    }
    auto v = grown(300);
    {
        // Fails at a new input after the reused ones before it were referred to.
        fail_at = 100000 + 255;
        dc::session s{cfg};
        auto e = rt::catch_error([&] { (void)chain(v, 0).run(s); });
        CHECK(contains(e.what(), "boom"));
        fail_at = -1;
    }
    {
        calls = 0;
        dc::session s{cfg};
        CHECK(got(chain(v, 0).run(s)) == want(v, 0));  // continued
        CHECK(calls <= 30);
        CHECK(count_prefix(s.db(), "R") > 0);
    }
    calls = 0;
    dc::session s{cfg};
    CHECK(got(chain(v, 25).run(s)) == want(v, 25));  // gen skipped: its table read as it is
    CHECK(calls == 0);
}

TEST_CASE("segments: agg refers to the outputs of unchanged partitions, and every reader equals a clean run",
          "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    {
        dc::session s{cfg};
        (void)agg_chain(300).run(s);
    }
    calls = 0;
    dc::session s{cfg};
    auto ds = agg_chain(331).run(s);
    CHECK(calls == 11);  // partition 99 grew from 3 rows to 3 (unchanged): 100..110 are new
    const auto table = ds.record().table;
    CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(table)) == 11);
    CHECK(count_prefix(s.db(), dc::detail::rec::segment_prefix(table)) == 1);
    rt::temp_dir clean_dir;
    dc::session clean{rt::cfg(clean_dir.store())};
    (void)agg_chain(331).run(clean);
    const auto want = agg_rows(clean);
    REQUIRE(want.size() == 111);
    CHECK(agg_rows(s) == want);
    auto copied = (dc::read_dataset<agg_schema>("sums") |
                   dc::map<"z">(dc::versioned("plus_one", 1, &plus_one), dc::params<"total">) | dc::save("copy"))
                      .run(s);
    std::vector<std::pair<std::int64_t, std::int64_t>> via_read;
    for (const auto& r : copied) via_read.emplace_back(r.get<"k">(), r.get<"total">());
    CHECK(via_read == want);
    CHECK(csv_of<agg_schema>(s, "sums") == csv_of<agg_schema>(clean, "sums"));
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
    calls = 0;
    (void)agg_chain(332).run(s);  // partition 110 changes; the rest through the second table's segment
    CHECK(calls == 1);
    CHECK(agg_rows(s).size() == 111);
}

// ---- a resumed step before save digests what it stored before, once ----------------

namespace {

// Counts the reads of stored rows ('T', table, ordinal, sub-index) at input
// ordinals >= `from`, per table, through get or a cursor's value.
class row_reads final : public dc::store {
public:
    explicit row_reads(std::shared_ptr<dc::store> s) : s_(std::move(s)) {}
    std::atomic<std::uint64_t> from{~0ull};

    std::uint64_t reads(std::uint64_t table) const {
        std::lock_guard g(m_);
        auto it = reads_.find(table);
        return it == reads_.end() ? 0 : it->second;
    }
    void clear() {
        std::lock_guard g(m_);
        reads_.clear();
    }

    std::optional<std::string> get(std::string_view k) const override {
        auto v = s_->get(k);
        if (v) seen(k);
        return v;
    }
    void put(std::string_view k, std::string_view v) override { s_->put(k, v); }
    void del(std::string_view k) override { s_->del(k); }
    std::unique_ptr<dc::write_batch> batch() const override { return s_->batch(); }
    void write(dc::write_batch& b) override { s_->write(b); }
    std::unique_ptr<dc::cursor> scan(std::string_view prefix) const override {
        return std::make_unique<counted>(s_->scan(prefix), *this);
    }
    const std::string& location() const override { return s_->location(); }
    void compact() override { s_->compact(); }

private:
    void seen(std::string_view k) const {
        if (k.size() != 21 || k[0] != 'T' || dc::key::read_be64(k, 9) < from) return;
        std::lock_guard g(m_);
        ++reads_[dc::key::read_be64(k, 1)];
    }
    struct counted final : dc::cursor {
        counted(std::unique_ptr<dc::cursor> c, const row_reads& s) : c_(std::move(c)), s_(s) {}
        bool valid() const override { return c_->valid(); }
        std::string_view key() const override { return c_->key(); }
        std::string_view value() const override {
            s_.seen(c_->key());
            return c_->value();
        }
        void next() override { c_->next(); }
        void seek(std::string_view k) override { c_->seek(k); }
        std::unique_ptr<dc::cursor> c_;
        const row_reads& s_;
    };
    std::shared_ptr<dc::store> s_;
    mutable std::mutex m_;
    mutable std::map<std::uint64_t, std::uint64_t> reads_;
};

std::int64_t square_or_fail(std::int64_t x) {
    if (x == fail_at.load()) throw std::runtime_error("boom");
    return square(x);
}

} // namespace

TEST_CASE("segments: a step continued before save digests the rows stored before it once, never reads back its own",
          "[runtime][rowreuse][segments][integrity]") {
    // The first run stores 0..99; the second, over a grown source, refers to
    // those rows (segments) and computes the new values until the UDF throws
    // at one of them; the third continues. Its step takes the save's content
    // digest over the rows stored before (read once, through the segments)
    // and then while writing, so that save does not read the table back:
    // the rows it wrote are never read, and the digest is what verify reads.
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());  // parallel = 1: gen stores no input beyond the one that throws
    auto counter = std::make_shared<row_reads>(dc::open_leveldb_store(d.store()));
    auto handle = dc::detail::register_store(d.store(), counter);
    auto v = grown(100);
    const std::int64_t bad = 100000 + 75;
    auto continued = [&](auto chain) {
        {
            dc::session s{cfg};
            (void)chain(rt::iota64(100)).run(s);
        }
        std::uint64_t at = 0;
        {
            fail_at = bad;
            dc::session s{cfg};
            try {
                (void)chain(v).run(s);
                FAIL("the UDF did not throw");
            } catch (const dc::udf_error& e) {
                at = e.row();
            }
            fail_at = -1;
        }
        CHECK(v[static_cast<std::size_t>(at)] == bad);
        calls = 0;
        counter->clear();
        counter->from = at;
        dc::session s{cfg};
        auto ds = chain(v).run(s);
        counter->from = ~0ull;
        CHECK(calls == 3);  // 100075, 100085, 100095
        CHECK(counter->reads(ds.record().table) == 0);  // the memo index reads the first run's
        CHECK(count_prefix(s.db(), dc::detail::rec::segment_prefix(ds.record().table)) > 0);
        CHECK(ds.record().digest_kind == 2);
        CHECK(ds.record().rows == ds.size());
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
        return ds.record().table;
    };
    SECTION("map") {
        (void)continued([](std::vector<std::int64_t> x) {
            return dc::read_values<"x">(std::move(x)) | dc::map<"sq">(dc::versioned("square", 1, &square_or_fail)) |
                   dc::save("squares");
        });
        dc::session s{cfg};
        std::vector<std::pair<std::int64_t, std::int64_t>> want;
        for (auto x : v) want.emplace_back(x, x * x);
        CHECK(squares_rows(s) == want);
    }
    SECTION("gen") {
        (void)continued([](std::vector<std::int64_t> x) {
            return dc::read_values<"x">(std::move(x)) | dc::gen<"y">(dc::versioned("upto", 1, &upto_or_fail)) |
                   dc::save("gens");
        });
        dc::session s{cfg};
        CHECK(gen_rows(s) == gen_want(v));
    }
}

TEST_CASE("segments: gc keeps the gen and agg rows later versions refer to, and a damaged segment is store_corrupt",
          "[runtime][rowreuse][segments]") {
    rt::temp_dir d;
    auto cfg = rt::cfg(d.store());
    std::vector<std::vector<std::int64_t>> sources{rt::iota64(100), grown(100), grown(120)};
    std::uint64_t first_gen = 0, first_agg = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        dc::session s{cfg};
        auto g = gen_chain(sources[k]).run(s);
        auto a = agg_chain(static_cast<std::int64_t>(90 + 30 * k)).run(s);
        if (k == 0) {
            first_gen = g.record().table;
            first_agg = a.record().table;
        }
    }
    SECTION("gc") {
        {
            dc::session s{cfg};
            s.remove_dataset("gens", "1.0.0");
            s.remove_dataset("sums", "1.0.0");
            (void)s.gc(std::chrono::seconds(0));
            CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(first_gen)) == gen_want(sources[0]).size());
            CHECK(count_prefix(s.db(), dc::detail::rec::table_prefix(first_agg)) == 30);
            for (std::size_t k = 1; k < 3; ++k) {
                const auto ver = "1.0." + std::to_string(k);
                CHECK(gen_rows(s, ver) == gen_want(sources[k]));
                CHECK(agg_rows(s, ver).size() == 30 + 10 * k);
                CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("gens", ver)));
                CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("sums", ver)));
            }
            for (auto name : {"gens", "sums"}) {
                s.remove_dataset(name, "1.0.1");
                s.remove_dataset(name, "1.0.2");
            }
        }
        dc::session s{cfg};
        (void)s.gc(std::chrono::seconds(0));
        CHECK(count_prefix(s.db(), "T") == 0);
        CHECK(count_prefix(s.db(), "R") == 0);
        CHECK(count_prefix(s.db(), "X") == 0);
    }
    SECTION("a segment record that does not decode") {
        {
            dc::session s{cfg};
            auto t = s.find_dataset("gens", "1.0.2")->table;
            auto c = s.db().scan(dc::detail::rec::segment_prefix(t));
            REQUIRE(c->valid());
            s.db().put(c->key(), "xx");
        }
        dc::session s{cfg};
        CHECK(rt::catch_error([&] { (void)gen_rows(s, "1.0.2"); }).kind() == dc::error_kind::store_corrupt);
        CHECK(rt::catch_error([&] { (void)csv_of<gen_schema>(s, "gens"); }).kind() == dc::error_kind::store_corrupt);
    }
    SECTION("a referred row deleted") {
        {
            dc::session s{cfg};
            s.db().del(dc::detail::rec::row_key(first_gen, 3, 1));  // input 3 yields 3 rows
            s.db().del(dc::detail::rec::row_key(first_agg, 5, 0));
        }
        dc::session s{cfg};
        auto e = rt::catch_error([&] { (void)gen_rows(s, "1.0.1"); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "table " + std::to_string(first_gen)));
        CHECK(rt::catch_error([&] { (void)agg_rows(s, "1.0.2"); }).kind() == dc::error_kind::store_corrupt);
        CHECK(rt::catch_error([&] { dc::detail::verify_version(s.db(), *s.find_dataset("sums", "1.0.1")); }).kind() ==
              dc::error_kind::store_corrupt);
    }
}

TEST_CASE("segments: 100 saves of a source growing 1% through gen and through agg store each output once",
          "[runtime][rowreuse][segments]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    auto stored = [](dc::session& s) {
        return bytes_of(s.db(), "T") + bytes_of(s.db(), "R") + bytes_of(s.db(), "X");
    };
    SECTION("gen") {
        std::vector<std::int64_t> v = rt::iota64(2000);
        std::uint64_t copies = 0;
        std::int64_t next = 2000;
        calls = 0;
        for (int k = 0; k < 100; ++k) {
            if (k > 0)
                for (std::size_t i = 0, m = v.size() / 100; i < m; ++i) v.push_back(next++);
            dc::session s{cfg};
            auto ds = gen_chain(v).run(s);
            for (auto c = dc::detail::scan_table(s.db(), ds.record().table); c->valid(); c->next())
                copies += c->key().size() + c->value().size();
        }
        CHECK(calls == static_cast<int>(v.size()));  // every input computed once
        dc::session s{cfg};
        INFO("stored " << stored(s) << " bytes, 100 copies would be " << copies);
        CHECK(stored(s) * 10 < copies);
        CHECK(count_prefix(s.db(), "T") == gen_want(v).size());
        CHECK(gen_rows(s) == gen_want(v));
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("gens")));
    }
    SECTION("agg") {
        std::int64_t rows = 5000;
        std::uint64_t copies = 0;
        for (int k = 0; k < 100; ++k) {
            if (k > 0) rows += rows / 100;
            dc::session s{cfg};
            auto ds = agg_chain(rows).run(s);
            for (auto c = dc::detail::scan_table(s.db(), ds.record().table); c->valid(); c->next())
                copies += c->key().size() + c->value().size();
        }
        dc::session s{cfg};
        INFO("stored " << stored(s) << " bytes, 100 copies would be " << copies);
        CHECK(stored(s) * 10 < copies);
        rt::memory_root clean_root;
        dc::session clean{rt::cfg(clean_root.store())};
        (void)agg_chain(rows).run(clean);
        CHECK(agg_rows(s) == agg_rows(clean));
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("sums")));
    }
}
