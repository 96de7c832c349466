// Sessions: the store, the current job, and the settings of a run.
//
//   dc::session s;                        // settings from the environment (see settings.hpp)
//   auto ds = dc::run(pipeline, s);       // or pipeline.run(s); pipeline.run() uses dc::default_session()
//   for (auto& e : s.events()) std::cout << dc::to_string(e.type()) << " " << e.step << "\n";
//
// Every session is a job in the store (see jobs.hpp). The job's name is the
// canonical path of the running executable unless DATACHAIN_JOB_NAME (or
// settings::job_name) says otherwise; moving the executable therefore starts
// a new lineage. Checkpoints are looked up in the current job, then along its
// parents, at most settings::max_depth jobs deep.
//
// Thread safety: a session may be used from several threads at once, and
// several sessions may share a store: ids and version numbers are unique.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/gc.hpp>
#include <datachain/runtime/jobs.hpp>
#include <datachain/runtime/journal.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/settings.hpp>
#include <datachain/runtime/status_file.hpp>
#include <datachain/runtime/store_open.hpp>
#include <datachain/runtime/versions.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace datachain {

namespace detail::exec {
struct session_access;
}

class session {
public:
    using gc_stats = datachain::gc_stats;

    explicit session(settings cfg = settings::from_env());

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Finishes the job: complete, unless a pipeline failed in it.
    ~session();

    const settings& config() const noexcept { return cfg_; }
    settings& config() noexcept { return cfg_; }
    std::uint64_t job_id() const noexcept { return job_.id; }
    std::uint64_t parent_job_id() const noexcept { return job_.parent; }
    const std::string& job_name() const noexcept { return job_.name; }
    store& db() const noexcept { return handle_->db(); }
    std::shared_ptr<store> shared_store() const noexcept { return std::shared_ptr<store>(handle_, &handle_->db()); }

    std::optional<job_record> job(std::uint64_t id) const { return catalog::job(db(), id); }

    // All jobs, oldest first.
    std::vector<job_record> jobs() const { return catalog::jobs(db()); }

    // The events recorded by a job (the current one by default), in order.
    std::vector<event_record> events(std::uint64_t job = 0) const { return catalog::events(db(), job ? job : job_.id); }

    // Current job, then parents, at most settings::max_depth.
    std::vector<std::uint64_t> ancestry() const { return catalog::ancestry(db(), job_.id, cfg_.max_depth); }

    // ---- datasets ---------------------------------------------------------

    // Every version of every dataset (or of `name`), ordered by name then version.
    std::vector<dataset_record> datasets(std::string_view name = {}) const { return catalog::datasets(db(), name); }

    // A version ("" = the latest complete one), or nullopt.
    std::optional<dataset_record> find_dataset(std::string_view name, std::string_view version = {}) const {
        return detail::find_version(db(), name, version);
    }

    // Removes a version's record: it can no longer be read or reused by a
    // checkpoint, so the next run of its chain recomputes. Its rows are
    // dropped by gc() once no checkpoint refers to them. The version number
    // is never reused.
    void remove_dataset(std::string_view name, std::string_view version);

    // Parses "major.minor.patch". Throws error(invalid_name) otherwise.
    static std::tuple<std::uint32_t, std::uint32_t, std::uint32_t> parse_version(std::string_view v) {
        return detail::parse_version(v);
    }

    // ---- garbage collection -----------------------------------------------

    // See gc.hpp: drops the checkpoints of finished jobs older than `ttl` and
    // the outputs nothing refers to; keeps what skipping an unchanged chain
    // needs. Safe while other threads run pipelines on sessions of this process.
    gc_stats gc(std::chrono::seconds ttl) { return detail::collect_garbage(*handle_, ttl); }

    // Random per process: folded into the hash of unhashable UDFs so that
    // they never match an earlier run.
    static const hash128& process_nonce() {
        static const hash128 n = [] {
            hasher h;
            h.tag("nonce").i64(detail::now_ns()).i64(::getpid());
            return h.finish();
        }();
        return n;
    }

private:
    friend struct detail::exec::session_access;

    settings cfg_;
    std::shared_ptr<detail::store_handle> handle_;
    job_record job_{};
    std::unique_ptr<detail::journal> journal_;
    std::unique_ptr<detail::status_file> status_;  // what `datachain status` shows
    mutable std::mutex m_;
};

namespace detail::exec {

// What the runtime (runner and stages) does with a session, outside its
// public interface.
struct session_access {
    session& s;

    store& db() const { return s.db(); }
    store_handle& handle() const { return *s.handle_; }
    journal& log() const { return *s.journal_; }
    status_file& status() const { return *s.status_; }
    const settings& config() const { return s.cfg_; }
    std::uint64_t job() const { return s.job_.id; }

    // A new table id, protected from gc() while this process runs.
    std::uint64_t new_table() const {
        auto t = s.handle_->next_id("table");
        s.handle_->add_live_table(t);
        return t;
    }

    void record_checkpoint(const hash128& key, checkpoint_record r) const {
        r.job = s.job_.id;
        s.db().put(rec::checkpoint_key(s.job_.id, key), rec::pack(r));
    }

    void record_chain(std::string_view dataset, const chain_record& c) const {
        s.db().put(rec::chain_key(s.job_.id, dataset), rec::pack(c));
    }

    // Marks the job failed with its error (done when a pipeline throws).
    void fail(const std::string& why) const;

    dataset_record new_version(std::string_view name, std::uint64_t table, std::uint64_t rows,
                               const hash128& schema_sig, std::string schema_text, const hash128& chain,
                               const hash128& digest, std::string_view schema_record = {}) const {
        return detail::new_version(*s.handle_, s.job_.id, name, table, rows, schema_sig, std::move(schema_text),
                                   chain, digest, schema_record);
    }
};

} // namespace detail::exec

// The process-wide session used by pipeline.run() / collect() without one.
// Created on first use from the environment; its job ends when the program
// exits normally (complete, or failed if a pipeline threw).
inline session& default_session() {
    static session s;
    return s;
}

} // namespace datachain

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/session.ipp>
#endif
