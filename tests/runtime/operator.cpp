// What an operator sees and can do from outside the code: the environment
// switches against settings built in code, the thread count's limits, the
// decision events of a failed job, and damaged job records.
#include "support.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <sstream>

namespace {

DC_DEF(op_double, (std::int64_t x) -> std::int64_t { return x * 2; });


std::vector<dc::event_kind> kinds(const dc::session& s) {
    std::vector<dc::event_kind> k;
    for (const auto& e : s.events()) k.push_back(e.type());
    return k;
}

auto doubled() {
    return dc::read_values<"x">(std::vector<std::int64_t>{1, 2, 3}) | dc::map<"y">(op_double) | dc::save("op");
}

} // namespace

TEST_CASE("operator: DATACHAIN_IGNORE_CHECKPOINTS and DATACHAIN_CHECKPOINTS=0 apply to settings built in code",
          "[runtime][operator]") {
    rt::temp_dir d;
    {
        dc::session s{rt::cfg(d.store())};
        doubled().run(s);
    }
    {
        // Nothing set: the second run reuses the saved version.
        dc::session s{rt::cfg(d.store())};
        doubled().run(s);
        CHECK(kinds(s) == std::vector{dc::event_kind::save_skipped});
    }
    {
        rt::scoped_env ign("DATACHAIN_IGNORE_CHECKPOINTS", "1");
        dc::session s{rt::cfg(d.store())};  // dc::settings{...}, not from_env
        CHECK(s.config().ignore_checkpoints);
        doubled().run(s);
        CHECK(kinds(s) == std::vector{dc::event_kind::udf_from_scratch, dc::event_kind::save_completed});
    }
    {
        rt::scoped_env off("DATACHAIN_CHECKPOINTS", "0");
        dc::session s{rt::cfg(d.store())};
        CHECK_FALSE(s.config().checkpoints);
    }
    {
        // A switch never undoes what the code set, and the other variables
        // stay with from_env.
        rt::scoped_env ign("DATACHAIN_IGNORE_CHECKPOINTS", "0");
        rt::scoped_env on("DATACHAIN_CHECKPOINTS", "1");
        rt::scoped_env par("DATACHAIN_PARALLEL", "7");
        auto st = rt::cfg(d.store());
        st.ignore_checkpoints = true;
        st.checkpoints = false;
        dc::session s{st};
        CHECK(s.config().ignore_checkpoints);
        CHECK_FALSE(s.config().checkpoints);
        CHECK(s.config().parallel == 1);
    }
}

TEST_CASE("operator: a thread count is 1 to 256, from the environment or in code", "[runtime][operator]") {
    for (const char* bad : {"0", "-1", "1e3", "257", "100000"}) {
        rt::scoped_env par("DATACHAIN_PARALLEL", bad);
        auto e = rt::catch_error([] { (void)dc::settings::from_env(); });
        CHECK(e.kind() == dc::error_kind::usage);
        CHECK(std::string(e.what()).find("use 1 to 256") != std::string::npos);
    }
    {
        rt::scoped_env par("DATACHAIN_PARALLEL", "256");
        CHECK(dc::settings::from_env().parallel == 256);
    }
    rt::memory_root root;
    dc::session s{rt::cfg(root.store())};
    auto e = rt::catch_error([&] { doubled().run(s, {.parallel = 257}); });
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK(std::string(e.what()).find("run_options::parallel = 257") != std::string::npos);
    auto e0 = rt::catch_error([&] { doubled().run(s, {.parallel = 0}); });
    CHECK(e0.kind() == dc::error_kind::usage);
    s.config().parallel = 1000;
    auto e2 = rt::catch_error([&] { doubled().run(s); });
    CHECK(std::string(e2.what()).find("settings::parallel = 1000") != std::string::npos);
}

