// The download cache: object contents kept on disk under the store, so a
// rerun that must recompute does not download again.
//
//   object_cache c{store_dir / "object-cache"};
//   auto e = c.entry("http://127.0.0.1:4568", "bucket", "a/b.jpg", "9a0364b9e99bb480dd25e1f0284c8555");
//   if (auto data = c.get(e, size)) use(*data); else c.put(e, download());
//
// An entry is named by the SHA-256 of (endpoint, bucket, key, etag): a
// rewritten object has a new etag, so a stale entry is never read (and an
// object without an etag is not cached). The directory is made 0700 and
// every file 0600, created with O_EXCL under a temporary name and renamed
// into place, so a reader never sees half a file; only files this cache
// created are ever replaced. The cache is best effort: a failure to write
// it is not an error (the download is returned all the same).
//
// A hit sets the entry's mtime to now, so prune(unused_for) drops the
// entries no run has used for that long (and temporary files left by a
// killed writer); it removes only names this cache makes.
#pragma once

#include <datachain/runtime/object_store/sigv4.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace datachain::detail::objstore {

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

    // The cached contents if the entry exists with the expected size.
    std::optional<std::string> get(const std::filesystem::path& e, std::uint64_t size) const {
        int fd = ::open(e.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return std::nullopt;
        struct stat st{};
        std::optional<std::string> out;
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == size) {
            std::string data(static_cast<std::size_t>(size), '\0');
            std::size_t got = 0;
            while (got < data.size()) {
                ssize_t n = ::read(fd, data.data() + got, data.size() - got);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            if (got == data.size()) out = std::move(data);
        }
        if (out) ::futimens(fd, nullptr);  // last use
        ::close(fd);
        return out;
    }

    // A name this cache makes: 64 hex digits + ".obj", or that + ".tmp.<pid>.<n>".
    static bool own_name(std::string_view n) {
        if (n.size() < 68) return false;
        for (std::size_t i = 0; i < 64; ++i)
            if (!std::isxdigit(static_cast<unsigned char>(n[i]))) return false;
        auto rest = n.substr(64);
        return rest == ".obj" || rest.starts_with(".obj.tmp.");
    }

    // Removes the entries not used for `unused_for`; returns how many.
    std::uint64_t prune(std::chrono::seconds unused_for) const {
        std::uint64_t removed = 0;
        std::error_code ec;
        if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return 0;
        const auto cutoff = std::chrono::system_clock::now() - unused_for;
        for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
             it.increment(ec)) {
            const std::string name = it->path().filename().string();
            struct stat st{};
            if (!own_name(name) || ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
            const auto used = std::chrono::system_clock::from_time_t(st.st_mtim.tv_sec);
            if (used < cutoff && ::unlink(it->path().c_str()) == 0) ++removed;
        }
        return removed;
    }

    void put(const std::filesystem::path& e, std::string_view data) const {
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
        static std::atomic<unsigned> counter{0};
        const std::string tmp = e.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return;
        std::size_t done = 0;
        bool ok = true;
        while (done < data.size()) {
            ssize_t n = ::write(fd, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ok = false;
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        ok = ::close(fd) == 0 && ok;
        if (!ok || ::rename(tmp.c_str(), e.c_str()) != 0) ::unlink(tmp.c_str());
    }
};

} // namespace datachain::detail::objstore
