// The progress display: the line fits the width it is given, and a real
// pipeline (progress_demo) under a pseudo-terminal of 80 and 200 columns
// draws every phase within the width, erases to the end of the line on every
// redraw, and ends with a summary line whose numbers are right. With stderr
// not a terminal: plain lines, no redraws. Periodic plain lines and the
// status file are driven by a fake clock. No assertion depends on timing.
#include <datachain/runtime/progress.hpp>

#include <catch2/catch.hpp>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <filesystem>
#include <string>
#include <vector>

namespace dcd = datachain::detail;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string t = (fs::temp_directory_path() / "dc_progress_XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct run_result {
    std::string out;   // everything the program wrote (stdout and stderr)
    int status = -1;
};

// Runs progress_demo on a pseudo-terminal of `cols` columns (forkpty), or
// with stdout and stderr on a pipe (cols == 0).
run_result run_demo(unsigned cols, const temp_dir& d, int files) {
    std::string store = (d.path / "store").string(), data = (d.path / "data").string(), n = std::to_string(files);
    const char* argv[] = {DC_PROGRESS_DEMO, store.c_str(), data.c_str(), n.c_str(), nullptr};
    int fd = -1;
    pid_t pid;
    if (cols) {
        winsize ws{};
        ws.ws_row = 24;
        ws.ws_col = static_cast<unsigned short>(cols);
        pid = ::forkpty(&fd, nullptr, nullptr, &ws);
    } else {
        int p[2];
        REQUIRE(::pipe(p) == 0);
        pid = ::fork();
        if (pid == 0) {
            ::dup2(p[1], 1);
            ::dup2(p[1], 2);
            ::close(p[0]);
            ::close(p[1]);
        } else {
            ::close(p[1]);
            fd = p[0];
        }
    }
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::unsetenv("DATACHAIN_PROGRESS");
        ::unsetenv("DATACHAIN_QUIET");
        ::unsetenv("COLUMNS");
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    run_result r;
    char buf[4096];
    for (;;) {
        ssize_t k = ::read(fd, buf, sizeof buf);
        if (k > 0) r.out.append(buf, static_cast<std::size_t>(k));
        else if (k < 0 && errno == EINTR) continue;
        else break;  // EOF, or EIO once the pty's other side is closed
    }
    ::close(fd);
    int st = 0;
    ::waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// A terminal's lines: "\r\n" ends a line; within one, each "\r" starts a
// redraw. `redraw` is true for text drawn as a status line (followed by the
// erase-to-end sequence).
struct segment {
    std::string text;
    bool redraw = false;
};
std::vector<segment> segments(const std::string& out) {
    std::vector<segment> v;
    std::string cur;
    auto flush = [&](bool redraw) {
        if (!cur.empty()) v.push_back({cur, redraw});
        cur.clear();
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out.compare(i, 3, "\x1b[K") == 0) {
            flush(true);
            i += 2;
        } else if (out[i] == '\r' || out[i] == '\n') {
            flush(false);
        } else {
            cur += out[i];
        }
    }
    flush(false);
    return v;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

} // namespace

TEST_CASE("progress: the line fits every width, and shows everything when there is room", "[progress]") {
    dcd::progress_view v;
    v.step = "map<result, score, label>(a_rather_long_udf_name_that_goes_on) -> tuple<str, f64, str>";
    v.done = 123456;
    v.computed = 23456;
    v.total = 1000000;
    v.earlier = 100000;
    v.seconds = 12.5;
    for (std::size_t w = 20; w <= 300; ++w) {
        auto s = dcd::progress_text(v, w);
        INFO("width " << w << ": " << s);
        CHECK(s.size() <= w - 1);
        CHECK(contains(s, "123456"));   // the count is the last thing to go
    }
    auto wide = dcd::progress_text(v, 200);
    CHECK(contains(wide, v.step + ": "));
    CHECK(contains(wide, "123456/1000000 rows 12% ["));
    CHECK(contains(wide, "1876 rows/s"));                       // computed / elapsed
    CHECK(contains(wide, "12.5s"));                             // elapsed
    CHECK(contains(wide, "ETA 7m47s"));                         // (1000000 - 123456) / 1876.48 = 467 s
    CHECK(contains(wide, "100000 done by an earlier run"));
    auto narrow = dcd::progress_text(v, 80);
    CHECK(contains(narrow, "..."));                              // the name is cut, the counts stay
    CHECK(contains(narrow, "123456/1000000 rows 12%"));

    dcd::progress_view files;
    files.step = "listing /data/photos/";
    files.unit = "files";
    files.done = files.computed = 42;
    files.seconds = 1;
    CHECK(dcd::progress_text(files, 200) == "listing /data/photos/: 42 files, 42 files/s, 1.0s");
    CHECK(dcd::duration_text(59.94) == "59.9s");
    CHECK(dcd::duration_text(125) == "2m05s");
    CHECK(dcd::duration_text(3720) == "1h02m");
}

