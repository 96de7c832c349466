// cli_fixture: the helper program of the datachain CLI tests (cli_check.cmake).
//
//   cli_fixture write STORE              save dataset "hostile" (commas, quotes, newlines, NUL, invalid UTF-8)
//   cli_fixture legacy STORE             drop hostile@1.0.0's schema record (as saved before schemas were stored)
//   cli_fixture check STORE csv|jsonl FILE   FILE holds exactly hostile's rows (read back with the C++ type)
//   cli_fixture damaged STORE            save "good" and "bad" (20 rows of 8 KB), then flip one byte
//                                        inside a row of "bad" in its table file (its block checksum fails)
//   cli_fixture json FILE                FILE is one JSON document in valid UTF-8; prints "json <kind> <items>"
//   cli_fixture status CLI STORE         `CLI status` while a program runs on STORE (running, the rows
//                                        done inside a batch), after it ends (complete) and after it
//                                        is killed (crashed, exit 3); an agg counts partitions, and a
//                                        status file without its unit (as written before) counts rows;
//                                        a killed job's last report outlives its status file
//   cli_fixture floats STORE             save "floats": NaN of either sign, infinities, -0.0, as f64 and f32
//   cli_fixture files STORE DIR          save "files" from a listing of DIR twice, the second time with a file
//                                        added whose name holds a newline and an escape sequence (ESC c)
//
// Exit 0 when the check holds; 1 with the reason on stderr otherwise.
#include <datachain/datachain.hpp>

#include "text_parse.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace dc = datachain;

namespace {

struct meta_t {
    BOOST_HANA_DEFINE_STRUCT(meta_t, (std::string, label), (std::optional<std::int32_t>, n), (double, x));
};

const std::vector<std::string> hostile = {
    "", "plain", "a,b", "say \"hi\"", "line1\nline2", "cr\r\nlf", "\xff\xfe bad", "caf\xc3\xa9", "\xe2\x82",
    "\xed\xa0\x80", std::string("nul\0x", 5), "\xf0\x9f\x98\x80", ",", "\"",
};

auto pipeline() {
    std::vector<std::string> s;
    std::vector<meta_t> m;
    for (std::size_t i = 0; i < hostile.size(); ++i) {
        s.push_back(hostile[i]);
        meta_t x;
        x.label = hostile[(i + 5) % hostile.size()];
        if (i % 2) x.n = static_cast<std::int32_t>(i) - 3;
        x.x = 0.5 * static_cast<double>(i) + 0.1;
        m.push_back(x);
    }
    return dc::read_values<"s", "meta">(s, m) | dc::limit(1000) | dc::save("hostile");
}
using S = decltype(pipeline())::schema;

dc::settings quiet(const std::string& root, const std::string& job) {
    return dc::settings{.root = root, .job_name = job, .progress = false, .report = false};
}

std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

int check(const std::string& store, const std::string& format, const std::string& file) {
    std::vector<dc::row<S>> rows;
    {
        dc::session s{quiet(store, "check")};
        rows = dc::open_dataset<S>(s, "hostile").to_vector();
    }
    const auto text = read_file(file);
    const std::vector<std::string> names = {"s", "meta.label", "meta.n", "meta.x"};
    if (format == "csv") {
        auto csv = tp::parse_csv(text);
        expect(csv.size() == rows.size() + 1, "csv: " + std::to_string(csv.size()) + " records");
        for (std::size_t k = 0; k < names.size(); ++k) expect(csv[0].at(k) == names[k], "csv: header " + names[k]);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& c = csv[i + 1];
            const auto& r = rows[i];
            const auto at = " (row " + std::to_string(i) + ")";
            expect(c.size() == 4, "csv: fields" + at);
            expect(c[0] == r.get<"s">(), "csv: s" + at);
            expect(c[1] == r.get<"meta.label">(), "csv: meta.label" + at);
            const auto& n = r.get<"meta.n">();
            expect(c[2] == (n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt), "csv: meta.n" + at);
            expect(std::strtod(c[3].value().c_str(), nullptr) == r.get<"meta.x">(), "csv: meta.x" + at);
        }
        return 0;
    }
    expect(tp::valid_utf8(text), "jsonl: not valid UTF-8");
    std::vector<std::string> lines;
    for (std::size_t a = 0, b; (b = text.find('\n', a)) != std::string::npos; a = b + 1)
        lines.push_back(text.substr(a, b - a));
    expect(lines.size() == rows.size(), "jsonl: " + std::to_string(lines.size()) + " lines");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto j = tp::parse_json(lines[i]);
        const auto& r = rows[i];
        const auto at = " (row " + std::to_string(i) + ")";
        expect(j.fields.size() == 4, "jsonl: keys" + at);
        for (std::size_t k = 0; k < names.size(); ++k) expect(j.fields[k].first == names[k], "jsonl: key " + names[k]);
        expect(j["s"].text == r.get<"s">(), "jsonl: s" + at);
        expect(j["meta.label"].text == r.get<"meta.label">(), "jsonl: meta.label" + at);
        const auto& n = r.get<"meta.n">();
        expect(n ? j["meta.n"].text == std::to_string(*n) : j["meta.n"].kind == tp::json::null, "jsonl: meta.n" + at);
        expect(std::strtod(j["meta.x"].text.c_str(), nullptr) == r.get<"meta.x">(), "jsonl: meta.x" + at);
    }
    return 0;
}

