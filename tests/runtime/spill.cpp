// order_by and agg past settings::spill_bytes (runtime/sort_key.hpp,
// runtime/spill.hpp, runtime/external_sort.hpp, stages/agg.hpp): the same
// rows in the same order as the in-memory path, for random inputs with ties,
// negative/unsigned/NaN/-0.0/string keys, descending and multi-column keys;
// the spill file closed and nothing left in the store after the run or a
// failure; an agg that throws after spilling continues correctly; spill
// directories a killed process left are removed when the store opens, and
// nothing else is; a full disk while spilling is store_io (a tmpfs: skipped
// where mounting is not permitted).
#include "support.hpp"

#include <datachain/runtime/sort_key.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>

using namespace std::string_literals;

namespace {

using I64 = std::vector<std::int64_t>;

// Tables holding rows ('T' keys) that no checkpoint or dataset names.
std::set<std::uint64_t> stray_tables(dc::session& s) {
    std::set<std::uint64_t> seen, named;
    for (auto c = s.db().scan("T"); c->valid(); c->next()) seen.insert(dc::key::read_be64(c->key(), 1));
    for (auto c = s.db().scan("K"); c->valid(); c->next())
        named.insert(dc::detail::rec::unpack<dc::checkpoint_record>(c->value(), "", c->key()).table);
    for (const auto& d : dc::catalog::datasets(s.db())) named.insert(d.table);
    std::set<std::uint64_t> out;
    for (auto t : seen)
        if (!named.count(t)) out.insert(t);
    return out;
}

struct random_input {
    I64 i;
    std::vector<std::uint64_t> u;
    std::vector<double> d;
    std::vector<std::string> s;
    std::vector<bool> b;
    I64 pos;
};

random_input make_input(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    random_input in;
    const double specials[] = {std::numeric_limits<double>::quiet_NaN(), -0.0, 0.0,
                               std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                               -1.5, 1.5, std::numeric_limits<double>::lowest(), std::numeric_limits<double>::denorm_min()};
    const std::string strs[] = {"", "a", "a\0"s, "a\0b"s, "ab", "b", "\xff", "\x80z", "cat", "cat\0\0"s};
    for (std::size_t k = 0; k < n; ++k) {
        in.i.push_back(static_cast<std::int64_t>(g() % 7) - 3 + (g() % 5 == 0 ? std::numeric_limits<std::int64_t>::min() / 2 : 0));
        in.u.push_back(g() % 3 == 0 ? std::numeric_limits<std::uint64_t>::max() - g() % 2 : g() % 4);
        in.d.push_back(g() % 2 ? specials[g() % std::size(specials)] : static_cast<double>(g() % 5) - 2.0);
        in.s.push_back(strs[g() % std::size(strs)]);
        in.b.push_back(g() % 2 == 0);
        in.pos.push_back(static_cast<std::int64_t>(k));
    }
    return in;
}

auto source(const random_input& in) {
    return dc::read_values<"i", "u", "d", "s", "b", "pos">(in.i, in.u, in.d, in.s, in.b, in.pos);
}

template <class Rows>
std::vector<std::int64_t> positions(const Rows& rows) {
    std::vector<std::int64_t> p;
    for (const auto& r : rows) p.push_back(r.template get<"pos">());
    return p;
}

// The documented order of one column (NaN after every number, -0.0 == 0.0).
int cmp_d(double x, double y) {
    const bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
    return x < y ? -1 : (y < x ? 1 : 0);
}
template <class T>
int cmp(const T& x, const T& y) {
    return x < y ? -1 : (y < x ? 1 : 0);
}

DC_DEF(sp_sum, (const std::vector<std::int64_t>& v) -> std::vector<std::tuple<std::int64_t, std::int64_t>> {
    std::int64_t t = 0;
    for (auto x : v) t = t * 31 + x;  // order-sensitive: rows must come in input order
    return {{t, static_cast<std::int64_t>(v.size())}};
});

std::atomic<int> agg_calls{0};
std::atomic<std::int64_t> agg_fail_at{-1};
DC_DEF(sp_count, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    ++agg_calls;
    if (!v.empty() && v.front() == agg_fail_at.load()) throw std::runtime_error("bug");
    std::int64_t t = 0;
    for (auto x : v) t = t * 7 + x;
    return {t};
});