TEST_CASE("progress: the summary line of a UDF step", "[progress]") {
    dcd::progress_view v;
    v.step = "map<d>(f) -> int64";
    v.computed = 40;
    v.done = 100;
    v.seconds = 2;
    CHECK(dcd::progress_summary(v, 60) ==
          "map<d>(f) -> int64: 40 rows computed, 60 reused from an earlier run, 2.00s (20 rows/s)");
    v.computed = 1;
    v.seconds = 0.5;
    CHECK(dcd::progress_summary(v, 0) == "map<d>(f) -> int64: 1 row computed, 0 reused from an earlier run, 0.50s (2 rows/s)");
    CHECK(dcd::progress_summary(v, 3, "3 by input from earlier runs") ==
          "map<d>(f) -> int64: 1 row computed, 3 reused (3 by input from earlier runs), 0.50s (2 rows/s)");
    CHECK(dcd::progress_summary(v, 0, {}, true) ==
          "map<d>(f) -> int64: failed after 1 row computed, 0 reused from an earlier run, 0.50s (2 rows/s)");
}

TEST_CASE("progress: under a pseudo-terminal of 80 and 200 columns", "[progress][pty]") {
    for (unsigned cols : {80u, 200u}) {
        INFO("columns: " << cols);
        temp_dir d;
        auto r = run_demo(cols, d, 60);
        INFO(r.out);
        REQUIRE(r.status == 0);
        CHECK(contains(r.out, "saved 1.0.0 rows=60"));
        bool listing = false, udf = false, sorting = false, saving = false, summary = false;
        for (const auto& s : segments(r.out)) {
            if (s.redraw) {
                CHECK(s.text.size() <= cols - 1);   // never wraps
                listing = listing || s.text.rfind("listing ", 0) == 0;
                udf = udf || s.text.rfind("map<kb>(slow_kb)", 0) == 0;
                sorting = sorting || s.text.rfind("sorting ", 0) == 0;
                saving = saving || s.text.rfind("saving ", 0) == 0;
            }
            if (contains(s.text, "rows computed")) {
                summary = true;
                CHECK(s.text.size() <= cols - 1);
                CHECK(s.text.rfind("datachain: map<kb>(", 0) == 0);   // the name may be cut to fit
                CHECK(contains(s.text, ": 60 rows computed, 0 reused from an earlier run, "));
            }
        }
        CHECK(listing);
        CHECK(udf);
        CHECK(sorting);
        CHECK(saving);
        CHECK(summary);

        // Again: nothing to compute, no UDF summary; the skip is reported.
        auto again = run_demo(cols, d, 60);
        CHECK(again.status == 0);
        CHECK_FALSE(contains(again.out, "rows computed"));
        CHECK(contains(again.out, "skipped"));
    }
}

TEST_CASE("progress: plain lines when stderr is not a terminal", "[progress][pty]") {
    temp_dir d;
    auto r = run_demo(0, d, 30);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find('\r') == std::string::npos);    // no redraws
    CHECK(r.out.find("\x1b[") == std::string::npos);  // no terminal sequences
    CHECK(contains(r.out, "datachain: map<kb>(slow_kb) -> uint64: 30 rows computed, 0 reused from an earlier run, "));
}

// ---- by the clock: plain lines and the status file (no real time involved) ----

namespace {

// A clock the test moves by hand; the ticker thread reads it too, so what it
// does at a given time is what the test's own poll() would do.
std::atomic<std::int64_t> fake_ms{0};
dcd::progress::clock::time_point fake_now() {
    return dcd::progress::clock::time_point(std::chrono::milliseconds(fake_ms.load()));
}

struct captured {
    std::mutex m;
    std::vector<std::string> lines;
    std::size_t size() {
        std::lock_guard l(m);
        return lines.size();
    }
    std::string at(std::size_t i) {
        std::lock_guard l(m);
        return lines.at(i);
    }
};

} // namespace

