// Checkpoint decisions (SPEC section 7) and the runtime redesign's
// regressions: the pure decision functions, the continue rule for a step cut
// short by another step's failure, select of overlapping paths, ids under
// many sessions and threads, agg with params, gc keeping what skipping needs,
// damaged rows named, typed events, the output sink and the memory store.
#include "support.hpp"

#include <datachain/runtime/decide.hpp>

#include <set>
#include <thread>

namespace {

// ---- the decision functions -----------------------------------------------------

dc::checkpoint_record udf_cp(std::uint64_t job, dc::hash128 full, bool complete, std::uint64_t table = 7) {
    dc::checkpoint_record r{};
    r.kind = static_cast<std::uint8_t>(dc::checkpoint_kind::udf);
    r.table = table;
    r.full_hi = full.hi;
    r.full_lo = full.lo;
    r.complete = complete;
    r.rows = 10;
    r.job = job;
    return r;
}

const dc::hash128 code_a{1, 1}, code_b{2, 2};

} // namespace

TEST_CASE("decide_udf: each rule of SPEC 7", "[runtime][checkpoints][decide]") {
    dc::udf_state st;
    st.full = code_a;
    SECTION("nothing earlier: from scratch") {
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::scratch);
        CHECK(d.why.kind == dc::change_kind::first_run);
        CHECK(d.table == 0);
    }
    SECTION("a complete run with the same code anywhere in the ancestry: skip") {
        st.seen = {{5, udf_cp(5, code_b, false, 3), true}, {4, udf_cp(4, code_a, true, 9)}};
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::skip);
        CHECK(d.table == 9);
        CHECK(d.from_job == 4);
    }
    SECTION("partial, same code: resume") {
        st.seen = {{5, udf_cp(5, code_a, false, 3), false}};
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::resume);
        CHECK(d.table == 3);
        CHECK(d.why.kind == dc::change_kind::continuing);
    }
    SECTION("partial, code changed, its own UDF was running: resume (fix and continue)") {
        st.seen = {{5, udf_cp(5, code_b, false, 3), true}};
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::resume);
        CHECK(d.table == 3);
    }
    SECTION("partial, code changed, cut short by another step: from scratch") {
        st.seen = {{5, udf_cp(5, code_b, false, 3), false}};
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::scratch);
        CHECK(d.table == 0);
        CHECK(d.why.kind == dc::change_kind::code_changed);
    }
    SECTION("complete, code changed: from scratch") {
        st.seen = {{5, udf_cp(5, code_b, true, 3), false}};
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::scratch);
        CHECK(d.why.kind == dc::change_kind::code_changed);
    }
    SECTION("the nearest record decides, not an older one") {
        st.seen = {{6, udf_cp(6, code_b, true, 3), false}, {5, udf_cp(5, code_a, false, 2), false}};
        CHECK(dc::decide_udf(st).action == dc::udf_action::scratch);
    }
    SECTION("checkpoints ignored or off") {
        st.seen = {{4, udf_cp(4, code_a, true, 9), false}};
        st.resume = false;
        CHECK(dc::decide_udf(st).action == dc::udf_action::scratch);
        st.checkpoints = false;
        auto d = dc::decide_udf(st);
        CHECK(d.action == dc::udf_action::direct);
        CHECK_FALSE(d.record());
    }
}

TEST_CASE("decide_save: skip while the version exists, else compute and say why", "[runtime][checkpoints][decide]") {
    dc::save_state st;
    st.name = "out";
    dc::checkpoint_record cp{};
    cp.kind = static_cast<std::uint8_t>(dc::checkpoint_kind::save);
    cp.dataset = "out";
    cp.version = "1.0.0";
    cp.job = 3;
    dc::dataset_record v{};
    v.name = "out";
    v.version = "1.0.0";
    v.complete = true;
    SECTION("version exists: skip") {
        st.seen = {{3, cp, v}};
        auto d = dc::decide_save(st);
        CHECK(d.action == dc::save_action::skip);
        CHECK(d.from_job == 3);
    }
    SECTION("version removed: compute") {
        st.seen = {{3, cp, std::nullopt}};
        auto d = dc::decide_save(st);
        CHECK(d.action == dc::save_action::compute);
        CHECK(d.why.kind == dc::change_kind::version_removed);
    }
    SECTION("no record: first run, or what changed") {
        CHECK(dc::decide_save(st).why.kind == dc::change_kind::first_run);
        dc::chain_record a, b;
        a.steps = {"src", "map<r>(f) -> int64"};
        a.hashes = {1, 1, 2, 2};
        b = a;
        b.hashes = {1, 1, 3, 3};
        st.previous = std::pair{std::uint64_t{2}, a};
        st.current = b;
        CHECK(dc::decide_save(st).why.kind == dc::change_kind::code_changed);
        b.hashes = {9, 9, 2, 2};
        st.current = b;
        CHECK(dc::decide_save(st).why.kind == dc::change_kind::source_changed);
    }
}