// The spill files this process has open: unlinked files made in a
// "datachain-spill.XXXXXX" directory (spill.hpp), as /proc names them.
std::vector<std::string> open_spill_files() {
    std::vector<std::string> v;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code e;
        auto t = std::filesystem::read_symlink(it->path(), e).string();
        if (!e && t.find("/datachain-spill.") != std::string::npos) v.push_back(t);
    }
    return v;
}

// The most spill files sp_probe saw open in one call.
std::atomic<int> probe_seen{-1};
std::mutex probe_m;
std::vector<std::string> probe_paths;  // under probe_m
DC_DEF(sp_probe, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    auto f = open_spill_files();
    std::lock_guard lock(probe_m);
    if (static_cast<int>(f.size()) > probe_seen) probe_seen = static_cast<int>(f.size()), probe_paths = f;
    return {static_cast<std::int64_t>(v.size())};
});

// 10,000 rows in 1,000 partitions: more than one read batch (4,096 rows) of
// a spilled agg, so its first partitions run while its spill file is open.
auto probe_source() {
    I64 k, v;
    for (std::int64_t r = 0; r < 10000; ++r) k.push_back(r * 7 % 1000), v.push_back(r);
    return dc::read_values<"k", "v">(k, v);
}

} // namespace

TEST_CASE("sort keys: byte order is value order", "[runtime][spill]") {
    auto enc = [](auto v, bool desc = false) {
        std::string k;
        dc::detail::sort_key_append(k, v, desc);
        return k;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> ds = {-std::numeric_limits<double>::infinity(), -1e300, -2.5, -1e-300, -0.0, 0.0, 1e-300, 2.5,
                              std::numeric_limits<double>::infinity(), nan};
    for (std::size_t a = 0; a < ds.size(); ++a)
        for (std::size_t b = 0; b < ds.size(); ++b) {
            INFO(ds[a] << " vs " << ds[b]);
            CHECK(cmp(enc(ds[a]), enc(ds[b])) == cmp_d(ds[a], ds[b]));
            CHECK(cmp(enc(ds[a], true), enc(ds[b], true)) == -cmp_d(ds[a], ds[b]));
        }
    CHECK(enc(-nan) == enc(nan));
    I64 is = {std::numeric_limits<std::int64_t>::min(), -5, -1, 0, 1, 7, std::numeric_limits<std::int64_t>::max()};
    for (auto x : is)
        for (auto y : is) CHECK(cmp(enc(x), enc(y)) == cmp(x, y));
    CHECK(enc(std::int32_t{-1}) < enc(std::int32_t{0}));
    std::vector<std::uint64_t> us = {0, 1, 1ull << 63, ~0ull};
    for (auto x : us)
        for (auto y : us) CHECK(cmp(enc(x), enc(y)) == cmp(x, y));
    std::vector<std::string> ss = {"", "\0"s, "\0\0"s, "a", "a\0"s, "a\0b"s, "ab", "b", "\x7f", "\x80", "\xff"};
    for (const auto& x : ss)
        for (const auto& y : ss) {
            CHECK(cmp(enc(x), enc(y)) == cmp(x, y));
            CHECK(cmp(enc(x, true), enc(y, true)) == -cmp(x, y));
            // Columns concatenate: a string key followed by another column.
            CHECK(cmp(enc(x) + enc(std::int64_t{9}), enc(y) + enc(std::int64_t{-9})) == (x == y ? 1 : cmp(x, y)));
        }
}

TEST_CASE("order_by through a spill file equals order_by in memory", "[runtime][spill]") {
    rt::temp_dir d;
    auto in = make_input(3000, 42);
    auto run = [&](std::size_t spill_bytes, auto... keys) {
        auto c = rt::cfg(d.path / "db");
        c.spill_bytes = spill_bytes;
        dc::session s{c};
        auto rows = dc::collect(source(in) | dc::order_by(keys...), s);
        REQUIRE(rows.size() == in.pos.size());
        CHECK(stray_tables(s).empty());
        return positions(rows);
    };
    auto check_all = [&](auto... keys) {
        auto mem = run(std::size_t{1} << 40, keys...);
        CHECK(run(0, keys...) == mem);      // everything through the spill file
        CHECK(run(5000, keys...) == mem);   // spills after ~100 rows
        return mem;
    };
    using dc::C;
    // One key each, ascending and descending; checked against a stable sort
    // with the documented comparison.
    auto want = [&](auto cmp1) {
        std::vector<std::int64_t> p = in.pos;
        std::stable_sort(p.begin(), p.end(), [&](auto a, auto b) { return cmp1(a, b) < 0; });
        return p;
    };
    CHECK(check_all(C<"i">) == want([&](auto a, auto b) { return cmp(in.i[a], in.i[b]); }));
    CHECK(check_all(C<"u">.desc()) == want([&](auto a, auto b) { return -cmp(in.u[a], in.u[b]); }));
    CHECK(check_all(C<"d">) == want([&](auto a, auto b) { return cmp_d(in.d[a], in.d[b]); }));
    CHECK(check_all(C<"d">.desc()) == want([&](auto a, auto b) { return -cmp_d(in.d[a], in.d[b]); }));
    CHECK(check_all(C<"s">.desc()) == want([&](auto a, auto b) { return -cmp(in.s[a], in.s[b]); }));
    CHECK(check_all(C<"b">) == want([&](auto a, auto b) { return cmp(bool(in.b[a]), bool(in.b[b])); }));
    // Several keys, mixed directions.
    CHECK(check_all(C<"s">, C<"d">.desc(), C<"i">) == want([&](auto a, auto b) {
              int c = cmp(in.s[a], in.s[b]);
              if (c == 0) c = -cmp_d(in.d[a], in.d[b]);
              if (c == 0) c = cmp(in.i[a], in.i[b]);
              return c;
          }));
    check_all(C<"b">.desc(), C<"u">, C<"s">);
}

TEST_CASE("agg through a spill file equals agg in memory", "[runtime][spill]") {
    rt::temp_dir d;
    auto in = make_input(3000, 7);
    auto run = [&](std::size_t spill_bytes, std::string job, auto part) {
        auto c = rt::cfg(d.path / "db", std::move(job));
        c.spill_bytes = spill_bytes;
        dc::session s{c};
        auto rows = dc::collect(source(in) | dc::agg<"h", "n">(sp_sum, part, dc::params<"pos">), s);
        CHECK(stray_tables(s).empty());
        std::vector<std::string> out;
        for (const auto& r : rows) {
            std::string e;
            dc::encode(e, r.values);
            out.push_back(e);
        }
        return out;
    };
    auto check_all = [&](auto part) {
        auto mem = run(std::size_t{1} << 40, "mem", part);
        CHECK(run(0, "all", part) == mem);
        CHECK(run(5000, "some", part) == mem);
        CHECK(!mem.empty());
    };
    // -0.0 and 0.0, and NaNs, are partitions by their bytes, as in memory.
    check_all(dc::partition_by<"d">);
    check_all(dc::partition_by<"s", "b">);
    check_all(dc::partition_by<"i", "u">);
    check_all(dc::partition_by<>);
}

TEST_CASE("agg that throws after spilling continues from its done partitions", "[runtime][spill]") {
    rt::temp_dir d;
    // 400 partitions of 5 rows; the first row of partition p is p (pos).
    I64 key, val;
    for (std::int64_t r = 0; r < 2000; ++r) {
        key.push_back((r % 400) * 37 % 400);
        val.push_back(r < 400 ? r : 1000 + r);
    }
    // pos of a partition's first row is r < 400, val = r: the UDF throws on
    // the partition whose first row is 250 (its 251st).
    auto pipeline = [&] {
        return dc::read_values<"k", "v">(key, val) | dc::agg<"t">(sp_count, dc::partition_by<"k">, dc::params<"v">) |
               dc::save("sums");
    };
    auto c = rt::cfg(d.path / "db", "resume");
    c.spill_bytes = 0;
    agg_fail_at = 250;
    agg_calls = 0;
    {
        dc::session s{c};
        REQUIRE_THROWS_AS(pipeline().run(s), dc::udf_error);
        CHECK(agg_calls >= 251);
    }
    agg_fail_at = -1;
    agg_calls = 0;
    std::vector<std::string> resumed;
    {
        dc::session s{c};
        auto ds = pipeline().run(s);
        CHECK(agg_calls <= 400 - 250 + 4 * 4);  // finished partitions are not computed again
        CHECK(agg_calls >= 400 - 250);
        for (const auto& r : ds) {
            std::string e;
            dc::encode(e, r.values);
            resumed.push_back(e);
        }
        CHECK(stray_tables(s).empty());
    }
    // A clean in-memory run gives the same rows in the same order.
    auto clean = rt::cfg(d.path / "clean", "clean");
    dc::session s{clean};
    auto ds = pipeline().run(s);
    std::vector<std::string> want;
    for (const auto& r : ds) {
        std::string e;
        dc::encode(e, r.values);
        want.push_back(e);
    }
    CHECK(resumed == want);
    CHECK(want.size() == 400);
}

TEST_CASE("spill_bytes decides whether a spill file is used", "[runtime][spill]") {
    rt::memory_root d;
    auto in = make_input(500, 3);
    auto tables = [](dc::session& s) {
        auto v = s.db().get(dc::detail::rec::counter_key("table"));
        return v ? dc::key::read_be64(*v, 0) : 0;
    };
    for (std::size_t limit : {std::size_t{0}, std::size_t{1} << 40}) {
        auto c = rt::cfg(d.store(), "limit" + std::to_string(limit));
        c.spill_bytes = limit;
        c.checkpoints = false;  // no table of outputs
        dc::session s{c};
        const auto before = tables(s);
        probe_seen = -1;
        dc::collect(source(in) | dc::order_by(dc::C<"s">), s);
        dc::collect(probe_source() | dc::agg<"n">(sp_probe, dc::partition_by<"k">, dc::params<"v">), s);
        // The agg's spill file is open (unlinked) while its first UDF calls
        // run; both are closed once their last row is read.
        CHECK(probe_seen == (limit == 0 ? 1 : 0));
        CHECK(open_spill_files().empty());
        CHECK(tables(s) == before);  // the store is not used for spilling
        CHECK(!s.db().scan("T")->valid());
    }
}

TEST_CASE("an agg without partition_by neither sorts nor spills: its one partition is held whole anyway",
          "[runtime][spill]") {
    rt::memory_root d;
    auto c = rt::cfg(d.store(), "whole");
    c.spill_bytes = 0;  // any input past it would spill
    c.checkpoints = false;
    c.report = true;
    std::vector<std::string> spills;
    c.output = [&](const dc::output_line& l) {
        if (l.text.find("sorted on disk") != std::string::npos) spills.push_back(l.text);
    };
    dc::session s{c};
    probe_seen = -1;
    auto rows = dc::collect(probe_source() | dc::agg<"n">(sp_probe, dc::partition_by<>, dc::params<"v">), s);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].get<"n">() == 10000);
    CHECK(probe_seen == 0);  // no spill file open during its call
    CHECK(spills.empty());
    // With partition_by, the same settings spill (the test above sees it).
    dc::collect(probe_source() | dc::agg<"n">(sp_probe, dc::partition_by<"k">, dc::params<"v">), s);
    CHECK(spills.size() == 1);
}

