// Progress and decision reports (SPEC section 8): what a long UDF step prints
// on stderr when it is not a terminal, how a continued run reports the rows an
// earlier run did, and that the settings silence both. What a run that ends
// early (killed, failed) reports: reused rows as reused, what it kept as
// done; and a pipelined step's time (an injected clock).
#include "support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Runs f with stderr (fd 2) sent to a file; returns what was written.
template <class F>
std::string capture_stderr(const rt::temp_dir& d, F&& f) {
    auto path = d / "stderr.txt";
    std::fflush(stderr);
    int saved = ::dup(2);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
    try {
        f();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    return rt::read_file(path);
}

std::atomic<bool> fail_at_60{false};

DC_DEF(progress_double, (std::int64_t n) -> std::int64_t {
    if (fail_at_60 && n == 60) throw std::runtime_error("sixty");
    return 2 * n;
});

dc::settings loud(const fs::path& root) {
    auto s = rt::cfg(root, "progress");
    s.progress = true;
    s.report = true;
    s.batch_size = 25;
    return s;
}

} // namespace

TEST_CASE("progress: a summary line on a non-terminal, with the rows of an earlier run", "[runtime][progress]") {
    rt::temp_dir d;
    auto pipeline = dc::read_values<"n">(rt::iota64(100)) | dc::map<"d">(progress_double) | dc::save("doubled");
    fail_at_60 = true;
    std::string first = capture_stderr(d, [&] {
        dc::session s{loud(d.store())};
        CHECK_THROWS_AS(pipeline.run(s), dc::udf_error);
    });
    // the failing run: decision, summary of what it did, no carriage returns (not a tty)
    CHECK(first.find("map<d>(progress_double) -> int64: from scratch") != std::string::npos);
    CHECK(first.find("map<d>(progress_double) -> int64: failed after 60 rows computed, 0 reused from an earlier run") !=
          std::string::npos);
    CHECK(first.find('\r') == std::string::npos);

    fail_at_60 = false;
    std::string second = capture_stderr(d, [&] {
        dc::session s{loud(d.store())};
        CHECK(pipeline.run(s).size() == 100);
    });
    CHECK(second.find("continued (continuing the partial outputs of job 1)") != std::string::npos);
    CHECK(second.find("40 rows computed, 60 reused from an earlier run") != std::string::npos);
    CHECK(second.find("save \"doubled\": saved version 1.0.0 (100 rows)") != std::string::npos);
    CHECK(second.find("the earlier run (job 1, failed) did not finish") != std::string::npos);

    std::string third = capture_stderr(d, [&] {
        dc::session s{loud(d.store())};
        CHECK(pipeline.run(s).version() == "1.0.0");
    });
    CHECK(third.find("save \"doubled\": skipped, the chain is unchanged since job 2") != std::string::npos);
    CHECK(third.find("rows computed") == std::string::npos);  // no UDF ran, no progress
}

// Reusing outputs by input: one line says it (the summary, with where the
// reused rows came from), not a summary and a report line.
TEST_CASE("progress: a step that reuses outputs by input says so in one line", "[runtime][progress]") {
    rt::temp_dir d;
    auto run = [&](std::int64_t n) {
        return capture_stderr(d, [&] {
            dc::session s{loud(d.store())};
            (void)(dc::read_values<"n">(rt::iota64(n)) | dc::map<"d">(progress_double) | dc::save("doubled")).run(s);
        });
    };
    (void)run(100);
    const std::string out = run(110);
    INFO(out);
    CHECK(out.find("map<d>(progress_double) -> int64: 10 rows computed, 100 reused (100 by input from earlier runs), ") !=
          std::string::npos);
    CHECK(out.find("reused (100 by input") == out.rfind("reused (100 by input"));  // once
    CHECK(out.find("inputs computed") == std::string::npos);

    // Progress off: the report line says it.
    std::string quiet = capture_stderr(d, [&] {
        auto cfg = loud(d.store());
        cfg.progress = false;
        dc::session s{cfg};
        (void)(dc::read_values<"n">(rt::iota64(120)) | dc::map<"d">(progress_double) | dc::save("doubled")).run(s);
    });
    INFO(quiet);
    CHECK(quiet.find("map<d>(progress_double) -> int64: 10 inputs computed, 110 reused (110 by input from earlier runs)") !=
          std::string::npos);
    CHECK(quiet.find("rows computed") == std::string::npos);
}

