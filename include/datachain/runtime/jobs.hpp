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

inline std::string executable_path() {
    std::error_code ec;
    auto p = std::filesystem::canonical("/proc/self/exe", ec);
    return ec ? std::string("unknown-program") : p.string();
}

// The steps of `job` that were calling their UDF when it ended: their
// running marks (rec::active_key, set before a batch's calls and removed with
// its outputs) are still there. Empty when it ended elsewhere (between
// batches, listing, sorting, saving) or finished.
inline std::vector<std::string> steps_in_udf(const store& db, std::uint64_t job) {
    std::vector<std::string> out;
    std::string prefix = "A";
    key::be64(prefix, job);
    for (auto c = db.scan(prefix); c->valid(); c->next()) {
        std::string k(c->key());
        k[0] = 'K';  // the step's checkpoint record: the same job and partial key
        if (auto v = db.get(k)) out.push_back(rec::unpack<checkpoint_record>(*v, db.location(), k).step);
    }
    return out;
}

// What to say of a job whose process ended while it ran (killed, or it
// crashed): "its process (pid 123) ended before the job finished, inside the
// UDF of map<r>(f) -> str".
inline std::string crash_text(const store& db, const job_record& j) {
    std::string s = "its process (pid " + std::to_string(j.pid) + ") ended before the job finished";
    auto steps = steps_in_udf(db, j.id);
    for (std::size_t i = 0; i < steps.size(); ++i) s += (i ? "; " : ", inside the UDF of ") + steps[i];
    return s;
}

// Job records that do not decode are skipped and named in `damaged`.
inline void mark_crashed_jobs(store_handle& h, std::vector<std::string>* damaged = nullptr) {
    auto live = h.live_jobs();
    std::vector<job_record> crashed;
    for (auto& j : catalog::jobs(h.db(), damaged))
        if (j.state() == job_status::running && !live.count(j.id)) crashed.push_back(j);
    for (auto& j : crashed) {
        j.status = static_cast<std::uint8_t>(job_status::crashed);
        if (j.error.empty()) j.error = crash_text(h.db(), j);
        h.db().put(rec::job_key(j.id), rec::pack(j));
    }
}

// Records a new running job named `name`, child of the latest job of that
// name, after marking the jobs of dead processes crashed. All under the
// handle's lock, so that no session of this process sees another's job
// between its creation and its registration as live.
// `damaged`: as for mark_crashed_jobs.
inline job_record start_job(store_handle& h, const std::string& name, std::vector<std::string>* damaged = nullptr) {
    return h.locked([&] {
        mark_crashed_jobs(h, damaged);
        job_record j{};
        j.id = h.next_id("job");
        j.name = name;
        if (auto latest = h.db().get(rec::latest_key(name)); latest && latest->size() == 8)
            j.parent = key::read_be64(*latest, 0);
        j.status = static_cast<std::uint8_t>(job_status::running);
        j.started = now_ns();
        j.pid = static_cast<std::int64_t>(::getpid());
        h.add_live_job(j.id);
        auto b = h.db().batch();
        b->put(rec::job_key(j.id), rec::pack(j));
        std::string id;
        key::be64(id, j.id);
        b->put(rec::latest_key(name), id);
        h.db().write(*b);
        return j;
    });
}

// Ends a job: complete unless it failed.
inline void finish_job(store_handle& h, job_record& j) {
    if (j.state() == job_status::running) j.status = static_cast<std::uint8_t>(job_status::complete);
    j.finished = now_ns();
    h.db().put(rec::job_key(j.id), rec::pack(j));
    h.remove_live_job(j.id);
}

} // namespace datachain::detail
