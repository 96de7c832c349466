// bench_rowreuse: what row-level reuse (runtime/memo.hpp) saves and costs.
//
//   build/bench/benchmarks/bench_rowreuse                     # N = 100k, 3 repetitions
//   build/bench/benchmarks/bench_rowreuse --rows 20000 --reps 5 --saves 100
//   build/bench/benchmarks/bench_rowreuse --reps 0 --step gen   # storage only, through gen
//
// Pipeline: read_values<"path">(paths) | map<"out">(work) | save("out"), with
// `work` a UDF that spins ~50 us per row (one thread); --step gen or agg runs
// gen (0 to 3 outputs per path) or agg (partitions of 10 paths, each added
// path a partition of its own) with the same ~50 us per call instead. Each
// repetition, in a fresh store:
//   full    the first run over N rows: N UDF calls
//   grown   the source grows by 1% (N/100 new paths, spread through the
//           source, not appended) and runs again: it must call the UDF for
//           exactly the new rows; its time is compared with full
// Then the storage of 1, 10 and 100 saves of a source that starts at
// --growth-rows rows and grows by 1% before each save (a trivial UDF): the
// store's bytes on disk after each count of saves, and what one save of the
// final source alone takes. --step picks the UDF step of that part too: map (a
// trivial UDF, the default), gen (0 to 3 outputs per path) or agg (one
// output per partition of 10 consecutive paths). --reps 0 runs only it.
//
// Target (set for map): grown/full <= 0.05 (median of per-repetition ratios) with the UDF
// calls of every grown run == N/100 exactly. Stores live under
// $DATACHAIN_BENCH_DIR (default /tmp/datachain-bench).
#include "bench_util.hpp"

#include <atomic>
#include <chrono>
#include <cstring>

namespace dc = datachain;

namespace {

std::atomic<std::uint64_t> g_calls{0};

// ~50 us of work per call, by the clock (not a sleep: the thread is busy).
std::int64_t spin(const std::string& p) {
    g_calls.fetch_add(1, std::memory_order_relaxed);
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    std::uint64_t h = 0;
    while (std::chrono::steady_clock::now() < until)
        for (char c : p) h = h * 131 + static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(h & 0xffff);
}
DC_DEF(work, (const std::string& p) -> std::int64_t { return spin(p); });
// --step gen: 0 to 3 outputs per path (by its length); agg: one per partition.
DC_DEF(work_gen, (const std::string& p) -> std::vector<std::string> {
    std::vector<std::string> out;
    const auto h = spin(p);
    for (std::size_t i = 0; i < p.size() % 4; ++i) out.push_back(std::to_string(i + h) + ":" + p);
    return out;
});
DC_DEF(work_agg, (const std::vector<std::string>& ps) -> std::vector<std::string> {
    return {ps.front() + " " + std::to_string(spin(ps.front())) + " +" + std::to_string(ps.size() - 1)};
});

// N paths, then every 100th position gets an extra path (1% more rows).
std::vector<std::string> source(std::size_t n, bool grown) {
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n; ++i) {
        v.push_back(bench::make_path(i));
        if (grown && i % 100 == 50) v.push_back("new/" + bench::make_path(i));
    }
    return v;
}
// The partitions of source(n, grown) for --step agg: 10 consecutive paths of
// the first source each; each added path is a partition of its own, so the
// grown run computes exactly the added paths.
std::vector<std::int64_t> groups(std::size_t n, bool grown) {
    std::vector<std::int64_t> g;
    for (std::size_t i = 0; i < n; ++i) {
        g.push_back(static_cast<std::int64_t>(i / 10));
        if (grown && i % 100 == 50) g.push_back(static_cast<std::int64_t>(n + i));
    }
    return g;
}

// One timed run of the ~50 us UDF over `src` through `step`, in seconds.
double timed_run(const dc::settings& cfg, const std::string& step, const std::vector<std::string>& src,
                 const std::vector<std::int64_t>& group) {
    dc::session s{cfg};
    if (step == "gen") {
        auto p = dc::read_values<"path">(src) | dc::gen<"out">(work_gen) | dc::save("out");
        return bench::time_s([&] { (void)p.run(s); });
    }
    if (step == "agg") {
        auto p = dc::read_values<"path", "group">(src, group) |
                 dc::agg<"out">(work_agg, dc::partition_by<"group">, dc::params<"path">) | dc::save("out");
        return bench::time_s([&] { (void)p.run(s); });
    }
    auto p = dc::read_values<"path">(src) | dc::map<"out">(work) | dc::save("out");
    return bench::time_s([&] { (void)p.run(s); });
}

std::uintmax_t dir_bytes(const std::filesystem::path& p) {
    std::uintmax_t n = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) n += e.file_size();
    return n;
}

// gen: 0 to 3 outputs per path (by its length), the path upper-cased and numbered.
DC_DEF(split, (const std::string& p) -> std::vector<std::string> {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < p.size() % 4; ++i) out.push_back(std::to_string(i) + ":" + p);
    return out;
});
// agg: per partition, its first path and its number of paths.
DC_DEF(first_of, (const std::vector<std::string>& ps) -> std::vector<std::string> {
    return {ps.front() + " +" + std::to_string(ps.size() - 1)};
});