TEST_CASE("an order_by or agg that spills says so in a report line: rows, bytes, runs", "[runtime][spill]") {
    rt::memory_root d;
    auto in = make_input(3000, 5);
    for (std::size_t limit : {std::size_t{0}, std::size_t{100} << 10, std::size_t{1} << 40}) {
        INFO("spill_bytes " << limit);
        auto c = rt::cfg(d.store(), "report" + std::to_string(limit));
        c.spill_bytes = limit;
        c.checkpoints = false;
        c.report = true;
        std::vector<std::string> spills;
        c.output = [&](const dc::output_line& l) {
            if (l.what == dc::output_line::kind::report && l.text.find("sorted on disk") != std::string::npos)
                spills.push_back(l.text);
        };
        dc::session s{c};
        dc::collect(source(in) | dc::order_by(dc::C<"s">), s);
        dc::collect(probe_source() | dc::agg<"n">(sp_probe, dc::partition_by<"k">, dc::params<"v">), s);
        if (limit == std::size_t{1} << 40) {
            CHECK(spills.empty());  // sorted in memory: nothing to say
            continue;
        }
        REQUIRE(spills.size() == 2);
        const std::string limit_text = limit == 0 ? "0 B" : "100.0 KiB";
        const std::string tail = " \\([0-9]+\\.[0-9] KiB written\\), as it took more memory than spill_bytes \\(" +
                                 limit_text + "; settings::spill_bytes or DATACHAIN_SPILL_BYTES\\)";
        CHECK_THAT(spills[0], Catch::Matches("order_by\\(s\\): input of 3000 rows sorted on disk in [0-9]+ runs?" + tail));
        CHECK_THAT(spills[1],
                   Catch::Matches("agg<n>.*: input of 10000 rows in 1000 partitions sorted on disk in [0-9]+ runs?" + tail));
    }
}

