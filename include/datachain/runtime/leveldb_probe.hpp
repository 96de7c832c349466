// Looking inside an existing LevelDB database without changing one byte of
// it, before the LevelDB adapter (leveldb_store.hpp) opens it for real.
//
//   auto p = datachain::detail::probe_leveldb("/path/dir", "F");
//   if (p == datachain::detail::probe_verdict::other_data) refuse();   // not ours
//
// Opening a database is not read-only in LevelDB: it replays the log into a
// new table file, writes a new manifest, rewrites CURRENT and deletes what
// it takes for obsolete files. Done to another program's database (a user
// pointing a store root or the read-only CLI at it), that rewrites and
// deletes files datachain never created. The probe opens the database
// through a copy-on-write Env (overlay_env): reads come from the directory
// until a file is written, everything written goes to memory, and nothing
// is renamed, created or removed on disk; the real LOCK is taken (and
// released), so a database in use is not read half-written.
#pragma once

#include <datachain/runtime/leveldb_env.hpp>

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail {

// An Env over a directory that keeps every change in memory.
class overlay_env final : public leveldb::EnvWrapper {
public:
    // Table files are read as the store reads them (pread_env: a short file
    // is "not an sstable", store_corrupt, where mmap gives EINVAL).
    overlay_env() : leveldb::EnvWrapper(&pread_env::get()), mem_(leveldb::NewMemEnv(leveldb::Env::Default())) {}

    leveldb::Status NewSequentialFile(const std::string& f, leveldb::SequentialFile** r) override {
        if (in_memory(f)) return mem_->NewSequentialFile(f, r);
        if (gone(f)) return leveldb::Status::NotFound(f, "removed (in memory)");
        return target()->NewSequentialFile(f, r);
    }
    leveldb::Status NewRandomAccessFile(const std::string& f, leveldb::RandomAccessFile** r) override {
        if (in_memory(f)) return mem_->NewRandomAccessFile(f, r);
        if (gone(f)) return leveldb::Status::NotFound(f, "removed (in memory)");
        return target()->NewRandomAccessFile(f, r);
    }
    leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
        mark_written(f);
        return mem_->NewWritableFile(f, r);
    }
    leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override {
        if (auto st = copy_in(f); !st.ok()) return st;
        return mem_->NewAppendableFile(f, r);
    }
    leveldb::Status NewLogger(const std::string& f, leveldb::Logger** r) override {
        mark_written(f);
        return mem_->NewLogger(f, r);
    }
    bool FileExists(const std::string& f) override {
        if (in_memory(f)) return mem_->FileExists(f);
        return !gone(f) && target()->FileExists(f);
    }
    leveldb::Status GetChildren(const std::string& dir, std::vector<std::string>* r) override {
        r->clear();
        std::vector<std::string> names;
        if (auto st = target()->GetChildren(dir, &names); !st.ok() && !st.IsNotFound()) return st;
        std::set<std::string> all;
        for (auto& n : names)
            if (!gone(dir + "/" + n) || in_memory(dir + "/" + n)) all.insert(n);
        std::vector<std::string> mem_names;
        (void)mem_->GetChildren(dir, &mem_names);
        all.insert(mem_names.begin(), mem_names.end());
        r->assign(all.begin(), all.end());
        return leveldb::Status::OK();
    }
    leveldb::Status RemoveFile(const std::string& f) override {
        std::lock_guard l(m_);
        if (written_.erase(f)) (void)mem_->RemoveFile(f);
        removed_.insert(f);
        return leveldb::Status::OK();
    }
    leveldb::Status CreateDir(const std::string& d) override { return mem_->CreateDir(d); }
    leveldb::Status RemoveDir(const std::string&) override { return leveldb::Status::OK(); }
    leveldb::Status GetFileSize(const std::string& f, std::uint64_t* s) override {
        if (in_memory(f)) return mem_->GetFileSize(f, s);
        if (gone(f)) return leveldb::Status::NotFound(f, "removed (in memory)");
        return target()->GetFileSize(f, s);
    }
    leveldb::Status RenameFile(const std::string& from, const std::string& to) override {
        if (auto st = copy_in(from); !st.ok()) return st;
        if (auto st = mem_->RenameFile(from, to); !st.ok()) return st;
        std::lock_guard l(m_);
        written_.erase(from);
        removed_.insert(from);
        written_.insert(to);
        return leveldb::Status::OK();
    }
    // The real lock where the database has one (no other process writes it
    // while it is read); a database without a LOCK file gets none created.
    leveldb::Status LockFile(const std::string& f, leveldb::FileLock** l) override {
        // LevelDB's own Env: pread_env's LockFile would make the file private.
        auto* disk = leveldb::Env::Default();
        if (!disk->FileExists(f)) return mem_->LockFile(f, l);
        auto st = disk->LockFile(f, l);
        if (st.ok()) {
            std::lock_guard g(m_);
            real_locks_.insert(*l);
        }
        return st;
    }
    leveldb::Status UnlockFile(leveldb::FileLock* l) override {
        {
            std::lock_guard g(m_);
            if (real_locks_.erase(l)) return leveldb::Env::Default()->UnlockFile(l);
        }
        return mem_->UnlockFile(l);
    }

private:
    bool in_memory(const std::string& f) {
        std::lock_guard l(m_);
        return written_.count(f) != 0;
    }
    bool gone(const std::string& f) {
        std::lock_guard l(m_);
        return removed_.count(f) != 0;
    }
    void mark_written(const std::string& f) {
        std::lock_guard l(m_);
        written_.insert(f);
        removed_.erase(f);
    }
    // Brings an on-disk file into memory before it is changed.
    leveldb::Status copy_in(const std::string& f) {
        if (in_memory(f)) return leveldb::Status::OK();
        std::string data;
        if (!gone(f) && target()->FileExists(f))
            if (auto st = leveldb::ReadFileToString(target(), f, &data); !st.ok()) return st;
        mark_written(f);
        return leveldb::WriteStringToFile(mem_.get(), data, f);
    }

    std::unique_ptr<leveldb::Env> mem_;
    std::mutex m_;
    std::set<std::string> written_;  // files whose content is in memory
    std::set<std::string> removed_;  // on-disk files LevelDB removed (still on disk)
    std::set<leveldb::FileLock*> real_locks_;
};