// ---- a store with one damaged dataset -----------------------------------------------

int damaged(const std::string& store) {
    {
        dc::session s{quiet(store, "damaged")};
        (dc::read_values<"n">(std::vector<std::int64_t>{1, 2, 3}) | dc::save("good")).run(s);
        // Rows that do not compress (snappy finds no repeats), so their bytes
        // are in the table file as written; each row is a block of its own.
        std::vector<std::string> big;
        std::uint64_t x = 42;
        for (int i = 0; i < 20; ++i) {
            std::string v = "MARKER-ROW-" + std::to_string(i) + "-";
            while (v.size() < 8000) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                v += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[x >> 58];
            }
            big.push_back(v);
        }
        (dc::read_values<"blob">(big) | dc::save("bad")).run(s);
    }
    dc::open_leveldb_store(store, {.create_if_missing = false})->compact();  // everything into table files
    const std::string marker = "MARKER-ROW-10-";
    for (const auto& e : std::filesystem::directory_iterator(store)) {
        if (e.path().extension() != ".ldb") continue;
        auto bytes = read_file(e.path().string());
        const auto at = bytes.find(marker);
        if (at == std::string::npos) continue;
        bytes[at + marker.size() + 100] ^= 0x01;
        std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << bytes;
        std::cout << "flipped a byte of row 10 of bad in " << e.path().filename().string() << "\n";
        return 0;
    }
    throw std::runtime_error("row 10 of bad is in no table file");
}

// ---- floats ------------------------------------------------------------------------

int floats(const std::string& store) {
    using D = std::numeric_limits<double>;
    using F = std::numeric_limits<float>;
    const std::vector<double> d = {D::quiet_NaN(), -D::quiet_NaN(), D::infinity(), -D::infinity(), -0.0, 1.5};
    const std::vector<float> f = {F::quiet_NaN(), -F::quiet_NaN(), F::infinity(), -F::infinity(), -0.0f, 1.5f};
    expect(!std::signbit(d[0]) && std::signbit(d[1]) && !std::signbit(f[0]) && std::signbit(f[1]), "NaN signs");
    dc::session s{quiet(store, "floats")};
    std::cout << "saved floats@" << (dc::read_values<"d", "f">(d, f) | dc::save("floats")).run(s).version() << "\n";
    return 0;
}

// ---- a file name with control characters ----------------------------------------------

DC_DEF(fixture_len, (const dc::File& f) -> std::int64_t { return static_cast<std::int64_t>(f.size); });

int files(const std::string& store, const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::ofstream(std::filesystem::path(dir) / "a.txt") << "a";
    auto run = [&] {
        dc::session s{quiet(store, "files")};
        (dc::read_storage(dir) | dc::map<"len">(fixture_len) | dc::save("files")).run(s);
    };
    run();
    std::ofstream(std::filesystem::path(dir) / "new\n\x1b" "cforged.txt") << "bb";
    run();
    return 0;
}

// ---- status ----------------------------------------------------------------------

int ready_fd = -1, go_fd = -1;

DC_DEF(fixture_wait, (std::int64_t n) -> std::int64_t {
    if (n == 3) {  // tell the parent, then wait for its word (or its end)
        char c = 'r';
        if (::write(ready_fd, &c, 1) != 1) std::abort();
        (void)::read(go_fd, &c, 1);
    }
    return n * 2;
});

DC_DEF(fixture_agg_wait, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    if (v.front() == 3) {  // partition 3 of 10: as fixture_wait
        char c = 'r';
        if (::write(ready_fd, &c, 1) != 1) std::abort();
        (void)::read(go_fd, &c, 1);
    }
    return {static_cast<std::int64_t>(v.size())};
});

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("cannot run " + cmd);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int rc = ::pclose(p);
    return "rc=" + std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) + "\n" + out;
}

