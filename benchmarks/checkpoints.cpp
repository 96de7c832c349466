// bench_checkpoints: what checkpoints cost and what they save.
//
//   build/bench/benchmarks/bench_checkpoints                       # N = 100k, 1M; 5 repetitions
//   build/bench/benchmarks/bench_checkpoints --sizes 100000 --reps 3
//
// Pipeline: read_values<"path">(paths) | map<"up">(upper) | save("out"), paths
// like "dogs-and-cats/cat.123.jpg", a trivial UDF (upper-case). Every
// measurement starts from a fresh store, and only pipeline.run() is timed
// (the session is opened before, the source made before).
//
//   ckpt    first run, checkpoints on (the default)
//   off     the same with settings{.checkpoints = false}: only the save writes
//   raw     by hand: the same keys and encoded values written with LevelDB
//           WriteBatch, 2000 rows a batch, same Options as the store adapter
//   skip    read_dataset<S>("input") | map | save("out") run again in a new job
//           (N = 1k, 100k, 1M): nothing runs, the time must not grow with N
//   resume  the UDF throws at row N/2 (udf_error is caught), then the fixed
//           UDF runs in the next job: it must be called for exactly the
//           remaining N - N/2 rows; its time is compared with ckpt
//
// Targets: ckpt/off <= 1.10, ckpt/raw <= 1.5, skip(1M)/skip(1k) <= 1.5,
// resume/ckpt <= 0.6. Stores live under $DATACHAIN_BENCH_DIR (default
// /tmp/datachain-bench).
#include "bench_util.hpp"
#include "raw_leveldb.hpp"

#include <atomic>
#include <cinttypes>
#include <cstring>
#include <optional>

namespace dc = datachain;
using bench::upper;

using input_schema = dc::schema<dc::column<"path", std::string>>;