TEST_CASE("operator: DATACHAIN_SPILL_BYTES is a byte count or a size with K, M, G, T", "[runtime][operator]") {
    using dc::settings;
    CHECK(settings::byte_size("0", "V") == 0);
    CHECK(settings::byte_size("268435456", "V") == std::size_t{256} << 20);
    CHECK(settings::byte_size("512K", "V") == std::size_t{512} << 10);
    CHECK(settings::byte_size("64M", "V") == std::size_t{64} << 20);
    CHECK(settings::byte_size("64MiB", "V") == std::size_t{64} << 20);
    CHECK(settings::byte_size("1G", "V") == std::size_t{1} << 30);
    CHECK(settings::byte_size("2T", "V") == std::size_t{2} << 40);
    {
        rt::scoped_env v("DATACHAIN_SPILL_BYTES", "64M");
        CHECK(settings::from_env().spill_bytes == std::size_t{64} << 20);
    }
    {
        rt::scoped_env v("DATACHAIN_SPILL_BYTES", "1000");
        CHECK(settings::from_env().spill_bytes == 1000);
    }
    // Empty is an error, not the default; so is anything else.
    for (const char* bad : {"", " ", "abc", "-1", "64 M", "1.5G", "64MB", "64m", "K", "0x10", "M64",
                            "99999999999999999999X", "1e3"}) {
        INFO("'" << bad << "'");
        rt::scoped_env v("DATACHAIN_SPILL_BYTES", bad);
        auto e = rt::catch_error([] { (void)settings::from_env(); });
        CHECK(e.kind() == dc::error_kind::usage);
        const std::string msg = e.what();
        CHECK(msg.find("DATACHAIN_SPILL_BYTES='" + std::string(bad) + "' is not a size") != std::string::npos);
        CHECK(msg.find("512K, 64M, 1G") != std::string::npos);
    }
    // A size that is well formed but does not fit says so, with the limit.
    const std::string max = std::to_string(SIZE_MAX);
    for (const char* big : {"99999999999999999999", "17179869184T", "99999999999T", "18446744073709551616"}) {
        INFO("'" << big << "'");
        rt::scoped_env v("DATACHAIN_SPILL_BYTES", big);
        auto e = rt::catch_error([] { (void)settings::from_env(); });
        CHECK(e.kind() == dc::error_kind::usage);
        const std::string msg = e.what();
        CHECK(msg.find("DATACHAIN_SPILL_BYTES='" + std::string(big) + "' is too large: at most " + max + " bytes") !=
              std::string::npos);
        CHECK(msg.find("is not a size") == std::string::npos);
    }
    CHECK(settings::byte_size(max, "V") == SIZE_MAX);
}

