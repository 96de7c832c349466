// Sessions: the store, the current job, and the settings of a run.
//
//   dc::session s;                        // settings from the environment
//   auto ds = dc::run(pipeline, s);       // or pipeline.run(s); pipeline.run() uses dc::default_session()
//   for (auto& e : s.events()) std::cout << e.kind << " " << e.step << "\n";
//
// Every session is a job in the store: id, name, status, times, parent (the
// latest earlier job with the same name). The name is the canonical path of
// the running executable unless DATACHAIN_JOB_NAME (or settings::job_name)
// says otherwise; moving the executable therefore starts a new lineage.
// A job left "running" by a process that died is marked "crashed" by the next
// process that opens the store (the store's lock guarantees that no other
// process is using it). Checkpoints are looked up in the current job, then
// along its parents, at most settings::max_depth jobs deep.
//
// Environment (read by settings::from_env):
//   DATACHAIN_ROOT                  store directory (default ./.datachain)
//   DATACHAIN_JOB_NAME              job name (default: the executable's path)
//   DATACHAIN_IGNORE_CHECKPOINTS    1/true/yes: compute everything, record anew
//   DATACHAIN_CHECKPOINTS           0/false/no/off: no checkpoints at all
//   DATACHAIN_PARALLEL              default UDF threads (default 1)
//   DATACHAIN_PROGRESS              0/false/no/off: no progress output
//   DATACHAIN_QUIET                 1/true/yes: no decision reports, no progress
//
// Thread safety: a session may be used from several threads at once.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/leveldb_store.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/steps/save.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

inline constexpr std::uint32_t store_format_version = 1;
inline constexpr std::string_view store_magic = "datachain-store";

struct settings {
    std::filesystem::path root = ".datachain";
    std::string job_name;             // empty: the executable's canonical path
    bool ignore_checkpoints = false;  // compute everything; still record
    bool checkpoints = true;          // false: no checkpoint records, no incremental outputs
    unsigned parallel = 1;            // default UDF threads
    std::size_t batch_size = 2000;    // rows per durable batch
    bool progress = true;             // progress on a terminal, summary otherwise
    bool report = true;               // one line per decision on stderr
    unsigned max_depth = 100;         // ancestry depth for checkpoint lookup

    static settings from_env() {
        settings s;
        auto env = [](const char* n) -> std::optional<std::string> {
            if (const char* v = std::getenv(n)) return std::string(v);
            return std::nullopt;
        };
        auto truthy = [](const std::string& v) { return v == "1" || v == "true" || v == "yes" || v == "TRUE" || v == "YES" || v == "on"; };
        auto falsy = [](const std::string& v) { return v == "0" || v == "false" || v == "no" || v == "off" || v == "FALSE" || v == "NO"; };
        if (auto v = env("DATACHAIN_ROOT"); v && !v->empty()) s.root = *v;
        if (auto v = env("DATACHAIN_JOB_NAME"); v && !v->empty()) s.job_name = *v;
        if (auto v = env("DATACHAIN_IGNORE_CHECKPOINTS")) s.ignore_checkpoints = truthy(*v);
        if (auto v = env("DATACHAIN_CHECKPOINTS")) s.checkpoints = !falsy(*v);
        if (auto v = env("DATACHAIN_PARALLEL")) s.parallel = static_cast<unsigned>(std::max(1L, std::atol(v->c_str())));
        if (auto v = env("DATACHAIN_PROGRESS")) s.progress = !falsy(*v);
        if (auto v = env("DATACHAIN_QUIET"); v && truthy(*v)) s.report = s.progress = false;
        return s;
    }
};

namespace detail {

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
}

inline std::string executable_path() {
    std::error_code ec;
    auto p = std::filesystem::canonical("/proc/self/exe", ec);
    return ec ? std::string("unknown-program") : p.string();
}

// One open store per directory per process (LevelDB allows one opener).
struct store_registry {
    std::mutex m;
    std::map<std::string, std::weak_ptr<store>> open;
    // (store location, id): ids restart at 1 in every store.
    std::set<std::pair<std::string, std::uint64_t>> live_jobs;    // jobs of this process's sessions
    std::set<std::pair<std::string, std::uint64_t>> live_tables;  // tables created by this process (kept by gc)

