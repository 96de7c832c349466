// The status file: what the running program is doing, readable while it
// holds the store (LevelDB lets one process open a store; `datachain status`
// reads this file instead). It lives in the store directory, named
// "datachain-status", and is replaced atomically (written to a temporary
// file beside it, then renamed), so a reader sees a whole file or the one
// before. Memory stores have none. Writing it never fails a run: an error
// (disk full, read-only) only stops the updates. The rows done come from
// the step's progress (progress.hpp), which writes them at most 4 times a
// second while they change, and at the step's start and end.
//
//   detail::status_file st("/data/.datachain", job_id);
//   st.step("agg<n>(count)", total, earlier, "partitions");   // a step starts
//   st.rows(step, total, earlier, done, "partitions");        // writes now: callers pace it
//   st.finish("complete");
//   auto now = detail::read_status("/data/.datachain"); // the CLI; nullopt: none
//
// Format: text lines "key value": format 1, job, pid, state (running,
// complete, failed), step, done, total ("-" when unknown), earlier, unit
// (what done, total and earlier count: "rows", gen's "inputs", agg's
// "partitions"; any other unit, like any other state, is an error naming
// the file and the line), started and updated (ns since the epoch), pid_start (Linux:
// the writer's start time, process_start_time), pid_ns (Linux: the writer's
// pid namespace, pid_namespace). A reader skips keys it does
// not know, so a key that older readers can do without keeps format 1: `unit`
// came later, and a file without it counts rows; so did `pid_start` and
// `pid_ns`, and a file without them is judged by its pid alone (writer_alive).
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/compiled.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace datachain::detail {

inline constexpr std::string_view status_file_name = "datachain-status";

// When process `pid` started (Linux: field 22 of /proc/PID/stat, clock ticks
// since boot): a pid and its start time name one process, where a pid alone
// may since name another one. nullopt when there is no such process, it
// cannot be read, or not on Linux.
DATACHAIN_INLINE std::optional<std::uint64_t> process_start_time(std::int64_t pid);

// This process's pid namespace (Linux: the inode of /proc/self/ns/pid): a
// pid names the same process only for readers in the same namespace (a
// program in a container writing to a bind-mounted store has pids of its
// own). nullopt when unknown, or not on Linux.
DATACHAIN_INLINE std::optional<std::uint64_t> pid_namespace();

struct status_info {
    std::uint64_t job = 0;
    std::int64_t pid = 0;
    std::optional<std::uint64_t> pid_start;  // the writer's start time, when known (process_start_time)
    std::optional<std::uint64_t> pid_ns;     // the writer's pid namespace, when known (pid_namespace)
    std::string state;  // running, complete, failed
    std::string step;
    std::uint64_t done = 0;
    std::optional<std::uint64_t> total;
    std::uint64_t earlier = 0;
    std::string unit = "rows";  // what done, total and earlier count
    std::int64_t started = 0, updated = 0;  // ns since the epoch
};

class status_file {
public:
    status_file(std::string dir, std::uint64_t job) : dir_(std::move(dir)) {
        on_ = !dir_.starts_with("memory:") && std::filesystem::is_directory(dir_);
        s_.job = job;
        s_.pid = ::getpid();
        s_.pid_start = process_start_time(s_.pid);
        s_.pid_ns = pid_namespace();
        s_.state = "running";
        s_.started = now();
        write();
    }

    // Thread-safe: pipelines on several threads of one session share it.
    // `unit`: what the step counts (progress::unit), plural.
    void step(std::string name, std::optional<std::uint64_t> total, std::uint64_t earlier,
              std::string unit = "rows");
    // The units (rows, or the step's `unit`) `step` has done, with its total
    // and earlier ones, written together: UDF steps run pipelined (several
    // are active at once), so the file always names the step whose counts it
    // shows. Writes the file now (a few hundred bytes and a rename): call it
    // a few times a second, not per row.
    void rows(const std::string& step, std::optional<std::uint64_t> total, std::uint64_t earlier, std::uint64_t done,
              const std::string& unit = "rows");
    void finish(std::string state) {
        std::lock_guard lock(m_);
        s_.state = std::move(state);
        write();
    }
    // false: nothing is written (a memory store, or a write failed).
    bool active() const {
        std::lock_guard lock(m_);
        return on_;
    }

private:
    static std::int64_t now() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    void write();

    std::string dir_;
    bool on_ = false;
    status_info s_;
    mutable std::mutex m_;  // guards all of the above
};

// The status file of the store at `dir`: nullopt when there is none (no
// program has reported). A file that is there but is not one is an error
// naming it, saying what is wrong and what to do: one that cannot be read,
// error(io); one that does not parse or says what no writer writes (no
// format line, a line that is not "key value", a count that is not a number,
// no job, a key it knows given twice, a state other than running, complete
// and failed or none, done more than total: each naming the line),
// error(store_corrupt); one of a format above 1, error(store_format),
// "written by a newer datachain". Keys it does not know are skipped.
DATACHAIN_INLINE std::optional<status_info> read_status(const std::filesystem::path& dir);
// The same, for readers that only add the file's last word to what the
// store says (a crashed job's last report): nullopt when read_status throws.
DATACHAIN_INLINE std::optional<status_info> try_read_status(const std::filesystem::path& dir);

// The process that wrote `s` still runs: its pid exists and, when the file
// recorded its start time and the pid's can be read, they are equal (a
// crashed job's pid may since have gone to an unrelated process). A file
// without pid_start (an earlier build) is judged by its pid alone. A file
// written in another pid namespace cannot be checked from here (its pid means
// another process, or none): it is taken at its word (pid_checkable false).
DATACHAIN_INLINE bool writer_alive(const status_info& s);
// Whether `s`'s pid can be looked up from this process: false only when the
// file names a pid namespace and this process is known to be in another one.
DATACHAIN_INLINE bool pid_checkable(const status_info& s);

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/status_file.ipp>
#endif
