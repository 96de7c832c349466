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

#include <datachain/core/error.hpp>
#include <datachain/runtime/leveldb_store.hpp>
#include <datachain/runtime/memory_store.hpp>
#include <datachain/runtime/records.hpp>

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

inline constexpr std::uint32_t store_format_version = 1;
inline constexpr std::string_view store_magic = "datachain-store";

namespace detail {

inline void check_format(store& s) {
    auto f = s.get(rec::format_key());
    if (!f) {
        auto c = s.scan("");
        if (c->valid())
            throw error(error_kind::store_format, "datachain: '" + s.location() +
                                                      "' holds data but no datachain format record: it is not a "
                                                      "datachain store (or an unknown format); nothing was written by datachain (LevelDB's own "
                                                      "recovery may have compacted the database's log on opening it)");
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

// One open store and what the sessions of this process share about it.
class store_handle {
public:
    explicit store_handle(std::shared_ptr<store> s) : db_(std::move(s)) {}

    store& db() const noexcept { return *db_; }
    const std::shared_ptr<store>& shared() const noexcept { return db_; }
    const std::string& location() const { return db_->location(); }

    // The next value of a counter ("job", "table"), unique in the store.
    std::uint64_t next_id(std::string_view which) {
        std::lock_guard l(m_);
        auto k = rec::counter_key(which);
        std::uint64_t n = 0;
        if (auto v = db_->get(k); v && v->size() == 8) n = key::read_be64(*v, 0);
        ++n;
        // A counter behind its data (its record lost or rolled back) would
        // hand out an id in use and overwrite data: refuse instead.
        const bool taken = which == "job"     ? db_->get(rec::job_key(n)).has_value()
                           : which == "table" ? db_->scan(rec::table_prefix(n))->valid() ||
                                                    db_->scan(rec::done_prefix(n))->valid()
                                              : false;
        if (taken)
            throw error(error_kind::store_corrupt,
                        "datachain: the store at '" + db_->location() + "' is damaged: its '" + std::string(which) +
                            "' counter would hand out " + std::to_string(n) +
                            ", which is in use (the counter record was lost or rolled back); restore the store "
                            "from a backup; nothing was written");
        std::string v;
        key::be64(v, n);
        db_->put(k, v);
        return n;
    }

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

private:
    std::shared_ptr<store> db_;
    mutable std::recursive_mutex m_;  // recursive: locked() may call the members below
    std::set<std::uint64_t> live_jobs_;    // jobs of this process's sessions
    std::set<std::uint64_t> live_tables_;  // tables created by this process (kept by gc)
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
inline std::vector<std::string> opened_store_locations() {
    auto& reg = store_registry::get();
    std::lock_guard lock(reg.m);
    return {reg.seen.rbegin(), reg.seen.rend()};
}

inline bool is_memory_root(const std::filesystem::path& root) { return root.native().starts_with("memory:"); }

inline std::string store_location(const std::filesystem::path& root) {
    if (is_memory_root(root)) return root.string();
    if (root.native().find("://") != std::string::npos)
        throw error(error_kind::usage, "datachain: the store root '" + root.string() +
                                           "' is a URI; give a local directory path (e.g. /data/.datachain)");
    if (root.empty())
        throw error(error_kind::usage, "datachain: the store root is empty; give a directory (default .datachain)");
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(root), ec).string();
    return ec ? root.string() : abs;
}

// Registers `db` (just opened) as the process's handle for `where`; the
// caller holds reg.m. The handle's deleter closes the store, then forgets the
// entry: an opener that finds the entry expired waits for that.
inline std::shared_ptr<store_handle> add_store_handle(store_registry& reg, const std::string& where,
                                                      std::shared_ptr<store> db) {
    check_format(*db);
    std::shared_ptr<store_handle> h(new store_handle(std::move(db)), [where](store_handle* p) {
        delete p;
        auto& r = store_registry::get();
        std::lock_guard l(r.m);
        if (auto e = r.open.find(where); e != r.open.end() && e->second.expired()) r.open.erase(e);
    });
    reg.open[where] = h;
    std::erase(reg.seen, where);
    reg.seen.push_back(where);
    return h;
}

// For tests: makes `db`, a store already opened at `root` (e.g. with a
// fault-injecting LevelDB Env, see tests/runtime/faults.cpp), the process's
// store for `root`, so sessions with that root use it. It stays so while
// the returned handle (or a session using it) lives. A store already open
// for `root` in this process is usage.
inline std::shared_ptr<store_handle> register_store(const std::filesystem::path& root, std::shared_ptr<store> db) {
    const auto where = store_location(root);
    auto& reg = store_registry::get();
    std::lock_guard lock(reg.m);
    if (auto it = reg.open.find(where); it != reg.open.end())
        throw error(error_kind::usage, "datachain: register_store: a store is already open at '" + where + "'");
    return add_store_handle(reg, where, std::move(db));
}

// The process's handle on the store at `root`, opening it if needed. A
// handle being closed by another thread (its last session just ended) is
// waited for, so that reopening never meets this process's own lock.
inline std::shared_ptr<store_handle> open_store_handle(const std::filesystem::path& root) {
    const auto where = store_location(root);
    auto& reg = store_registry::get();
    for (;;) {
        {
            std::lock_guard lock(reg.m);
            if (is_memory_root(root)) {
                auto& h = reg.memory[where];
                if (!h) {
                    h = std::make_shared<store_handle>(make_memory_store(where));
                    check_format(h->db());
                }
                return h;
            }
            auto it = reg.open.find(where);
            if (it == reg.open.end()) return add_store_handle(reg, where, open_leveldb_store(where));
            if (auto h = it->second.lock()) return h;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

} // namespace detail

// Opens the store at `root`, shared with the sessions of this process.
inline std::shared_ptr<store> open_store(const std::filesystem::path& root) {
    auto h = detail::open_store_handle(root);
    // The store stays open as long as the returned pointer: it shares the
    // handle's ownership.
    return std::shared_ptr<store>(h, &h->db());
}

} // namespace datachain
