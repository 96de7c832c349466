// The status file (runtime/status_file.hpp) as an operator meets it: a file
// that is there but is not one is an error naming it and saying what to do
// (never "no program has reported"), a newer format says so, values are
// echoed with their control characters escaped.
#include "support.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

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
    // Keys a reader does not know are skipped (format 1 grows that way).
    rt::write_file(path, "format 1\njob 4\nfuture_key some value\nstate running\n");
    REQUIRE(dc::detail::read_status(d.store()));
    CHECK(dc::detail::read_status(d.store())->job == 4);
}