DC_DEF(progress_three, (std::int64_t n) -> std::vector<std::int64_t> { return {n, n, n}; });
DC_DEF(progress_sum, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    std::int64_t t = 0;
    for (auto x : v) t += x;
    return {t};
});

// gen counts its inputs and agg its partitions, not the rows they output.
TEST_CASE("progress: gen counts inputs, agg counts partitions", "[runtime][progress]") {
    rt::temp_dir d;
    std::string out = capture_stderr(d, [&] {
        dc::session s{loud(d.store())};
        (void)(dc::read_values<"n">(rt::iota64(10)) | dc::gen<"g">(progress_three) | dc::save("tripled")).run(s);
        (void)(dc::read_values<"n">(rt::iota64(10)) | dc::map<"k">(progress_double) |
               dc::agg<"t">(progress_sum, dc::partition_by<"k">, dc::params<"n">) | dc::save("sums"))
            .run(s);
    });
    INFO(out);
    CHECK(out.find("gen<g>(progress_three)") != std::string::npos);
    CHECK(out.find(": 10 inputs computed, 0 reused from an earlier run") != std::string::npos);
    CHECK(out.find("10 partitions computed, 0 reused from an earlier run") != std::string::npos);
    CHECK(out.find("30 rows computed") == std::string::npos);
}

TEST_CASE("progress: settings and DATACHAIN_QUIET silence reports and progress", "[runtime][progress]") {
    rt::temp_dir d;
    auto pipeline = dc::read_values<"n">(rt::iota64(50)) | dc::map<"d">(progress_double) | dc::save("doubled");
    std::string quiet = capture_stderr(d, [&] {
        dc::session s{rt::cfg(d.store(), "quiet")};  // progress = false, report = false
        CHECK(pipeline.run(s).size() == 50);
    });
    CHECK(quiet.empty());

    ::setenv("DATACHAIN_QUIET", "1", 1);
    auto env = dc::settings::from_env();
    ::unsetenv("DATACHAIN_QUIET");
    CHECK_FALSE(env.progress);
    CHECK_FALSE(env.report);
    ::setenv("DATACHAIN_PROGRESS", "0", 1);
    CHECK_FALSE(dc::settings::from_env().progress);
    CHECK(dc::settings::from_env().report);
    ::unsetenv("DATACHAIN_PROGRESS");
}

TEST_CASE("progress: an unhashable UDF is reported with the fix", "[runtime][progress]") {
    rt::temp_dir d;
    auto plain = [](std::int64_t n) { return n + 1; };
    auto pipeline = dc::read_values<"n">(rt::iota64(10)) | dc::map<"p">(plain) | dc::save("plain");
    std::string out = capture_stderr(d, [&] {
        dc::session s{loud(d.store())};
        CHECK(pipeline.run(s).size() == 10);
    });
    CHECK(out.find("warning: map<p>(udf) -> int64 uses a UDF without a stable identity") != std::string::npos);
    CHECK(out.find("it is recomputed on every run") != std::string::npos);
    CHECK(out.find("DC_UDF(...)") != std::string::npos);
}

TEST_CASE("progress: an unhashable UDF recomputes in every new process", "[runtime][progress][process]") {
    rt::temp_dir d;
    for (int run = 0; run < 2; ++run) {
        rt::child c;
        rt::spawn_child(c, "plain", d.store());
        CHECK(c.wait() == 0);
    }
    dc::session s{rt::cfg(d.store(), "plain")};
    // two processes, two versions: the second run could not reuse the first
    CHECK(rt::versions(s, "plain") == std::vector<std::string>{"1.0.0", "1.0.1"});
}

// ---- what a run that ends early reports (outside review F3, F4) ----------------

