// The LevelDB adapter: the one file that includes <leveldb/...>.
//
//   std::shared_ptr<datachain::store> s = datachain::open_leveldb_store("/path/.datachain");
//
// Opening creates the directory if needed. LevelDB's own LOCK file makes a
// second process fail at once (no waiting): that becomes a datachain::error of
// kind store_locked naming the directory. A corrupted store gives
// store_corrupt; a write that fails (disk full, permissions) gives store_io,
// and the store stays openable because LevelDB applies a batch completely or
// not at all. Writes are not fsync'ed: they survive the process being killed
// (the OS has them), which is the failure checkpoints are for.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/store.hpp>

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace datachain {

namespace detail {

inline leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

[[noreturn]] inline void throw_status(const leveldb::Status& st, const std::string& where, const std::string& what) {
    std::string msg = st.ToString();
    if (st.IsCorruption())
        throw error(error_kind::store_corrupt, "datachain: the store at '" + where + "' is corrupted (" + msg +
                                                   ") while " + what + "; restore it from a backup or move it "
                                                   "away to start afresh");
    // LevelDB's lock failure reads "IO error: lock <dir>/LOCK: ..."; match that
    // exactly (a path may contain "lock" too).
    if (msg.find("lock " + where + "/LOCK") != std::string::npos)
        throw error(error_kind::store_locked, "datachain: the store at '" + where +
                                                  "' is held by another process (" + msg +
                                                  "); wait for it to finish or use another DATACHAIN_ROOT");
    throw error(error_kind::store_io, "datachain: store error at '" + where + "' while " + what + ": " + msg +
                                          " (is the disk full or read-only, or a store file damaged?); nothing "
                                          "already stored was lost by this error");
}

// Table files read with pread instead of LevelDB's default mmap: mapped
// pages of every file a scan touched count in the process's resident size,
// so a long scan would look like it holds the data in memory. The page cache
// still serves repeated reads.
class pread_file final : public leveldb::RandomAccessFile {
public:
    pread_file(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
    ~pread_file() override { ::close(fd_); }
    leveldb::Status Read(std::uint64_t offset, std::size_t n, leveldb::Slice* result, char* scratch) const override {
        std::size_t got = 0;
        while (got < n) {
            ssize_t r = ::pread(fd_, scratch + got, n - got, static_cast<off_t>(offset + got));
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                *result = leveldb::Slice(scratch, 0);
                return leveldb::Status::IOError(name_, std::strerror(errno));
            }
            if (r == 0) break;
            got += static_cast<std::size_t>(r);
        }
        *result = leveldb::Slice(scratch, got);
        return leveldb::Status::OK();
    }

private:
    int fd_;
    std::string name_;
};

class pread_env final : public leveldb::EnvWrapper {
public:
    pread_env() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
    leveldb::Status NewRandomAccessFile(const std::string& name, leveldb::RandomAccessFile** out) override {
        int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            *out = nullptr;
            return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                                   : leveldb::Status::IOError(name, std::strerror(errno));
        }
        *out = new pread_file(fd, name);
        return leveldb::Status::OK();
    }
    static pread_env& get() {
        static pread_env* env = new pread_env;  // never destroyed: must outlive every DB
        return *env;
    }
};

class leveldb_batch final : public write_batch {
public:
    void put(std::string_view k, std::string_view v) override { b.Put(slice(k), slice(v)); }
    void del(std::string_view k) override { b.Delete(slice(k)); }
    std::size_t bytes() const override { return b.ApproximateSize(); }
    void clear() override { b.Clear(); }
    leveldb::WriteBatch b;
};

class leveldb_cursor final : public cursor {
public:
    leveldb_cursor(leveldb::DB* db, std::string prefix, std::string where)
        : prefix_(std::move(prefix)), where_(std::move(where)) {
        leveldb::ReadOptions ro;
        ro.fill_cache = false;
        ro.verify_checksums = true;
        it_.reset(db->NewIterator(ro));
        it_->Seek(slice(prefix_));
    }
    // A damaged block ends an iteration with a bad status: that is an error,
    // never a silently shorter result.
    bool valid() const override {
        if (it_->Valid()) return it_->key().starts_with(slice(prefix_));
        if (auto st = it_->status(); !st.ok()) throw_status(st, where_, "reading");
        return false;
    }
    std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
    std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
    void next() override { it_->Next(); }
    void seek(std::string_view k) override { it_->Seek(slice(k)); }

private:
    std::string prefix_;
    std::string where_;
    std::unique_ptr<leveldb::Iterator> it_;
};

class leveldb_store final : public store {
public:
    explicit leveldb_store(const std::filesystem::path& dir) : where_(dir.string()) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
            throw error(error_kind::store_io, "datachain: cannot create the store directory '" + where_ +
                                                  "': " + ec.message() + "; set DATACHAIN_ROOT to a writable place");
        leveldb::Options opt;
        opt.create_if_missing = true;
        opt.paranoid_checks = true;
        opt.write_buffer_size = 16 << 20;
        opt.env = &pread_env::get();
        opt.max_open_files = 256;  // one descriptor per cached table file
        leveldb::DB* db = nullptr;
        auto st = leveldb::DB::Open(opt, where_, &db);
        if (!st.ok()) throw_status(st, where_, "opening it");
        db_.reset(db);
    }

    std::optional<std::string> get(std::string_view k) const override {
        std::string v;
        leveldb::ReadOptions ro;
        ro.verify_checksums = true;
        auto st = db_->Get(ro, slice(k), &v);
        if (st.IsNotFound()) return std::nullopt;
        if (!st.ok()) throw_status(st, where_, "reading");
        return v;
    }
    void put(std::string_view k, std::string_view v) override {
        auto st = db_->Put(leveldb::WriteOptions{}, slice(k), slice(v));
        if (!st.ok()) throw_status(st, where_, "writing");
    }
    void del(std::string_view k) override {
        auto st = db_->Delete(leveldb::WriteOptions{}, slice(k));
        if (!st.ok()) throw_status(st, where_, "deleting");
    }
    std::unique_ptr<write_batch> batch() const override { return std::make_unique<leveldb_batch>(); }
    void write(write_batch& b) override {
        auto st = db_->Write(leveldb::WriteOptions{}, &static_cast<leveldb_batch&>(b).b);
        if (!st.ok()) throw_status(st, where_, "writing");
    }
    std::unique_ptr<cursor> scan(std::string_view prefix) const override {
        return std::make_unique<leveldb_cursor>(db_.get(), std::string(prefix), where_);
    }
    const std::string& location() const override { return where_; }

private:
    std::string where_;
    std::unique_ptr<leveldb::DB> db_;
};

} // namespace detail

// Opens (creating if needed) a LevelDB store in `dir`. Throws datachain::error.
inline std::shared_ptr<store> open_leveldb_store(const std::filesystem::path& dir) {
    return std::make_shared<detail::leveldb_store>(dir);
}

} // namespace datachain