enum class probe_verdict {
    failed,      // LevelDB cannot open or read it (damage, a lock held elsewhere): probe_result::status says why
    has_key,     // the database holds `key`
    empty,       // no record, and no table file or log with data: a database that never held any
    other_data,  // records but not `key`, or none left but files that held some (a drained database)
};

struct probe_result {
    probe_verdict verdict = probe_verdict::failed;
    leveldb::Status status;  // why, for `failed`
};

// Whether `dir` holds a table file or a log with bytes in it: a database
// that has held records (LevelDB's creation leaves an empty log, no table).
inline bool leveldb_held_data(const std::string& dir) {
    std::vector<std::string> names;
    if (!leveldb::Env::Default()->GetChildren(dir, &names).ok()) return true;
    for (const auto& n : names) {
        if (n.ends_with(".ldb") || n.ends_with(".sst")) return true;
        std::uint64_t size = 0;
        if (n.ends_with(".log") && leveldb::Env::Default()->GetFileSize(dir + "/" + n, &size).ok() && size > 0)
            return true;
    }
    return false;
}

// Opens the LevelDB database in `dir` through an overlay_env and looks for
// `key`, checksums verified; the directory is left exactly as it was. A
// database that fails here is not opened for real (that would rotate its
// LOG, and LevelDB's recovery may act on damage): the caller reports
// `status`.
inline probe_result probe_leveldb(const std::string& dir, std::string_view key) {
    overlay_env env;
    leveldb::Options opt;
    opt.env = &env;
    opt.create_if_missing = false;
    opt.paranoid_checks = true;
    leveldb::DB* raw = nullptr;
    probe_result r;
    r.status = leveldb::DB::Open(opt, dir, &raw);
    if (!r.status.ok()) return r;
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;  // never parse a damaged block (LevelDB asserts on some)
    ro.fill_cache = false;
    std::string v;
    r.status = db->Get(ro, leveldb::Slice(key.data(), key.size()), &v);
    if (r.status.ok()) {
        r.verdict = probe_verdict::has_key;
        return r;
    }
    if (!r.status.IsNotFound()) return r;
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
    it->SeekToFirst();
    r.status = it->status();
    if (!r.status.ok()) return r;
    r.verdict = it->Valid() || leveldb_held_data(dir) ? probe_verdict::other_data : probe_verdict::empty;
    return r;
}

} // namespace datachain::detail
