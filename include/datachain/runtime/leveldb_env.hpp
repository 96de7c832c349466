// How the LevelDB adapter (leveldb_store.hpp) reads and creates its files:
// table files through pread, every created file private to its owner.
#pragma once

#include <leveldb/env.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace datachain::detail {

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

// Also makes every file LevelDB creates private to its owner (0600): the
// rows may be private data. The store directory itself is 0700.
class pread_env final : public leveldb::EnvWrapper {
public:
    pread_env() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
    static leveldb::Status owner_only(const std::string& name, leveldb::Status st) {
        if (st.ok()) (void)::chmod(name.c_str(), S_IRUSR | S_IWUSR);
        return st;
    }
    leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
        return owner_only(name, target()->NewWritableFile(name, out));
    }
    leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
        return owner_only(name, target()->NewAppendableFile(name, out));
    }
    leveldb::Status NewLogger(const std::string& name, leveldb::Logger** out) override {
        return owner_only(name, target()->NewLogger(name, out));
    }
    leveldb::Status LockFile(const std::string& name, leveldb::FileLock** out) override {
        return owner_only(name, target()->LockFile(name, out));
    }
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

}  // namespace datachain::detail
