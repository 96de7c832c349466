// Progress and decision reports (SPEC section 8): what a long UDF step prints
// on stderr when it is not a terminal, how a continued run reports the rows an
// earlier run did, and that the settings silence both.
#include "support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

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
