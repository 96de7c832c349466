// The download cache: object contents kept on disk under the store, so a
// rerun that must recompute does not download again.
//
//   object_cache c{store_dir / "object-cache"};
//   auto e = c.entry("http://127.0.0.1:4568", "bucket", "a/b.jpg", "9a0364b9e99bb480dd25e1f0284c8555");
//   if (auto data = c.get(e, size, etag)) use(*data); else c.put(e, download(), etag);
//
// An entry is named by the SHA-256 of (endpoint, bucket, key, etag): a
// rewritten object has a new etag, so its old entry is never looked up (and
// an object without an etag is not cached). Each entry starts with a header
// holding the object's size, etag and the SHA-256 of its contents; get()
// checks all three, so an entry that is damaged, cut short or another
// object's is never returned: it is removed and the caller downloads again.
//
// The directory is made 0700 and every file 0600, created with O_EXCL under
// a temporary name (object_cache_files.hpp) and renamed into place, so a
// reader never sees half a file; only files this cache created are ever
// replaced or removed. The first use in a process removes the temporaries
// of writers that are no longer running (a download killed midway). The
// cache is best effort: a failure to write it is not an error (the download
// is returned all the same). A hit sets the entry's mtime to now: its last
// use, which prune() and gc (gc.hpp) go by.
#pragma once

#include <datachain/runtime/object_cache_files.hpp>
#include <datachain/runtime/object_store/sigv4.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace datachain::detail::objstore {

inline constexpr std::string_view cache_magic = "datachain-object-cache 1\n";

struct object_cache {
    std::filesystem::path dir;  // empty: no cache

    bool enabled() const { return !dir.empty(); }

    std::filesystem::path entry(std::string_view endpoint, std::string_view bucket, std::string_view key,
                                std::string_view etag) const {
        std::string id;
        for (auto part : {endpoint, bucket, key, etag}) {
            id += std::to_string(part.size()) + ":";
            id += part;
        }
        return dir / (sha256_hex(id) + ".obj");
    }

    // Removes, once per process, the temporaries of writers that are gone.
    void sweep() const {
        if (enabled()) remove_stale_temporaries_once(dir, "obj");
    }

    // The contents of `e` if it holds an object of `size` bytes with `etag`
    // whose contents match the recorded SHA-256; otherwise the entry is
    // removed (when it exists) and the result is empty.
    std::optional<std::string> get(const std::filesystem::path& e, std::uint64_t size, std::string_view etag) const {
        sweep();
        int fd = ::open(e.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return std::nullopt;
        struct stat st{};
        std::optional<std::string> out;
        const std::string header = header_for(size, etag);
        const std::uint64_t header_size = header.size() + 64 + 1;  // + the SHA-256 hex and '\n'
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<std::uint64_t>(st.st_size) == header_size + size) {
            std::string data(static_cast<std::size_t>(st.st_size), '\0');
            std::size_t got = 0;
            while (got < data.size()) {
                ssize_t n = ::read(fd, data.data() + got, data.size() - got);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            const auto body = std::string_view(data).substr(static_cast<std::size_t>(header_size));
            if (got == data.size() && data.compare(0, header.size(), header) == 0 &&
                data.compare(header.size(), 65, sha256_hex(body) + "\n") == 0) {
                data.erase(0, static_cast<std::size_t>(header_size));
                out = std::move(data);
            }
        }
        if (out) ::futimens(fd, nullptr);  // last use
        ::close(fd);
        if (!out && st.st_mode != 0) ::unlink(e.c_str());  // damaged, cut short or another object's
        return out;
    }

    // Removes the entries not used for `unused_for`; returns how many.
    std::uint64_t prune(std::chrono::seconds unused_for) const {
        if (!enabled()) return 0;
        const auto cutoff = std::chrono::system_clock::now() - unused_for;
        return prune_object_cache_dir(
            dir, std::chrono::duration_cast<std::chrono::nanoseconds>(cutoff.time_since_epoch()).count());
    }

    void put(const std::filesystem::path& e, std::string_view data, std::string_view etag) const {
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
        sweep();
        static std::atomic<unsigned> counter{0};
        const std::string tmp = object_temp_name(e, counter++);
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return;
        const std::string header = header_for(data.size(), etag) + sha256_hex(data) + "\n";
        bool ok = write_all(fd, header) && write_all(fd, data);
        ok = ::close(fd) == 0 && ok;
        if (!ok || ::rename(tmp.c_str(), e.c_str()) != 0) ::unlink(tmp.c_str());
    }

private:
    // The header up to the SHA-256: the magic line, then "<size> <etag> ".
    static std::string header_for(std::uint64_t size, std::string_view etag) {
        return std::string(cache_magic) + std::to_string(size) + " " + std::string(etag) + " ";
    }
    static bool write_all(int fd, std::string_view data) {
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::write(fd, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
};

} // namespace datachain::detail::objstore