namespace {

// The first UDF event of job `job` (its decision, rewritten with its counts).
dc::event_record udf_event(const dc::session& s, std::uint64_t job) {
    for (auto& e : s.events(job))
        if (e.kind.starts_with("udf_")) return e;
    FAIL("job " << job << " has no UDF event");
    return {};
}

} // namespace

// A run killed after it took rows from the row memo (outputs of earlier runs
// for the same inputs) and computed a few: its event says reused, counting
// the inputs reused, and the status file counts those as done earlier; the
// status file's done is what the store kept (commits), never a row computed
// but not stored, so a rerun computes exactly the rest. For map (rows) and
// agg (partitions). The child blocks inside its UDF and tells us through a
// pipe, and the status file is waited for: nothing here depends on timing.
TEST_CASE("progress: a killed run that reused rows by input reports them, and what it kept",
          "[runtime][progress][process]") {
    for (const bool agg : {false, true}) {
        INFO((agg ? "agg" : "map"));
        rt::temp_dir d;
        {
            dc::session s{rt::cfg(d.store(), "victim")};
            s.config().batch_size = 4;
            if (agg) (void)rt::reuse_agg_pipeline(6).run(s);
            else (void)rt::reuse_map_pipeline(10).run(s);
        }
        // map: batches of 4 over 20 inputs; 0-9 reused, 10 and 11 computed
        // (committed with 8 and 9), 12 and 13 computed, 14 blocks.
        // agg: runs of 4 of 12 partitions; 0-5 reused, 6 and 7 computed
        // (committed with 4 and 5), 8 computed, 9 blocks.
        const std::uint64_t earlier = agg ? 6 : 10, kept = agg ? 8 : 12, total = agg ? 12 : 20;
        std::uint64_t victim = 0;
        {
            rt::child c;
            rt::spawn_child(c, "reuse_crash", d.store(), agg ? "9a" : "14");
            REQUIRE(c.read_byte() == 'r');  // blocked inside the UDF
            // The status file is written at most every 250 ms: wait for
            // the count of the last commit (a deadline only ends a test that
            // fails). It counts only what is committed, so it stops there.
            auto st = dc::detail::read_status(d.store());
            for (int i = 0; !(st && st->done >= kept) && i < 6000; ++i) {
                ::usleep(20000);
                st = dc::detail::read_status(d.store());
            }
            REQUIRE(st);
            victim = st->job;
            CHECK(st->state == "running");
            CHECK(st->earlier == earlier);  // was 0: the rows reused by input were not counted as earlier
            CHECK(st->done == kept);        // was the rows computed, kept or not
            CHECK(st->unit == (agg ? "partitions" : "rows"));
            c.kill9();
            c.wait();
        }
        rt::square_calls = 0;
        dc::session s{rt::cfg(d.store(), "victim")};
        REQUIRE(s.job(victim));
        CHECK(s.job(victim)->state() == dc::job_status::crashed);
        auto e = udf_event(s, victim);
        CHECK(e.kind == "udf_reused");  // was udf_from_scratch: the event was written when the step started
        CHECK(e.rows_before == earlier);
        CHECK(e.rows_now == kept - earlier);
        // The rerun continues the killed table: it computes what was not kept.
        if (agg) {
            auto rows = rt::reuse_agg_pipeline(12).run(s).to_vector();
            REQUIRE(rows.size() == 12);
            for (std::int64_t i = 0; i < 12; ++i) CHECK(rows[static_cast<std::size_t>(i)].get<"t">() == 2 * i);
        } else {
            auto rows = rt::reuse_map_pipeline(20).run(s).to_vector();
            REQUIRE(rows.size() == 20);
            for (std::int64_t i = 0; i < 20; ++i) CHECK(rows[static_cast<std::size_t>(i)].get<"sq">() == i * i);
        }
        CHECK(rt::square_calls == static_cast<int>(total - kept));
        auto again = udf_event(s, s.job_id());
        CHECK(again.kind == "udf_continued");
        CHECK(again.rows_before == kept);
        CHECK(again.rows_now == total - kept);
    }
}

namespace {

std::atomic<std::int64_t> reuse_throw_at{-1};
DC_DEF(progress_reuse_sq, (std::int64_t n) -> std::int64_t {
    if (n == reuse_throw_at) throw std::runtime_error("fourteen");
    return n * n;
});

} // namespace

