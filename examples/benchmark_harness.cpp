// A benchmark harness that survives being killed.
//
//   benchmark_harness <dir>
//
// measures something expensive per input: for every file under <dir> it
// hashes the file's contents many times, and records how long that took and
// the resulting checksum. The measurements are saved as "measurements".
//
// Measuring many inputs takes hours in real life, and a run can die halfway
// (the OOM killer, a node going away, a ^C). Here CRASH_AFTER=N simulates that:
// the process kills itself with SIGKILL when it starts input N+1, without any
// chance to clean up. What to expect:
//   CRASH_AFTER=75 benchmark_harness sample
//                  dies after 75 measurements. Results are written every 10
//                  inputs, so 70 of them are durable; the 5 in flight are lost.
//   benchmark_harness sample
//                  "measured 330 inputs in this run (70 were already measured)":
//                  only what is missing runs.
//   benchmark_harness sample
//                  nothing to do: "measured 0 inputs in this run".
//   (add 3 files to sample/, or edit one)
//   benchmark_harness sample
//                  only the new or changed inputs are measured: "measured 3
//                  inputs in this run (400 were already measured)"; every
//                  other measurement is reused, input by input.
//
// Timings differ from run to run by nature; the checksums do not, so the
// final dataset's checksums equal those of one uninterrupted run.
#include <datachain/datachain.hpp>

#include "report.hpp"

#include <boost/hana/define_struct.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>

namespace dc = datachain;

// The output of one measurement: a Hana-reflected struct is a storable type;
// its columns are "m.micros", "m.checksum" and "m.rounds".
struct measurement {
    BOOST_HANA_DEFINE_STRUCT(measurement,
        (std::uint64_t, micros),
        (std::uint64_t, checksum),
        (std::uint32_t, rounds));
};

inline example::call_counter measure_calls{"measure"};

// Simulated death: SIGKILL once `CRASH_AFTER` inputs were measured by this
// process. Not part of the measured code's identity: it lives outside the UDF.
inline void maybe_die() {
    static const long limit = [] {
        const char* v = std::getenv("CRASH_AFTER");
        return v ? std::atol(v) : -1L;
    }();
    if (limit >= 0 && measure_calls.value() > limit) std::raise(SIGKILL);
}

DC_DEF(measure, (const dc::File& file) -> measurement {
    ++measure_calls;
    maybe_die();
    const std::string bytes = file.read();
    const std::uint32_t rounds = 100;
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t h = 0;
    for (std::uint32_t i = 0; i < rounds; ++i) h = dc::xxh64(bytes, h);
    auto t1 = std::chrono::steady_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count();
    return measurement{static_cast<std::uint64_t>(us), h, rounds};
});

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    auto pipeline = dc::read_storage(std::string(argv[1]))
                  | dc::map<"m">(measure)
                  | dc::save("measurements");

    // Durable every 10 inputs: a kill loses at most 10 measurements. (The
    // default batch is larger; smaller batches cost more writes.)
    dc::run_options opts;
    opts.batch_size = 10;
    auto ds = pipeline.run(opts);

    std::uint64_t before = 0;
    for (const auto& e : dc::default_session().events())
        if (e.type() == dc::event_kind::udf_continued || e.type() == dc::event_kind::udf_reused)
            before = e.rows_before;
    std::printf("measured %ld inputs in this run (%llu were already measured)\n", measure_calls.value(),
                static_cast<unsigned long long>(before));

    std::uint64_t total_us = 0;
    for (const auto& r : ds) total_us += r.get<"m.micros">();
    std::printf("%s %s: %llu inputs, %llu us in total\n", ds.name().c_str(), ds.version().c_str(),
                static_cast<unsigned long long>(ds.size()), static_cast<unsigned long long>(total_us));

    example::print_calls();
    example::print_events();
    // Everything but the timings, which legitimately differ between runs.
    example::print_rows(ds, [](const auto& r) {
        return std::tuple{r.template get<"file.path">(), r.template get<"m.checksum">(), r.template get<"m.rounds">()};
    });
    return 0;
}
