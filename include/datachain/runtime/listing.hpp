// Listing a storage source: every regular file under a directory,
// recursively, sorted by relative path, with its fingerprint.
//
//   auto l = datachain::detail::list_storage("data/");                 // throws error(io)
//   auto m = datachain::detail::list_storage(".", {".datachain"});     // never lists the store
//   l.files; l.fingerprint; l.uri;                                      // "file:///abs/data"
//
// The fingerprint hashes (relative path, size, mtime) of every file in path
// order, so it does not depend on the order the filesystem returns entries,
// and adding, removing, or changing any file changes it.
//
// A listing is complete or an error (error_kind::io naming the path and
// what to do): a directory that cannot be opened or read (permissions, too
// many open files), an entry that cannot be stat'ed, a broken symbolic link
// or a loop of links all throw; nothing is silently left out. What is
// listed, deterministically:
// - regular files, and symbolic links to regular files under the link's own
//   name (with the target's size and mtime);
// - directories are walked. A symbolic link to a directory (inside the tree
//   or outside it) is an error naming the link: following it could list a
//   directory twice or loop, and would make the source depend on a
//   directory outside it; list the target itself, or replace the link;
// - FIFOs, sockets and device files (or links to them) are an error naming
//   the path: they have no contents to read as data (they are only stat'ed,
//   never opened, so a FIFO cannot block the listing);
// - a tree that changes while it is listed (an entry gone between reading
//   its directory and stat'ing it, a directory gone before it is opened, or
//   a directory whose entries, device, inode, mtime or ctime differ when
//   read again once the walk is done) is listed again, up to
//   listing_attempts times in all; if it changes every time, an error says
//   so. Not a snapshot: the kernel stamps times from a coarse clock (a few
//   ms), so an entry moved away and back within one tick of its
//   directory's read can still go unseen;
// - `exclude`: directories (or files) left out with everything under them,
//   matched by identity (device and inode), whatever path names them, and
//   so are symbolic links into them; the
//   runtime passes the store's own directory. A source directory that is
//   itself inside an excluded one is a usage error.
// Names are bytes: newlines, tabs and invalid UTF-8 are kept as they are
// (error messages show control characters escaped). One directory is open
// at a time, whatever the depth of the tree.
//
// listing_test_hook() (tests only) is called with the relative path of each
// directory ("" for the root) and the attempt number (1, 2, ...) once its
// names are read and before they are stat'ed: a test changes the tree there,
// deterministically.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/listing_errors.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain {
struct storage_options;
}