TEST_CASE("spill files leave nothing behind, after success and after a failure", "[runtime][spill]") {
    rt::temp_dir d;
    auto in = make_input(2000, 11);
    auto c = rt::cfg(d.path / "db", "files");
    c.spill_bytes = 0;
    dc::session s{c};
    const std::filesystem::path loc = s.db().location();
    auto spill_dirs = [&] {
        std::vector<std::string> v;
        for (const auto& e : std::filesystem::directory_iterator(loc))
            if (e.path().filename().string().starts_with("datachain-spill")) v.push_back(e.path().string());
        return v;
    };
    probe_seen = -1;
    probe_paths.clear();
    auto sorted = dc::collect(source(in) | dc::order_by(dc::C<"d">), s);
    auto rows = dc::collect(probe_source() | dc::agg<"n">(sp_probe, dc::partition_by<"k">, dc::params<"v">), s);
    CHECK(sorted.size() == in.pos.size());
    CHECK(rows.size() == 1000);
    // While the agg ran, its spill file was open, made in the store's
    // directory and already unlinked.
    REQUIRE(probe_seen == 1);
    REQUIRE(probe_paths.size() == 1);
    CHECK(probe_paths[0].starts_with((loc / "datachain-spill.").string()));
    CHECK(probe_paths[0].ends_with(" (deleted)"));
    CHECK(spill_dirs().empty());
    CHECK(open_spill_files().empty());
    // A UDF that throws after the input spilled: nothing left either.
    I64 key, val;
    for (std::int64_t r = 0; r < 2000; ++r) key.push_back(r % 100), val.push_back(r < 100 ? r : 1000 + r);
    agg_fail_at = 50;
    CHECK_THROWS_AS(dc::collect(dc::read_values<"k", "v">(key, val) |
                                    dc::agg<"t">(sp_count, dc::partition_by<"k">, dc::params<"v">),
                                s),
                    dc::udf_error);
    agg_fail_at = -1;
    CHECK(spill_dirs().empty());
    CHECK(open_spill_files().empty());
}