    // The ids in `s` that belong to the store at `where`.
    static std::set<std::uint64_t> ids(const std::set<std::pair<std::string, std::uint64_t>>& s,
                                       const std::string& where) {
        std::set<std::uint64_t> out;
        for (auto it = s.lower_bound({where, 0}); it != s.end() && it->first == where; ++it) out.insert(it->second);
        return out;
    }

    static store_registry& get() {
        static store_registry r;
        return r;
    }
};

inline void check_format(store& s) {
    auto f = s.get(rec::format_key());
    if (!f) {
        auto c = s.scan("");
        if (c->valid())
            throw error(error_kind::store_format, "datachain: '" + s.location() +
                                                      "' holds data but no datachain format record: it is not a "
                                                      "datachain store (or an unknown format); nothing was written");
        std::string v(store_magic);
        key::be32(v, store_format_version);
        s.put(rec::format_key(), v);
        return;
    }
    if (f->size() != store_magic.size() + 4 || std::string_view(*f).substr(0, store_magic.size()) != store_magic)
        throw error(error_kind::store_format, "datachain: '" + s.location() +
                                                  "' has an unknown format record; nothing was written");
    auto ver = key::read_be32(*f, store_magic.size());
    if (ver > store_format_version)
        throw error(error_kind::store_format,
                    "datachain: the store at '" + s.location() + "' has format " + std::to_string(ver) +
                        ", newer than this build supports (" + std::to_string(store_format_version) +
                        "); upgrade datachain-cpp; nothing was written");
}

} // namespace detail

// Opens the store at `root`, shared with other sessions of this process.
inline std::shared_ptr<store> open_store(const std::filesystem::path& root) {
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(root), ec).string();
    if (ec) abs = root.string();
    auto& reg = detail::store_registry::get();
    std::lock_guard lock(reg.m);
    if (auto s = reg.open[abs].lock()) return s;
    auto s = open_leveldb_store(abs);
    detail::check_format(*s);
    reg.open[abs] = s;
    return s;
}

class session {
public:
    explicit session(settings cfg = settings::from_env()) : cfg_(std::move(cfg)) {
        store_ = open_store(cfg_.root);
        if (cfg_.job_name.empty()) cfg_.job_name = detail::executable_path();
        std::lock_guard lock(m_);
        mark_crashed_jobs();
        job_.id = next_counter("job");
        job_.name = cfg_.job_name;
        if (auto latest = store_->get(detail::rec::latest_key(job_.name)); latest && latest->size() == 8)
            job_.parent = key::read_be64(*latest, 0);
        job_.status = static_cast<std::uint8_t>(job_status::running);
        job_.started = detail::now_ns();
        job_.pid = static_cast<std::int64_t>(::getpid());
        {
            auto& reg = detail::store_registry::get();
            std::lock_guard rl(reg.m);
            reg.live_jobs.insert({store_->location(), job_.id});
        }
        auto b = store_->batch();
        b->put(detail::rec::job_key(job_.id), detail::rec::pack(job_));
        std::string id;
        key::be64(id, job_.id);
        b->put(detail::rec::latest_key(job_.name), id);
        store_->write(*b);
    }

    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Finishes the job: complete, unless a pipeline failed in it.
    ~session() {
        try {
            std::lock_guard lock(m_);
            if (job_.state() == job_status::running) job_.status = static_cast<std::uint8_t>(job_status::complete);
            job_.finished = detail::now_ns();
            store_->put(detail::rec::job_key(job_.id), detail::rec::pack(job_));
            auto& reg = detail::store_registry::get();
            std::lock_guard rl(reg.m);
            reg.live_jobs.erase({store_->location(), job_.id});
        } catch (...) {
        }
    }