namespace datachain::detail {

struct storage_listing {
    std::string uri;  // file:///canonical/dir (or s3://bucket/prefix/)
    std::vector<File> files;
    hash128 fingerprint;
    std::uint64_t total_bytes = 0;
    std::string endpoint;  // object storage: the server listed ("" for local files)
};

// Lists an s3:// or gs:// URI; installed by <datachain/object_storage.hpp>
// (runtime/object_store/s3_listing.hpp). `store_dir` is the store's
// directory (empty for an in-memory store): the download cache lives there.
using object_lister = storage_listing (*)(std::string_view uri, const storage_options& options,
                                          const std::filesystem::path& store_dir);
inline std::atomic<object_lister>& object_lister_slot() {
    static std::atomic<object_lister> slot{nullptr};
    return slot;
}

// Tests only: see the header comment. Not to be changed while a listing runs.
using listing_hook = void (*)(const std::string& rel_dir, unsigned attempt);
inline std::atomic<listing_hook>& listing_test_hook() {
    static std::atomic<listing_hook> slot{nullptr};
    return slot;
}

// How many times a tree that changes while it is listed is listed in all.
inline constexpr unsigned listing_attempts = 3;

// The sorted names of the open directory `d` (without "." and ".."); 0, or
// the errno of a failed readdir.
inline int read_dir_names(DIR* d, std::vector<std::string>& names) {
    names.clear();
    for (;;) {
        errno = 0;
        dirent* e = ::readdir(d);
        if (!e) {
            if (errno != 0) return errno;
            break;
        }
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        names.emplace_back(n);
    }
    std::sort(names.begin(), names.end());
    return 0;
}

inline hash128 names_hash(const std::vector<std::string>& names) {
    hasher h;
    h.tag("dir").u64(names.size());
    for (auto& n : names) h.str(n);
    return h.finish();
}

// Device and inode of `p` (following links), if it exists.
inline std::optional<std::pair<dev_t, ino_t>> file_identity(const std::filesystem::path& p) {
    struct stat st{};
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    return std::pair{st.st_dev, st.st_ino};
}

// Nanoseconds since the Unix epoch, as object storage gives them (File.mtime
// means the same for every source). Listings before 0.1.0 recorded
// libstdc++'s file_clock (epoch 2174): their fingerprints differ, so a chain
// over a local directory recomputes once after the upgrade.
inline std::int64_t listing_mtime(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// `on_file` (optional) is called once per file found, for progress (again
// for each file of a walk that is repeated because the tree changed).
inline storage_listing list_storage(std::string_view uri_in, const std::vector<std::filesystem::path>& exclude = {},
                                    const std::function<void()>& on_file = {}) {
    namespace fs = std::filesystem;
    std::string path(uri_in);
    if (path.starts_with("file://")) path = path.substr(7);
    else if (auto p = path.find("://"); p != std::string::npos)
        throw error(error_kind::usage, "datachain: read_storage(\"" + detail::escaped(uri_in) + "\"): the scheme '" +
                                           path.substr(0, p) +
                                           "://' is not supported; use a local path, a file:// URI, "
                                           "or s3:// and gs:// (object storage)");
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw error(error_kind::io, "datachain: read_storage(\"" + detail::escaped(uri_in) + "\"): the directory " +
                                        detail::quoted_value(path) +
                                        " does not exist; check the path (relative paths start at the "
                                        "working directory " +
                                        fs::current_path().string() + ")");
    if (!fs::is_directory(path, ec))
        throw error(error_kind::io, "datachain: read_storage(\"" + detail::escaped(uri_in) +
                                        "\"): " + detail::quoted_value(path) + " is not a directory");
    auto root = fs::canonical(path, ec);
    if (ec)
        throw error(error_kind::io,
                    "datachain: read_storage: cannot resolve " + detail::quoted_value(path) + ": " + ec.message());

    std::set<std::pair<dev_t, ino_t>> excluded;
    std::vector<std::string> excluded_paths;  // canonical, for links pointing under them
    for (auto& x : exclude)
        if (auto id = file_identity(x)) {
            excluded.insert(*id);
            std::error_code xe;
            if (auto c = fs::canonical(x, xe); !xe) excluded_paths.push_back(c.string());
        }
    // A symbolic link whose target lies in an excluded directory.
    auto links_into_excluded = [&](const std::string& link) {
        if (excluded_paths.empty()) return false;
        char* rp = ::realpath(link.c_str(), nullptr);
        if (!rp) return false;
        const std::string target(rp);
        std::free(rp);
        for (auto& x : excluded_paths)
            if (target == x || (target.starts_with(x) && target.size() > x.size() && target[x.size()] == '/'))
                return true;
        return false;
    };
    if (!excluded.empty())
        for (fs::path p = root;; p = p.parent_path()) {
            if (auto id = file_identity(p); id && excluded.contains(*id))
                throw error(error_kind::usage, "datachain: read_storage(\"" + detail::escaped(uri_in) +
                                                   "\"): " + detail::quoted_value(root.string()) +
                                                   " is inside the datachain store " +
                                                   detail::quoted_value(p.string()) +
                                                   "; a store is never a source: list another directory");
            if (p == p.parent_path()) break;
        }

    storage_listing out;
    out.uri = "file://" + root.string();
    const std::string base = root.string() == "/" ? std::string() : root.string();
    const auto fail = [&](DIR* d, const std::string& what, const std::string& p, int err) {
        ::closedir(d);
        throw_listing(uri_in, what, p, err);
    };

    // Opens `dir` (not through a link), stats it and reads its sorted names
    // into `names`: the open directory, or nullptr with the open's errno in
    // `err` (the caller tells a change of the tree from a failure).
    std::vector<std::string> names;
    const auto open_and_read = [&](const std::string& dir, struct stat& dst, int& err) -> DIR* {
        int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            err = errno;
            return nullptr;
        }
        DIR* d = ::fdopendir(fd);
        if (!d) {
            int e = errno;
            ::close(fd);
            throw_listing(uri_in, "cannot open the directory", dir, e);
        }
        if (::fstat(fd, &dst) != 0) fail(d, "cannot stat", dir, errno);
        if (int e = read_dir_names(d, names)) fail(d, "cannot read the directory", dir, e);
        return d;
    };

    // One walk over the tree. Returns "" when complete, or what changed in
    // the tree while it was walked (then the caller lists it again).
    auto walk = [&](unsigned attempt) -> std::string {
        out.files.clear();
        out.total_bytes = 0;
        // Every directory read, with its device, inode, mtime and ctime (as
        // fstat gave them before its names were read) and the hash of its
        // names: read again once the walk is done, to see that none changed.
        // A rename changes both directories' mtime and ctime, so a file moved
        // away and back between two reads shows even though the names match.
        struct seen_dir {
            std::string rel;
            dev_t dev;
            ino_t ino;
            timespec mtime, ctime;
            hash128 names;
        };
        const auto same_time = [](const timespec& a, const timespec& b) {
            return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
        };
        std::vector<seen_dir> seen;
        // Depth-first over relative directory paths ("" is the root); one
        // directory is open at a time: read, stat its entries, close, descend.
        std::vector<std::string> pending{""};
        while (!pending.empty()) {
            std::string rel = std::move(pending.back());
            pending.pop_back();
            const std::string dir = rel.empty() ? root.string() : base + "/" + rel;
            struct stat dst{};
            int open_err = 0;
            DIR* d = open_and_read(dir, dst, open_err);
            if (!d) {
                if (!rel.empty() && open_err == ENOENT)  // its parent listed it
                    return quoted_value(dir) + " was removed or renamed before it was read";
                if (!rel.empty() && (open_err == ENOTDIR || open_err == ELOOP))  // ELOOP: now a link (O_NOFOLLOW)
                    return quoted_value(dir) + " was replaced by something else before it was read";
                throw_listing(uri_in, "cannot open the directory", dir, open_err);
            }
            const int fd = ::dirfd(d);
            seen.push_back({rel, dst.st_dev, dst.st_ino, dst.st_mtim, dst.st_ctim, names_hash(names)});
            if (auto hook = listing_test_hook().load()) hook(rel, attempt);
            std::vector<std::string> subdirs;
            for (auto& n : names) {
                const std::string rel_n = rel.empty() ? n : rel + "/" + n;
                const std::string full = base + "/" + rel_n;
                struct stat st{};
                if (::fstatat(fd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                    int err = errno;
                    if (err == ENOENT) {  // in its directory a moment ago
                        ::closedir(d);
                        return quoted_value(full) + " was removed or renamed while it was listed";
                    }
                    fail(d, "cannot stat", full, err);
                }
                if (excluded.contains({st.st_dev, st.st_ino})) continue;
                if (S_ISDIR(st.st_mode)) {
                    subdirs.push_back(rel_n);
                    continue;
                }
                if (S_ISLNK(st.st_mode)) {
                    struct stat target{};
                    if (::fstatat(fd, n.c_str(), &target, 0) != 0) {
                        int err = errno;
                        struct stat again{};
                        if (err == ENOENT && ::fstatat(fd, n.c_str(), &again, AT_SYMLINK_NOFOLLOW) != 0 &&
                            errno == ENOENT) {
                            ::closedir(d);
                            return quoted_value(full) + " was removed or renamed while it was listed";
                        }
                        ::closedir(d);
                        if (err == ENOENT)
                            throw_listing_entry(uri_in, full, "a broken symbolic link", "fix or remove it");
                        throw_listing(uri_in, "cannot follow the symbolic link", full, err);
                    }
                    if (excluded.contains({target.st_dev, target.st_ino}) || links_into_excluded(full)) continue;
                    if (S_ISDIR(target.st_mode)) {
                        ::closedir(d);
                        char* rp = ::realpath(full.c_str(), nullptr);
                        const std::string to = rp ? std::string(rp) : std::string("?");
                        std::free(rp);
                        throw_listing_entry(uri_in, full, "a symbolic link to the directory " + quoted_value(to),
                                            "read_storage does not follow links to directories (one could list a "
                                            "directory twice, or loop): list the target with a read_storage of "
                                            "its own, or replace the link with the directory");
                    }
                    if (!S_ISREG(target.st_mode)) {
                        ::closedir(d);
                        throw_listing_entry(uri_in, full, "a symbolic link to " + special_file_kind(target.st_mode),
                                            "it has no contents to read as a file: move it out of the source "
                                            "directory");
                    }
                    st = target;
                } else if (!S_ISREG(st.st_mode)) {
                    ::closedir(d);
                    throw_listing_entry(uri_in, full, special_file_kind(st.st_mode),
                                        "it has no contents to read as a file: move it out of the source "
                                        "directory");
                }
                File f;
                f.source = out.uri;
                f.path = rel_n;
                f.size = static_cast<std::uint64_t>(st.st_size);
                f.mtime = listing_mtime(st);
                out.total_bytes += f.size;
                out.files.push_back(std::move(f));
                if (on_file) on_file();
            }
            ::closedir(d);
            for (auto it = subdirs.rbegin(); it != subdirs.rend(); ++it) pending.push_back(std::move(*it));
        }
        // Every directory again: the same one (device, inode), the same names.
        for (const auto& sd : seen) {
            const std::string dir = sd.rel.empty() ? root.string() : base + "/" + sd.rel;
            struct stat dst{};
            int open_err = 0;
            DIR* d = open_and_read(dir, dst, open_err);
            if (!d) {
                if (open_err == ENOENT || open_err == ENOTDIR || (open_err == ELOOP && !sd.rel.empty()))
                    return quoted_value(dir) + " was removed, renamed or replaced";
                throw_listing(uri_in, "cannot open the directory", dir, open_err);
            }
            ::closedir(d);
            if (dst.st_dev != sd.dev || dst.st_ino != sd.ino)
                return quoted_value(dir) + " was replaced by another directory";
            if (names_hash(names) != sd.names) return "the entries of " + quoted_value(dir) + " changed";
            if (!same_time(dst.st_mtim, sd.mtime) || !same_time(dst.st_ctim, sd.ctime))
                return quoted_value(dir) + " was modified (its mtime or ctime changed: an entry was added, removed "
                                           "or renamed, perhaps away and back)";
        }
        return {};
    };
    std::string changed;
    for (unsigned attempt = 1;; ++attempt) {
        changed = walk(attempt);
        if (changed.empty()) break;
        if (attempt == listing_attempts)
            throw error(error_kind::io, "datachain: read_storage(\"" + detail::escaped(uri_in) +
                                            "\"): the tree under " + quoted_value(root.string()) +
                                            " changed while it was listed, " + std::to_string(listing_attempts) +
                                            " times in a row (the last time: " + changed +
                                            "); stop what is changing it (or list a snapshot or copy "
                                            "of it) and rerun. Nothing was computed from it");
    }
    std::sort(out.files.begin(), out.files.end(), [](const File& a, const File& b) { return a.path < b.path; });
    hasher h;
    h.tag("listing").u64(out.files.size());
    for (const auto& f : out.files) h.str(f.path).u64(f.size).i64(f.mtime);
    out.fingerprint = h.finish();
    return out;
}

} // namespace datachain::detail
