// datachain: look into a datachain-cpp store from the command line.
//
//   datachain [--root DIR] jobs                 every job: id, status, parent, name, stored error
//   datachain [--root DIR] events [JOB]         the decisions of a job (default: the latest)
//   datachain [--root DIR] datasets [NAME]      dataset versions
//   datachain [--root DIR] explain NAME         what changed in NAME's chain since the previous run of its program
//   datachain [--root DIR] verify [NAME[@VER]]  read versions in full, check row counts and content digests
//   datachain [--root DIR] rm NAME VERSION      remove a dataset version (its number is never reused)
//   datachain [--root DIR] gc [DURATION]        drop checkpoints of jobs finished more than DURATION ago
//   datachain [--root DIR] gc --older-than DURATION   (default 7d) and outputs nothing refers to
//
// DURATION is a whole number with a unit: 30s, 15m, 4h, 7d; a plain number
// is seconds. Anything else (a sign, a fraction, garbage, more than
// 106751 days) is refused before the store is opened.
//
// DIR defaults to $DATACHAIN_ROOT, then ./.datachain. The tool only opens an
// existing store: it never creates one (a missing or empty directory is an
// error) and never touches a directory that is not a store. It starts no job;
// it holds the store's lock while it runs, like any other user.
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/gc.hpp>
#include <datachain/runtime/session.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dc = datachain;

