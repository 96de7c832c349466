// The progress display: the line fits the width it is given, and a real
// pipeline (progress_demo) under a pseudo-terminal of 80 and 200 columns
// draws every phase within the width, erases to the end of the line on every
// redraw, and ends with a summary line whose numbers are right. With stderr
// not a terminal: plain lines, no redraws. No assertion depends on timing.
#include <datachain/runtime/progress.hpp>

#include <catch2/catch.hpp>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
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