TEST_CASE("operator: messages echo a user's value with its control characters escaped", "[runtime][operator]") {
    CHECK(dc::detail::quoted_value("plain") == "'plain'");
    CHECK(dc::detail::quoted_value(std::string("a\nb\r\t\x1b\x7f\\z\0", 10)) == "'a\\nb\\r\\t\\x1b\\x7f\\\\z\\x00'");
    CHECK(dc::detail::quoted_value("caf\xc3\xa9") == "'caf\xc3\xa9'");  // UTF-8 is copied
    // 2, 3 and 4 bytes, the first and last of each length.
    const std::string valid = "\xc2\xa0\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf";
    CHECK(dc::detail::escaped(valid) == valid);
    // Bytes that are not UTF-8 were echoed raw ("invalid dataset name
    // 'u\xff'", an outside review): each is \xNN, the valid ones around
    // them copied.
    CHECK(dc::detail::quoted_value("u\xff") == "'u\\xff'");
    const std::pair<std::string, std::string> invalid[] = {
        {"\x80", "\\x80"},                                          // a continuation byte alone
        {"a\xc3", "a\\xc3"},                                        // cut at the end
        {"\xc3(\xc3\xa9", "\\xc3(\xc3\xa9"},                       // cut before another character
        {"\xc0\xaf", "\\xc0\\xaf"},                                  // overlong '/'
        {"\xe0\x80\xaf", "\\xe0\\x80\\xaf"},                        // overlong, 3 bytes
        {"\xed\xa0\x80", "\\xed\\xa0\\x80"},                        // a UTF-16 surrogate
        {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},               // beyond U+10FFFF
        {"\xf5\x80", "\\xf5\\x80"},                                  // no such lead byte
        {"\xe2\x82", "\\xe2\\x82"},                                  // 3 bytes cut short
        {"\xc2\x9b" "2J", "\\xc2\\x9b" "2J"},                         // a C1 control (CSI) is valid but escaped
    };
    for (const auto& [in, out] : invalid) {
        INFO(dc::detail::quoted_value(in));
        CHECK(dc::detail::escaped(in) == out);
    }
    const std::string name_msg = rt::catch_error([] { dc::check_dataset_name("u\xff"); }).what();
    CHECK(name_msg.find("invalid dataset name 'u\\xff'") != std::string::npos);
    for (const char* var : {"DATACHAIN_PARALLEL", "DATACHAIN_PROGRESS_EVERY", "DATACHAIN_SPILL_BYTES"}) {
        INFO(var);
        rt::scoped_env v(var, "4\nDATACHAIN: all is well\x1b[2J");
        auto e = rt::catch_error([] { (void)dc::settings::from_env(); });
        CHECK(e.kind() == dc::error_kind::usage);
        const std::string msg = e.what();
        CHECK_THAT(msg, Catch::Contains(std::string(var) + "='4\\nDATACHAIN: all is well\\x1b[2J' is not"));
        CHECK(msg.find_first_of("\n\x1b") == std::string::npos);
    }
    auto name = rt::catch_error([] { dc::check_dataset_name("a\nb"); });
    CHECK_THAT(std::string(name.what()), Catch::Contains("invalid dataset name 'a\\nb'"));
    auto version = rt::catch_error([] { (void)dc::detail::parse_version("1.0\n.2"); });
    CHECK_THAT(std::string(version.what()), Catch::Contains("invalid dataset version '1.0\\n.2'"));
}

namespace {

std::int64_t op_throw_at = -1;           // op_second throws on this input
const dc::session* op_watch = nullptr;   // op_first looks at its events
std::vector<std::string> op_seen_steps;  // ... and writes down their steps

DC_DEF(op_first, (std::int64_t x) -> std::int64_t {
    if (op_watch && op_seen_steps.empty())
        for (const auto& e : op_watch->events()) op_seen_steps.push_back(e.kind + " " + e.step);
    return x + 1;
});
DC_DEF(op_second, (std::int64_t a) -> std::int64_t {
    if (a == op_throw_at) throw std::runtime_error("second failed");
    return a * 10;
});
DC_DEF(op_sum, (const std::vector<std::int64_t>& xs) -> std::vector<std::int64_t> {
    std::int64_t t = 0;
    for (auto v : xs) {
        if (v == op_throw_at) throw std::runtime_error("sum failed");
        t += v;
    }
    return {t};
});

auto two_steps() {
    std::vector<std::int64_t> xs(20);
    for (std::int64_t i = 0; i < 20; ++i) xs[static_cast<std::size_t>(i)] = i;
    return dc::read_values<"x">(xs) | dc::map<"a">(op_first) | dc::map<"b">(op_second, dc::params<"a">) |
           dc::save("two");
}

std::vector<std::string> event_lines(const dc::session& s) {
    std::vector<std::string> v;
    for (const auto& e : s.events()) v.push_back(e.kind + " " + e.step);
    return v;
}

} // namespace

TEST_CASE("operator: a failed job records the decision of every UDF step that ran", "[runtime][operator]") {
    rt::memory_root root;
    auto st = rt::cfg(root.store());
    st.batch_size = 2;
    op_throw_at = 16;  // input 15: a = 16, map<b> fails; map<a> has started by then
    dc::session s{st};
    REQUIRE_THROWS_AS(two_steps().run(s), dc::udf_error);
    op_throw_at = -1;
    auto ev = event_lines(s);
    for (const auto& e : ev) UNSCOPED_INFO(e);
    const auto first = std::string("map<a>(op_first) -> int64");
    const auto second = std::string("map<b>(op_second) -> int64");
    CHECK(std::count(ev.begin(), ev.end(), "udf_from_scratch " + first) == 1);
    CHECK(std::count(ev.begin(), ev.end(), "udf_from_scratch " + second) == 1);
    CHECK(std::count(ev.begin(), ev.end(), "udf_failed " + second) == 1);
    CHECK(ev.size() == 3);
}