namespace {

std::atomic<std::uint64_t> g_calls{0};
std::uint64_t g_fail_at = ~0ull;

// Both unnamed (DC_UDF): the partial hash holds no code, so the fixed UDF
// continues from the buggy one's outputs; the full hashes differ.
const auto upper_buggy = DC_UDF([](const std::string& p) -> std::string {
    if (g_calls.fetch_add(1, std::memory_order_relaxed) == g_fail_at) throw std::runtime_error("bug at row N/2");
    std::string s = p;
    for (auto& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    return s;
});
const auto upper_fixed = DC_UDF([](const std::string& p) -> std::string {
    g_calls.fetch_add(1, std::memory_order_relaxed);
    std::string s = p;
    for (auto& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    return s;
});

// The id of the table the library wrote its rows to (the first "T" key).
std::uint64_t first_table(dc::session& s) {
    auto c = s.db().scan("T");
    if (!c->valid()) throw std::runtime_error("no table in the store");
    return dc::key::read_be64(c->key(), 1);
}

// Writes what the library writes for `paths` (key row_key(table, i, 0),
// value encode(tuple{path, upper(path)})), by hand (raw_leveldb.hpp).
double raw_leveldb(const std::filesystem::path& dir, const std::vector<std::string>& paths, std::uint64_t table,
                   std::string* first_value = nullptr) {
    return bench::raw_leveldb_writes(
        dir, paths.size(), table,
        [&](std::size_t i) { return std::tuple<std::string, std::string>{paths[i], upper(paths[i])}; }, first_value);
}

struct verdict {
    std::string what, target;
    double value;
    bool pass;
};

} // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes{100000, 1000000};
    std::vector<std::size_t> skip_sizes{1000, 100000, 1000000};
    int reps = 5;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto list = [](const std::string& s) {
            std::vector<std::size_t> v;
            for (std::size_t at = 0; at < s.size();) {
                auto c = s.find(',', at);
                v.push_back(std::stoull(s.substr(at, c - at)));
                if (c == std::string::npos) break;
                at = c + 1;
            }
            return v;
        };
        if (a == "--sizes" && i + 1 < argc) sizes = list(argv[++i]);
        else if (a == "--skip-sizes" && i + 1 < argc) skip_sizes = list(argv[++i]);
        else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--sizes N,...] [--skip-sizes N,...] [--reps R]\n", argv[0]);
            return 2;
        }
    }
    auto root = bench::work_dir("checkpoints");
    std::printf("bench_checkpoints: %d repetitions, medians; load average at start %s; stores in %s\n", reps,
                bench::loadavg().c_str(), root.c_str());
    std::vector<verdict> verdicts;
    int failures = 0;

    // Warm-up (discarded): first use of the allocator, LevelDB, the page cache.
    std::uint64_t table = 0;
    {
        auto d = root / "warmup";
        bench::fresh(d);
        auto paths = bench::make_paths(20000);
        {
            dc::session s(bench::quiet(d, "warmup"));
            (dc::read_values<"path">(paths) | dc::map<"up">(upper) | dc::save("out")).run(s);
            table = first_table(s);  // the id a fresh store gives the map's table
        }
        bench::fresh(d);
        raw_leveldb(d, paths, table);
        bench::fresh(d);
    }

    std::string row0_key = "T";  // row_key(table, 0, 0), see runtime/records.hpp
    dc::key::be64(row0_key, table);
    dc::key::be64(row0_key, 0);
    dc::key::be32(row0_key, 0);

    // ---- first run: checkpoints on / off / raw LevelDB; resume --------------
    std::printf("\n(times: medians; ckpt/off and ckpt/raw here: ratios of those medians)\n");
    std::printf("%-8s | %9s | %9s | %9s | %9s | %8s | %8s | %9s | %s\n", "N", "ckpt (s)", "off (s)", "raw (s)",
                "resume(s)", "ckpt/off", "ckpt/raw", "ckpt rows/s", "resumed UDF calls");
    std::printf("---------+-----------+-----------+-----------+-----------+----------+----------+-------------+"
                "------------------\n");
    for (std::size_t n : sizes) {
        auto paths = bench::make_paths(n);
        auto src = dc::read_values<"path">(paths);
        std::vector<double> ckpt, off, raw, resume, r_off, r_raw, r_res, open_t;
        std::uint64_t calls_bad = 0, calls_last = 0;
        for (int r = 0; r < reps; ++r) {
            auto d1 = root / "ckpt", d2 = root / "off", d3 = root / "raw", d4 = root / "resume";
            for (auto& d : {d1, d2, d3, d4}) bench::fresh(d);
            double a = 0, b = 0, c = 0, e = 0;
            std::string lib_value, raw_value;
            // The three first-run variants in a rotating order (rep r starts
            // with variant r % 3), each after sync(): no variant always pays
            // for the writeback of the one before.
            auto run_ckpt = [&] {
                dc::session s(bench::quiet(d1, "ckpt"));
                a = bench::time_s([&] { (src | dc::map<"up">(upper) | dc::save("out")).run(s); });
                if (first_table(s) != table) throw std::runtime_error("unexpected table id");
                lib_value = s.db().get(row0_key).value_or("");
            };
            auto run_off = [&] {
                auto cfg = bench::quiet(d2, "off");
                cfg.checkpoints = false;
                dc::session s(cfg);
                b = bench::time_s([&] { (src | dc::map<"up">(upper) | dc::save("out")).run(s); });
            };
            auto run_raw = [&] { c = raw_leveldb(d3, paths, table, &raw_value); };
            for (int k = 0; k < 3; ++k) {
                ::sync();
                switch ((r + k) % 3) {
                case 0: run_ckpt(); break;
                case 1: run_off(); break;
                default: run_raw(); break;
                }
            }
            if (raw_value != lib_value || lib_value.empty()) {
                std::fprintf(stderr, "raw LevelDB rows differ from the library's (table %" PRIu64 ")\n", table);
                return 1;
            }
            ::sync();
            {
                {
                    dc::session s(bench::quiet(d4, "resume"));
                    g_calls = 0;
                    g_fail_at = n / 2;
                    try {
                        (src | dc::map<"up">(upper_buggy) | dc::save("out")).run(s);
                        std::fprintf(stderr, "the buggy UDF did not throw\n");
                        return 1;
                    } catch (const dc::udf_error& err) {
                        if (err.row() != n / 2) {
                            std::fprintf(stderr, "udf_error at row %" PRIu64 ", expected %zu\n", err.row(), n / 2);
                            return 1;
                        }
                    }
                }
                std::optional<dc::session> so;
                open_t.push_back(bench::time_s([&] { so.emplace(bench::quiet(d4, "resume")); }));
                dc::session& s = *so;
                g_calls = 0;
                std::uint64_t rows = 0;
                e = bench::time_s([&] { rows = (src | dc::map<"up">(upper_fixed) | dc::save("out")).run(s).size(); });
                calls_last = g_calls.load();
                if (calls_last != n - n / 2 || rows != n) ++calls_bad;
                auto ev = s.events();
                bool continued = false;
                for (auto& x : ev) continued |= x.kind == "udf_continued";
                if (!continued) ++calls_bad;
            }
            for (auto& d : {d1, d2, d3, d4}) bench::fresh(d);
            ckpt.push_back(a);
            off.push_back(b);
            raw.push_back(c);
            resume.push_back(e);
            r_off.push_back(a / b);
            r_raw.push_back(a / c);
            r_res.push_back(e / a);
        }
        double mc = bench::median(ckpt), mo = bench::median(off), mr = bench::median(raw), me = bench::median(resume);
        std::printf("%-8zu | %9.4f | %9.4f | %9.4f | %9.4f | %7.2fx | %7.2fx | %11.0f | %" PRIu64 " of %zu expected%s\n",
                    n, mc, mo, mr, me, mc / mo, mc / mr, static_cast<double>(n) / mc, calls_last, n - n / 2,
                    calls_bad ? " (MISMATCH)" : ", exact");
        std::printf("%-8s   medians of per-repetition ratios (used for the verdicts): ckpt/off %.2fx, ckpt/raw %.2fx, "
                    "resume/ckpt %.2fx\n%-8s   raw LevelDB %.0f rows/s; opening the session before the resumed run "
                    "(not timed above): %.1f ms\n",
                    "", bench::median(r_off), bench::median(r_raw), bench::median(r_res), "",
                    static_cast<double>(n) / mr, bench::median(open_t) * 1e3);
        // Verdicts on the median of the per-repetition ratios: the two runs of
        // a pair ran seconds apart, so a disturbance on this shared machine
        // hits both; medians of separate columns can pair a quiet run with a
        // disturbed one.
        auto N = std::to_string(n);
        double q_off = bench::median(r_off), q_raw = bench::median(r_raw), q_res = bench::median(r_res);
        verdicts.push_back({"first run ckpt / checkpoints off, N=" + N, "<= 1.10x", q_off, q_off <= 1.10});
        verdicts.push_back({"first run ckpt / raw LevelDB batches, N=" + N, "<= 1.50x", q_raw, q_raw <= 1.5});
        verdicts.push_back({"resume after crash at N/2 / full run, N=" + N, "<= 0.60x", q_res, q_res <= 0.6});
        verdicts.push_back({"resumed UDF calls == N - N/2 (every rep), N=" + N, "exact",
                            static_cast<double>(calls_last), calls_bad == 0});
        if (calls_bad) ++failures;
    }

    // ---- skipped run on a read_dataset source ------------------------------------
    std::printf("\nskipped run: read_dataset<S>(\"input\") | map<\"up\">(upper) | save(\"out\") in a new job\n");
    std::printf("%-8s | %13s | %15s | %13s | %s\n", "N", "first run (s)", "skipped run (ms)", "session (ms)",
                "decision");
    std::printf("---------+---------------+-----------------+---------------+----------\n");
    std::vector<std::pair<std::size_t, double>> skip_med;
    for (std::size_t n : skip_sizes) {
        auto dir = root / "skip";
        bench::fresh(dir);
        double first = 0;
        {
            dc::session s(bench::quiet(dir, "skip"));
            (dc::read_values<"path">(bench::make_paths(n)) | dc::save("input")).run(s);
        }
        {
            dc::session s(bench::quiet(dir, "skip"));
            first = bench::time_s(
                [&] { (dc::read_dataset<input_schema>("input") | dc::map<"up">(upper) | dc::save("out")).run(s); });
        }
        std::vector<double> t, topen;
        bool all_skipped = true;
        for (int r = 0; r < reps; ++r) {
            std::optional<dc::session> s;
            topen.push_back(bench::time_s([&] { s.emplace(bench::quiet(dir, "skip")); }));
            std::uint64_t rows = 0;
            t.push_back(bench::time_s([&] {
                rows = (dc::read_dataset<input_schema>("input") | dc::map<"up">(upper) | dc::save("out")).run(*s).size();
            }));
            bool skipped = false;
            for (auto& e : s->events()) skipped |= e.kind == "save_skipped";
            all_skipped &= skipped && rows == n;
        }
        double m = bench::median(t);
        std::string each;
        for (double x : t) each += bench::fmt(" %.3f", x * 1e3);
        std::printf("%-8zu | %13.4f | %15.3f | %13.3f | %s; runs (ms):%s\n", n, first, m * 1e3,
                    bench::median(topen) * 1e3, all_skipped ? "save_skipped every time" : "NOT SKIPPED", each.c_str());
        if (!all_skipped) ++failures;
        skip_med.emplace_back(n, m);
        bench::fresh(dir);
    }
    if (skip_med.size() >= 2) {
        double ratio = skip_med.back().second / skip_med.front().second;
        verdicts.push_back({"skipped run time, N=" + std::to_string(skip_med.back().first) + " / N=" +
                                std::to_string(skip_med.front().first),
                            "<= 1.50x", ratio, ratio <= 1.5});
    }

    // ---- verdicts -------------------------------------------------------------------
    std::printf("\n%-50s | %-8s | %8s | %s\n", "target", "goal", "median", "");
    std::printf("---------------------------------------------------+----------+----------+------\n");
    for (auto& v : verdicts) {
        std::string val = v.target == "exact" ? bench::fmt("%.0f", v.value) : bench::fmt("%.2fx", v.value);
        std::printf("%-50s | %-8s | %8s | %s\n", v.what.c_str(), v.target.c_str(), val.c_str(),
                    v.pass ? "PASS" : "MISS");
    }
    std::printf("\nload average at end %s\n", bench::loadavg().c_str());
    bench::fresh(root);
    return failures ? 1 : 0;
}
