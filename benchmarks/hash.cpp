// bench_hash: run-time hashing throughput, the library's XXH64 (libxxhash at
// run time, issue 11 item 3) next to libxxhash called directly and to the
// constexpr byte loop that ran at run time before.
//
//   build/bench/benchmarks/bench_hash              # 64 MiB, 1M values; 5 repetitions
//   build/bench/benchmarks/bench_hash --mib 16 --values 100000 --reps 3
//
// Rows (median ms of the repetitions, one process, same buffer):
//   xxh64 one-shot          datachain::xxh64(p, n)
//   hasher.str (2 lanes)    datachain::hasher{}.str(bytes): what listings and
//                           read_values strings go through (two XXH64 lanes)
//   constexpr loop          detail::xxh::ce_update, the constexpr path run at
//                           run time (the code every run-time hash ran before)
//   XXH64 / XXH3_128        libxxhash directly (the floor)
//   read_values 1M          read_values<"id","path">(ints, strings): its content hash
#include "bench_util.hpp"

#include <xxhash.h>

#include <cinttypes>
#include <cstring>

namespace dc = datachain;

int main(int argc, char** argv) {
    std::size_t mib = 64, values = 1000000;
    int reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--mib") mib = std::stoull(argv[i + 1]);
        else if (a == "--values") values = std::stoull(argv[i + 1]);
        else if (a == "--reps") reps = std::stoi(argv[i + 1]);
    }
    std::vector<unsigned char> buf(mib << 20);
    std::uint64_t x = 88172645463325252ull;
    for (auto& b : buf) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b = static_cast<unsigned char>(x);
    }
    const std::string_view chars(reinterpret_cast<const char*>(buf.data()), buf.size());
    volatile std::uint64_t sink = 0;

    std::map<std::string, std::vector<double>> ms;
    const std::vector<std::string> order = {"xxh64 one-shot", "hasher.str (2 lanes)", "constexpr loop (1 lane)",
                                            "XXH64 (libxxhash)", "XXH3_128 (libxxhash)", "read_values"};
    std::vector<std::int64_t> ids(values);
    std::vector<std::string> paths(values);
    for (std::size_t i = 0; i < values; ++i) ids[i] = static_cast<std::int64_t>(i), paths[i] = bench::make_path(i);

    for (int r = 0; r < reps; ++r) {
        ms["xxh64 one-shot"].push_back(1e3 * bench::time_s([&] { sink = sink + dc::xxh64(buf.data(), buf.size()); }));
        ms["hasher.str (2 lanes)"].push_back(1e3 * bench::time_s([&] {
            dc::hasher h;
            h.str(chars);
            sink = sink + h.finish().lo;
        }));
        ms["constexpr loop (1 lane)"].push_back(1e3 * bench::time_s([&] {
            XXH64_state_t st{};
            dc::detail::xxh::ce_reset(st, 0);
            dc::detail::xxh::ce_update(st, buf.data(), buf.size());
            sink = sink + dc::detail::xxh::ce_digest(st);
        }));
        ms["XXH64 (libxxhash)"].push_back(1e3 * bench::time_s([&] { sink = sink + XXH64(buf.data(), buf.size(), 0); }));
        ms["XXH3_128 (libxxhash)"].push_back(
            1e3 * bench::time_s([&] { sink = sink + XXH3_128bits(buf.data(), buf.size()).low64; }));
        ms["read_values"].push_back(1e3 * bench::time_s([&] {
            auto src = dc::read_values<"id", "path">(ids, paths);
            sink = sink + src.content.lo;
        }));
    }
    std::printf("bench_hash: %zu MiB buffer, read_values of %zu (int64, ~25 B string) rows, median of %d; load %s\n",
                mib, values, reps, bench::loadavg().c_str());
    std::printf("%-26s %10s %10s\n", "what", "ms", "GB/s");
    for (const auto& k : order) {
        double m = bench::median(ms[k]);
        if (k == "read_values")
            std::printf("%-26s %10.1f %10s\n", (k + " " + std::to_string(values)).c_str(), m, "-");
        else
            std::printf("%-26s %10.1f %10.2f\n", k.c_str(), m, static_cast<double>(buf.size()) / (m * 1e6));
    }
    return sink == 42 ? 1 : 0;
}