TEST_CASE("operator: a UDF step's decision is recorded before its first call", "[runtime][operator]") {
    rt::memory_root root;
    dc::session s{rt::cfg(root.store())};
    op_watch = &s;
    op_seen_steps.clear();
    two_steps().run(s);
    op_watch = nullptr;
    for (const auto& e : op_seen_steps) UNSCOPED_INFO("seen: " << e);
    for (const auto& e : event_lines(s)) UNSCOPED_INFO("event: " << e);
    // Inside its first call, map<a>'s decision is already an event (a job
    // killed there would show it); rewritten at the end, not repeated.
    CHECK(std::count(op_seen_steps.begin(), op_seen_steps.end(), "udf_from_scratch map<a>(op_first) -> int64") == 1);
    auto ev = event_lines(s);
    CHECK(std::count(ev.begin(), ev.end(), "udf_from_scratch map<a>(op_first) -> int64") == 1);
    CHECK(ev.size() == 3);  // map<a>, map<b>, save
}

TEST_CASE("operator: messages say things once and count what they mean", "[runtime][operator]") {
    rt::memory_root root;
    std::vector<std::string> lines;
    auto st = rt::cfg(root.store());
    st.report = true;
    st.checkpoints = false;
    st.output = [&](const dc::output_line& l) { lines.push_back(l.text); };
    {
        dc::session s{st};
        doubled().run(s);
    }
    bool said = false;
    for (const auto& l : lines) {
        CHECK(l.find("checkpoints off) (checkpoints are off") == std::string::npos);
        said = said || l.find("computed (checkpoints off)") != std::string::npos;
    }
    CHECK(said);

    // agg counts partitions as partitions and names the failing one by key.
    st.checkpoints = true;
    dc::session s{st};
    std::vector<std::int64_t> xs{1, 2, 3, 4, 5, 6};
    std::vector<std::string> ks{"a", "b", "a", "c", "b", "c"};
    op_throw_at = 4;  // partition 2 ("c")
    auto e = rt::catch_error([&] {
        (dc::read_values<"x", "k">(xs, ks) | dc::agg<"t">(op_sum, dc::partition_by<"k">, dc::params<"x">) | dc::save("sums")).run(s);
    });
    op_throw_at = -1;
    std::string msg = e.what();
    CHECK(msg.find("failed at partition 2 (key 'c')") != std::string::npos);
    CHECK(msg.find("2 partitions are done") != std::string::npos);
    CHECK(msg.find("input row") == std::string::npos);
}

namespace {
DC_DEF(op_triple, (std::int64_t x) -> std::vector<std::int64_t> {
    if (x == op_throw_at) throw std::runtime_error("triple failed");
    return {x, x, x};
});
} // namespace

