// Faults injected under LevelDB (issue 9, item 4): a leveldb::Env that fails
// the Nth write (WritableFile::Append), sync, rename or file creation, or
// cuts the power at the Nth of any of them. After every fault:
// - the run either succeeds with the right rows or throws datachain::error
//   (store_io or store_corrupt) naming the store: never another exception,
//   a crash, a hang or wrong rows;
// - the store opens again with the normal Env, a rerun completes, and the
//   dataset it saves equals the one a clean run saves in a fresh store.
//
// The faulty store is opened with store_open_options::env and handed to the
// session through detail::register_store. A "power cut" makes the Nth
// operation and every one after it fail (the machine is gone), closes the
// store, then drops what was not synced: every file written through the Env
// is truncated to its size at its last successful Sync, and a file created
// and never synced is removed (its directory entry was never made durable).
// Renames and removals are taken as durable. Rounds alternate between a
// fresh store and one holding an earlier run (so that opening it recovers a
// log: creation, write, sync and rename during the open).
//
// The default run injects >= 200 faults (printed); DATACHAIN_FAULT_ROUNDS=K
// multiplies the number of fault points tried by K for runs by hand.
#include "support.hpp"

#include <datachain/runtime/leveldb_env.hpp>

#include <leveldb/env.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>

namespace {

enum class op { write, sync, rename, create, count_ };
constexpr const char* op_names[] = {"write", "sync", "rename", "create"};

class fault_env;

// What the Env knows about a file written through it.
struct file_state {
    std::uint64_t size = 0;    // bytes appended
    std::uint64_t synced = 0;  // bytes at the last successful Sync
    bool ever_synced = false;
    bool created = false;  // made by this Env (NewWritableFile): removed at a power cut if never synced
};

class fault_env final : public leveldb::EnvWrapper {
public:
    fault_env() : leveldb::EnvWrapper(&dc::detail::pread_env::get()) {}

    // Fails the `n`th operation of kind `k` (1-based); with `cut`, the power
    // goes out there: that operation and every later one fail.
    void arm(op k, long n, bool cut) {
        std::lock_guard l(m_);
        kind_ = k;
        at_ = n;
        cut_ = cut;
    }
    // Counts operations of all kinds as one sequence (for power cuts at any point).
    void arm_any(long n) {
        std::lock_guard l(m_);
        any_ = true;
        at_ = n;
        cut_ = true;
    }
    long count(op k) const {
        std::lock_guard l(m_);
        return counts_[static_cast<int>(k)];
    }
    long total() const {
        std::lock_guard l(m_);
        return all_;
    }
    bool fired() const {
        std::lock_guard l(m_);
        return fired_;
    }

    // The operation about to happen on `name`: an injected error, or OK.
    leveldb::Status hit(op k, const std::string& name) {
        std::lock_guard l(m_);
        if (dead_) return leveldb::Status::IOError(name, "injected fault: the power is out");
        long n = ++counts_[static_cast<int>(k)];
        long a = ++all_;
        bool now = at_ > 0 && (any_ ? a == at_ : (k == kind_ && n == at_));
        if (!now) return leveldb::Status::OK();
        fired_ = true;
        if (cut_) dead_ = true;
        return leveldb::Status::IOError(name, std::string("injected fault: ") + op_names[static_cast<int>(k)]);
    }
    leveldb::Status dead_check(const std::string& name) {
        std::lock_guard l(m_);
        if (dead_) return leveldb::Status::IOError(name, "injected fault: the power is out");
        return leveldb::Status::OK();
    }

    // After the store is closed: drops what was not synced.
    void power_cut() {
        std::lock_guard l(m_);
        for (auto& [name, f] : files_) {
            std::error_code ec;
            if (f.created && !f.ever_synced) fs::remove(name, ec);
            else if (fs::exists(name, ec) && fs::file_size(name, ec) > f.synced) fs::resize_file(name, f.synced, ec);
        }
        files_.clear();
    }

    void appended(const std::string& name, std::size_t n) {
        std::lock_guard l(m_);
        files_[name].size += n;
    }
    void synced(const std::string& name) {
        std::lock_guard l(m_);
        auto& f = files_[name];
        f.synced = f.size;
        f.ever_synced = true;
    }

    leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override;
    leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override;
    leveldb::Status RenameFile(const std::string& from, const std::string& to) override {
        if (auto st = hit(op::rename, from); !st.ok()) return st;
        auto st = target()->RenameFile(from, to);
        if (st.ok()) {
            std::lock_guard l(m_);
            if (auto it = files_.find(from); it != files_.end()) {
                files_[to] = it->second;
                files_.erase(from);
            } else {
                files_.erase(to);
            }
        }
        return st;
    }
    leveldb::Status RemoveFile(const std::string& name) override {
        if (auto st = dead_check(name); !st.ok()) return st;
        auto st = target()->RemoveFile(name);
        std::lock_guard l(m_);
        files_.erase(name);
        return st;
    }

private:
    mutable std::mutex m_;
    op kind_ = op::write;
    long at_ = 0;
    bool cut_ = false, any_ = false, dead_ = false, fired_ = false;
    long counts_[static_cast<int>(op::count_)]{};
    long all_ = 0;
    std::map<std::string, file_state> files_;
};

class fault_file final : public leveldb::WritableFile {
public:
    fault_file(fault_env& env, std::string name, leveldb::WritableFile* f) : env_(env), name_(std::move(name)), f_(f) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
        if (auto st = env_.hit(op::write, name_); !st.ok()) return st;
        auto st = f_->Append(data);
        if (st.ok()) env_.appended(name_, data.size());
        return st;
    }
    leveldb::Status Flush() override {
        if (auto st = env_.dead_check(name_); !st.ok()) return st;
        return f_->Flush();
    }
    leveldb::Status Sync() override {
        if (auto st = env_.hit(op::sync, name_); !st.ok()) return st;
        auto st = f_->Sync();
        if (st.ok()) env_.synced(name_);
        return st;
    }
    leveldb::Status Close() override {
        // Closing writes the buffer; with the power out, the buffer is lost.
        if (auto st = env_.dead_check(name_); !st.ok()) return st;
        return f_->Close();
    }

private:
    fault_env& env_;
    std::string name_;
    std::unique_ptr<leveldb::WritableFile> f_;
};

leveldb::Status fault_env::NewWritableFile(const std::string& name, leveldb::WritableFile** out) {
    *out = nullptr;
    if (auto st = hit(op::create, name); !st.ok()) return st;
    leveldb::WritableFile* f = nullptr;
    auto st = target()->NewWritableFile(name, &f);
    if (!st.ok()) return st;
    {
        std::lock_guard l(m_);
        files_[name] = file_state{.created = true};
    }
    *out = new fault_file(*this, name, f);
    return st;
}

leveldb::Status fault_env::NewAppendableFile(const std::string& name, leveldb::WritableFile** out) {
    *out = nullptr;
    if (auto st = hit(op::create, name); !st.ok()) return st;
    std::error_code ec;
    auto had = fs::exists(name, ec) ? fs::file_size(name, ec) : 0;
    leveldb::WritableFile* f = nullptr;
    auto st = target()->NewAppendableFile(name, &f);
    if (!st.ok()) return st;
    {
        std::lock_guard l(m_);
        files_[name] = file_state{.size = had, .synced = had, .ever_synced = true, .created = false};
    }
    *out = new fault_file(*this, name, f);
    return st;
}

// ---- the pipeline ----------------------------------------------------------

DC_DEF(rt_fault_triple, (std::int64_t n) -> std::int64_t { return 3 * n + 1; });
DC_DEF(rt_fault_spread, (std::int64_t t) -> std::vector<std::int64_t> {
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < t % 3; ++i) out.push_back(t * 10 + i);
    return out;
});

auto fault_pipeline() {
    return dc::read_values<"n">(rt::iota64(200)) | dc::map<"t">(rt_fault_triple) | dc::gen<"g">(rt_fault_spread, dc::params<"t">) |
           dc::save("faulty");
}
auto earlier_pipeline() {
    return dc::read_values<"n">(rt::iota64(50)) | dc::map<"t">(rt_fault_triple) | dc::save("earlier");
}
using FS = decltype(fault_pipeline())::schema;
using Rows = std::vector<dc::row<FS>>;

constexpr dc::run_options small_batches{.batch_size = 8};

Rows saved_rows(dc::session& s) { return dc::collect(dc::read_dataset<FS>("faulty"), s); }

// The rows a clean run saves in a fresh store.
const Rows& clean_rows() {
    static const Rows rows = [] {
        rt::temp_dir d;
        dc::session s{rt::cfg(d.store(), "faults")};
        (void)fault_pipeline().run(s, small_batches);
        return saved_rows(s);
    }();
    return rows;
}