// Starts a program running a pipeline on `store` that stops inside its UDF
// (a map's, or with `agg` an agg's of 10 partitions); returns its pid and the
// fd that lets it go on.
std::pair<pid_t, int> start_program(const std::string& store, bool agg = false) {
    int ready[2], go[2];
    expect(::pipe(ready) == 0 && ::pipe(go) == 0, "pipe");
    pid_t pid = ::fork();
    expect(pid >= 0, "fork");
    if (pid == 0) {
        ::close(ready[0]);
        ::close(go[1]);
        ready_fd = ready[1];
        go_fd = go[0];
        try {
            auto cfg = quiet(store, "slow-program");
            cfg.ignore_checkpoints = true;  // its UDF runs every time
            cfg.batch_size = 3;             // a map's rows 0 to 2 are committed before row 3 waits
            dc::session s{cfg};
            std::vector<std::int64_t> v(10);
            for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(i);
            if (agg)
                (dc::read_values<"n", "x">(v, v) |
                 dc::agg<"size">(fixture_agg_wait, dc::partition_by<"n">, dc::params<"x">) | dc::save("slow_agg"))
                    .run(s);
            else
                (dc::read_values<"n">(v) | dc::map<"twice">(fixture_wait) | dc::save("slow")).run(s);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "slow program: %s\n", e.what());
            ::_exit(1);
        }
        ::_exit(0);
    }
    ::close(ready[1]);
    ::close(go[0]);
    char c;
    expect(::read(ready[0], &c, 1) == 1, "the program did not reach its UDF");
    ::close(ready[0]);
    return {pid, go[1]};
}

// `status --json` until it says `done` rows (rows 0 to 2 are committed, a
// batch of 3, and row 3 waits: the file counts what is committed, written
// right after the commit). Waited for, not timed: the deadline only ends a
// test that fails.
tp::json wait_done(const std::string& st, const std::string& done) {
    for (int i = 0;; ++i) {
        auto out = run(st);
        auto j = tp::parse_json(out.substr(out.find('\n') + 1));
        if (j["done"].text == done) return j;
        expect(i < 1200, "status while running: done stayed " + j["done"].text + " (expected " + done +
                             ") for 2 minutes");
        ::usleep(100000);
    }
}