TEST_CASE("operator: a skipped gen or agg says it reuses output rows, and events say what they count",
          "[runtime][operator]") {
    rt::memory_root root;
    std::vector<std::string> lines;
    auto st = rt::cfg(root.store());
    st.report = true;
    st.output = [&](const dc::output_line& l) { lines.push_back(l.text); };
    std::vector<std::int64_t> xs{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::vector<std::string> ks{"a", "b", "c", "a", "b", "c", "a", "b", "c", "a"};
    auto gen = [&](auto save) { return dc::read_values<"x">(xs) | dc::gen<"y">(op_triple) | save; };
    auto agg = [&](auto save) {
        return dc::read_values<"x", "k">(xs, ks) | dc::agg<"t">(op_sum, dc::partition_by<"k">, dc::params<"x">) | save;
    };
    auto the = [](const dc::session& s, const char* kind) {
        for (const auto& e : s.events())
            if (e.kind == kind) return e;
        FAIL("no event " << kind);
        return dc::event_record{};
    };
    op_throw_at = 5;
    {
        dc::session s{st};
        CHECK(rt::catch_error([&] { gen(dc::save("g")).run(s); }).kind() == dc::error_kind::udf);
    }
    op_throw_at = -1;
    {
        dc::session s{st};
        gen(dc::save("g")).run(s);  // continues: 5 inputs done earlier, 5 now; 30 rows saved
        auto e = the(s, "udf_continued");
        CHECK(e.rows_before == 5);
        CHECK(e.rows_now == 5);
        CHECK(std::string(e.unit()) == "inputs");
        CHECK(std::string(the(s, "save_completed").unit()) == "rows");
    }
    {
        lines.clear();
        dc::session s{st};
        gen(dc::save("g2")).run(s);  // another save: the gen step is skipped
        auto e = the(s, "udf_skipped");
        CHECK(e.rows_before == 30);  // the rows of the table reused, not inputs
        CHECK(std::string(e.unit()) == "rows");
        bool said = false;
        for (const auto& l : lines) {
            INFO(l);
            CHECK(l.find("reusing 30 rows from") == std::string::npos);
            said = said || l.find("gen<y>(op_triple) -> int64: skipped, reusing the 30 rows it output in job 2") !=
                               std::string::npos;
        }
        CHECK(said);
    }
    {
        dc::session s{st};
        agg(dc::save("a")).run(s);
        auto e = the(s, "udf_from_scratch");
        CHECK(e.rows_now == 3);
        CHECK(std::string(e.unit()) == "partitions");
    }
    lines.clear();
    dc::session s{st};
    agg(dc::save("a2")).run(s);
    auto e = the(s, "udf_skipped");
    CHECK(e.rows_before == 3);  // one sum per partition: 3 rows
    CHECK(std::string(e.unit()) == "rows");
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
              return l.find("skipped, reusing the 3 rows it output in job 4") != std::string::npos;
          }) == 1);
}

namespace {
// A store directory, settings without a progress line, and the status file
// of job 7 in it, for tests that drive progress by poll() with given times.
struct status_fixture {
    rt::temp_dir d;
    dc::settings st;
    std::optional<dc::detail::status_file> file;
    dc::detail::progress::clock::time_point t0 = dc::detail::progress::clock::now();
    status_fixture() {
        fs::create_directories(d.store());
        st = rt::cfg(d.store());
        st.progress = false;
        file.emplace(d.store().string(), 7);
    }
};
} // namespace

TEST_CASE("operator: the status file names the step whose rows it shows", "[runtime][operator]") {
    // Two UDF steps run pipelined: the second starts before the first ends,
    // and each reports its own rows. Driven by poll() with given times.
    status_fixture f;
    auto& d = f.d;
    auto& st = f.st;
    auto& file = *f.file;
    const auto t0 = f.t0;
    file.step("map<a>(f)", 5000, 0);
    dc::detail::progress first(st, "map<a>(f)", 5000, 0, dc::detail::progress_kind::udf, &file);
    file.step("map<b>(g)", 5000, 0);
    dc::detail::progress second(st, "map<b>(g)", 5000, 0, dc::detail::progress_kind::udf, &file);
    first.add(4000);
    first.poll(t0 + std::chrono::seconds(1), false);
    auto s1 = dc::detail::read_status(d.store());
    REQUIRE(s1);
    CHECK(s1->step == "map<a>(f)");
    CHECK(s1->done == 4000);
    second.add(2230);
    second.poll(t0 + std::chrono::seconds(2), false);
    auto s2 = dc::detail::read_status(d.store());
    REQUIRE(s2);
    CHECK(s2->step == "map<b>(g)");
    CHECK(s2->done == 2230);
    first.finish();
    second.finish();
}