TEST_CASE("a spill directory left by a killed process is removed when the store opens", "[runtime][spill]") {
    namespace fs = std::filesystem;
    rt::temp_dir d;
    auto in = make_input(1500, 5);
    fs::path loc;
    std::vector<std::int64_t> want;
    {
        auto c = rt::cfg(d.path / "db", "first");
        dc::session s{c};
        loc = s.db().location();
        want = positions(dc::collect(source(in) | dc::order_by(dc::C<"s">.desc(), dc::C<"i">), s));
    }
    // What a process killed while making its spill file leaves (spill.hpp),
    // and look-alikes that are not provably ours.
    const std::string marker = "datachain spill format 1\n";
    rt::write_file(loc / "datachain-spill.k1LLed" / "datachain-spill", marker);
    rt::write_file(loc / "datachain-spill.k1LLed" / "runs", "");  // unlinked before its first byte
    rt::write_file(loc / "datachain-spill.full01" / "datachain-spill", marker);
    rt::write_file(loc / "datachain-spill.full01" / "runs", "user data");  // never ours: kept
    fs::create_directories(loc / "datachain-spill.empty");  // not a mkdtemp name: kept
    fs::create_directories(loc / "datachain-spill.bad-01");
    rt::write_file(loc / "datachain-spill.m4rker" / "datachain-spill", marker);
    fs::create_directories(loc / "datachain-spill.EMPTY0");
    rt::write_file(loc / "datachain-spill.user01" / "notes.txt", "mine");
    rt::write_file(loc / "datachain-spill.badmrk" / "datachain-spill", "something else\n");
    rt::write_file(loc / "datachain-spill.badmrk" / "runs", "keep");
    rt::write_file(loc / "datachain-spill.extra1" / "datachain-spill", marker);
    rt::write_file(loc / "datachain-spill.extra1" / "runs", "x");
    rt::write_file(loc / "datachain-spill.extra1" / "other", "keep");
    rt::write_file(d.path / "elsewhere" / "datachain-spill", marker);
    fs::create_directory_symlink(d.path / "elsewhere", loc / "datachain-spill.link01");
    {
        auto c = rt::cfg(d.path / "db", "second");
        c.spill_bytes = 0;
        dc::session s{c};
        CHECK(positions(dc::collect(source(in) | dc::order_by(dc::C<"s">.desc(), dc::C<"i">), s)) == want);
    }
    CHECK(!fs::exists(loc / "datachain-spill.k1LLed"));
    CHECK(!fs::exists(loc / "datachain-spill.m4rker"));
    CHECK(!fs::exists(loc / "datachain-spill.EMPTY0"));
    CHECK(rt::read_file(loc / "datachain-spill.user01" / "notes.txt") == "mine");
    CHECK(rt::read_file(loc / "datachain-spill.full01" / "runs") == "user data");
    CHECK(rt::read_file(loc / "datachain-spill.full01" / "datachain-spill") == marker);
    CHECK(fs::is_directory(loc / "datachain-spill.empty"));
    CHECK(fs::is_directory(loc / "datachain-spill.bad-01"));
    CHECK(rt::read_file(loc / "datachain-spill.badmrk" / "runs") == "keep");
    CHECK(rt::read_file(loc / "datachain-spill.extra1" / "other") == "keep");
    CHECK(fs::is_symlink(loc / "datachain-spill.link01"));
    CHECK(rt::read_file(d.path / "elsewhere" / "datachain-spill") == marker);
    // The look-alikes do not stop the store from opening again.
    auto c = rt::cfg(d.path / "db", "third");
    dc::session s{c};
    CHECK(positions(dc::collect(source(in) | dc::order_by(dc::C<"s">.desc(), dc::C<"i">), s)) == want);
}