int status(const std::string& cli, const std::string& store) {
    const std::string st = "'" + cli + "' --root '" + store + "' status --json";
    auto [pid, go] = start_program(store);
    auto out = run(st);
    std::cout << "while running: " << out;
    auto j = tp::parse_json(out.substr(out.find('\n') + 1));
    expect(out.starts_with("rc=0\n"), "status while running: exit code");
    expect(j["state"].text == "running", "status while running: state");
    expect(j["step"].text.find("map<twice>") != std::string::npos, "status while running: step");
    expect(j["total"].text == "10", "status while running: total");
    expect(j["pid"].text == std::to_string(pid), "status while running: pid");
    j = wait_done(st, "3");
    std::cout << "rows done while running: " << j["done"].text << "\n";
    auto held = run("'" + cli + "' --root '" + store + "' ls 2>&1");
    std::cout << "ls while running: " << held;
    expect(held.starts_with("rc=1\n"), "ls while a program holds the store: exit code");
    char c = 'g';
    expect(::write(go, &c, 1) == 1, "go");
    int ws = 0;
    ::waitpid(pid, &ws, 0);
    expect(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the program failed");
    out = run(st);
    std::cout << "after it ended: " << out;
    j = tp::parse_json(out.substr(out.find('\n') + 1));
    expect(j["state"].text == "complete", "status after the end: state");
    expect(out.starts_with("rc=0\n"), "status after the end: exit code");

    // Killed inside its UDF: the status file says running, its process is gone.
    std::tie(pid, go) = start_program(store);
    const auto job = wait_done(st, "3")["job"].text;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &ws, 0);
    out = run(st);
    std::cout << "after it was killed: " << out;
    j = tp::parse_json(out.substr(out.find('\n') + 1));
    expect(j["state"].text == "crashed", "status after a kill: state");
    // Exit 3: the last job crashed (0 while it ran, and after it ended).
    expect(out.starts_with("rc=3\n"), "status --json after a kill: exit code 3");
    auto text = run("'" + cli + "' --root '" + store + "' status");
    std::cout << text;
    expect(text.find("crashed: no end was recorded (the program crashed, was killed, or could not write its failure) and "
                     "its process is gone") != std::string::npos, "status text after a kill");
    expect(text.starts_with("rc=3\n"), "status after a kill: exit code 3");
    // jobs and events say where it was: the step whose UDF it was in, and
    // how far the status file saw it get.
    const std::string where = "ended before the job finished, inside the UDF of map<twice>(fixture_wait) -> int64; "
                              "it last reported step map<twice>(fixture_wait) -> int64 at 3/10 rows";
    text = run("'" + cli + "' --root '" + store + "' jobs");
    std::cout << text;
    expect(text.find("crashed") != std::string::npos && text.find(where) != std::string::npos, "jobs after a kill");
    text = run("'" + cli + "' --root '" + store + "' events " + job);
    std::cout << text;
    expect(text.find("\ncrashed  ") != std::string::npos && text.find(where) != std::string::npos,
           "events after a kill");
    text = run("'" + cli + "' --root '" + store + "' events " + job + " --json");
    j = tp::parse_json(text.substr(text.find('\n') + 1));
    expect(!j.items.empty() && j.items.back()["kind"].text == "crashed" &&
               j.items.back()["step"].text == "map<twice>(fixture_wait) -> int64",
           "events --json after a kill: the last item");
    expect(j.items.back()["rows_before"].text == "0" && j.items.back()["rows_now"].text == "3",
           "events --json after a kill: 0 done earlier, 3 now");
    // Had the killed run continued a step (2 of its 3 done by an earlier
    // run), the crashed line splits the status file's count likewise.
    {
        const auto path = (std::filesystem::path(store) / "datachain-status").string();
        std::string s = read_file(path);
        const auto at = s.find("\nearlier 0\n");
        expect(at != std::string::npos, "the killed job's status file has 'earlier 0'");
        s.replace(at, 11, "\nearlier 2\n");
        std::ofstream(path, std::ios::binary | std::ios::trunc) << s;
        text = run("'" + cli + "' --root '" + store + "' events " + job + " --json");
        j = tp::parse_json(text.substr(text.find('\n') + 1));
        expect(j.items.back()["rows_before"].text == "2" && j.items.back()["rows_now"].text == "1",
               "events --json of a killed continued step: 2 done earlier, 1 now");
    }
    ::close(go);

    // An agg counts partitions: the status file says so, and so does the
    // tool (text, --json, and a crashed job's last report).
    std::tie(pid, go) = start_program(store, true);
    out = run(st);
    std::cout << "agg while running: " << out;
    j = tp::parse_json(out.substr(out.find('\n') + 1));
    expect(j["step"].text.find("agg<size>") != std::string::npos, "agg status: step");
    expect(j["unit"].text == "partitions", "agg status --json: unit is '" + j["unit"].text + "'");
    expect(j["total"].text == "10", "agg status: total (partitions)");
    text = run("'" + cli + "' --root '" + store + "' status");
    std::cout << text;
    expect(text.find("/10 (") != std::string::npos && text.find("%) partitions, updated") != std::string::npos &&
               text.find(" rows") == std::string::npos,
           "agg status text: counts partitions");
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &ws, 0);
    ::close(go);
    text = run("'" + cli + "' --root '" + store + "' jobs");
    std::cout << text;
    expect(text.find("/10 partitions (") != std::string::npos, "jobs after an agg was killed: its last report");
    // The agg program replaced the status file, and marked the killed map
    // job crashed when it opened the store: what the file said of that job
    // was kept with it (its error, its "crashed" event: 2 earlier, 1 now).
    expect(text.find(where) != std::string::npos, "jobs: the killed map job's last report, after its file went");
    text = run("'" + cli + "' --root '" + store + "' events " + job + " --json");
    std::cout << text;
    j = tp::parse_json(text.substr(text.find('\n') + 1));
    std::size_t crashed_items = 0;
    for (const auto& item : j.items) crashed_items += item["kind"].text == "crashed";
    expect(crashed_items == 1, "events --json of the killed map job: one crashed item");
    expect(j.items.back()["kind"].text == "crashed" &&
               j.items.back()["step"].text == "map<twice>(fixture_wait) -> int64" &&
               j.items.back()["rows_before"].text == "2" && j.items.back()["rows_now"].text == "1" &&
               j.items.back()["unit"].text == "rows" && j.items.back()["why"].text.find(where) != std::string::npos,
           "events --json of the killed map job after its status file went: 2 done earlier, 1 now");
    text = run("'" + cli + "' --root '" + store + "' events " + job);
    std::cout << text;
    {
        const auto at = text.find("\ncrashed  ");
        expect(at != std::string::npos, "events of the killed map job after its status file went: a crashed line");
        const auto line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
        expect(line.find(" 2 rows ") != std::string::npos && line.find(" 1 row ") != std::string::npos,
               "events of the killed map job after its status file went: 2 rows earlier, 1 row now");
    }

    // A status file written before it carried a unit reads as rows.
    const auto file = std::filesystem::path(store) / "datachain-status";
    std::string old, line;
    std::istringstream lines(read_file(file.string()));
    while (std::getline(lines, line))
        if (!line.starts_with("unit ")) old += line + "\n";
    expect(old.size() + 16 == read_file(file.string()).size(), "the status file had a line 'unit partitions'");
    std::ofstream(file, std::ios::binary | std::ios::trunc) << old;
    text = run("'" + cli + "' --root '" + store + "' status");
    std::cout << text;
    expect(text.find("/10 (") != std::string::npos && text.find("%) rows, updated") != std::string::npos,
           "status of a file without a unit: rows");

    // A crashed job's file whose pid a live, unrelated process has taken
    // since (here: this fixture's pid) is crashed, not running: the start
    // time the file records is not that process's. Without the key (an
    // earlier build) the pid alone decides, as before.
    const auto start = dc::detail::process_start_time(::getpid());
    expect(start.has_value(), "this process's start time (/proc/self/stat)");
    auto stale = [&](const std::string& pid_start) {
        std::ofstream(file, std::ios::binary | std::ios::trunc)
            << "format 1\njob 9\npid " << ::getpid() << "\n" << pid_start
            << "state running\nstep map<a>(f)\ndone 1\ntotal 2\nearlier 0\nunit rows\nstarted 1\nupdated 2\n";
        auto o = run(st);
        std::cout << "a status file of pid " << ::getpid() << " (" << pid_start << "): " << o;
        const auto state = tp::parse_json(o.substr(o.find('\n') + 1))["state"].text;
        expect(o.starts_with(state == "crashed" ? "rc=3\n" : "rc=0\n"), "status --json exit code, " + state);
        return state;
    };
    expect(stale("pid_start " + std::to_string(*start + 1) + "\n") == "crashed",
           "status of a file whose pid has another start time: crashed");
    expect(stale("pid_start " + std::to_string(*start) + "\n") == "running",
           "status of a file whose pid has its start time: running");
    expect(stale("") == "running", "status of a file without pid_start, its pid alive: running");
    // Written in another pid namespace (a container on a bind-mounted store):
    // its pid names another process here, so the file is taken at its word,
    // and the text says why; in this namespace, the start time decides.
    const auto ns = dc::detail::pid_namespace();
    expect(ns.has_value(), "this process's pid namespace (/proc/self/ns/pid)");
    const auto wrong_start = "pid_start " + std::to_string(*start + 1) + "\n";
    expect(stale(wrong_start + "pid_ns " + std::to_string(*ns + 1) + "\n") == "running",
           "status of a file from another pid namespace: running");
    text = run("'" + cli + "' --root '" + store + "' status");
    std::cout << text;
    expect(text.find("another pid namespace") != std::string::npos, "status text: another pid namespace");
    expect(stale(wrong_start + "pid_ns " + std::to_string(*ns) + "\n") == "crashed",
           "status of a file from this pid namespace whose pid has another start time: crashed");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> a(argv + 1, argv + argc);
    try {
        if (a.size() == 2 && a[0] == "write") {
            dc::session s{quiet(a[1], "write")};
            std::cout << "saved hostile@" << pipeline().run(s).version() << "\n";
            return 0;
        }
        if (a.size() == 2 && a[0] == "legacy") {
            auto db = dc::open_leveldb_store(a[1], {.create_if_missing = false});
            db->del(dc::detail::rec::version_schema_key("hostile", 1, 0, 0));
            return 0;
        }
        if (a.size() == 4 && a[0] == "check") return check(a[1], a[2], a[3]);
        if (a.size() == 2 && a[0] == "damaged") return damaged(a[1]);
        if (a.size() == 2 && a[0] == "floats") return floats(a[1]);
        if (a.size() == 3 && a[0] == "files") return files(a[1], a[2]);
        if (a.size() == 2 && a[0] == "json") {
            auto text = read_file(a[1]);
            expect(tp::valid_utf8(text), "not valid UTF-8");
            auto j = tp::parse_json(text);
            std::cout << "json " << (j.kind == tp::json::array ? "array " + std::to_string(j.items.size())
                                     : j.kind == tp::json::object ? "object " + std::to_string(j.fields.size())
                                                                  : std::string("scalar"))
                      << "\n";
            return 0;
        }
        if (a.size() == 3 && a[0] == "status") return status(a[1], a[2]);
    } catch (const std::exception& e) {
        std::cerr << "cli_fixture " << (a.empty() ? "" : a[0]) << ": " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: cli_fixture write|legacy|check|damaged|floats|files|json|status ...\n";
    return 2;
}