namespace {

std::string when(std::int64_t ns) {
    if (ns == 0) return "-";
    std::time_t t = static_cast<std::time_t>(ns / 1000000000);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
    return buf;
}

int usage() {
    std::fprintf(stderr,
                 "usage: datachain [--root DIR] jobs | events [JOB] | datasets [NAME] | explain NAME | verify [NAME[@VERSION]] "
                 "| rm NAME VERSION "
                 "| gc [DURATION] | gc --older-than DURATION\n"
                 "       DURATION: a whole number with a unit, 30s, 15m, 4h or 7d (a plain number is seconds)\n");
    return 2;
}

// "30s", "15m", "4h", "7d", "3600" (seconds). nullopt, with the reason in
// `why`, for anything else: no sign, no fraction, no spaces, and at most
// what nanoseconds in 64 bits hold (about 292 years).
std::optional<std::chrono::seconds> parse_duration(std::string_view text, std::string& why) {
    constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / 1000000000;
    std::size_t i = 0;
    std::int64_t n = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (n > (max_seconds - (text[i] - '0')) / 10) {
            why = "it is too large (at most " + std::to_string(max_seconds / 86400) + "d)";
            return std::nullopt;
        }
        n = n * 10 + (text[i] - '0');
    }
    if (i == 0) {
        why = text.empty() || (text[0] != '-' && text[0] != '+') ? "it does not start with a whole number"
                                                                  : "it has a sign; a duration is never negative";
        return std::nullopt;
    }
    std::int64_t unit = 1;
    if (i < text.size()) {
        switch (text[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: why = "'" + std::string(text.substr(i)) + "' is not a unit (s, m, h, d)"; return std::nullopt;
        }
        if (i + 1 != text.size()) {
            why = "'" + std::string(text.substr(i)) + "' is not a unit (s, m, h, d)";
            return std::nullopt;
        }
    }
    if (n > max_seconds / unit) {
        why = "it is too large (at most " + std::to_string(max_seconds / 86400) + "d)";
        return std::nullopt;
    }
    return std::chrono::seconds(n * unit);
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string root = std::getenv("DATACHAIN_ROOT") ? std::getenv("DATACHAIN_ROOT") : ".datachain";
    if (args.size() >= 2 && args[0] == "--root") {
        root = args[1];
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.empty()) return usage();
    // gc's age is checked before anything is opened.
    std::chrono::seconds gc_age = std::chrono::hours(24 * 7);
    if (args[0] == "gc") {
        std::optional<std::string> text;
        if (args.size() == 2 && args[1] != "--older-than") text = args[1];
        else if (args.size() == 3 && args[1] == "--older-than") text = args[2];
        else if (args.size() != 1) return usage();
        if (text) {
            std::string why;
            auto d = parse_duration(*text, why);
            if (!d) {
                std::fprintf(stderr,
                             "datachain gc: '%s' is not a valid age: %s. Write a whole number with a unit: 30s, 15m, "
                             "4h, 7d (a plain number is seconds); nothing was removed\n",
                             text->c_str(), why.c_str());
                return 2;
            }
            gc_age = *d;
        }
    }
    try {
        // Never creates a store, and never touches a directory that is not one.
        auto db = dc::open_leveldb_store(root, {.create_if_missing = false});
        if (!db->get(dc::detail::rec::format_key()))
            throw dc::error(dc::error_kind::store_format, "datachain: '" + root +
                                                              "' holds no datachain format record: it is not a "
                                                              "datachain store; nothing was written by datachain (LevelDB's own recovery may have "
                                                              "compacted the database's log on opening it)");
        dc::detail::check_format(*db);  // the record is there: only checks the version, writes nothing
        const std::string& cmd = args[0];
        if (cmd == "jobs" && args.size() == 1) {
            // A job still "running" whose process is gone (we hold the store's
            // lock, so no process runs it) is shown crashed.
            for (auto& j : dc::catalog::jobs(*db)) {
                auto state = j.state() == dc::job_status::running ? dc::job_status::crashed : j.state();
                std::printf("%6llu  %-8s  parent %-6llu  %s  %s\n", static_cast<unsigned long long>(j.id),
                            dc::to_string(state), static_cast<unsigned long long>(j.parent), when(j.started).c_str(),
                            j.name.c_str());
                if (!j.error.empty()) std::printf("        error: %s\n", j.error.c_str());
            }
        } else if (cmd == "events" && args.size() <= 2) {
            std::uint64_t job = 0;
            if (args.size() > 1) {
                char* end = nullptr;
                errno = 0;
                job = std::strtoull(args[1].c_str(), &end, 10);
                if (errno != 0 || *end != '\0' || args[1].empty() || args[1][0] == '-' || job == 0) {
                    std::fprintf(stderr, "datachain events: '%s' is not a job id; list them with 'datachain jobs'\n",
                                 args[1].c_str());
                    return 2;
                }
                if (!dc::catalog::job(*db, job)) {
                    std::fprintf(stderr, "datachain events: no job %llu in the store at '%s'; list them with "
                                         "'datachain jobs'\n",
                                 static_cast<unsigned long long>(job), db->location().c_str());
                    return 1;
                }
            } else if (auto all = dc::catalog::jobs(*db); !all.empty()) {
                job = all.back().id;
            }
            for (auto& e : dc::catalog::events(*db, job)) {
                std::printf("%-17s %s", e.kind.c_str(), e.step.c_str());
                if (!e.dataset.empty()) std::printf(" -> %s@%s", e.dataset.c_str(), e.version.c_str());
                std::printf("  rows: %llu earlier, %llu now, %.3fs\n", static_cast<unsigned long long>(e.rows_before),
                            static_cast<unsigned long long>(e.rows_now), e.seconds);
                if (!e.why.empty()) std::printf("                  why: %s\n", e.why.c_str());
            }
        } else if (cmd == "datasets") {
            for (auto& d : dc::catalog::datasets(*db, args.size() > 1 ? args[1] : std::string{}))
                std::printf("%s@%s  %llu rows  job %llu  %s  %s\n", d.name.c_str(), d.version.c_str(),
                            static_cast<unsigned long long>(d.rows), static_cast<unsigned long long>(d.job),
                            when(d.created).c_str(), d.schema_text.c_str());
        } else if (cmd == "explain" && args.size() == 2) {
            // The latest run that saved NAME, compared with the nearest
            // earlier run of the same program (its lineage), not of another.
            auto cs = dc::catalog::chains(*db, args[1]);
            if (cs.empty()) {
                std::fprintf(stderr, "datachain explain: no recorded chain saves \"%s\"\n", args[1].c_str());
                return 1;
            }
            auto& now = cs.back();
            std::printf("job %llu:\n", static_cast<unsigned long long>(now.first));
            for (auto& st : now.second.steps) std::printf("  %s\n", st.c_str());
            auto prev = dc::catalog::previous_chain(*db, now.first, args[1]);
            if (!prev) std::printf("first recorded run of this chain in its lineage\n");
            else
                std::printf("compared with job %llu: %s\n", static_cast<unsigned long long>(prev->first),
                            dc::catalog::explain_change(prev->second, now.second).c_str());
        } else if (cmd == "verify" && args.size() <= 2) {
            // Reads every version (or NAME's, or NAME@VERSION) in full and
            // checks its row count and content digest.
            std::string name, version;
            if (args.size() == 2) {
                name = args[1];
                if (auto at = name.find('@'); at != std::string::npos) {
                    version = name.substr(at + 1);
                    name.resize(at);
                }
                dc::check_dataset_name(name);
            }
            std::vector<dc::dataset_record> todo;
            if (!version.empty()) {
                auto r = dc::detail::find_version(*db, name, version);
                if (!r) {
                    std::fprintf(stderr, "datachain verify: no dataset %s@%s\n", name.c_str(), version.c_str());
                    return 1;
                }
                todo.push_back(*r);
            } else {
                todo = dc::catalog::datasets(*db, name);
                if (!name.empty() && todo.empty()) {
                    std::fprintf(stderr, "datachain verify: no dataset '%s'\n", name.c_str());
                    return 1;
                }
            }
            int bad = 0;
            for (auto& r : todo) {
                try {
                    dc::detail::verify_version(*db, r);
                    std::printf("ok       %s@%s  %llu rows\n", r.name.c_str(), r.version.c_str(),
                                static_cast<unsigned long long>(r.rows));
                } catch (const dc::error& e) {
                    ++bad;
                    std::printf("DAMAGED  %s@%s  %s\n", r.name.c_str(), r.version.c_str(), e.what());
                }
            }
            if (bad) return 1;
        } else if (cmd == "rm" && args.size() == 3) {
            dc::check_dataset_name(args[1]);
            auto [a, b, c] = dc::session::parse_version(args[2]);
            auto key = dc::detail::rec::dataset_key(args[1], a, b, c);
            if (!db->get(key)) {
                std::fprintf(stderr, "datachain: no dataset %s@%s\n", args[1].c_str(), args[2].c_str());
                return 1;
            }
            db->del(key);
            std::printf("removed %s@%s\n", args[1].c_str(), args[2].c_str());
        } else if (cmd == "gc") {
            // No job of its own: gc works on the store directly, so the latest
            // job (and 'events') stays the program's.
            db.reset();
            auto h = dc::detail::open_store_handle(root);
            auto st = dc::detail::collect_garbage(*h, gc_age);
            std::printf("gc: %llu jobs, %llu checkpoint records, %llu tables (%llu rows) removed\n",
                        static_cast<unsigned long long>(st.jobs), static_cast<unsigned long long>(st.checkpoints),
                        static_cast<unsigned long long>(st.tables), static_cast<unsigned long long>(st.rows));
        } else {
            return usage();
        }
    } catch (const dc::error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