// One save of `src` through the UDF step `step` (map, gen or agg).
void save_through(const std::filesystem::path& store, const std::string& step, const std::vector<std::string>& src) {
    dc::session s{bench::quiet(store)};
    if (step == "gen") {
        (void)(dc::read_values<"path">(src) | dc::gen<"out">(split) | dc::save("out")).run(s);
    } else if (step == "agg") {
        std::vector<std::int64_t> group(src.size());
        for (std::size_t i = 0; i < src.size(); ++i) group[i] = static_cast<std::int64_t>(i / 10);
        (void)(dc::read_values<"path", "group">(src, group) |
               dc::agg<"out">(first_of, dc::partition_by<"group">, dc::params<"path">) | dc::save("out"))
            .run(s);
    } else {
        (void)(dc::read_values<"path">(src) | dc::map<"out">(bench::upper) | dc::save("out")).run(s);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::size_t n = 100000, growth_rows = 10000;
    int reps = 3, saves = 100;
    std::string step = "map";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--rows")) n = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--reps")) reps = std::stoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--saves")) saves = std::stoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--growth-rows")) growth_rows = std::stoul(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--step")) step = argv[i + 1];
    }
    if (step != "map" && step != "gen" && step != "agg") {
        std::fprintf(stderr, "bench_rowreuse: --step is map, gen or agg\n");
        return 2;
    }
    const auto dir = bench::work_dir("rowreuse");
    std::printf("bench_rowreuse: N = %zu, %d repetitions, medians, step %s; load average at start %s\n", n, reps,
                step.c_str(), bench::loadavg().c_str());
    const auto first = source(n, false), second = source(n, true);
    const auto first_groups = groups(n, false), second_groups = groups(n, true);
    const std::uint64_t added = second.size() - first.size();
    std::vector<double> full, grown, ratio;
    bool exact = true;
    std::string calls_seen;
    for (int r = 0; r < reps; ++r) {
        const auto store = dir / "store";
        bench::fresh(store);
        auto cfg = bench::quiet(store);
        cfg.parallel = 1;
        const double tf = timed_run(cfg, step, first, first_groups);
        g_calls = 0;
        const double tg = timed_run(cfg, step, second, second_groups);
        exact = exact && g_calls.load() == added;
        calls_seen += " " + std::to_string(g_calls.load());
        full.push_back(tf);
        grown.push_back(tg);
        ratio.push_back(tg / tf);
        std::printf("  rep %d: full %.3f s, grown %.3f s, ratio %.4f, UDF calls %llu\n", r + 1, tf, tg, tg / tf,
                    static_cast<unsigned long long>(g_calls.load()));
    }
    const double q = reps > 0 ? bench::median(ratio) : 0.0;
    if (reps > 0) {
        auto [lo, hi] = std::minmax_element(ratio.begin(), ratio.end());
        std::printf("\nfull run %.3f s, grown run %.3f s (medians); grown/full: median of ratios %.4f (spread %.4f-%.4f)\n",
                    bench::median(full), bench::median(grown), q, *lo, *hi);
        std::printf("UDF calls of the grown runs:%s (expected %llu each)\n", calls_seen.c_str(),
                    static_cast<unsigned long long>(added));
    }

    // Storage of repeated saves of a growing source.
    std::printf("\nstorage: a source of %zu rows growing 1%% before each save (%s, trivial UDF)\n", growth_rows,
                step.c_str());
    std::printf("saves | rows in the last | store bytes | bytes of one save of the last source alone\n");
    const auto store = dir / "growth";
    bench::fresh(store);
    std::vector<std::string> src = source(growth_rows, false);
    std::size_t next = growth_rows;
    for (int k = 1; k <= saves; ++k) {
        save_through(store, step, src);
        if (k == 1 || k == 10 || k == 100 || k == saves) {
            const auto alone = dir / "alone";
            bench::fresh(alone);
            save_through(alone, step, src);
            std::printf("%5d | %16zu | %11ju | %ju\n", k, src.size(), dir_bytes(store), dir_bytes(alone));
        }
        for (std::size_t i = 0, m = src.size() / 100; i < m; ++i) src.push_back(bench::make_path(next++));
    }
    if (reps == 0) return 0;

    std::printf("\n%-55s | %-8s | %8s |\n", "target", "goal", "median");
    std::printf("%-55s | %-8s | %8.4f | %s\n", "grown run / full run (1% new rows, ~50 us UDF)", "<= 0.05", q,
                q <= 0.05 ? "PASS" : "MISS");
    std::printf("%-55s | %-8s | %8s | %s\n", "UDF calls of every grown run == new rows", "exact",
                exact ? "yes" : "no", exact ? "PASS" : "MISS");
    std::printf("load average at end %s\n", bench::loadavg().c_str());
    return q <= 0.05 && exact ? 0 : 1;
}