    const settings& config() const noexcept { return cfg_; }
    settings& config() noexcept { return cfg_; }
    std::uint64_t job_id() const noexcept { return job_.id; }
    std::uint64_t parent_job_id() const noexcept { return job_.parent; }
    const std::string& job_name() const noexcept { return job_.name; }
    store& db() const noexcept { return *store_; }
    std::shared_ptr<store> shared_store() const noexcept { return store_; }

    // Marks the job failed (done by the runtime when a pipeline throws).
    void fail(const std::string& why) {
        std::lock_guard lock(m_);
        job_.status = static_cast<std::uint8_t>(job_status::failed);
        job_.error = why;
        store_->put(detail::rec::job_key(job_.id), detail::rec::pack(job_));
    }

    std::optional<job_record> job(std::uint64_t id) const { return catalog::job(*store_, id); }

    // All jobs, oldest first.
    std::vector<job_record> jobs() const { return catalog::jobs(*store_); }

    // The events recorded by a job (the current one by default), in order.
    std::vector<event_record> events(std::uint64_t job = 0) const {
        return catalog::events(*store_, job ? job : job_.id);
    }

    // ---- datasets ---------------------------------------------------------

    // Every version of every dataset (or of `name`), ordered by name then version.
    std::vector<dataset_record> datasets(std::string_view name = {}) const {
        return catalog::datasets(*store_, name);
    }

    // A version ("" = the latest complete one), or nullopt.
    std::optional<dataset_record> find_dataset(std::string_view name, std::string_view version = {}) const {
        check_dataset_name(name);
        if (!version.empty()) {
            auto [a, b, c] = parse_version(version);
            auto v = store_->get(detail::rec::dataset_key(name, a, b, c));
            if (!v) return std::nullopt;
            return detail::rec::unpack<dataset_record>(*v, store_->location());
        }
        std::optional<dataset_record> best;
        for (auto& r : datasets(name))
            if (r.complete) best = r;
        return best;
    }

    // Removes a version's record: it can no longer be read or reused by a
    // checkpoint, so the next run of its chain recomputes. Its rows are
    // dropped by gc() once no checkpoint refers to them. The version number
    // is never reused.
    void remove_dataset(std::string_view name, std::string_view version) {
        auto r = find_dataset(name, version);
        if (!r)
            throw error(error_kind::not_found, "datachain: dataset '" + std::string(name) + "' has no version '" +
                                                   std::string(version) + "'; list versions with session::datasets()");
        auto [a, b, c] = parse_version(r->version);
        std::lock_guard lock(m_);
        store_->del(detail::rec::dataset_key(name, a, b, c));
    }

