// bench_spill: order_by and agg past memory (issue 11, item 4). Peak RSS of
// order_by and agg over 1M and 10M rows of ~50 B, and a checkpointed agg
// against raw LevelDB writes of the same bytes.
//
//   build/bench/benchmarks/bench_spill                      # memory at 1M, 10M; ratio at 1M, 5 reps
//   build/bench/benchmarks/bench_spill --sizes 1000000 --reps 3 --ratio-rows 1000000
//
// Every phase runs in its own child process (this program re-executed with
// --phase ...), so its peak RSS (wait4 ru_maxrss) is its own; it also samples
// the peaks of RssAnon (memory it owns) and RssFile (LevelDB's mmapped table
// files: clean page cache, grows with the store's size) every 5 ms:
//
//   input N DIR      read_values<"c">(N/1000) | gen<"g","path","n">(1000 rows each) | save("input")
//                    rows: g = i*7919 % 10000 (10k partitions), path ~25 B, n = i (~50 B a row in the store)
//   order N DIR B    read_dataset<S>("input") | order_by(path desc, n) | save("sorted"), spill_bytes = B
//   agg N DIR B      read_dataset<S>("input") | agg<"t">(sum, partition_by<"g">, params<"n">) | save("sums")
//   settle 0 DIR     opens the store once and closes it (see copy_of)
//   raw N DIR        the input's rows (key T+table+ordinal+0, value encode(row)) written by hand with
//                    LevelDB WriteBatch (2000 rows a batch, the adapter's Options): the same bytes
//
// agg/raw: per repetition the order of agg and raw rotates; the ratio is the
// median of per-repetition ratios.
#include "bench_util.hpp"
#include "raw_leveldb.hpp"

#include <cinttypes>

namespace dc = datachain;

using in_schema = dc::schema<dc::column<"g", std::int64_t>, dc::column<"path", std::string>, dc::column<"n", std::int64_t>>;

DC_DEF(expand, (std::int64_t c) -> std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> {
    std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> v;
    v.reserve(1000);
    for (std::int64_t j = 0; j < 1000; ++j) {
        const std::int64_t i = c * 1000 + j;
        v.emplace_back(i * 7919 % 10000, bench::make_path(static_cast<std::size_t>(i)), i);
    }
    return v;
});
DC_DEF(total, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    std::int64_t t = 0;
    for (auto x : v) t += x;
    return {t};
});

