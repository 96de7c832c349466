// The files object storage keeps under a store, as far as the core needs
// them: where they live, the names the backend gives them, removing the
// temporaries of a killed writer, and pruning the download cache by last
// use. No libcurl or OpenSSL here: gc (gc.hpp, `datachain gc`) prunes the
// cache of programs built without object storage too.
//
//   auto dir = object_cache_dir(store_dir);                 // <store>/object-cache
//   remove_stale_temporaries(dir, "obj");                   // leftovers of a killed download
//   prune_object_cache_dir(dir, cutoff_ns);                 // entries last used before the cutoff
//
// Names: an entry is 64 hex digits, '.', and its extension ("obj": a cached
// object, in object-cache/; "src": how to reach a bucket, in
// object-sources/); a temporary is an entry's name + ".tmp.<pid>.<n>",
// written by process <pid> and renamed into place when complete. Nothing
// else in these directories is ever removed, so a user's file there is safe.
// A cache entry's mtime is its last use (a hit sets it).
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace datachain::detail {

inline std::filesystem::path object_cache_dir(const std::filesystem::path& store_dir) {
    return store_dir / "object-cache";
}
inline std::filesystem::path object_sources_dir(const std::filesystem::path& store_dir) {
    return store_dir / "object-sources";
}

struct object_file_name {
    bool entry = false;  // <hex64>.<ext>
    bool temp = false;   // <hex64>.<ext>.tmp.<pid>.<n>
    long pid = 0;        // the writer of a temporary
};

inline object_file_name parse_object_file_name(std::string_view n, std::string_view ext) {
    object_file_name out;
    if (n.size() < 65 + ext.size() || n[64] != '.' || n.substr(65, ext.size()) != ext) return out;
    for (std::size_t i = 0; i < 64; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(n[i]))) return out;
    auto rest = n.substr(65 + ext.size());
    if (rest.empty()) {
        out.entry = true;
        return out;
    }
    if (!rest.starts_with(".tmp.")) return out;
    rest.remove_prefix(5);
    auto dot = rest.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size() || dot > 9) return out;
    for (std::size_t i = 0; i < rest.size(); ++i)
        if (i != dot && !std::isdigit(static_cast<unsigned char>(rest[i]))) return out;
    out.temp = true;
    out.pid = std::stol(std::string(rest.substr(0, dot)));
    return out;
}

// The temporary name of `entry` for this process; `n` numbers the writes.
inline std::string object_temp_name(const std::filesystem::path& entry, unsigned n) {
    return entry.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(n);
}

// Removes the temporaries in `dir` whose writer is no longer running on
// this machine (kill(pid, 0) says there is no such process): what a
// download or record write killed midway leaves. Returns how many.
inline std::uint64_t remove_stale_temporaries(const std::filesystem::path& dir, std::string_view ext) {
    std::uint64_t removed = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        const auto f = parse_object_file_name(it->path().filename().native(), ext);
        struct stat st{};
        if (!f.temp || f.pid <= 0 || f.pid == ::getpid()) continue;
        if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (::kill(static_cast<pid_t>(f.pid), 0) != 0 && errno == ESRCH && ::unlink(it->path().c_str()) == 0)
            ++removed;
    }
    return removed;
}

// remove_stale_temporaries, once per directory in this process (its first use).
inline void remove_stale_temporaries_once(const std::filesystem::path& dir, std::string_view ext) {
    static std::mutex m;
    static std::set<std::string> done;
    {
        std::lock_guard lock(m);
        if (!done.insert(dir.string()).second) return;
    }
    remove_stale_temporaries(dir, ext);
}

// Removes the cache entries (and temporaries) of `dir` last used before
// `cutoff_ns` (ns since the Unix epoch); returns how many entries went.
inline std::uint64_t prune_object_cache_dir(const std::filesystem::path& dir, std::int64_t cutoff_ns) {
    std::uint64_t removed = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        const auto f = parse_object_file_name(it->path().filename().native(), "obj");
        struct stat st{};
        if ((!f.entry && !f.temp) || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const std::int64_t used = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        if (used < cutoff_ns && ::unlink(it->path().c_str()) == 0 && f.entry) ++removed;
    }
    return removed;
}

} // namespace datachain::detail