    // Parses "major.minor.patch". Throws error(invalid_name) otherwise.
    static std::tuple<std::uint32_t, std::uint32_t, std::uint32_t> parse_version(std::string_view v) {
        std::uint32_t parts[3]{};
        std::size_t i = 0, p = 0;
        auto bad = [&] {
            return error(error_kind::invalid_name, "datachain: invalid dataset version '" + std::string(v) +
                                                       "': expected major.minor.patch, e.g. 1.0.2");
        };
        for (; p < 3; ++p) {
            if (i >= v.size() || v[i] < '0' || v[i] > '9') throw bad();
            std::uint64_t n = 0;
            while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
                n = n * 10 + static_cast<std::uint64_t>(v[i++] - '0');
                if (n > 0xFFFFFFFFu) throw bad();
            }
            parts[p] = static_cast<std::uint32_t>(n);
            if (p < 2) {
                if (i >= v.size() || v[i] != '.') throw bad();
                ++i;
            }
        }
        if (i != v.size()) throw bad();
        return {parts[0], parts[1], parts[2]};
    }

    // ---- garbage collection -----------------------------------------------

    struct gc_stats {
        std::uint64_t jobs = 0;         // finished jobs whose checkpoints were dropped
        std::uint64_t checkpoints = 0;  // checkpoint and chain records removed
        std::uint64_t tables = 0;       // unreferenced tables removed
        std::uint64_t rows = 0;         // their rows and done marks
    };

    // Drops the checkpoints and chain descriptions of finished jobs (complete,
    // failed, crashed) that ended more than `ttl` ago, then every table of
    // outputs that no remaining checkpoint and no dataset version refers to.
    // Never touches a running job's data or a saved dataset version; job
    // records and events stay as history. Safe while other threads run
    // pipelines on sessions of this process.
    gc_stats gc(std::chrono::seconds ttl) {
        gc_stats st;
        const std::int64_t cutoff = detail::now_ns() - std::chrono::duration_cast<std::chrono::nanoseconds>(ttl).count();
        std::set<std::uint64_t> live;
        {
            auto& reg = detail::store_registry::get();
            std::lock_guard rl(reg.m);
            live = detail::store_registry::ids(reg.live_jobs, store_->location());
        }
        for (const auto& j : jobs()) {
            if (j.state() == job_status::running || live.count(j.id)) continue;
            std::int64_t end = j.finished ? j.finished : j.started;
            if (end > cutoff) continue;
            std::uint64_t removed = 0;
            for (char prefix : {'K', 'P'}) {
                std::string k(1, prefix);
                key::be64(k, j.id);
                auto b = store_->batch();
                for (auto c = store_->scan(k); c->valid(); c->next(), ++removed) b->del(c->key());
                store_->write(*b);
            }
            if (removed) ++st.jobs;
            st.checkpoints += removed;
        }
        std::set<std::uint64_t> keep;
        for (auto c = store_->scan("K"); c->valid(); c->next()) {
            auto r = detail::rec::unpack<checkpoint_record>(c->value(), store_->location());
            if (r.kind == static_cast<std::uint8_t>(checkpoint_kind::udf)) keep.insert(r.table);
        }
        for (const auto& d : datasets()) keep.insert(d.table);
        {
            auto& reg = detail::store_registry::get();
            std::lock_guard rl(reg.m);
            auto mine = detail::store_registry::ids(reg.live_tables, store_->location());
            keep.insert(mine.begin(), mine.end());
        }
        for (char prefix : {'T', 'X'}) {
            std::uint64_t current = 0;
            bool counted = false;
            auto b = store_->batch();
            for (auto c = store_->scan(std::string(1, prefix)); c->valid(); c->next()) {
                if (c->key().size() < 9) continue;
                auto t = key::read_be64(c->key(), 1);
                if (keep.count(t)) continue;
                if (!counted || t != current) {
                    current = t;
                    counted = true;
                    if (prefix == 'T') ++st.tables;
                }
                b->del(c->key());
                ++st.rows;
                if (b->bytes() > (4u << 20)) {
                    store_->write(*b);
                    b->clear();
                }
            }
            store_->write(*b);
        }
        return st;
    }

    // ---- runtime internals (used by the executor) -------------------------

    std::uint64_t new_table() {
        std::uint64_t t;
        {
            std::lock_guard lock(m_);
            t = next_counter("table");
        }
        auto& reg = detail::store_registry::get();
        std::lock_guard rl(reg.m);
        reg.live_tables.insert({store_->location(), t});  // protected from gc() while this process runs
        return t;
    }

    // Current job, then parents, at most max_depth.
    std::vector<std::uint64_t> ancestry() const {
        std::vector<std::uint64_t> out{job_.id};
        std::uint64_t p = job_.parent;
        while (p && out.size() < cfg_.max_depth) {
            out.push_back(p);
            auto j = job(p);
            if (!j) break;
            p = j->parent;
        }
        return out;
    }

    std::optional<checkpoint_record> checkpoint(std::uint64_t job, const hash128& key) const {
        auto v = store_->get(detail::rec::checkpoint_key(job, key));
        if (!v) return std::nullopt;
        return detail::rec::unpack<checkpoint_record>(*v, store_->location());
    }

    void record_checkpoint(const hash128& key, checkpoint_record r) {
        r.job = job_.id;
        store_->put(detail::rec::checkpoint_key(job_.id, key), detail::rec::pack(r));
    }

    void record_chain(std::string_view dataset, const chain_record& c) {
        store_->put(detail::rec::chain_key(job_.id, dataset), detail::rec::pack(c));
    }

    // The chain description saved as `dataset` by the nearest earlier job in
    // the ancestry (the current job excluded), with that job's id.
    std::optional<std::pair<std::uint64_t, chain_record>> previous_chain(std::string_view dataset) const {
        auto anc = ancestry();
        for (std::size_t i = 1; i < anc.size(); ++i)
            if (auto c = catalog::chain(*store_, anc[i], dataset)) return std::pair{anc[i], std::move(*c)};
        return std::nullopt;
    }

    void record_event(event_record e) {
        std::lock_guard lock(m_);
        e.time = detail::now_ns();
        store_->put(detail::rec::event_key(job_.id, ++event_seq_), detail::rec::pack(e));
    }

    // Creates the record of a new complete version of `name` whose rows are
    // in `table`. Versions go 1.0.0, 1.0.1, ...; numbers are never reused.
    dataset_record new_version(std::string_view name, std::uint64_t table, std::uint64_t rows,
                               const hash128& schema_sig, std::string schema_text, const hash128& chain) {
        check_dataset_name(name);
        std::lock_guard lock(m_);
        std::uint32_t patch = 0;
        if (auto m = store_->get(detail::rec::dataset_meta_key(name)); m && m->size() == 4)
            patch = key::read_be32(*m, 0) + 1;
        dataset_record r;
        r.name = std::string(name);
        r.version = "1.0." + std::to_string(patch);
        hasher h;
        h.tag("dataset.uid").str(name).str(r.version).u64(job_.id).i64(detail::now_ns()).h(chain);
        auto uid = h.finish();
        r.uid_hi = uid.hi;
        r.uid_lo = uid.lo;
        r.table = table;
        r.rows = rows;
        r.schema_hi = schema_sig.hi;
        r.schema_lo = schema_sig.lo;
        r.schema_text = std::move(schema_text);
        r.job = job_.id;
        r.created = detail::now_ns();
        r.complete = true;
        auto b = store_->batch();
        std::string m;
        key::be32(m, patch);
        b->put(detail::rec::dataset_meta_key(name), m);
        b->put(detail::rec::dataset_key(name, 1, 0, patch), detail::rec::pack(r));
        store_->write(*b);
        return r;
    }

    // Writes a warning or report line to stderr unless reports are off.
    void report(const std::string& line) const {
        if (!cfg_.report) return;
        std::lock_guard lock(out_m_);
        std::fprintf(stderr, "datachain: %s\n", line.c_str());
        std::fflush(stderr);
    }

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
    std::uint64_t next_counter(std::string_view which) {
        auto k = detail::rec::counter_key(which);
        std::uint64_t n = 0;
        if (auto v = store_->get(k); v && v->size() == 8) n = key::read_be64(*v, 0);
        ++n;
        std::string v;
        key::be64(v, n);
        store_->put(k, v);
        return n;
    }

    void mark_crashed_jobs() {
        std::set<std::uint64_t> live;
        {
            auto& reg = detail::store_registry::get();
            std::lock_guard rl(reg.m);
            live = detail::store_registry::ids(reg.live_jobs, store_->location());
        }
        std::vector<job_record> crashed;
        for (auto c = store_->scan("J"); c->valid(); c->next()) {
            auto j = detail::rec::unpack<job_record>(c->value(), store_->location());
            if (j.state() == job_status::running && !live.count(j.id)) crashed.push_back(j);
        }
        for (auto& j : crashed) {
            j.status = static_cast<std::uint8_t>(job_status::crashed);
            store_->put(detail::rec::job_key(j.id), detail::rec::pack(j));
        }
    }

    settings cfg_;
    std::shared_ptr<store> store_;
    job_record job_{};
    mutable std::mutex m_;
    mutable std::mutex out_m_;
    std::uint64_t event_seq_ = 0;
};

// The process-wide session used by pipeline.run() / collect() without one.
// Created on first use from the environment; its job ends when the program
// exits normally (complete, or failed if a pipeline threw).
inline session& default_session() {
    static session s;
    return s;
}

} // namespace datachain
