// datachain: look into a datachain-cpp store from the command line.
//
//   datachain [--root DIR] jobs                 every job: id, status, parent, name
//   datachain [--root DIR] events [JOB]         the decisions of a job (default: the latest)
//   datachain [--root DIR] datasets [NAME]      dataset versions
//   datachain [--root DIR] explain NAME         what changed in NAME's chain between its last two runs
//   datachain [--root DIR] rm NAME VERSION      remove a dataset version (its number is never reused)
//   datachain [--root DIR] gc [SECONDS]         drop checkpoints of jobs finished more than SECONDS ago
//                                               (default 7 days) and outputs nothing refers to
//
// DIR defaults to $DATACHAIN_ROOT, then ./.datachain. The tool never starts a
// job; it holds the store's lock while it runs, like any other user.
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/session.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
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
                 "usage: datachain [--root DIR] jobs | events [JOB] | datasets [NAME] | explain NAME | rm NAME VERSION | gc [SECONDS]\n");
    return 2;
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
    try {
        auto db = dc::open_store(root);
        const std::string& cmd = args[0];
        if (cmd == "jobs") {
            for (auto& j : dc::catalog::jobs(*db))
                std::printf("%6llu  %-8s  parent %-6llu  %s  %s\n", static_cast<unsigned long long>(j.id),
                            dc::to_string(j.state()), static_cast<unsigned long long>(j.parent),
                            when(j.started).c_str(), j.name.c_str());
        } else if (cmd == "events") {
            std::uint64_t job = 0;
            if (args.size() > 1) job = std::strtoull(args[1].c_str(), nullptr, 10);
            else if (auto all = dc::catalog::jobs(*db); !all.empty()) job = all.back().id;
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
            auto cs = dc::catalog::chains(*db, args[1]);
            if (cs.empty()) {
                std::printf("no recorded chain saves \"%s\"\n", args[1].c_str());
                return 1;
            }
            auto& now = cs.back();
            std::printf("job %llu:\n", static_cast<unsigned long long>(now.first));
            for (auto& s : now.second.steps) std::printf("  %s\n", s.c_str());
            if (cs.size() == 1) std::printf("first recorded run of this chain\n");
            else
                std::printf("compared with job %llu: %s\n", static_cast<unsigned long long>(cs[cs.size() - 2].first),
                            dc::catalog::explain_change(cs[cs.size() - 2].second, now.second).c_str());
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
        } else if (cmd == "gc" && args.size() <= 2) {
            long long ttl = args.size() == 2 ? std::atoll(args[1].c_str()) : 7LL * 24 * 3600;
            db.reset();  // the session below reopens the store and starts a short job of its own
            dc::session s(dc::settings{.root = root, .job_name = "datachain-gc", .progress = false, .report = false});
            auto st = s.gc(std::chrono::seconds(ttl));
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
