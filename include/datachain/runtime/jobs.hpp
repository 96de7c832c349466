// Jobs: every session is one job in the store (id, name, status, times,
// parent: the latest earlier job with the same name).
//
//   job_record j = detail::start_job(handle, "name");   // marks crashed jobs first
//   detail::finish_job(handle, j);                      // complete unless failed
//
// A job left "running" by a process that died is marked "crashed" by the next
// process that opens the store (the store's lock guarantees that no other
// process is using it; jobs of this process's live sessions are skipped),
// with crash_text as its error: the steps whose UDF it was calling, when the
// running marks say so, and what the status file (status_file.hpp) last
// reported of it. In the same write it records the job's last event,
// crash_event: kind "crashed" with that report's counts. The status file is
// replaced by the next job's, so this keeps what the crashed job had done
// (`datachain jobs` and `events` show it) after any number of later runs.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/status_file.hpp>
#include <datachain/runtime/store_open.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace datachain::detail {

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

DATACHAIN_INLINE std::string executable_path();

// The steps of `job` that were calling their UDF when it ended: their
// running marks (rec::active_key, set before a batch's calls and removed with
// its outputs) are still there. Empty when it ended elsewhere (between
// batches, listing, sorting, saving) or finished.
DATACHAIN_INLINE std::vector<std::string> steps_in_udf(const store& db, std::uint64_t job);

// The status file's last word on job `job` of the store `db`: its report
// when the file is that job's and says it was running (what a process that
// died leaves); nullopt otherwise, also when the file cannot be read (a
// memory store has none).
DATACHAIN_INLINE std::optional<status_info> last_report(const store& db, std::uint64_t job);

// What to say of a job whose process ended while it ran (killed, crashed,
// or it could not write its end: a full disk): "its process (pid 123) ended
// before the job finished, inside the UDF of map<r>(f) -> str", with `last`
// (last_report) naming a step, "; it last reported step map<r>(f) -> str at
// 3/10 rows (2026-01-02T03:04:05Z)", and always "; no end was recorded (the
// program crashed, was killed, or could not write its failure)": only that is known.
DATACHAIN_INLINE std::string crash_text(const store& db, const job_record& j,
                                        const std::optional<status_info>& last = std::nullopt);

// The event that ends a crashed job's events: kind "crashed", why: the
// job's error (`j.error`, else crash_text). Its step is the one `last`
// reports, whose counts it holds (rows_before: done by earlier runs,
// rows_now: by this job, in that step's unit), time the report's; without
// a report, the first step whose UDF it was calling (or "-"), 0 rows, time 0.
DATACHAIN_INLINE event_record crash_event(const store& db, const job_record& j,
                                          const std::optional<status_info>& last);

// Marks every running job of no live session of this process crashed (the
// store's lock says no other process uses it), with its error and its
// crash_event, in one write per job. Job records that do not decode are
// skipped and named in `damaged`.
DATACHAIN_INLINE void mark_crashed_jobs(store_handle& h, std::vector<std::string>* damaged = nullptr);

// Records a new running job named `name`, child of the latest job of that
// name, after marking the jobs of dead processes crashed. All under the
// handle's lock, so that no session of this process sees another's job
// between its creation and its registration as live.
// `damaged`: as for mark_crashed_jobs.
DATACHAIN_INLINE job_record start_job(store_handle& h, const std::string& name, std::vector<std::string>* damaged = nullptr);

// Ends a job: complete unless it failed.
DATACHAIN_INLINE void finish_job(store_handle& h, job_record& j);

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/jobs.ipp>
#endif