// ---- a step cut short by another step's failure ---------------------------------

namespace {

std::atomic<int> first_calls{0}, second_calls{0};
std::atomic<std::int64_t> fail_at{-1};

std::int64_t first_v1(std::int64_t x) { ++first_calls; return x * 10; }
std::int64_t first_v2(std::int64_t x) { ++first_calls; return x * 100; }
std::int64_t second(std::int64_t y) {
    ++second_calls;
    if (y / 100 == fail_at.load() || y / 10 == fail_at.load()) throw std::runtime_error("bug");
    return y + 1;
}

auto two_udfs(std::uint32_t first_version) {
    auto f = dc::versioned("first", first_version, first_version == 1 ? &first_v1 : &first_v2);
    return dc::read_values<"x">(rt::iota64(100)) | dc::map<"y">(f) |
           dc::map<"z">(dc::versioned("second", 1, &second), dc::params<"y">) | dc::save("two");
}

} // namespace

TEST_CASE("checkpoints: a step cut short by another step's failure recomputes when its code changed",
          "[runtime][checkpoints]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    cfg.batch_size = 10;
    {
        fail_at = 55;
        dc::session s{cfg};
        REQUIRE_THROWS_AS(two_udfs(1).run(s), dc::udf_error);
    }
    // The first step's code changes; the second is fixed (same identity).
    fail_at = -1;
    first_calls = 0;
    dc::session s{cfg};
    auto ds = two_udfs(2).run(s);
    CHECK(first_calls == 100);  // from scratch, not "continued" with the old code's outputs
    std::int64_t i = 0;
    bool same = ds.size() == 100;
    for (auto& r : ds) same = same && r.get<"y">() == i * 100 && r.get<"z">() == i * 100 + 1 && ++i;
    CHECK(same);
    auto ev = s.events();
    REQUIRE(ev.size() >= 2);
    CHECK(ev[0].type() == dc::event_kind::udf_from_scratch);
    CHECK(ev[0].change_type() == dc::change_kind::code_changed);
}

TEST_CASE("checkpoints: the step whose own UDF failed continues with its fixed code", "[runtime][checkpoints]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    cfg.batch_size = 10;
    {
        fail_at = 55;
        dc::session s{cfg};
        REQUIRE_THROWS_AS(two_udfs(1).run(s), dc::udf_error);
        auto ev = s.events();
        // What the run did, then the failure.
        REQUIRE(ev.size() >= 2);
        CHECK(ev[ev.size() - 2].type() == dc::event_kind::udf_from_scratch);
        CHECK(ev.back().type() == dc::event_kind::udf_failed);
    }
    fail_at = -1;
    first_calls = 0;
    second_calls = 0;
    dc::session s{cfg};
    auto ds = two_udfs(1).run(s);
    CHECK(first_calls == 40);   // continued: 60 were durable (6 batches of 10) when the second step failed
    CHECK(second_calls == 45);  // 55 done before the failure
    CHECK(ds.size() == 100);
}