// The same when the UDF throws: the failed event and the status file count
// the inputs reused by input as done earlier.
TEST_CASE("progress: a failed run that reused rows by input counts them as done earlier", "[runtime][progress]") {
    rt::temp_dir d;
    auto pipeline = [](std::int64_t n) {
        return dc::read_values<"n">(rt::iota64(n)) | dc::map<"sq">(progress_reuse_sq) | dc::save("sq");
    };
    auto c = rt::cfg(d.store());
    c.batch_size = 4;
    {
        dc::session s{c};
        (void)pipeline(10).run(s);
    }
    reuse_throw_at = 14;
    dc::session s{c};
    CHECK_THROWS_AS(pipeline(20).run(s), dc::udf_error);
    reuse_throw_at = -1;
    auto e = udf_event(s, s.job_id());
    CHECK(e.kind == "udf_reused");
    CHECK(e.rows_before == 10);
    CHECK(e.rows_now == 4);  // 10 to 13: the part before the failing input is committed
    auto st = dc::detail::read_status(d.store());
    REQUIRE(st);
    CHECK(st->earlier == 10);  // was 0
    CHECK(st->done == 14);
}

namespace {

// A clock that moves only when a UDF says so (work_clock.hpp, udf_clock).
std::atomic<std::int64_t> udf_ms{0};
std::chrono::steady_clock::time_point udf_now() {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(udf_ms.load()));
}
DC_DEF(progress_one_second, (std::int64_t n) -> std::int64_t {
    udf_ms += 1000;
    return n + 1;
});
DC_DEF(progress_hundred_seconds, (std::int64_t n) -> std::int64_t {
    udf_ms += 100000;
    return n * 2;
});

} // namespace

// Two pipelined steps, each pulling batches from the one before: the first
// step's time is its own UDF calls (10 x 1 s), not the second step's calls
// between its batches; the second's is its own (10 x 100 s), not the first
// computing its input. Time here moves only inside the UDFs (an injected
// clock), so the numbers are exact on any machine.
TEST_CASE("progress: a pipelined step's time is its own work", "[runtime][progress]") {
    rt::temp_dir d;
    std::vector<std::string> finals;
    std::mutex m;
    auto cfg = rt::cfg(d.store());
    cfg.progress = true;
    cfg.progress_every = std::chrono::milliseconds(0);
    cfg.batch_size = 4;
    cfg.output = [&](const dc::output_line& l) {
        std::lock_guard g(m);
        if (l.what == dc::output_line::kind::progress && l.final) finals.push_back(l.text);
    };
    udf_ms = 5000;
    dc::detail::udf_clock = &udf_now;
    struct restore {
        ~restore() { dc::detail::udf_clock = &std::chrono::steady_clock::now; }
    } restore_clock;
    dc::session s{cfg};
    (void)(dc::read_values<"n">(rt::iota64(10)) | dc::map<"a">(progress_one_second) |
           dc::map<"b">(progress_hundred_seconds, dc::params<"a">) | dc::save("timed"))
        .run(s);
    std::vector<dc::event_record> udf;
    for (auto& e : s.events())
        if (e.kind.starts_with("udf_")) udf.push_back(e);
    REQUIRE(udf.size() == 2);
    CHECK(udf[0].step.starts_with("map<a>"));
    CHECK(udf[0].seconds == 10.0);  // from its start to its end: 1010 s, the second step's calls included
    CHECK(udf[1].step.starts_with("map<b>"));
    CHECK(udf[1].seconds == 1000.0);  // from its start to its end: 1010 s, the first step's included
    std::lock_guard g(m);
    REQUIRE(finals.size() == 2);
    CHECK(finals[0] == "map<a>(progress_one_second) -> int64: 10 rows computed, 0 reused from an earlier run, "
                       "10.00s (1 rows/s)");
    CHECK(finals[1] == "map<b>(progress_hundred_seconds) -> int64: 10 rows computed, 0 reused from an earlier "
                       "run, 1000.00s (0 rows/s)");
}