TEST_CASE("progress: off a terminal, a plain line every progress_every while a step runs", "[progress]") {
    captured out;
    datachain::settings cfg;
    cfg.progress = true;
    cfg.progress_every = std::chrono::seconds(10);
    cfg.output = [&](const datachain::output_line& l) {
        std::lock_guard g(out.m);
        out.lines.push_back(l.text + (l.final ? " [final]" : ""));
    };
    fake_ms = 1000;
    {
        dcd::progress p(cfg, "map<d>(slow) -> int64", 40, 0, dcd::progress_kind::udf, nullptr, &fake_now);
        for (int i = 0; i < 20; ++i) p.tick();  // rows done inside a batch not counted yet
        fake_ms = 1000 + 9999;
        p.poll(p.now());
        CHECK(out.size() == 0);
        fake_ms = 11000;  // 10 s after the start
        p.poll(p.now());
        REQUIRE(out.size() == 1);
        CHECK(out.at(0) == "map<d>(slow) -> int64: 20/40 rows 50%, 2 rows/s, 10.0s, ETA 10.0s");
        fake_ms = 20000;
        p.poll(p.now());
        CHECK(out.size() == 1);  // 9 s since the last line
        p.add(25);               // the batch: its ticks are counted now
        fake_ms = 21000;
        p.poll(p.now());
        REQUIRE(out.size() == 2);
        CHECK(out.at(1) == "map<d>(slow) -> int64: 25/40 rows 62%, 1 rows/s, 20.0s, ETA 12.0s");
        fake_ms = 22000;
        p.finish();
        REQUIRE(out.size() == 3);
        CHECK(out.at(2) == "map<d>(slow) -> int64: 25 rows computed, 0 reused from an earlier run, 21.00s (1 rows/s) "
                           "[final]");
    }
    // A phase (sorting, saving, listing) prints its lines too.
    {
        dcd::progress sort(cfg, "sorting rows", 100, 0, dcd::progress_kind::sorting, nullptr, &fake_now);
        fake_ms = 40000;
        sort.poll(sort.now());
        REQUIRE(out.size() == 4);
        CHECK(out.at(3) == "sorting rows: 0/100 rows 0%, 0 rows/s, 18.0s");
    }
    // 0: no periodic lines at all, only the summary.
    cfg.progress_every = std::chrono::milliseconds(0);
    {
        dcd::progress p(cfg, "map<e>(g) -> int64", 5, 0, dcd::progress_kind::udf, nullptr, &fake_now);
        p.add(5);
        fake_ms = 10'000'000;
        p.poll(p.now());
        CHECK(out.size() == 4);
        p.finish();
        CHECK(out.size() == 5);
    }
    fake_ms = 0;
}

TEST_CASE("progress: DATACHAIN_PROGRESS_EVERY", "[progress]") {
    using datachain::settings;
    using ms = std::chrono::milliseconds;
    CHECK(settings{}.progress_every == ms(10000));
    CHECK(settings::progress_interval("0") == ms(0));
    CHECK(settings::progress_interval("3") == ms(3000));
    CHECK(settings::progress_interval("500ms") == ms(500));
    CHECK(settings::progress_interval("30s") == ms(30000));
    CHECK(settings::progress_interval("2m") == ms(120000));
    for (const char* bad : {"-1", "x", "1h", "1.5", "10 s", "999999999999"}) {
        INFO(bad);
        CHECK_THROWS_AS(settings::progress_interval(bad), datachain::error);
    }
    ::setenv("DATACHAIN_PROGRESS_EVERY", "0", 1);
    CHECK(settings::from_env().progress_every == ms(0));
    ::setenv("DATACHAIN_PROGRESS_EVERY", "", 1);  // set but empty: a slip, not the default
    CHECK_THROWS_WITH(settings::from_env(), Catch::Contains("DATACHAIN_PROGRESS_EVERY=''") && Catch::Contains("unset it"));
    ::unsetenv("DATACHAIN_PROGRESS_EVERY");
    CHECK(settings::from_env().progress_every == ms(10000));
}