TEST_CASE("a full disk while spilling is store_io, leaves nothing, and a rerun works", "[runtime][spill]") {
    namespace fs = std::filesystem;
    rt::temp_dir d;
    const auto mnt = d / "mnt";
    rt::tmpfs_mount tmpfs(mnt, "4m");
    if (!tmpfs.mounted) DC_SKIP("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
    auto in = make_input(20000, 9);  // about 1 MB of runs
    auto c = rt::cfg(mnt / "db", "full");
    c.spill_bytes = 0;
    std::vector<std::int64_t> want;
    {
        dc::session s{c};
        // Leave about 200 KB.
        auto avail = fs::space(mnt).available;
        REQUIRE(avail > 1'000'000);
        rt::write_file(mnt / "filler", std::string(static_cast<std::size_t>(avail - 200'000), 'f'));
        auto e = rt::catch_error([&] { (void)dc::collect(source(in) | dc::order_by(dc::C<"s">, dc::C<"i">), s); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_io);
        CHECK(std::string(e.what()).find("cannot spill") != std::string::npos);
        CHECK(std::string(e.what()).find((mnt / "db").string()) != std::string::npos);
        CHECK(open_spill_files().empty());
        for (const auto& f : fs::directory_iterator(mnt / "db"))
            CHECK(!f.path().filename().string().starts_with("datachain-spill"));
        fs::remove(mnt / "filler");  // space is back
        want = positions(dc::collect(source(in) | dc::order_by(dc::C<"s">, dc::C<"i">), s));
    }
    auto mem = rt::cfg(d.path / "mem", "mem");
    mem.spill_bytes = std::size_t{1} << 40;
    dc::session s{mem};
    CHECK(positions(dc::collect(source(in) | dc::order_by(dc::C<"s">, dc::C<"i">), s)) == want);
}
