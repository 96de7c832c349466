// The LevelDB adapter. With leveldb_env.hpp (how it reads and creates files)
// these are the only files that include <leveldb/...>; key names for
// messages are in key_names.hpp.
//
//   std::shared_ptr<datachain::store> s = datachain::open_leveldb_store("/path/.datachain");
//   auto ro = datachain::open_leveldb_store(dir, {.create_if_missing = false});  // existing stores only
//
// Opening creates the directory if needed (mode 0700; every file LevelDB
// creates in it is made 0600). Before LevelDB sees the directory it is
// checked: an existing store (it has CURRENT) opens; a new or empty directory
// becomes a store; anything else is refused and not one file in it changes
// (LevelDB would delete files it takes for its own obsolete ones): a
// directory of other files is store_format, LevelDB files without CURRENT
// are a damaged store (store_corrupt), and another program's LevelDB
// database (no datachain format record, found without changing it:
// leveldb_probe.hpp) is store_format. A database that never held a record
// is a creation cut short or another program's empty one (the same files):
// a writable open makes it a store, a read-only one (create_if_missing =
// false) refuses it, store_format, untouched. LevelDB's own LOCK file makes a
// second process fail at once (no waiting): that becomes a datachain::error of
// kind store_locked naming the directory. Every read verifies checksums; a
// read that fails (a checksum, a damaged or missing table file, an I/O
// error) is store_corrupt naming the store, the record kind and the key in
// hex, never a silently shorter scan. A write that fails (disk full,
// permissions) gives store_io, and the store stays openable because LevelDB
// applies a batch completely or not at all, and because every later write
// through that open store is refused (store_io) until it is reopened: LevelDB
// would write it after a torn log record (see leveldb_store::apply). Writes are not fsync'ed: they
// survive the process being killed (the OS has them), which is the failure
// checkpoints are for. Opening also removes what order_by/agg spills of a
// killed process may have left in the directory (spill.hpp).
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/key_names.hpp>
#include <datachain/runtime/leveldb_env.hpp>
#include <datachain/runtime/leveldb_probe.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/spill.hpp>
#include <datachain/runtime/store.hpp>
#include <datachain/runtime/store_options.hpp>

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace datachain {

namespace detail {

inline leveldb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }

// A read (get or scan) that did not succeed. Whatever the status (a checksum
// mismatch, a table file that is damaged or missing, an I/O error), the rows
// cannot be served as written: store_corrupt, never a shorter result.
[[noreturn]] inline void throw_read_status(const leveldb::Status& st, const std::string& where,
                                           const std::string& what) {
    throw error(error_kind::store_corrupt,
                "datachain: cannot read the store at " + detail::quoted_value(where) + " while reading " + what + ": " +
                    st.ToString() +
                    ". If this is an I/O error (too many open files, permissions), fix that and rerun; otherwise "
                    "the store is damaged: restore it from a backup or move it away to start afresh (nothing "
                    "was read past the damage)");
}

[[noreturn]] inline void throw_status(const leveldb::Status& st, const std::string& where, const std::string& what,
                                      const std::string& hint = store_open_options{}.root_hint) {
    std::string msg = st.ToString();
    if (st.IsCorruption())
        throw error(error_kind::store_corrupt, "datachain: the store at " + detail::quoted_value(where) +
                                                   " is corrupted (" + msg + ") while " + what +
                                                   "; restore it from a backup or move it "
                                                   "away to start afresh");
    // LevelDB writes LOCK (and LOG) to open a store even to read it: a store
    // on a read-only mount, or in a directory this user may not write, cannot open.
    if (what == "opening it" && ::access(where.c_str(), W_OK) != 0)
        throw error(error_kind::store_io,
                    "datachain: the store at " + detail::quoted_value(where) +
                        " cannot be opened: its directory is not writable (" +
                        std::strerror(errno) + "; " + msg + "), and opening a store writes its LOCK and LOG "
                        "files, even to only list or read it. Read-only stores are not supported: copy it to a "
                        "writable place (cp -a) and use the copy (" + hint + "), or make it writable");
    // LevelDB's lock failure reads "IO error: lock <dir>/LOCK: ..."; match that
    // exactly (a path may contain "lock" too).
    if (msg.find("lock " + where + "/LOCK") != std::string::npos)
        throw error(error_kind::store_locked, "datachain: the store at " + detail::quoted_value(where) +
                                                  " is held by another process (" + msg +
                                                  "); wait for it to finish or use another store (" + hint + ")");
    throw error(error_kind::store_io, "datachain: store error at " + detail::quoted_value(where) + " while " + what +
                                          ": " + msg +
                                          " (is the disk full or read-only, or a store file damaged?); nothing "
                                          "already stored was lost by this error");
}

class leveldb_batch final : public write_batch {
public:
    void put(std::string_view k, std::string_view v) override { b.Put(slice(k), slice(v)); }
    void del(std::string_view k) override { b.Delete(slice(k)); }
    std::size_t bytes() const override { return b.ApproximateSize(); }
    void clear() override { b.Clear(); }
    leveldb::WriteBatch b;
};

// A damaged block does not stop a LevelDB iterator: it records the error in
// status() and moves on to the next block (or ends), so a scan that looks
// only at Valid() silently skips rows. The status is checked after every
// move (seek, next) and whenever the iterator ends: any error throws.
class leveldb_cursor final : public cursor {
public:
    leveldb_cursor(leveldb::DB* db, std::string prefix, std::string where)
        : prefix_(std::move(prefix)), where_(std::move(where)) {
        leveldb::ReadOptions ro;
        ro.fill_cache = false;
        ro.verify_checksums = true;
        it_.reset(db->NewIterator(ro));
        it_->Seek(slice(prefix_));
        check(prefix_, false);
    }
    bool valid() const override {
        if (it_->Valid()) return it_->key().starts_with(slice(prefix_));
        check(last_, have_last_);
        return false;
    }
    std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
    std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
    void next() override {
        if (it_->Valid()) {
            last_.assign(it_->key().data(), it_->key().size());
            have_last_ = true;
        }
        it_->Next();
        check(last_, have_last_);
    }
    void seek(std::string_view k) override {
        it_->Seek(slice(k));
        check(std::string(k), false);
    }

private:
    // `from`: the last key read (after = true) or the key sought.
    void check(const std::string& from, bool after) const {
        auto st = it_->status();
        if (st.ok()) return;
        throw_read_status(st, where_,
                          (prefix_.empty() ? std::string("all records") : describe_key(prefix_)) + ", " +
                              (after ? "after " : "from ") + describe_key(from));
    }
    std::string prefix_;
    std::string where_;
    std::string last_;
    bool have_last_ = false;
    std::unique_ptr<leveldb::Iterator> it_;
};

// Names LevelDB gives its own files: these are what it may delete as
// obsolete when it creates or opens a database in a directory.
inline bool leveldb_file_name(const std::string& n) {
    if (n == "CURRENT" || n == "LOCK" || n == "LOG" || n == "LOG.old") return true;
    auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (n.starts_with("MANIFEST-")) return digits(std::string_view(n).substr(9));
    for (std::string_view ext : {".log", ".ldb", ".sst", ".dbtmp"})
        if (n.ends_with(ext)) return digits(std::string_view(n).substr(0, n.size() - ext.size()));
    return false;
}

// What open_leveldb_store finds in a directory before LevelDB sees it.
enum class store_dir_state { existing, create };

inline void make_private(const std::filesystem::path& dir) { (void)::chmod(dir.c_str(), S_IRWXU); }

// Decides whether LevelDB may open (or create) a database in `dir`. LevelDB
// asked to create a database where there is none treats every file named
// like its own (000005.log, 000007.ldb, MANIFEST-...) as obsolete and
// deletes it, so only an existing store (it has CURRENT), a missing or empty
// directory, or the leftovers of a creation cut short (LOCK, LOG, the first
// manifest, no data) get that far. Everything else is refused with not one file touched.
inline store_dir_state check_store_dir(const std::filesystem::path& dir, const std::string& where,
                                       const store_open_options& o) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto st = fs::symlink_status(dir, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw error(error_kind::store_io, "datachain: cannot look at the store directory " + quoted_value(where) + ": " +
                                              ec.message() + "; check its permissions or choose another store (" +
                                              o.root_hint + ")");
    if (fs::is_symlink(st)) st = fs::status(dir, ec);
    if (!fs::exists(st)) {
        if (!o.create_if_missing)
            throw error(error_kind::not_found, "datachain: there is no datachain store at " + quoted_value(where) +
                                                   "; check the path (" + o.root_hint +
                                                   ") or run a program that uses it first");
        return store_dir_state::create;
    }
    if (!fs::is_directory(st))
        throw error(error_kind::store_format, "datachain: the store path " + quoted_value(where) +
                                                  " exists and is not a directory; choose another store root (" +
                                                  o.root_hint + "); nothing was written");
    std::vector<std::string> names;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) names.push_back(it->path().filename().string());
    if (ec)
        throw error(error_kind::store_io, "datachain: cannot list the store directory " + quoted_value(where) + ": " +
                                              ec.message() + "; check its permissions");
    // datachain's own status file (status_file.hpp) and its temporary
    // twin, recognised by their first line, are not LevelDB's nor a user's.
    std::erase_if(names, [&](const std::string& n) {
        if (n != "datachain-status" && !n.starts_with("datachain-status.tmp-")) return false;
        std::ifstream in(dir / n, std::ios::binary);
        std::string first;
        return std::getline(in, first) && first == "format 1";
    });
    std::sort(names.begin(), names.end());
    auto has = [&](std::string_view n) { return std::binary_search(names.begin(), names.end(), std::string(n)); };
    if (has("CURRENT")) {
        // LevelDB's CURRENT names its manifest ("MANIFEST-000005\n"), which
        // is there: anything else is a user's file called CURRENT.
        std::ifstream in(dir / "CURRENT", std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        bool ok = text.size() > 10 && text.starts_with("MANIFEST-") && text.back() == '\n';
        if (ok) {
            text.pop_back();
            ok = std::all_of(text.begin() + 9, text.end(), [](char c) { return c >= '0' && c <= '9'; }) && has(text);
        }
        const bool foreign = std::any_of(names.begin(), names.end(), [](const std::string& n) {
            return !leveldb_file_name(n);
        });
        if (!ok && foreign)  // a user's directory with a file called CURRENT
            throw error(error_kind::store_format,
                        "datachain: " + quoted_value(where) + " is not a datachain store: its 'CURRENT' file does not name a "
                        "LevelDB manifest in it; choose another store root (" + o.root_hint +
                        "); nothing in it was touched");
        return store_dir_state::existing;  // a damaged CURRENT of a real store: LevelDB refuses it
    }
    auto not_ours = [&] {
        std::string list;
        std::size_t shown = 0;
        for (auto& n : names)
            if (!leveldb_file_name(n) && shown < 5) list += (shown++ ? ", " : "") + quoted_value(n);
        return list;
    };
    auto others = not_ours();
    if (!others.empty())
        throw error(error_kind::store_format,
                    "datachain: " + quoted_value(where) + " is not empty and is not a datachain store (it holds " + others +
                        "); a store root must be a new or empty directory or an existing store: choose another "
                        "one (" + o.root_hint + "); nothing in it was touched");
    // Only LevelDB's file names from here on. Another process creating the
    // store right now holds its LOCK: that is store_locked, not damage.
    if (has("LOCK")) {
        leveldb::FileLock* lock = nullptr;
        auto ls = pread_env::get().target()->LockFile(where + "/LOCK", &lock);
        if (!ls.ok())
            throw error(error_kind::store_locked, "datachain: the store at " + quoted_value(where) +
                                                      " is held by another process (" + ls.ToString() +
                                                      "); wait for it to finish or use another store (" +
                                                      o.root_hint + ")");
        pread_env::get().target()->UnlockFile(lock);
    }
    // What LevelDB writes while creating a database, before CURRENT: a
    // process killed then leaves these, and no data (a store that ever
    // opened has a log file and a later manifest).
    // LevelDB's first file is its info LOG (opened, still empty, before it
    // takes the LOCK), then the LOCK, empty; the rest needs the LOCK.
    std::error_code lock_ec;
    const bool empty_lock = has("LOCK") && fs::file_size(dir / "LOCK", lock_ec) == 0 && !lock_ec;
    auto empty_file = [&](const std::string& n) {
        std::error_code e;
        return fs::file_size(dir / n, e) == 0 && !e;
    };
    bool leftovers = empty_lock && std::all_of(names.begin(), names.end(), [](const std::string& n) {
        return n == "LOCK" || n == "LOG" || n == "LOG.old" || n == "MANIFEST-000001" || n == "000001.dbtmp";
    });
    // Killed before the LOCK: only empty info logs (a retry killed as early
    // renamed the first to LOG.old).
    leftovers = leftovers || (!names.empty() && std::all_of(names.begin(), names.end(), [&](const std::string& n) {
                                  return (n == "LOG" || n == "LOG.old") && empty_file(n);
                              }));
    if (names.empty() || leftovers) {
        if (!o.create_if_missing)
            throw error(error_kind::not_found, "datachain: there is no datachain store at " + quoted_value(where) + " (" +
                                                   (names.empty() ? "the directory is empty"
                                                                  : "only the leftovers of a creation cut short") +
                                                   "); check the path (" + o.root_hint +
                                                   ") or run a program that uses it first; nothing was created");
        return store_dir_state::create;
    }
    std::string listed;
    for (std::size_t i = 0; i < names.size() && i < 5; ++i) listed += (i ? ", " : "") + quoted_value(names[i]);
    throw error(error_kind::store_corrupt,
                "datachain: " + quoted_value(where) + " holds files named like LevelDB's (" + listed +
                    (names.size() > 5 ? ", ..." : "") +
                    ") but no 'CURRENT' file: a damaged store, or a directory that is not a store. It is not "
                    "opened (LevelDB would take those files for obsolete ones of its own and delete them). If it "
                    "is a store, restore it from a backup or move it away to start afresh; if not, choose "
                    "another store root (" + o.root_hint + "); nothing in it was touched");
}

class leveldb_store final : public store {
public:
    explicit leveldb_store(const std::filesystem::path& dir, const store_open_options& o = {})
        : where_(dir.string()), hint_(o.root_hint) {
        const auto state = check_store_dir(dir, where_, o);
        if (state == store_dir_state::create) {
            std::error_code ec;
            std::filesystem::create_directories(dir, ec);
            if (ec)
                throw error(error_kind::store_io, "datachain: cannot create the store directory " +
                                                      detail::quoted_value(where_) + ": " + ec.message() +
                                                      "; choose a writable place (" + hint_ + ")");
            make_private(dir);
        } else if (!o.any_database) {
            // The format record is the first thing a store ever holds.
            // Opening another program's database, or a damaged or locked
            // one, would rewrite and delete its files (leveldb_probe.hpp).
            const auto p = probe_leveldb(where_, rec::format_key());
            if (p.verdict == probe_verdict::failed) throw_status(p.status, where_, "opening it", hint_);
            if (p.verdict == probe_verdict::other_data)
                throw error(
                    error_kind::store_format,
                    "datachain: " + detail::quoted_value(where_) +
                        " holds a LevelDB database that is not a datachain store "
                        "(it has held records but has no datachain format record); choose another store root (" +
                        hint_ + "); nothing in it was touched");
            // A read-only open never opens for real a database without the
            // record: LevelDB's open rewrites its files (a new log and
            // manifest, CURRENT, LOG moved to LOG.old) even when it holds
            // nothing. An empty one is another program's, or a store whose
            // creation was cut short before its first record (the same
            // files): only a writable open adopts it (docs/storage.md).
            if (p.verdict == probe_verdict::empty && !o.create_if_missing)
                throw error(error_kind::store_format,
                            "datachain: " + detail::quoted_value(where_) +
                                " is not a datachain store: it holds an empty LevelDB database with no datachain "
                                "format record (another program's, or a store whose creation was cut short before "
                                "its first record); check the path (" + hint_ +
                                "); nothing in it was touched");
        }
        leveldb::Options opt;
        // Only where check_store_dir found no database: LevelDB never
        // "creates" over files it would then delete.
        opt.create_if_missing = state == store_dir_state::create;
        opt.paranoid_checks = true;
        opt.write_buffer_size = 16 << 20;
        opt.env = o.env ? o.env : &pread_env::get();
        opt.max_open_files = 256;  // one descriptor per cached table file
        leveldb::DB* db = nullptr;
        auto st = leveldb::DB::Open(opt, where_, &db);
        if (!st.ok()) throw_status(st, where_, "opening it", hint_);
        db_.reset(db);
        // Holding the LOCK: no other process uses the store, so a spill
        // directory in it is a killed process's (spill.hpp).
        remove_stale_spill_dirs(dir);
    }

    std::optional<std::string> get(std::string_view k) const override {
        std::string v;
        leveldb::ReadOptions ro;
        ro.verify_checksums = true;
        auto st = db_->Get(ro, slice(k), &v);
        if (st.IsNotFound()) return std::nullopt;
        if (!st.ok()) throw_read_status(st, where_, describe_key(k));
        return v;
    }
    void put(std::string_view k, std::string_view v) override {
        leveldb::WriteBatch b;
        b.Put(slice(k), slice(v));
        apply(b, "writing");
    }
    void del(std::string_view k) override {
        leveldb::WriteBatch b;
        b.Delete(slice(k));
        apply(b, "deleting");
    }
    std::unique_ptr<write_batch> batch() const override { return std::make_unique<leveldb_batch>(); }
    void write(write_batch& b) override { apply(static_cast<leveldb_batch&>(b).b, "writing"); }
    std::unique_ptr<cursor> scan(std::string_view prefix) const override {
        return std::make_unique<leveldb_cursor>(db_.get(), std::string(prefix), where_);
    }
    const std::string& location() const override { return where_; }
    void compact() override {
        std::lock_guard lock(write_m_);
        if (write_failed_.empty()) db_->CompactRange(nullptr, nullptr);
    }

private:
    // A write that fails leaves LevelDB's log in an unknown state: its log
    // writer has already moved past the record it could not write (LevelDB
    // stops writing only after a failed sync), so a later record would be
    // misplaced and the store would not open again (checksum mismatch).
    // After the first failed write, every write is refused without touching
    // LevelDB, until the store is closed and reopened: the log then ends
    // with at most one torn record, which LevelDB's recovery drops. Writes
    // are serialized here (LevelDB serializes them anyway) so that none
    // starts between a failure and its being recorded.
    void apply(leveldb::WriteBatch& b, const char* what) {
        std::lock_guard lock(write_m_);
        if (!write_failed_.empty())
            throw error(error_kind::store_io, "datachain: store error at " + detail::quoted_value(where_) + " while " +
                                                  what + ": an earlier write failed: " + write_failed_ +
                                                  " (is the disk full or read-only, or a store file damaged?); "
                                                  "nothing more is written until the store is closed and "
                                                  "reopened (end every session using it, then rerun); nothing "
                                                  "already stored was lost by this error");
        auto st = db_->Write(leveldb::WriteOptions{}, &b);
        if (st.ok()) return;
        write_failed_ = st.ToString();
        throw_status(st, where_, what);
    }
    std::string where_, hint_;
    std::unique_ptr<leveldb::DB> db_;
    std::mutex write_m_;
    std::string write_failed_;  // set by the first failed write (under write_m_)
};

} // namespace detail

// Opens a LevelDB store in `dir`, creating it if needed (unless
// o.create_if_missing is false). A directory that is neither a store nor new
// or empty is refused. Throws datachain::error.
DATACHAIN_INLINE std::shared_ptr<store> open_leveldb_store(const std::filesystem::path& dir, store_open_options o) {
    return std::make_shared<detail::leveldb_store>(dir, o);
}

} // namespace datachain
