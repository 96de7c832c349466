// The child of the crash-anywhere test (crash_anywhere.cpp): one pipeline,
// run against a store, that the parent kills with SIGKILL at random moments.
//
//   crash_child <mode> <store> <call log> <rows> <result file> [<kill at call>]
//
// mode: map   read_values | map<"y">            | save("out")   batches of 50
//       pmap  the same with parallel = 2
//       gen   read_values | gen<"src","j","y">  | save("out")   id % 4 outputs per input
//       agg   read_values | agg<"n","y">(..., partition_by<"grp">) | save("out"), grp = id % 300
//
// Every UDF call first appends its input id (for agg: the partition key) to
// the call log with one O_APPEND write, so the parent can count the calls of
// every row across kills. With <kill at call> = N > 0, the process kills
// itself with SIGKILL right after logging its Nth UDF call (a kill at a
// deterministic point, whatever the machine's speed). On success the saved
// rows are written, one per line, to the result file (through a temporary
// file and a rename).
#include <datachain/datachain.hpp>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

namespace dc = datachain;

namespace {

int log_fd = -1;
long kill_at_call = 0;            // 0: never
std::atomic<long> calls_made{0};  // UDF calls of this process (parallel workers too)

void log_call(std::int64_t id) {
    std::string line = std::to_string(id) + "\n";
    if (::write(log_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::abort();
    if (kill_at_call > 0 && ++calls_made == kill_at_call) ::kill(::getpid(), SIGKILL);
}

// A little work per call, deterministic in the id.
std::string work(std::int64_t id) {
    std::uint64_t h = static_cast<std::uint64_t>(id);
    char buf[8];
    for (int i = 0; i < 2500; ++i) {
        for (int b = 0; b < 8; ++b) buf[b] = static_cast<char>(h >> (8 * b));
        h = dc::xxh64(std::string_view(buf, 8), h + static_cast<std::uint64_t>(i));
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

} // namespace

DC_DEF(crash_map, (std::int64_t id) -> std::string {
    log_call(id);
    return work(id);
});

DC_DEF(crash_gen, (std::int64_t id) -> std::vector<std::tuple<std::int64_t, std::int32_t, std::string>> {
    log_call(id);
    std::vector<std::tuple<std::int64_t, std::int32_t, std::string>> out;
    for (std::int32_t j = 0; j < static_cast<std::int32_t>(id % 4); ++j) out.emplace_back(id, j, work(id * 4 + j));
    return out;
});

DC_DEF(crash_agg, (const std::vector<std::int64_t>& ids) -> std::vector<std::tuple<std::int64_t, std::string>> {
    log_call(ids.front() % 300);
    std::string all;
    for (auto id : ids) all += work(id);
    return {{static_cast<std::int64_t>(ids.size()), work(static_cast<std::int64_t>(dc::xxh64(all)))}};
});

namespace {

template <class Dataset>
void write_result(const Dataset& ds, const std::string& path) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& r : ds) {
            std::apply([&](const auto&... v) { ((out << v << ' '), ...); }, r.values);
            out << '\n';
        }
        if (!out) std::abort();
    }
    std::filesystem::rename(tmp, path);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 6 && argc != 7) {
        std::fprintf(stderr, "usage: %s map|pmap|gen|agg <store> <call log> <rows> <result file> [<kill at call>]\n",
                     argv[0]);
        return 2;
    }
    if (argc == 7) kill_at_call = std::atol(argv[6]);
    const std::string mode = argv[1];
    log_fd = ::open(argv[3], O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (log_fd < 0) {
        std::perror("crash_child: call log");
        return 2;
    }
    const auto rows = static_cast<std::int64_t>(std::atoll(argv[4]));

    dc::settings cfg;
    cfg.root = argv[2];
    cfg.job_name = "crash_child " + mode;
    cfg.report = cfg.progress = false;
    dc::session s(cfg);

    std::vector<std::int64_t> ids(static_cast<std::size_t>(rows));
    std::vector<std::int32_t> grp(ids.size());
    for (std::int64_t i = 0; i < rows; ++i) {
        ids[static_cast<std::size_t>(i)] = i;
        grp[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 300);
    }

    dc::run_options opt;
    opt.batch_size = 50;
    if (mode == "map" || mode == "pmap") {
        if (mode == "pmap") opt.parallel = 2;
        auto ds = (dc::read_values<"id">(ids) | dc::map<"y">(crash_map) | dc::save("out")).run(s, opt);
        write_result(ds, argv[5]);
    } else if (mode == "gen") {
        auto ds = (dc::read_values<"id">(ids) | dc::gen<"src", "j", "y">(crash_gen) | dc::save("out")).run(s, opt);
        write_result(ds, argv[5]);
    } else if (mode == "agg") {
        auto ds = (dc::read_values<"id", "grp">(ids, grp) |
                   dc::agg<"n", "y">(crash_agg, dc::partition_by<"grp">, dc::params<"id">) | dc::save("out"))
                      .run(s, opt);
        write_result(ds, argv[5]);
    } else {
        std::fprintf(stderr, "crash_child: unknown mode '%s'\n", mode.c_str());
        return 2;
    }
    return 0;
}
