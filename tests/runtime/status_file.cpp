// The status file (runtime/status_file.hpp) as an operator meets it: a file
// that is there but is not one is an error naming it and saying what to do
// (never "no program has reported"), a newer format says so, values are
// echoed with their control characters escaped; and a crashed job keeps the
// file's last report on it (in its error and its "crashed" event) after
// later jobs have replaced the file (jobs.hpp, mark_crashed_jobs).
#include "support.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

// How every crash text ends: only that no end was recorded is known.
const std::string no_end = "; no end was recorded (the program crashed, was killed, or could not write its failure)";

DC_DEF(sf_double, (std::int64_t x) -> std::int64_t { return x * 2; });

std::string what_of(const dc::error& e) { return e.what(); }

} // namespace

TEST_CASE("status file: one that cannot be read, does not parse or is newer is an error naming it",
          "[runtime][operator]") {
    rt::temp_dir d;
    { dc::session s{rt::cfg(d.store())}; }  // a store
    const auto path = d.store() / "datachain-status";
    fs::remove(path);
    CHECK_FALSE(dc::detail::read_status(d.store()));  // none: no program has reported

    struct bad_file {
        std::string text, says;
        dc::error_kind kind;
    };
    const auto corrupt = dc::error_kind::store_corrupt;
    const std::vector<bad_file> cases = {
        {"", "it has no 'format' line", corrupt},
        {"job 3\nstate running\n", "it has no 'format' line", corrupt},
        {"garbage\n", "line 1, 'garbage', is not 'key value'", corrupt},
        {"format 1\njob 3\n\ndone 1\n", "line 3, '', is not 'key value'", corrupt},
        {"format one\njob 1\n", "its format, 'one', is not a format version", corrupt},
        {"format 1\njob 2\ndone -3\n", "its done, '-3', is not a number", corrupt},
        {"format 1\njob 2\npid_start 12x\n", "its pid_start, '12x', is not a number", corrupt},
        {"format 1\njob 2\npid_ns \n", "its pid_ns, '', is not a number", corrupt},
        {"format 1\npid 5\nstate running\n", "it names no job", corrupt},
        // A value with control characters is echoed escaped, on one line.
        {"format 1\njob 2\ndone 1\x1b[2J\r\n", "its done, '1\\x1b[2J\\r', is not a number", corrupt},
        // What no writer writes: each says the line (a state the tool does
        // not know, two jobs, more done than the total).
        {"format 1\njob 2\nstate paused\n", "its state, 'paused' (line 3), is not running, complete or failed",
         corrupt},
        {"format 1\njob 2\nstate \n", "its state, '' (line 3), is not running, complete or failed", corrupt},
        {"format 1\njob 2\nstate Running\x1b[2J\n",
         "its state, 'Running\\x1b[2J' (line 3), is not running, complete or failed", corrupt},
        {"format 1\njob 2\ndone 1\n", "it has no 'state' line", corrupt},
        // A unit no writer writes (a UDF step counts rows, inputs or
        // partitions): it was printed as it stood, escape sequence and all.
        {"format 1\njob 2\nstate running\nunit \x1b[2Jrows\n",
         "its unit, '\\x1b[2Jrows' (line 4), is not rows, inputs or partitions", corrupt},
        {"format 1\njob 2\nstate running\ndone 1\nunit files\n",
         "its unit, 'files' (line 5), is not rows, inputs or partitions", corrupt},
        {"format 1\njob 2\nstate running\nunit \n", "its unit, '' (line 4), is not rows, inputs or partitions",
         corrupt},
        {"format 1\njob 2\nstate running\njob 3\n", "line 4 repeats the key 'job' (line 2 has it already)",
         corrupt},
        {"format 1\njob 2\nstate running\nstep a\nstep b\n", "line 5 repeats the key 'step' (line 4 has it already)",
         corrupt},
        {"format 1\nformat 1\njob 2\nstate running\n", "line 2 repeats the key 'format' (line 1 has it already)",
         corrupt},
        {"format 1\njob 2\nstate running\ndone 11\ntotal 10\n",
         "its done, 11 (line 4), is more than its total, 10 (line 5)", corrupt},
        // A newer format is said as such, whatever its lines are.
        {"format 2\njob 1\na-line-format-1-never-had\n",
         "has format 2: it was written by a newer datachain (this one reads format 1)",
         dc::error_kind::store_format},
    };
    for (const auto& c : cases) {
        INFO("file: " << dc::detail::quoted_value(c.text));
        rt::write_file(path, c.text);
        auto e = rt::catch_error([&] { (void)dc::detail::read_status(d.store()); });
        CHECK(e.kind() == c.kind);
        const auto msg = what_of(e);
        CHECK_THAT(msg, Catch::Contains("the status file " + dc::detail::quoted_value(path.string())));
        CHECK_THAT(msg, Catch::Contains(c.says));
        CHECK(msg.find_first_of("\n\r\x1b") == std::string::npos);
        if (c.kind == corrupt) CHECK_THAT(msg, Catch::Contains("remove it"));
        CHECK_FALSE(dc::detail::try_read_status(d.store()));
    }
    // One that cannot be read (here a directory: open works, read fails).
    fs::remove(path);
    fs::create_directory(path);
    auto e = rt::catch_error([&] { (void)dc::detail::read_status(d.store()); });
    CHECK(e.kind() == dc::error_kind::io);
    CHECK_THAT(what_of(e), Catch::Contains("cannot read the status file " + dc::detail::quoted_value(path.string())));
    CHECK_FALSE(dc::detail::try_read_status(d.store()));
    fs::remove(path);

    // A program using the store is not stopped by a bad file: it writes its
    // own over it.
    rt::write_file(path, "garbage\n");
    {
        dc::session s{rt::cfg(d.store())};
        auto st = dc::detail::read_status(d.store());
        REQUIRE(st);
        CHECK(st->job == s.job_id());
    }
    // Keys a reader does not know are skipped (format 1 grows that way),
    // also when repeated.
    rt::write_file(path, "format 1\njob 4\nfuture_key some value\nstate running\nfuture_key again\n");
    REQUIRE(dc::detail::read_status(d.store()));
    CHECK(dc::detail::read_status(d.store())->job == 4);
    // The states a writer writes; done up to the total, or any with none.
    for (const std::string state : {"running", "complete", "failed"}) {
        rt::write_file(path, "format 1\njob 4\nstate " + state + "\ndone 10\ntotal 10\n");
        REQUIRE(dc::detail::read_status(d.store()));
        CHECK(dc::detail::read_status(d.store())->state == state);
    }
    // The units a writer writes; a file without the line (written before
    // units were) counts rows.
    for (const std::string unit : {"rows", "inputs", "partitions"}) {
        rt::write_file(path, "format 1\njob 4\nstate running\nunit " + unit + "\n");
        REQUIRE(dc::detail::read_status(d.store()));
        CHECK(dc::detail::read_status(d.store())->unit == unit);
    }
    rt::write_file(path, "format 1\njob 4\nstate running\ndone 12\ntotal -\n");
    REQUIRE(dc::detail::read_status(d.store()));
    CHECK(dc::detail::read_status(d.store())->done == 12);
    CHECK(dc::detail::read_status(d.store())->unit == "rows");
}

