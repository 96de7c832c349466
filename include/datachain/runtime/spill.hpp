// A temporary file of sorted runs: where order_by and agg put their input
// when it is larger than settings::spill_bytes (external_sort.hpp sorts each
// run in memory and merges the runs).
//
//   detail::spill_file f(db.location());          // an unnamed file, see below
//   f.append(key, row_bytes); ...; auto run = f.end_run();
//   detail::spill_run r(f, run, 1 << 20);         // reads one run back, in order
//   for (; r.valid(); r.next()) use(r.key(), r.value());
//
// The file has no name while it is used: it is created in a directory made
// for it, `datachain-spill.XXXXXX` (mkdtemp) in the store's directory (the
// OS temporary directory for a store that has none, such as "memory:"),
// beside a marker file `datachain-spill` that says "datachain spill format
// 1"; then the file is unlinked, the marker removed and the directory
// removed, all before the first row is written. The data lives only in the
// open descriptor: the kernel frees it when the object is destroyed or the
// process ends, however it ends, and no tombstones or compactions are left in
// the store. A process killed inside those few calls can leave the directory
// behind; the next open of the store removes it (remove_stale_spill_dirs):
// only a directory of exactly that name (six letters or digits) holding
// nothing, or the marker with its text and an empty file named `runs` (it is
// unlinked before its first byte); anything else in it is a user's and is
// kept.
//
// Records: u32 key size, u32 value size (native byte order: the file never
// outlives the process), key, value. Writes go through a 1 MiB buffer, reads
// through a buffer per run (pread), not fsync'ed: a spill need not survive
// the process. Errors (disk full) throw datachain::error (store_io). Not
// thread-safe: one stage owns a spill_file.
#pragma once

#include <datachain/core/error.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace datachain::detail {

inline constexpr std::string_view spill_dir_prefix = "datachain-spill.";
inline constexpr std::string_view spill_marker_name = "datachain-spill";
inline constexpr std::string_view spill_marker_text = "datachain spill format 1\n";
inline constexpr std::string_view spill_runs_name = "runs";

// Where spill directories are made for a store at `location`: its directory,
// or the OS temporary directory when it has none.
inline std::filesystem::path spill_parent(const std::string& location) {
    std::error_code ec;
    if (!location.empty() && std::filesystem::is_directory(location, ec)) return location;
    return std::filesystem::temp_directory_path();
}

// A name mkdtemp gives: the prefix and exactly six letters or digits.
inline bool is_spill_dir_name(std::string_view name) noexcept {
    if (!name.starts_with(spill_dir_prefix) || name.size() != spill_dir_prefix.size() + 6) return false;
    return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(spill_dir_prefix.size()), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
}

// Removes a spill directory left by a killed process if it is provably one
// (see the header comment); true if it is gone. Never throws.
inline bool remove_spill_dir(const std::filesystem::path& dir) noexcept {
    try {
        std::error_code ec;
        const auto st = std::filesystem::symlink_status(dir, ec);
        if (ec || !std::filesystem::is_directory(st)) return false;
        const auto marker = dir / spill_marker_name;
        bool ours = false;
        if (int fd = ::open(marker.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW); fd >= 0) {
            char buf[64];
            const ssize_t n = ::read(fd, buf, sizeof buf);
            ::close(fd);
            ours = n == static_cast<ssize_t>(spill_marker_text.size()) &&
                   std::string_view(buf, static_cast<std::size_t>(n)) == spill_marker_text;
        }
        // `runs` is unlinked before its first byte is written: a leftover one
        // is empty; one with data (or not a regular file) is not ours.
        if (ours) {
            const auto runs = dir / spill_runs_name;
            struct stat rs {};
            if (::lstat(runs.c_str(), &rs) == 0) {
                if (S_ISREG(rs.st_mode) && rs.st_size == 0) (void)::unlink(runs.c_str());
                else ours = false;
            }
        }
        if (ours) (void)::unlink(marker.c_str());
        return ::rmdir(dir.c_str()) == 0;  // only if empty: anything else is kept
    } catch (...) {
        return false;
    }
}

// Removes the spill directories a killed process left in `store_dir`; the
// number removed. Call only while holding the store (no other process can be
// using them). Never throws.
inline std::size_t remove_stale_spill_dirs(const std::filesystem::path& store_dir) noexcept {
    std::size_t n = 0;
    try {
        std::error_code ec;
        std::vector<std::filesystem::path> found;
        for (std::filesystem::directory_iterator it(store_dir, ec), end; !ec && it != end; it.increment(ec))
            if (is_spill_dir_name(it->path().filename().string())) found.push_back(it->path());
        for (const auto& d : found) n += remove_spill_dir(d);
    } catch (...) {
    }
    return n;
}

// The first 8 bytes of a key, zero-padded, as a big-endian number: if two
// keys' prefixes differ, the keys compare (as unsigned bytes) as they do.
inline std::uint64_t key_prefix(std::string_view k) noexcept {
    std::uint64_t v = 0;
    const std::size_t n = std::min<std::size_t>(k.size(), 8);
    for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | (i < n ? static_cast<unsigned char>(k[i]) : 0u);
    return v;
}

class spill_file {
public:
    struct run {
        std::uint64_t begin = 0, end = 0;
    };