TEST_CASE("checkpoints: a partial step whose inputs were all done is reported skipped", "[runtime][checkpoints]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    cfg.batch_size = 10;
    {
        fail_at = 99;  // the second step fails at its last row: the first is done but not complete
        dc::session s{cfg};
        REQUIRE_THROWS_AS(two_udfs(1).run(s), dc::udf_error);
    }
    fail_at = -1;
    first_calls = 0;
    dc::session s{cfg};
    two_udfs(1).run(s);
    CHECK(first_calls == 0);
    auto ev = s.events();
    REQUIRE(!ev.empty());
    CHECK(ev[0].type() == dc::event_kind::udf_skipped);
    CHECK(ev[0].rows_before == 100);
}

// ---- select, agg with params -------------------------------------------------------

TEST_CASE("select: a struct column and one of its fields both keep their values", "[runtime][steps]") {
    rt::temp_dir d;
    rt::write_file(d / "data/a.txt", "hello");
    rt::write_file(d / "data/b.txt", "hi");
    dc::session s{rt::cfg(d.store())};
    auto rows = (dc::read_storage((d / "data").string()) | dc::select<"file", "file.path">).collect(s);
    REQUIRE(rows.size() == 2);
    for (auto& r : rows) {
        CHECK(!r.get<"file.path">().empty());
        CHECK(r.get<"file">().path == r.get<"file.path">());
    }
    auto rev = (dc::read_storage((d / "data").string()) | dc::select<"file.path", "file">).collect(s);
    for (auto& r : rev) CHECK(r.get<"file">().path == r.get<"file.path">());
}

namespace {
DC_DEF(sum_all, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    std::int64_t t = 0;
    for (auto x : v) t += x;
    return {t};
});
} // namespace

TEST_CASE("agg: params without partition_by is one partition", "[runtime][steps]") {
    dc::session s{dc::settings{.root = "memory:agg-params", .job_name = "t", .progress = false, .report = false}};
    auto rows = (dc::read_values<"n", "m">(rt::iota64(10), rt::iota64(10)) |
                 dc::agg<"total">(sum_all, dc::params<"m">))
                    .collect(s);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].get<"total">() == 45);
}

// ---- ids under many sessions and threads -------------------------------------------

TEST_CASE("sessions: ids and versions are unique under many sessions and threads", "[runtime][checkpoints]") {
    rt::temp_dir d;
    // 5,000 new_table() calls in all, as in the report of the defect (1,096
    // duplicates in 5,000 calls on two threads), between the runs.
    constexpr int threads = 4, per_thread = 10, tables_per_session = 125;
    std::vector<std::vector<std::uint64_t>> jobs(threads), tables(threads);
    std::vector<std::vector<std::string>> versions(threads);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            const auto at = static_cast<std::size_t>(t);
            for (int i = 0; i < per_thread; ++i) {
                dc::session s{rt::cfg(d.store(), "thread" + std::to_string(t))};
                jobs[at].push_back(s.job_id());
                // The table ids the runtime takes for outputs (session_access,
                // what stages and save use).
                const dc::detail::exec::session_access a{s};
                for (int k = 0; k < tables_per_session; ++k) tables[at].push_back(a.new_table());
                auto p = dc::read_values<"n">(std::vector<std::int64_t>{t, i}) | dc::save("shared");
                versions[at].push_back(p.run(s, dc::run_options{.ignore_checkpoints = true}).version());
            }
        });
    for (auto& t : ts) t.join();
    std::set<std::uint64_t> all_jobs, all_tables;
    std::set<std::string> all_versions;
    std::size_t table_calls = 0;
    for (int t = 0; t < threads; ++t) {
        const auto at = static_cast<std::size_t>(t);
        all_jobs.insert(jobs[at].begin(), jobs[at].end());
        all_versions.insert(versions[at].begin(), versions[at].end());
        all_tables.insert(tables[at].begin(), tables[at].end());
        table_calls += tables[at].size();
    }
    CHECK(all_jobs.size() == threads * per_thread);
    CHECK(all_versions.size() == threads * per_thread);
    REQUIRE(table_calls == threads * per_thread * tables_per_session);
    CHECK(all_tables.size() == table_calls);  // no table id handed out twice
    // Every version holds the rows of the run that made it, in a table of
    // its own that no new_table() call handed out too.
    dc::session s{rt::cfg(d.store(), "check")};
    CHECK(s.datasets("shared").size() == threads * per_thread);
    for (auto& v : s.datasets("shared")) {
        CHECK(v.rows == 2);
        CHECK(all_tables.insert(v.table).second);
    }
    // A new session goes on after every id handed out.
    const dc::detail::exec::session_access a{s};
    CHECK(a.new_table() > *all_tables.rbegin());
}

