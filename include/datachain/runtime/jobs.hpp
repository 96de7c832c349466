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
// running marks say so.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store_open.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
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

// What to say of a job whose process ended while it ran (killed, or it
// crashed): "its process (pid 123) ended before the job finished, inside the
// UDF of map<r>(f) -> str".
DATACHAIN_INLINE std::string crash_text(const store& db, const job_record& j);

// Job records that do not decode are skipped and named in `damaged`.
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