TEST_CASE("status file: a crashed job keeps its last report after later jobs replace the file",
          "[runtime][operator]") {
    rt::temp_dir d;
    std::uint64_t victim = 0;
    std::size_t earlier_events = 0;
    {
        dc::session s{rt::cfg(d.store(), "victim")};
        (dc::read_values<"x">(std::vector<std::int64_t>{1, 2, 3}) | dc::map<"y">(sf_double) | dc::save("sf")).run(s);
        victim = s.job_id();
        earlier_events = s.events().size();
        REQUIRE(earlier_events > 0);
    }
    // As a kill leaves it: the job record says running, and the status file
    // is that job's, running, inside a gen step continued from an earlier run.
    {
        auto db = dc::open_leveldb_store(d.store(), {.create_if_missing = false});
        const auto key = dc::detail::rec::job_key(victim);
        auto j = dc::detail::rec::unpack<dc::job_record>(*db->get(key), db->location(), key);
        j.status = static_cast<std::uint8_t>(dc::job_status::running);
        j.finished = 0;
        j.pid = 999999999;
        j.error.clear();
        db->put(key, dc::detail::rec::pack(j));
    }
    rt::write_file(d.store() / "datachain-status",
                   "format 1\njob " + std::to_string(victim) +
                       "\npid 999999999\nstate running\nstep gen<g>(f) -> int64\ndone 7\ntotal 10\nearlier 4\n"
                       "unit inputs\nstarted 1\nupdated 2000000000\n");
    const std::string report = "; it last reported step gen<g>(f) -> int64 at 7/10 inputs (1970-01-01T00:00:02Z)";
    auto check = [&](const dc::session& s) {
        auto j = s.job(victim);
        REQUIRE(j);
        CHECK(j->state() == dc::job_status::crashed);
        CHECK_THAT(j->error, Catch::StartsWith("its process (pid 999999999) ended before the job finished") &&
                                 Catch::EndsWith(report + no_end));
        auto ev = s.events(victim);
        REQUIRE(ev.size() == earlier_events + 1);  // after the job's own events, once
        CHECK(std::count_if(ev.begin(), ev.end(), [](const dc::event_record& e) {
                  return e.type() == dc::event_kind::crashed;
              }) == 1);
        const auto& e = ev.back();
        CHECK(e.kind == "crashed");
        CHECK(e.type() == dc::event_kind::crashed);
        CHECK(e.step == "gen<g>(f) -> int64");
        CHECK(e.rows_before == 4);  // done by earlier runs
        CHECK(e.rows_now == 3);     // done by the crashed job
        CHECK(std::string(e.unit()) == "inputs");
        CHECK(e.why == j->error);
        CHECK(e.time == 2000000000);
        CHECK(e.change_type() == dc::change_kind::unfinished);
    };
    {
        dc::session s{rt::cfg(d.store(), "next")};  // marks it crashed, from the file
        check(s);
        REQUIRE(dc::detail::read_status(d.store()));
        CHECK(dc::detail::read_status(d.store())->job == s.job_id());  // the file is now this job's
    }
    {
        dc::session s{rt::cfg(d.store(), "later")};
        check(s);
    }
}

TEST_CASE("status file: a job that crashed before reporting a step names the step it was in, 0 rows",
          "[runtime][operator]") {
    rt::temp_dir d;
    std::uint64_t victim = 0;
    {
        dc::session s{rt::cfg(d.store(), "victim")};
        victim = s.job_id();
    }
    {
        auto db = dc::open_leveldb_store(d.store(), {.create_if_missing = false});
        const auto key = dc::detail::rec::job_key(victim);
        auto j = dc::detail::rec::unpack<dc::job_record>(*db->get(key), db->location(), key);
        j.status = static_cast<std::uint8_t>(dc::job_status::running);
        db->put(key, dc::detail::rec::pack(j));
    }
    // A status file that is not one adds nothing (and stops nothing).
    rt::write_file(d.store() / "datachain-status", "garbage\n");
    dc::session s{rt::cfg(d.store(), "next")};
    auto ev = s.events(victim);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].type() == dc::event_kind::crashed);
    CHECK(ev[0].step == "-");
    CHECK(ev[0].rows_before == 0);
    CHECK(ev[0].rows_now == 0);
    CHECK(ev[0].time == 0);
    CHECK_THAT(ev[0].why, Catch::EndsWith("ended before the job finished" + no_end));
}