// ---- gc keeps what skipping needs ------------------------------------------------

TEST_CASE("gc: collecting everything never makes an unchanged chain recompute", "[runtime][checkpoints][gc]") {
    rt::temp_dir d;
    auto p = [] { return dc::read_values<"x">(rt::iota64(20)) | dc::map<"y">(dc::versioned("g", 1, &first_v1)) | dc::save("kept"); };
    { dc::session s{rt::cfg(d.store())}; p().run(s); }
    {
        dc::session s{rt::cfg(d.store(), "collector")};
        s.gc(std::chrono::seconds(0));
    }
    first_calls = 0;
    dc::session s{rt::cfg(d.store())};
    CHECK(p().run(s).version() == "1.0.0");
    CHECK(first_calls == 0);
    CHECK(rt::event_kinds(s) == std::vector<std::string>{"save_skipped"});
    CHECK(rt::versions(s, "kept") == std::vector<std::string>{"1.0.0"});
}

// ---- damaged rows ------------------------------------------------------------------

TEST_CASE("errors: a damaged row names the store, dataset, version and key, and the job fails", "[runtime][checkpoints]") {
    const std::string root = "memory:damaged-row";
    {
        dc::session s{dc::settings{.root = root, .job_name = "w", .progress = false, .report = false}};
        (dc::read_values<"x">(rt::iota64(5)) | dc::save("src")).run(s);
        auto r = s.find_dataset("src");
        REQUIRE(r);
        auto k = dc::detail::rec::row_key(r->table, 2, 0);
        s.db().put(k, "\xff\xff");
    }
    dc::session s{dc::settings{.root = root, .job_name = "r", .progress = false, .report = false}};
    using S = dc::schema<dc::column<"x", std::int64_t>>;
    auto e = rt::catch_error([&] { (dc::read_dataset<S>("src") | dc::save("copy")).run(s); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    std::string what = e.what();
    CHECK(what.find("dataset 'src' version 1.0.0") != std::string::npos);
    CHECK(what.find(root) != std::string::npos);
    CHECK(what.find("key 54") != std::string::npos);  // "T" in hex
    auto j = s.job(s.job_id());
    REQUIRE(j);
    CHECK(j->state() == dc::job_status::failed);
    CHECK(j->error.find("damaged") != std::string::npos);
}

namespace {
std::int64_t damaged_fail_at = -1;
std::int64_t plus_one_or_throw(std::int64_t x) {
    if (x == damaged_fail_at) throw std::runtime_error("boom");
    return x + 1;
}
} // namespace

TEST_CASE("errors: a damaged stored output of a resumed map names the step, its table and the store",
          "[runtime][checkpoints]") {
    rt::memory_root root;
    auto chain = [] {
        return dc::read_values<"x">(rt::iota64(10)) | dc::map<"y">(dc::versioned("plus", 1, &plus_one_or_throw));
    };  // not saved: the resumed step reads its stored rows to pass them on
    damaged_fail_at = 5;
    {
        dc::session s{rt::cfg(root.store(), "w")};
        CHECK(rt::catch_error([&] { (void)chain().collect(s); }).kind() == dc::error_kind::udf);
        auto c = s.db().scan("T");  // the map's table, the only one: rows of inputs 0..4
        REQUIRE(c->valid());
        auto k = dc::detail::rec::row_key(dc::key::read_be64(c->key(), 1), 2, 0);
        REQUIRE(s.db().get(k));
        s.db().put(k, "\xff\xff");
    }
    damaged_fail_at = -1;
    dc::session s{rt::cfg(root.store(), "w")};
    auto e = rt::catch_error([&] { (void)chain().collect(s); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    const std::string what = e.what();
    INFO(what);
    // Checked against what its commits wrote before any kept row is used.
    CHECK(what.find("map<y>(plus)") != std::string::npos);
    CHECK(what.find("the outputs an earlier run kept (table ") != std::string::npos);
    CHECK(what.find(" in the store at '" + root.store().string() + "') are damaged") != std::string::npos);
    CHECK(what.find("rows differ") != std::string::npos);
}

// ---- the output sink ---------------------------------------------------------------

TEST_CASE("settings: library output goes through the sink", "[runtime][checkpoints]") {
    std::vector<dc::output_line> lines;
    std::mutex m;
    dc::settings cfg{.root = "memory:sink", .job_name = "t", .progress = true, .report = true};
    cfg.output = [&](const dc::output_line& l) {
        std::lock_guard g(m);
        lines.push_back(l);
    };
    dc::session s{cfg};
    (dc::read_values<"x">(rt::iota64(5)) | dc::map<"y">(dc::versioned("g", 1, &first_v1)) | dc::save("o")).run(s);
    bool saved = false, progress = false;
    for (auto& l : lines) {
        saved = saved || (l.what == dc::output_line::kind::report && l.text.find("saved version 1.0.0") != std::string::npos);
        progress = progress || (l.what == dc::output_line::kind::progress && l.text.find("5 rows computed") != std::string::npos);
    }
    CHECK(saved);
    CHECK(progress);
}

// ---- content digest ----------------------------------------------------------------

TEST_CASE("integrity: a version missing rows or with a rewritten row is an error, never fewer rows",
          "[runtime][checkpoints][integrity]") {
    rt::memory_root root;
    using S = dc::schema<dc::column<"x", std::int64_t>>;
    dc::session s{rt::cfg(root.store(), "w")};
    auto ds = (dc::read_values<"x">(rt::iota64(50)) | dc::save("d")).run(s);
    CHECK(dc::open_dataset<S>(s, "d").to_vector().size() == 50);
    auto r = s.find_dataset("d");
    REQUIRE(r);
    SECTION("a row deleted") { s.db().del(dc::detail::rec::row_key(r->table, 49, 0)); }
    SECTION("a row rewritten with another valid value") {
        std::string v;
        dc::encode(v, std::tuple<std::int64_t>{1000});
        s.db().put(dc::detail::rec::row_key(r->table, 7, 0), v);
    }
    auto e = rt::catch_error([&] { (void)dc::open_dataset<S>(s, "d").to_vector(); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK(std::string(e.what()).find("dataset 'd' version 1.0.0") != std::string::npos);
    // A pipeline reading it fails too, and saves nothing.
    auto e2 = rt::catch_error([&] { (dc::read_dataset<S>("d") | dc::save("copy")).run(s); });
    CHECK(e2.kind() == dc::error_kind::store_corrupt);
    CHECK(s.datasets("copy").empty());
}

TEST_CASE("settings: DATACHAIN_PARALLEL is checked, and a URI is not a store root", "[runtime][checkpoints]") {
    ::setenv("DATACHAIN_PARALLEL", "abc", 1);
    CHECK(rt::catch_error([] { (void)dc::settings::from_env(); }).kind() == dc::error_kind::usage);
    ::setenv("DATACHAIN_PARALLEL", "-1", 1);
    CHECK(rt::catch_error([] { (void)dc::settings::from_env(); }).kind() == dc::error_kind::usage);
    ::setenv("DATACHAIN_PARALLEL", "100000", 1);
    CHECK(rt::catch_error([] { (void)dc::settings::from_env(); }).kind() == dc::error_kind::usage);
    ::setenv("DATACHAIN_PARALLEL", "", 1);  // set but empty: a slip, not the default
    const auto empty = rt::catch_error([] { (void)dc::settings::from_env(); });
    CHECK(empty.kind() == dc::error_kind::usage);
    CHECK_THAT(empty.what(), Catch::Contains("DATACHAIN_PARALLEL=''") && Catch::Contains("unset it"));
    ::setenv("DATACHAIN_PARALLEL", "3", 1);
    CHECK(dc::settings::from_env().parallel == 3);
    ::unsetenv("DATACHAIN_PARALLEL");
    {
        rt::scoped_env root("DATACHAIN_ROOT", "");  // set but empty: not the default ./.datachain
        const auto empty_root = rt::catch_error([] { (void)dc::settings::from_env(); });
        CHECK(empty_root.kind() == dc::error_kind::usage);
        CHECK_THAT(empty_root.what(), Catch::Contains("DATACHAIN_ROOT is set but empty"));
    }
    {
        rt::scoped_env root("DATACHAIN_ROOT", nullptr);
        CHECK(dc::settings::from_env().root == ".datachain");
    }
    rt::temp_dir d;
    auto cfg = rt::cfg("file://" + d.store().string());
    CHECK(rt::catch_error([&] { dc::session s{cfg}; }).kind() == dc::error_kind::usage);
    CHECK(!fs::exists("file:"));
}

// The four switches take 1/true/yes/on or 0/false/no/off in any case; any
// other value is a usage error naming the variable (a second outside review:
// DATACHAIN_IGNORE_CHECKPOINTS=2 and junk were read as "no" and a run
// skipped). The two operator switches are applied by every session.
TEST_CASE("settings: the switch variables take yes or no words, anything else is a usage error", "[runtime][checkpoints]") {
    for (const char* name : {"DATACHAIN_IGNORE_CHECKPOINTS", "DATACHAIN_CHECKPOINTS", "DATACHAIN_PROGRESS",
                             "DATACHAIN_QUIET"}) {
        INFO(name);
        for (const char* bad : {"2", " 1", "0 ", "", "maybe", "y"}) {
            rt::scoped_env v(name, bad);
            auto e = rt::catch_error([] { (void)dc::settings::from_env(); });
            INFO(e.what());
            CHECK(e.kind() == dc::error_kind::usage);
            CHECK_THAT(e.what(), Catch::Contains(std::string(name) + "=") && Catch::Contains("is not a switch"));
        }
    }
    {
        rt::scoped_env v("DATACHAIN_IGNORE_CHECKPOINTS", "ON");
        CHECK(dc::settings::from_env().ignore_checkpoints);
    }
    {
        rt::scoped_env v("DATACHAIN_IGNORE_CHECKPOINTS", "No");
        CHECK(!dc::settings::from_env().ignore_checkpoints);
    }
    {
        rt::scoped_env v("DATACHAIN_CHECKPOINTS", "FALSE");
        CHECK(!dc::settings::from_env().checkpoints);
    }
    {
        rt::scoped_env v("DATACHAIN_QUIET", "yes");
        auto s = dc::settings::from_env();
        CHECK((!s.report && !s.progress));
    }
    {
        // A session built from code applies the operator's switch, and rejects a bad one.
        rt::memory_root root;
        rt::scoped_env v("DATACHAIN_IGNORE_CHECKPOINTS", "2");
        CHECK(rt::catch_error([&] { dc::session s{rt::cfg(root.store())}; }).kind() == dc::error_kind::usage);
    }
}

TEST_CASE("explain: the previous run is looked up in the job's own lineage", "[runtime][checkpoints]") {
    rt::memory_root root;
    auto p = [](std::int64_t n) { return dc::read_values<"x">(rt::iota64(n)) | dc::save("shared"); };
    std::uint64_t a1 = 0, a2 = 0;
    { dc::session s{rt::cfg(root.store(), "program-a")}; p(3).run(s); a1 = s.job_id(); }
    { dc::session s{rt::cfg(root.store(), "program-b")}; p(4).run(s); }
    { dc::session s{rt::cfg(root.store(), "program-a")}; p(5).run(s); a2 = s.job_id(); }
    dc::session s{rt::cfg(root.store(), "look")};
    auto prev = dc::catalog::previous_chain(s.db(), a2, "shared");
    REQUIRE(prev);
    CHECK(prev->first == a1);  // not program-b's job, though it ran in between
}

TEST_CASE("errors: a damaged dataset record is named as such, with its key", "[runtime][checkpoints]") {
    rt::memory_root root;
    dc::session s{rt::cfg(root.store())};
    (dc::read_values<"x">(rt::iota64(3)) | dc::save("d")).run(s);
    const auto k = dc::detail::rec::dataset_key("d", 1, 0, 0);
    auto v = s.db().get(k);
    REQUIRE(v);
    s.db().put(k, v->substr(0, v->size() / 2));
    auto e = rt::catch_error([&] { (void)s.find_dataset("d", "1.0.0"); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK(std::string(e.what()).find("dataset version record (key " + dc::detail::rec::hex(k) + ")") !=
          std::string::npos);
}

TEST_CASE("checkpoints: a continuation that fails again records what it did, then the failure",
          "[runtime][checkpoints]") {
    rt::memory_root d;
    auto cfg = rt::cfg(d.store());
    cfg.batch_size = 10;
    fail_at = 55;
    { dc::session s{cfg}; REQUIRE_THROWS_AS(two_udfs(1).run(s), dc::udf_error); }
    fail_at = 77;  // the fix was incomplete
    {
        dc::session s{cfg};
        REQUIRE_THROWS_AS(two_udfs(1).run(s), dc::udf_error);
        auto kinds = rt::event_kinds(s);
        REQUIRE(kinds.size() >= 2);
        CHECK(kinds[kinds.size() - 2] == "udf_continued");
        CHECK(kinds.back() == "udf_failed");
        CHECK(s.events()[kinds.size() - 2].rows_before == 55);
    }
    fail_at = -1;
    dc::session s{cfg};
    CHECK(two_udfs(1).run(s).size() == 100);
}

// ---- what a hostile reviewer found ------------------------------------------------

TEST_CASE("integrity: a lost counter record is an error, never an overwrite", "[runtime][checkpoints][integrity]") {
    rt::memory_root root;
    using S = dc::schema<dc::column<"x", std::int64_t>>;
    dc::session s{rt::cfg(root.store())};
    (dc::read_values<"x">(rt::iota64(30)) | dc::save("ds")).run(s);
    SECTION("the table counter") {
        s.db().del(dc::detail::rec::counter_key("table"));
        auto e = rt::catch_error([&] { (dc::read_values<"x">(rt::iota64(5)) | dc::save("other")).run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
    }
    SECTION("the version counter") {
        s.db().del(dc::detail::rec::dataset_meta_key("ds"));
        auto e = rt::catch_error([&] { (dc::read_values<"x">(rt::iota64(5)) | dc::save("ds")).run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
    }
    SECTION("the job counter") {
        s.db().del(dc::detail::rec::counter_key("job"));
        auto e = rt::catch_error([&] { dc::session again{rt::cfg(root.store(), "again")}; });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
    }
    CHECK(dc::open_dataset<S>(s, "ds", "1.0.0").to_vector().size() == 30);  // untouched
}

TEST_CASE("integrity: a limit over a damaged version is an error, and nothing is saved",
          "[runtime][checkpoints][integrity]") {
    rt::memory_root root;
    using S = dc::schema<dc::column<"x", std::int64_t>>;
    dc::session s{rt::cfg(root.store())};
    (dc::read_values<"x">(rt::iota64(100)) | dc::save("ds")).run(s);
    auto r = s.find_dataset("ds");
    REQUIRE(r);
    s.db().del(dc::detail::rec::row_key(r->table, 5, 0));
    auto e = rt::catch_error([&] { (dc::read_dataset<S>("ds") | dc::limit(10) | dc::save("first10")).run(s); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK(s.datasets("first10").empty());
    auto e2 = rt::catch_error([&] { (void)(dc::read_dataset<S>("ds") | dc::limit(3)).collect(s); });
    CHECK(e2.kind() == dc::error_kind::store_corrupt);
}

TEST_CASE("store root: a user's file named CURRENT does not make a store", "[runtime][checkpoints][integrity]") {
    rt::temp_dir d;
    for (auto n : {"CURRENT", "LOG", "LOG.old", "notes.txt"}) rt::write_file(d / ("u/" + std::string(n)), "precious");
    auto e = rt::catch_error([&] { dc::session s{rt::cfg(d / "u")}; });
    CHECK(e.kind() == dc::error_kind::store_format);
    std::vector<std::string> names;
    for (auto& f : fs::directory_iterator(d / "u")) {
        names.push_back(f.path().filename().string());
        CHECK(rt::read_file(f.path()) == "precious");
    }
    CHECK(names.size() == 4);
}
