// Settings of a session, from the environment or set in code, and the sink
// that receives everything the library writes for people to read.
//
// ```cpp
// dc::settings cfg = dc::settings::from_env();
// cfg.parallel = 4;
// cfg.output = [](const dc::output_line& l) { use(l.text); };   // default: stderr
// dc::session session(cfg);
// ```
//
// Environment (read by settings::from_env; a `settings{}` built in code reads
// none of it, except the two operator switches, which every session applies
// however its settings were built: see operator_switches below):
//   DATACHAIN_ROOT                  store directory (default ./.datachain)
//   DATACHAIN_JOB_NAME              job name (default: the executable's path)
//   DATACHAIN_IGNORE_CHECKPOINTS    1/true/yes/on: compute everything, record anew
//   DATACHAIN_CHECKPOINTS           0/false/no/off: no checkpoints at all
//                                   (these four switches take 1/true/yes/on
//                                   or 0/false/no/off, any case; anything
//                                   else is an error)
//   DATACHAIN_PARALLEL              default UDF threads (default 1)
//   DATACHAIN_PROGRESS              0/false/no/off: no progress output
//   DATACHAIN_PROGRESS_EVERY        seconds between plain progress lines when
//                                   stderr is not a terminal (10; 0: none;
//                                   also 500ms, 30s, 2m)
//   DATACHAIN_QUIET                 1/true/yes/on: no decision reports, no progress
//   DATACHAIN_SPILL_BYTES           input bytes order_by/agg sort in memory
//                                   before spilling to a temporary file (256M;
//                                   a byte count, or 512K, 64M, 1G: byte_size)
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/error.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace datachain {

// One line of the library's output: a decision report, a warning, or a
// progress line (redrawn on a terminal, `final` on the last one).
struct output_line {
    enum class kind { report, warning, progress } what = kind::report;
    // Without the "datachain: " prefix and the newline. One line: the data
    // it names (file names, paths, values) has its control characters
    // escaped, \n as a backslash and an n (core/error.hpp, detail::escaped).
    std::string text;
    bool final = true;  // progress: false while the line is being redrawn
};

// The most UDF threads a step uses; more is an error_kind::usage.
inline constexpr unsigned max_parallel = 256;

struct settings {
    std::filesystem::path root = ".datachain";
    std::string job_name;             // empty: the executable's canonical path
    bool ignore_checkpoints = false;  // compute everything; still record
    bool checkpoints = true;          // false: no checkpoint records, no incremental outputs
    unsigned parallel = 1;            // default UDF threads (1..max_parallel, else usage error)
    std::size_t batch_size = 2000;    // rows per durable batch
    bool progress = true;             // progress on a terminal, summary otherwise
    // Off a terminal (or with `output` set): a plain progress line this often
    // while a step runs; 0 = none (the summary line stays).
    std::chrono::milliseconds progress_every = std::chrono::seconds(10);
    bool report = true;               // one line per decision
    unsigned max_depth = 100;         // ancestry depth for checkpoint lookup
    // order_by and agg keep their input in memory up to about this many bytes
    // (estimated: rows' size in memory); past it they sort through a temporary
    // file of sorted runs (runtime/spill.hpp), so memory stays flat. Same
    // results either way; 0 = always through the file.
    // The default keeps a sort of about a million rows in memory (a spilled
    // agg takes about 1.3x the time: benchmarks/README.md).
    std::size_t spill_bytes = std::size_t{256} << 20;
    // Receives reports, warnings and progress lines; empty: stderr. Called
    // from the threads that run pipelines and, for periodic progress lines,
    // from the progress thread (progress.hpp); one line at a time per thread.
    std::function<void(const output_line&)> output = {};

    static settings from_env();

    // The operator's switches: DATACHAIN_IGNORE_CHECKPOINTS=1 sets
    // ignore_checkpoints, DATACHAIN_CHECKPOINTS=0 clears checkpoints. Every
    // session applies them to its settings, from_env or built in code alike,
    // so an operator can always force a full recomputation; they only ever
    // make a run compute more and reuse less (a 0 / 1 never undoes what the
    // code set). The other variables are read by from_env alone.
    void operator_switches() {
        ignore_checkpoints = ignore_checkpoints || env_switch("DATACHAIN_IGNORE_CHECKPOINTS").value_or(false);
        checkpoints = checkpoints && env_switch("DATACHAIN_CHECKPOINTS").value_or(true);
    }

    // A switch variable: nullopt when unset; 1, true, yes, on (any case)
    // are true, 0, false, no, off are false; anything else, empty included,
    // is error(usage) naming the variable (DATACHAIN_IGNORE_CHECKPOINTS=2
    // must not be read as "no").
    static std::optional<bool> env_switch(const char* name);

    // 1..max_parallel, else error_kind::usage naming `what`.
    static unsigned checked_parallel(unsigned n, const char* what) {
        if (n < 1 || n > max_parallel)
            throw error(error_kind::usage, std::string("datachain: ") + what + " = " + std::to_string(n) +
                                               " is not a number of threads; use 1 to " + std::to_string(max_parallel));
        return n;
    }

    // "10" (seconds), "500ms", "30s", "2m"; "0" = no periodic lines. Anything
    // else is error_kind::usage naming DATACHAIN_PROGRESS_EVERY.
    static std::chrono::milliseconds progress_interval(const std::string& v);

    // A size: a byte count ("268435456") or a number with K, M, G or T,
    // powers of 1024 ("512K", "64M", "1G"; also "64MiB"). Anything else, the
    // empty string included, is error_kind::usage naming `variable`, the
    // value and these forms; a size past SIZE_MAX bytes (or past 64 bits) is
    // error_kind::usage saying "is too large: at most N bytes".
    static std::size_t byte_size(const std::string& v, const char* variable);
};

} // namespace datachain

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/settings.ipp>
#endif