struct round_result {
    bool fired = false;
    bool failed = false;  // the faulty run threw
    long ops[static_cast<int>(op::count_)]{};
    long total = 0;
};

// One round: a store (fresh, or holding an earlier run), the pipeline run
// through `env` (already armed), then a reopen with the normal Env, a rerun,
// and the comparison with a clean run.
round_result run_round(fault_env& env, bool prepopulated, bool cut, const std::string& what) {
    INFO(what << (prepopulated ? ", store with an earlier run" : ", fresh store"));
    rt::temp_dir d;
    const fs::path root = d.store();
    if (prepopulated) {
        dc::session s{rt::cfg(root, "earlier")};
        (void)earlier_pipeline().run(s, small_batches);
    }
    round_result r;
    try {
        // Opening, the session and the run may each meet the fault.
        auto db = dc::open_leveldb_store(root, {.env = &env});
        auto handle = dc::detail::register_store(root, std::move(db));
        dc::session s{rt::cfg(root, "faults")};
        (void)fault_pipeline().run(s, small_batches);
        // A run that reports success saved the right rows.
        CHECK(saved_rows(s) == clean_rows());
    } catch (const dc::error& e) {
        r.failed = true;
        INFO("error: " << e.what());
        CHECK((e.kind() == dc::error_kind::store_io || e.kind() == dc::error_kind::store_corrupt));
        CHECK(std::string(e.what()).find(root.string()) != std::string::npos);
    } catch (const std::exception& e) {
        FAIL_CHECK("not a datachain::error: " << e.what());
        r.failed = true;
    }
    // Everything using the faulty store is closed here.
    r.fired = env.fired();
    for (int k = 0; k < static_cast<int>(op::count_); ++k) r.ops[k] = env.count(static_cast<op>(k));
    r.total = env.total();
    if (cut) env.power_cut();
    try {
        dc::session s{rt::cfg(root, "rerun")};
        (void)fault_pipeline().run(s, small_batches);
        CHECK(saved_rows(s) == clean_rows());
    } catch (const dc::error& e) {
        FAIL_CHECK("the rerun after the fault failed: " << e.what());
    }
    return r;
}

long rounds_factor() {
    const char* v = std::getenv("DATACHAIN_FAULT_ROUNDS");
    long k = v ? std::atol(v) : 1;
    return k < 1 ? 1 : k;
}

// Fault points 1..n, about `want` of them, evenly spread (all if n <= want).
std::vector<long> points(long n, long want) {
    std::vector<long> out;
    if (n <= 0) return out;
    if (n <= want) {
        for (long i = 1; i <= n; ++i) out.push_back(i);
        return out;
    }
    for (long i = 0; i < want; ++i) out.push_back(1 + i * (n - 1) / (want - 1));
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace

TEST_CASE("faults: the Nth write, sync, rename or creation fails, or the power is cut: the rerun equals a clean run",
          "[runtime][faults]") {
    REQUIRE(clean_rows().size() > 150);
    const long k = rounds_factor();
    long injected = 0, failed_runs = 0, rounds = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (bool pre : {false, true}) {
        // How many operations of each kind a run makes.
        fault_env counter;
        auto base = run_round(counter, pre, false, "no fault (counting)");
        REQUIRE_FALSE(base.failed);
        for (int kind = 0; kind < static_cast<int>(op::count_); ++kind) {
            // Writes are many: a spread of them; the rest: every one.
            const long n = base.ops[kind] + 1;  // +1: one past the end (never fires)
            const long want = (kind == static_cast<int>(op::write) ? 60 : 30) * k;
            for (long at : points(n, want)) {
                fault_env env;
                env.arm(static_cast<op>(kind), at, false);
                auto r = run_round(env, pre, false,
                                   std::string("fail ") + op_names[kind] + " #" + std::to_string(at));
                ++rounds;
                injected += r.fired;
                failed_runs += r.failed;
            }
        }
        // Power cuts at points spread over all operations.
        for (long at : points(base.total, 45 * k)) {
            fault_env env;
            env.arm_any(at);
            auto r = run_round(env, pre, true, "power cut at operation #" + std::to_string(at));
            ++rounds;
            injected += r.fired;
            failed_runs += r.failed;
        }
    }
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "faults: " << injected << " faults injected in " << rounds << " rounds (" << failed_runs
              << " runs failed with a datachain::error, the rest succeeded), " << secs << " s" << std::endl;
    CHECK(injected >= 200 * k);
}