TEST_CASE("operator: the status file says what a step counts, and reads a file without it as rows",
          "[runtime][operator]") {
    status_fixture f;
    auto& d = f.d;
    auto& st = f.st;
    auto& file = *f.file;
    const auto t0 = f.t0;
    file.step("agg<n>(f)", 40, 0, "partitions");
    REQUIRE(dc::detail::read_status(d.store()));
    CHECK(dc::detail::read_status(d.store())->unit == "partitions");  // from the step's start
    {
        dc::detail::progress p(st, "agg<n>(f)", 40, 0, dc::detail::progress_kind::udf, &file);
        p.unit("partitions");
        p.add(12);
        p.poll(t0 + std::chrono::seconds(1), false);
        auto s = dc::detail::read_status(d.store());
        REQUIRE(s);
        CHECK(s->done == 12);
        CHECK(s->unit == "partitions");
        p.finish();
    }
    {
        // A map step after it counts rows again (progress's default unit).
        dc::detail::progress p(st, "map<a>(g)", 5, 0, dc::detail::progress_kind::udf, &file);
        p.add(3);
        p.finish();
        auto s = dc::detail::read_status(d.store());
        REQUIRE(s);
        CHECK(s->step == "map<a>(g)");
        CHECK(s->unit == "rows");
    }
    // Written by a build before the unit: format 1 without the key.
    rt::write_file(d.store() / "datachain-status",
                   "format 1\njob 3\npid 1\nstate running\nstep agg<n>(f)\ndone 2\ntotal 9\nearlier 0\n"
                   "started 1\nupdated 2\n");
    auto old = dc::detail::read_status(d.store());
    REQUIRE(old);
    CHECK(old->job == 3);
    CHECK(old->done == 2);
    CHECK(old->unit == "rows");
}

#ifdef __linux__
TEST_CASE("operator: a status file whose pid another process has taken since is not that process's",
          "[runtime][operator]") {
    status_fixture f;
    const auto path = f.d.store() / "datachain-status";
    auto s = dc::detail::read_status(f.d.store());
    REQUIRE(s);
    // Written with this process's start time: field 22 of /proc/self/stat
    // (fields counted after the command name's closing parenthesis).
    const std::string stat = rt::read_file("/proc/self/stat");
    std::istringstream after(stat.substr(stat.rfind(')') + 1));
    std::vector<std::string> fields{std::istream_iterator<std::string>(after), {}};
    REQUIRE(fields.size() > 19);
    REQUIRE(s->pid_start);
    CHECK(*s->pid_start == std::stoull(fields[19]));  // fields[0] is field 3
    CHECK(s->pid == ::getpid());
    CHECK(dc::detail::writer_alive(*s));
    // And with its pid namespace: the inode of /proc/self/ns/pid.
    struct ::stat ns {};
    REQUIRE(::stat("/proc/self/ns/pid", &ns) == 0);
    REQUIRE(s->pid_ns);
    CHECK(*s->pid_ns == static_cast<std::uint64_t>(ns.st_ino));
    CHECK(dc::detail::pid_checkable(*s));
    // The same pid with another start time: a crashed job's file, its pid
    // since taken by this (unrelated, live) process.
    const std::string text = rt::read_file(path);
    const std::string mine = "\npid_start " + std::to_string(*s->pid_start) + "\n";
    REQUIRE(text.find(mine) != std::string::npos);
    std::string stale = text;
    stale.replace(stale.find(mine), mine.size(), "\npid_start " + std::to_string(*s->pid_start + 1) + "\n");
    rt::write_file(path, stale);
    auto s2 = dc::detail::read_status(f.d.store());
    REQUIRE(s2);
    CHECK(s2->state == "running");
    CHECK_FALSE(dc::detail::writer_alive(*s2));
    // Written in another pid namespace: its pid cannot be checked from here,
    // so the file is taken at its word.
    s2->pid_ns = *s2->pid_ns + 1;
    CHECK_FALSE(dc::detail::pid_checkable(*s2));
    CHECK(dc::detail::writer_alive(*s2));
    // A file without the key (an earlier build): judged by its pid alone, as before.
    std::string old = text;
    old.replace(old.find(mine), mine.size(), "\n");
    rt::write_file(path, old);
    auto s3 = dc::detail::read_status(f.d.store());
    REQUIRE(s3);
    CHECK_FALSE(s3->pid_start);
    CHECK(dc::detail::writer_alive(*s3));
    // No such process, or no pid: not alive.
    s3->pid = 0;
    CHECK_FALSE(dc::detail::writer_alive(*s3));
    CHECK_FALSE(dc::detail::process_start_time(0));
}
#endif
