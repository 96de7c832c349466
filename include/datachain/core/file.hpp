// File: the row type of storage sources.
//
// ```cpp
// for (auto& r : (dc::read_storage("photos/") | dc::map<"kb">(f)).collect(s))
//     std::string bytes = r.get<"file">().read();
// ```
//
// `source` is the storage root as a URI ("file:///abs/dir"), `path` the
// relative path with '/' separators, `size` in bytes, `mtime` the
// modification time in nanoseconds since the Unix epoch. Objects (s3://,
// gs://) have `source` "s3://bucket" and `path` the whole key, as DataChain
// does; `etag` is the object's ETag (without quotes) and `version` its
// version id or generation where the listing gives one (both empty for local
// files). The six fields are reflected (BOOST_HANA_DEFINE_STRUCT), so
// pipelines reach them as C<"file.path">, C<"file.size">, C<"file.etag">, ...
//
// read() returns the whole contents, read(offset, length) a range (shorter
// at the end of the file). Objects are read through the object storage
// backend (<datachain/object_storage.hpp>); without it that is an error.
// A local file listed by read_storage (mtime not 0) must still have the
// listed size and mtime, before and after it is read: a file that changed
// since it was listed is error(io) ("changed since it was listed; rerun"),
// never contents that disagree with file.size. A File made by hand with
// mtime 0 reads whatever the file holds.
#pragma once

#include <datachain/core/error.hpp>

#include <boost/hana/define_struct.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

namespace datachain {

struct File;

namespace detail {
// Reads [offset, offset + length) of an object; installed by
// <datachain/object_storage.hpp>.
using object_reader = std::string (*)(const File&, std::uint64_t offset, std::uint64_t length);
inline std::atomic<object_reader>& object_reader_slot() {
    static std::atomic<object_reader> slot{nullptr};
    return slot;
}
// "s3://..." or "gs://...": object storage.
inline bool is_object_uri(std::string_view uri) { return uri.starts_with("s3://") || uri.starts_with("gs://"); }
[[noreturn]] inline void no_object_backend(std::string_view uri) {
    throw error(error_kind::usage,
                "datachain: '" + std::string(uri) +
                    "' is object storage, which this program was built without: link the CMake target "
                    "datachain::object_storage (find_package(datachain COMPONENTS object_storage)) and "
                    "#include <datachain/object_storage.hpp>");
}
} // namespace detail

struct File {
    BOOST_HANA_DEFINE_STRUCT(File,
        (std::string, source),
        (std::string, path),
        (std::uint64_t, size),
        (std::int64_t, mtime),
        (std::string, etag),
        (std::string, version));

    // Local filesystem path of the file. Requires a "file://" source.
    std::filesystem::path full_path() const {
        std::string_view root = source;
        if (root.starts_with("file://")) root.remove_prefix(7);
        return std::filesystem::path(std::string(root)) / path;
    }

    // The whole contents. Throws datachain::error (kind io) naming the path
    // when the file cannot be opened or read.
    std::string read() const { return read(0, std::numeric_limits<std::uint64_t>::max()); }

    // `length` bytes from `offset` (fewer at the end; "" past it).
    std::string read(std::uint64_t offset, std::uint64_t length) const {
        if (detail::is_object_uri(source)) {
            auto reader = detail::object_reader_slot().load();
            if (!reader) detail::no_object_backend(source);
            return reader(*this, offset, length);
        }
        const auto p = full_path();
        // Non-blocking: a FIFO put in the file's place must not hang the read.
        const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            const int err = errno;
            if (err == ENOENT || err == ENOTDIR)
                throw error(error_kind::io, "datachain: cannot read '" + p.string() + "': it does not exist (any more)");
            throw error(error_kind::io, "datachain: cannot open file '" + p.string() + "' for reading: " +
                                            std::strerror(err) + "; check that it is readable");
        }
        struct closer {
            int fd;
            ~closer() { ::close(fd); }
        } close_fd{fd};
        struct stat st{};
        if (::fstat(fd, &st) != 0)
            throw error(error_kind::io, "datachain: cannot stat '" + p.string() + "': " + std::strerror(errno));
        if (!S_ISREG(st.st_mode))
            throw error(error_kind::io, "datachain: cannot read '" + p.string() + "': it is not a regular file");
        check_unchanged(st, p);
        std::string data;
        const auto end = static_cast<std::uint64_t>(st.st_size);
        if (offset >= end) return data;
        data.resize(static_cast<std::size_t>(std::min(length, end - offset)));
        std::size_t got = 0;
        while (got < data.size()) {
            const ssize_t n = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(offset + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0)
                throw error(error_kind::io, "datachain: error while reading '" + p.string() + "': " +
                                                std::strerror(errno));
            if (n == 0) break;  // shorter now: the check below says so for a listed file
            got += static_cast<std::size_t>(n);
        }
        data.resize(got);
        // Written while it was read: the bytes may be half old, half new.
        if (::fstat(fd, &st) == 0) check_unchanged(st, p);
        return data;
    }

    // A listed file (mtime not 0) whose size or mtime is no longer what the
    // row says: error(io), rather than content that disagrees with the row.
    void check_unchanged(const struct stat& st, const std::filesystem::path& p) const {
        if (mtime == 0) return;  // not from a listing (a File made by hand)
        const auto now_size = static_cast<std::uint64_t>(st.st_size);
        const std::int64_t now_mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        if (now_size == size && now_mtime == mtime) return;
        throw error(error_kind::io,
                    "datachain: '" + p.string() + "' changed since it was listed (" +
                        (now_size != size ? "listed with " + std::to_string(size) + " bytes, it has " +
                                                std::to_string(now_size) + " now"
                                          : "modified at " + std::to_string(now_mtime) + " ns since the epoch, listed "
                                                "at " + std::to_string(mtime)) +
                        "): its contents would not match the row; rerun the chain so that it is listed again");
    }

    // The last path component: "dogs/dog.1.jpg" -> "dog.1.jpg".
    std::string name() const {
        auto p = path.rfind('/');
        return p == std::string::npos ? path : path.substr(p + 1);
    }
    // Everything before the last '/', or "" at the top level.
    std::string parent() const {
        auto p = path.rfind('/');
        return p == std::string::npos ? std::string{} : path.substr(0, p);
    }
    // The extension without the dot: "dog.1.jpg" -> "jpg"; "" when none.
    std::string suffix() const {
        auto n = name();
        auto p = n.rfind('.');
        return p == std::string::npos || p == 0 ? std::string{} : n.substr(p + 1);
    }

    friend bool operator==(const File&, const File&) = default;
};

} // namespace datachain
