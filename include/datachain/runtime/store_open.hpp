// Opening a store, once per process, and the state every session of the
// process shares about it.
//
//   auto h = datachain::detail::open_store_handle(".datachain");   // what sessions hold
//   std::uint64_t id = h->next_id("table");                        // unique in the process
//   auto db = datachain::open_store(".datachain");                 // the store alone
//
// LevelDB allows one opener per directory, so a process opens a store once
// and every session shares the handle: the store, and under one lock the id
// counters, the dataset version numbers and the sets of live jobs and tables.
// Ids and version numbers are therefore unique under any number of sessions
// and threads. A root of the form "memory:NAME" is an in-memory store (for
// tests), kept until the process ends.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/error.hpp>
#include <datachain/runtime/store_options.hpp>
#include <datachain/runtime/memory_store.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace datachain {

// 2: tables may refer to rows of earlier tables (segments.hpp, 'R' records),
// which a format-1 build would read as missing rows.
// 3: gen and agg tables too, and a segment marks the inputs it covers done
// (they have no 'X' done mark of their own), which a format-2 build would
// compute again over the rows referred to.
// An older store is read as it is and marked with this format when this
// build opens it.
inline constexpr std::uint32_t store_format_version = 3;
inline constexpr std::string_view store_magic = "datachain-store";

namespace detail {

DATACHAIN_INLINE void check_format(store& s);

// One open store and what the sessions of this process share about it.
class store_handle {
public:
    explicit store_handle(std::shared_ptr<store> s) : db_(std::move(s)) {}

    store& db() const noexcept { return *db_; }
    const std::shared_ptr<store>& shared() const noexcept { return db_; }
    const std::string& location() const { return db_->location(); }

    // The next value of a counter ("job", "table"), unique in the store.
    std::uint64_t next_id(std::string_view which);

    // Runs f() under the lock that orders version numbers and counters.
    template <class F>
    decltype(auto) locked(F&& f) {
        std::lock_guard l(m_);
        return f();
    }

    void add_live_job(std::uint64_t id) { std::lock_guard l(m_); live_jobs_.insert(id); }
    void remove_live_job(std::uint64_t id) { std::lock_guard l(m_); live_jobs_.erase(id); }
    void add_live_table(std::uint64_t id) { std::lock_guard l(m_); live_tables_.insert(id); }
    std::set<std::uint64_t> live_jobs() const { std::lock_guard l(m_); return live_jobs_; }
    std::set<std::uint64_t> live_tables() const { std::lock_guard l(m_); return live_tables_; }
    // A UDF step of this process writes table `id` until release_table(id);
    // false when another one already does (the same chain run twice at once
    // on one store): two writers of one table would lay overlapping segments.
    bool claim_table(std::uint64_t id) { std::lock_guard l(m_); return writing_.insert(id).second; }
    void release_table(std::uint64_t id) { std::lock_guard l(m_); writing_.erase(id); }

private:
    std::shared_ptr<store> db_;
    mutable std::recursive_mutex m_;  // recursive: locked() may call the members below
    std::set<std::uint64_t> live_jobs_;    // jobs of this process's sessions
    std::set<std::uint64_t> live_tables_;  // tables created by this process (kept by gc)
    std::set<std::uint64_t> writing_;      // tables a UDF step of this process is writing
};

// A table claimed in a store_handle (claim_table) until this is destroyed,
// however its owner's construction ends.
class table_claim {
public:
    table_claim() = default;
    table_claim(const table_claim&) = delete;
    table_claim& operator=(const table_claim&) = delete;
    ~table_claim() { release(); }
    // Claims `id` (dropping any earlier claim); false if another writer has it.
    bool claim(store_handle& h, std::uint64_t id) {
        if (!h.claim_table(id)) return false;
        release();
        h_ = &h;
        id_ = id;
        return true;
    }
    std::uint64_t table() const noexcept { return id_; }

private:
    void release() noexcept {
        if (h_) h_->release_table(id_);
        h_ = nullptr;
        id_ = 0;
    }
    store_handle* h_ = nullptr;
    std::uint64_t id_ = 0;
};

// The handles open in this process, by absolute location.
struct store_registry {
    std::mutex m;
    std::map<std::string, std::weak_ptr<store_handle>> open;
    std::map<std::string, std::shared_ptr<store_handle>> memory;  // kept until exit
    // Every on-disk store this process has opened, the latest last (object
    // storage finds there how to reach a bucket: object_store/source_record.hpp).
    std::vector<std::string> seen;

    static store_registry& get() {
        static store_registry r;
        return r;
    }
};

// The on-disk stores this process has opened, the most recent first.
DATACHAIN_INLINE std::vector<std::string> opened_store_locations();

inline bool is_memory_root(const std::filesystem::path& root) { return root.native().starts_with("memory:"); }

DATACHAIN_INLINE std::string store_location(const std::filesystem::path& root);

// Registers `db` (just opened) as the process's handle for `where`; the
// caller holds reg.m. The handle's deleter closes the store, then forgets the
// entry: an opener that finds the entry expired waits for that.
DATACHAIN_INLINE std::shared_ptr<store_handle> add_store_handle(store_registry& reg, const std::string& where,
                                                                std::shared_ptr<store> db);

// For tests: makes `db`, a store already opened at `root` (e.g. with a
// fault-injecting LevelDB Env, see tests/runtime/faults.cpp), the process's
// store for `root`, so sessions with that root use it. It stays so while
// the returned handle (or a session using it) lives. A store already open
// for `root` in this process is usage.
DATACHAIN_INLINE std::shared_ptr<store_handle> register_store(const std::filesystem::path& root, std::shared_ptr<store> db);

// The process's handle on the store at `root`, opening it if needed. A
// handle being closed by another thread (its last session just ended) is
// waited for, so that reopening never meets this process's own lock.
DATACHAIN_INLINE std::shared_ptr<store_handle> open_store_handle(const std::filesystem::path& root);

} // namespace detail

// Opens the store at `root`, shared with the sessions of this process.
DATACHAIN_INLINE std::shared_ptr<store> open_store(const std::filesystem::path& root);

} // namespace datachain

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/store_open.ipp>
#endif