    explicit spill_file(const std::string& location) {
        const auto parent = spill_parent(location);
        where_ = parent.string();
        std::string tmpl = (parent / (std::string(spill_dir_prefix) + "XXXXXX")).string();
        if (!::mkdtemp(tmpl.data())) {
            const int e = errno;
            fail(e, "creating a spill directory in " + detail::quoted_value(where_));
        }
        const std::filesystem::path dir = tmpl;
        const auto marker = dir / spill_marker_name, runs = dir / spill_runs_name;
        int e = 0;  // the errno of the first failed call
        if (const int m = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); m < 0) {
            e = errno;
        } else {
            const ssize_t w = ::write(m, spill_marker_text.data(), spill_marker_text.size());
            if (w != static_cast<ssize_t>(spill_marker_text.size())) e = w < 0 ? errno : ENOSPC;
            ::close(m);
        }
        if (e == 0 && (fd_ = ::open(runs.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) e = errno;
        (void)::unlink(runs.c_str());
        (void)::unlink(marker.c_str());
        (void)::rmdir(dir.c_str());
        if (e != 0) {
            if (fd_ >= 0) ::close(fd_);
            fail(e, "creating a spill file in " + detail::quoted_value(where_));
        }
        out_.reserve(buffer_bytes);
    }
    spill_file(const spill_file&) = delete;
    spill_file& operator=(const spill_file&) = delete;
    ~spill_file() {
        if (fd_ >= 0) ::close(fd_);
    }

    // Appends a record to the current run.
    void append(std::string_view key, std::string_view value) {
        const std::uint32_t h[2] = {static_cast<std::uint32_t>(key.size()), static_cast<std::uint32_t>(value.size())};
        out_.append(reinterpret_cast<const char*>(h), sizeof h);
        out_.append(key);
        out_.append(value);
        if (out_.size() >= buffer_bytes) flush();
    }
    // Ends the current run (written to the file) and gives its extent.
    run end_run() {
        flush();
        run r{run_begin_, size_};
        run_begin_ = size_;
        return r;
    }
    std::uint64_t bytes() const noexcept { return size_ + out_.size(); }
    int fd() const noexcept { return fd_; }
    // The directory the file was made in, for messages.
    const std::string& where() const noexcept { return where_; }

    // `err`: the errno of the failed call.
    [[noreturn]] static void fail(int err, const std::string& what) {
        throw error(error_kind::store_io, "datachain: cannot spill order_by/agg input to disk while " + what + ": " +
                                              std::strerror(err) +
                                              " (is the disk full or read-only?); lower the input or raise "
                                              "settings::spill_bytes (DATACHAIN_SPILL_BYTES) to sort in memory");
    }

private:
    void flush() {
        const char* p = out_.data();
        std::size_t left = out_.size();
        while (left > 0) {
            const ssize_t w = ::pwrite(fd_, p, left, static_cast<off_t>(size_));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                const int e = w < 0 ? errno : ENOSPC;
                fail(e, "writing a run to a temporary file made in " + detail::quoted_value(where_));
            }
            p += w, left -= static_cast<std::size_t>(w), size_ += static_cast<std::uint64_t>(w);
        }
        out_.clear();
    }
    static constexpr std::size_t buffer_bytes = 1u << 20;
    int fd_ = -1;
    std::string where_;
    std::uint64_t size_ = 0, run_begin_ = 0;
    std::string out_;
};

// Reads one run of a spill_file back, record by record, through a buffer of
// about `buffer` bytes (grown for a larger record). key() and value() stay
// valid until next().
class spill_run {
public:
    spill_run(const spill_file& f, spill_file::run r, std::size_t buffer)
        : fd_(f.fd()), where_(&f.where()), at_(r.begin), end_(r.end), cap_(std::max<std::size_t>(buffer, 64)) {
        next();
    }
    bool valid() const noexcept { return valid_; }
    std::string_view key() const noexcept { return key_; }
    // The key's first 8 bytes, zero-padded, as a big-endian number: keys
    // whose prefixes differ compare as their prefixes do.
    std::uint64_t prefix() const noexcept { return pre_; }
    std::string_view value() const noexcept { return value_; }
    void next() {
        constexpr std::size_t hs = 2 * sizeof(std::uint32_t);
        if (!have(hs)) {
            valid_ = false;
            return;
        }
        std::uint32_t h[2];
        std::memcpy(h, buf_.data() + pos_, hs);
        const std::size_t need = hs + h[0] + h[1];
        if (!have(need))
            spill_file::fail(EIO, "reading a run back from " + detail::quoted_value(*where_) +
                                      " (it is shorter than written)");
        key_ = std::string_view(buf_.data() + pos_ + hs, h[0]);
        pre_ = key_prefix(key_);
        value_ = std::string_view(buf_.data() + pos_ + hs + h[0], h[1]);
        pos_ += need;
        valid_ = true;
    }

private:
    // At least n unread bytes in the buffer (false: the run ends first).
    bool have(std::size_t n) {
        if (len_ - pos_ >= n) return true;
        if (at_ == end_) return false;
        // Keep the unread tail, then fill the rest from the file.
        std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
        len_ -= pos_;
        pos_ = 0;
        if (buf_.size() < std::max(cap_, n)) buf_.resize(std::max(cap_, n));
        while (len_ < buf_.size() && at_ < end_) {
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf_.size() - len_, end_ - at_));
            const ssize_t r = ::pread(fd_, buf_.data() + len_, want, static_cast<off_t>(at_));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                const int e = r < 0 ? errno : EIO;
                spill_file::fail(e, "reading a run back from " + detail::quoted_value(*where_));
            }
            len_ += static_cast<std::size_t>(r), at_ += static_cast<std::uint64_t>(r);
        }
        return len_ >= n;
    }
    int fd_;
    const std::string* where_;
    std::uint64_t at_, end_;
    std::size_t cap_;
    std::string buf_;
    std::size_t pos_ = 0, len_ = 0;
    std::string_view key_, value_;
    std::uint64_t pre_ = 0;
    bool valid_ = false;
};

} // namespace datachain::detail