namespace {

// A copy of the store with the saved input, so every measured run computes
// (no checkpoint or row memo of an earlier run to reuse). The copy is opened
// once in a process of its own ("settle") before it is measured: the input's
// last LevelDB log (up to ~120 MB at 10M rows: its last batches) is replayed
// into a memtable and written out as a table by whichever process opens the
// store first, which costs ~150-400 MB of memory that stays with that process
// (freed memtable blocks are not returned to the OS); that is the input's
// cost, not the phase's.
std::string copy_of(const std::string& d) {
    const auto c = d + "-run";
    bench::fresh(c);
    std::filesystem::copy(d, c, std::filesystem::copy_options::recursive);
    bench::run_child({"--phase", "settle", "0", c});
    ::sync();
    return c;
}

dc::settings cfg(const std::string& dir, const std::string& job, std::size_t spill) {
    auto s = bench::quiet(dir, job);
    s.spill_bytes = spill;
    return s;
}

double raw(std::size_t n, const std::string& dir) {
    return bench::raw_leveldb_writes(dir, n, 1, [](std::size_t i) {
        const auto ii = static_cast<std::int64_t>(i);
        return std::tuple<std::int64_t, std::string, std::int64_t>{ii * 7919 % 10000, bench::make_path(i), ii};
    });
}

int phase(int argc, char** argv) {
    const std::string what = argv[2];
    const std::size_t n = std::stoull(argv[3]);
    const std::string dir = argv[4];
    const std::size_t spill = argc > 5 ? std::stoull(argv[5]) : 0;
    std::uint64_t rows = 0;
    double t = 0;
    bench::rss_sampler mem;
    if (what == "input") {
        dc::session s(cfg(dir, "input", spill));
        std::vector<std::int64_t> cs(n / 1000);
        for (std::size_t i = 0; i < cs.size(); ++i) cs[i] = static_cast<std::int64_t>(i);
        t = bench::time_s([&] {
            rows = (dc::read_values<"c">(cs) | dc::gen<"g", "path", "n">(expand) | dc::save("input"))
                       .run(s)
                       .size();
        });
    } else if (what == "order") {
        dc::session s(cfg(dir, "order", spill));
        t = bench::time_s([&] {
            rows = (dc::read_dataset<in_schema>("input") | dc::order_by(dc::C<"path">.desc(), dc::C<"n">) |
                    dc::save("sorted"))
                       .run(s)
                       .size();
        });
    } else if (what == "agg") {
        dc::session s(cfg(dir, "agg", spill));
        t = bench::time_s([&] {
            rows = (dc::read_dataset<in_schema>("input") |
                    dc::agg<"t">(total, dc::partition_by<"g">, dc::params<"n">) | dc::save("sums"))
                       .run(s)
                       .size();
        });
    } else if (what == "settle") {
        dc::open_leveldb_store(dir);  // replays the input's log into a table, then closes
    } else if (what == "raw") {
        t = raw(n, dir);
        rows = n;
    }
    mem.stop();
    std::printf("time=%.6f rows=%" PRIu64 " anon_kb=%ld file_kb=%ld\n", t, rows, mem.anon_kb(), mem.file_kb());
    return 0;
}

std::vector<std::size_t> list(const std::string& s) {
    std::vector<std::size_t> v;
    std::stringstream in(s);
    for (std::string x; std::getline(in, x, ',');) v.push_back(std::stoull(x));
    return v;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 2 && std::string(argv[1]) == "--phase") return phase(argc, argv);
    std::vector<std::size_t> sizes = {1000000, 10000000};
    std::size_t ratio_rows = 1000000;
    int reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--sizes") sizes = list(argv[i + 1]);
        else if (a == "--reps") reps = std::stoi(argv[i + 1]);
        else if (a == "--ratio-rows") ratio_rows = std::stoull(argv[i + 1]);
    }
    const char* env = std::getenv("DATACHAIN_BENCH_DIR");
    const std::filesystem::path root = std::filesystem::path(env ? env : "/tmp/datachain-bench") / "spill";
    // The spilled phases spill at 32 MiB (below the default, which keeps 1M rows in memory).
    const std::string def = std::to_string(std::size_t{32} << 20), mem = std::to_string(std::size_t{1} << 40);
    std::printf("bench_spill: load %s; spill_bytes %s for the spilled phases (default %zu)\n",
                bench::loadavg().c_str(), def.c_str(), dc::settings{}.spill_bytes);
    std::printf("%-10s %-22s %10s %12s %10s %10s %10s\n", "rows", "phase", "time (s)", "maxrss (MB)", "anon (MB)",
                "file (MB)", "rows out");
    for (std::size_t n : sizes) {
        const auto d = (root / ("m" + std::to_string(n))).string();
        bench::fresh(d);
        auto in = bench::run_child({"--phase", "input", std::to_string(n), d});
        std::printf("%-10zu %-22s %10.2f %12.1f %10.1f %10.1f %10.0f\n", n, "input (setup)", in.at("time"),
                    in.maxrss_kb / 1024.0, in.at("anon_kb") / 1024.0, in.at("file_kb") / 1024.0, in.at("rows"));
        std::vector<std::pair<std::string, std::string>> phases = {{"order", def}, {"agg", def}};
        if (n <= 1000000) phases.insert(phases.end(), {{"order", mem}, {"agg", mem}});
        for (const auto& [ph, b] : phases) {
            auto c = bench::run_child({"--phase", ph, std::to_string(n), copy_of(d), b});
            std::printf("%-10zu %-22s %10.2f %12.1f %10.1f %10.1f %10.0f\n", n,
                        (ph + (b == mem ? " (in memory)" : "")).c_str(), c.at("time"), c.maxrss_kb / 1024.0,
                        c.at("anon_kb") / 1024.0, c.at("file_kb") / 1024.0, c.at("rows"));
            std::fflush(stdout);
            bench::fresh(d + "-run");
        }
        bench::fresh(d);
    }
    if (ratio_rows > 0 && reps > 0) {
        const auto d = (root / "ratio").string();
        bench::fresh(d);
        bench::run_child({"--phase", "input", std::to_string(ratio_rows), d});
        std::vector<double> ta, tm, tr, ra, rm;
        for (int r = 0; r < reps; ++r) {
            double a = 0, m = 0, w = 0;
            for (int k = 0; k < 3; ++k) {
                const int which = (k + r) % 3;
                if (which == 0) {
                    a = bench::run_child({"--phase", "agg", std::to_string(ratio_rows), copy_of(d), def}).at("time");
                } else if (which == 1) {
                    m = bench::run_child({"--phase", "agg", std::to_string(ratio_rows), copy_of(d), mem}).at("time");
                } else {
                    const auto rd = d + "-raw";
                    bench::fresh(rd);
                    ::sync();
                    w = bench::run_child({"--phase", "raw", std::to_string(ratio_rows), rd}).at("time");
                    bench::fresh(rd);
                }
            }
            ta.push_back(a), tm.push_back(m), tr.push_back(w), ra.push_back(a / w), rm.push_back(m / w);
        }
        bench::fresh(d + "-run");
        std::printf("\nagg vs raw LevelDB writes of the input's bytes, %zu rows / 10k partitions, median of %d:\n",
                    ratio_rows, reps);
        std::printf("  agg (checkpointed, spilled at 32 MiB) %.3f s, agg (in memory) %.3f s, raw %.3f s\n",
                    bench::median(ta), bench::median(tm), bench::median(tr));
        std::printf("  agg/raw %.2fx (in memory: %.2fx)  target <= 2x: %s\n", bench::median(ra), bench::median(rm),
                    bench::median(ra) <= 2.0 ? "PASS" : "MISS");
        auto spread = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return std::to_string(v.front()).substr(0, 4) + "-" + std::to_string(v.back()).substr(0, 4) + "x";
        };
        std::printf("  per-repetition ratios: spilled %s, in memory %s\n", spread(ra).c_str(), spread(rm).c_str());
        bench::fresh(d);
    }
    return 0;
}