// The status file counts the units kept: a row ticked inside a part is
// computed but not stored (a kill loses it), so it is not counted; a part
// counts once committed (add, then status_now right after the commit, at
// most every 250 ms: the ticker writes what status_now leaves). What came
// from the row memo counts as done earlier, as a continued table's rows do.
TEST_CASE("progress: the status file counts what is committed, not the rows ticked", "[progress]") {
    temp_dir d;
    datachain::settings cfg;
    cfg.progress = false;  // quiet: the status file is kept all the same
    fake_ms = 5000;
    dcd::status_file st(d.path.string(), 7);
    st.rows("map<d>(slow) -> int64", 40, 6, 6);
    auto status = [&] { return dcd::read_status(d.path).value(); };
    {
        dcd::progress p(cfg, "map<d>(slow) -> int64", 40, 6, dcd::progress_kind::udf, &st, &fake_now);
        for (int i = 0; i < 3; ++i) p.tick();  // rows computed inside a part, not stored yet
        fake_ms = 6000;
        p.poll(p.now());
        CHECK(status().done == 6);  // only what earlier runs did
        p.status_now();
        CHECK(status().done == 6);
        p.add(3, 4, 4);  // the part committed: 3 computed, 4 from the row memo
        p.poll(p.now());  // the ticker, 0 ms after its last write: not yet
        CHECK(status().done == 6);
        p.status_now();  // right after the commit, but within 250 ms of the last write
        CHECK(status().done == 6);
        fake_ms = 6250;
        p.status_now();  // the next commit's (or the ticker's) write counts it
        CHECK(status().done == 13);
        CHECK(status().earlier == 10);  // 6 continued + 4 reused by input
        CHECK(p.kept() == 13);
        const auto written = status().updated;
        p.status_now();  // nothing changed: not written again
        CHECK(status().updated == written);
        for (int i = 0; i < 5; ++i) p.tick();
        fake_ms = 7000;
        p.poll(p.now());
        CHECK(status().done == 13);  // ticks never reach the file
        p.add(2);  // a slow part: committed 750 ms after the last write
        p.status_now();
        CHECK(status().done == 15);
        p.failed();  // the step failed: its last count is what is kept
        p.finish();
        CHECK(status().done == 15);
        CHECK(status().earlier == 10);
        CHECK(status().step == "map<d>(slow) -> int64");
        CHECK(status().total == 40u);
    }
    fake_ms = 0;
}

// A pipelined step's time is its own work: its work clock stops while it
// waits for its input or for the next step (work_clock.hpp); the line, the
// rate and the summary show that time.
TEST_CASE("progress: a step's time is its own work, not its neighbours'", "[progress]") {
    captured out;
    datachain::settings cfg;
    cfg.progress = true;
    cfg.progress_every = std::chrono::milliseconds(0);
    cfg.output = [&](const datachain::output_line& l) {
        std::lock_guard g(out.m);
        out.lines.push_back(l.text);
    };
    fake_ms = 1000;
    dcd::work_clock own(&fake_now);
    {
        dcd::progress p(cfg, "map<a>(f) -> int64", 4, 0, dcd::progress_kind::udf, nullptr, &fake_now, &own);
        fake_ms = 3000;  // 2 s of its own work
        own.stop();      // the next step has the batch
        fake_ms = 60000;
        CHECK(own.seconds(fake_now()) == 2.0);
        CHECK(p.seconds() == 2.0);
        {
            dcd::work_clock::working w(own);  // asked for the next batch
            fake_ms = 61000;
            {
                dcd::work_clock::waiting input(own);  // the step before it reads
                fake_ms = 90000;
            }
            CHECK(own.running());
            fake_ms = 92000;  // 2 s more of its own
        }
        CHECK_FALSE(own.running());
        fake_ms = 100000;
        p.add(4);
        p.finish();
        REQUIRE(out.size() == 1);
        CHECK(out.at(0) == "map<a>(f) -> int64: 4 rows computed, 0 reused from an earlier run, 5.00s (1 rows/s)");
    }
    // Without a work clock: the time since the progress began.
    {
        dcd::progress p(cfg, "map<b>(g) -> int64", 1, 0, dcd::progress_kind::udf, nullptr, &fake_now);
        fake_ms = 104000;
        CHECK(p.seconds() == 4.0);
    }
    fake_ms = 0;
}
