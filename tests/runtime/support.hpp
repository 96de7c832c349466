// Shared by the runtime tests (tests/runtime/*.cpp): temporary directories,
// session settings, small file helpers, and child processes.
//
// Child processes: spawn_child() forks and re-executes this very test binary
// (/proc/self/exe) on the hidden test case "runtime child helper" (see
// child.cpp), with the mode and its arguments in DC_RT_* environment
// variables. Exec'ing, rather than running code in a forked copy, gives the
// child a clean LevelDB (no background threads or locks copied from the
// parent). The child talks back through a pipe.
#pragma once

#include <datachain/datachain.hpp>

#include <catch2/catch.hpp>

#include "../skip.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace dc = datachain;
namespace fs = std::filesystem;

namespace rt {

// Sets an environment variable for one scope.
struct scoped_env {
    std::string name;
    std::optional<std::string> old;
    scoped_env(std::string n, const char* v) : name(std::move(n)) {
        if (const char* o = std::getenv(name.c_str())) old = o;
        if (v) ::setenv(name.c_str(), v, 1);
        else ::unsetenv(name.c_str());
    }
    ~scoped_env() {
        if (old) ::setenv(name.c_str(), old->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
};

// A fresh directory under the system temp directory, removed at the end.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::random_device rd;
        std::mt19937_64 g((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
                          static_cast<std::uint64_t>(::getpid()));
        for (;;) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "dcrt-%016llx", static_cast<unsigned long long>(g()));
            path = fs::temp_directory_path() / buf;
            std::error_code ec;
            if (fs::create_directory(path, ec)) break;
        }
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    fs::path operator/(const std::string& s) const { return path / s; }
    fs::path store() const { return path / "store"; }
};

// A fresh in-memory store ("memory:..." root), for tests that do not test
// LevelDB itself: faster, and it proves the store interface is a real seam.
struct memory_root {
    std::string name;
    memory_root() {
        static std::atomic<unsigned> n{0};
        name = "memory:rt-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
    }
    fs::path store() const { return name; }
};

// Quiet settings for a store under `root`.
inline dc::settings cfg(const fs::path& root, std::string job = "t") {
    return dc::settings{.root = root, .job_name = std::move(job), .progress = false, .report = false};
}

inline void write_file(const fs::path& p, const std::string& data) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
    REQUIRE(out.good());
}

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs f, which must throw datachain::error; returns it (by value, sliced to
// the base: use REQUIRE_THROWS_AS for udf_error).
template <class F>
dc::error catch_error(F&& f) {
    try {
        f();
    } catch (const dc::error& e) {
        return e;
    } catch (const std::exception& e) {
        FAIL("expected datachain::error, got another exception: " << e.what());
    }
    FAIL("expected datachain::error, nothing was thrown");
    throw 0;  // unreachable
}

inline const char* kind_name(dc::error_kind k) {
    switch (k) {
    case dc::error_kind::io: return "io";
    case dc::error_kind::store_locked: return "store_locked";
    case dc::error_kind::store_format: return "store_format";
    case dc::error_kind::store_corrupt: return "store_corrupt";
    case dc::error_kind::store_io: return "store_io";
    case dc::error_kind::invalid_name: return "invalid_name";
    case dc::error_kind::not_found: return "not_found";
    case dc::error_kind::schema_mismatch: return "schema_mismatch";
    case dc::error_kind::udf: return "udf";
    case dc::error_kind::decode: return "decode";
    case dc::error_kind::usage: return "usage";
    }
    return "?";
}

// Event kinds of a job, in order.
inline std::vector<std::string> event_kinds(const dc::session& s, std::uint64_t job = 0) {
    std::vector<std::string> out;
    for (auto& e : s.events(job)) out.push_back(e.kind);
    return out;
}

inline std::vector<std::string> versions(const dc::session& s, std::string_view name) {
    std::vector<std::string> out;
    for (auto& r : s.datasets(name)) out.push_back(r.version);
    return out;
}

// ---- child processes ---------------------------------------------------------

// A child running this binary's hidden test case "runtime child helper".
// to_child: the child reads it and stops on EOF (close_input()).
// from_child: the child writes one byte per milestone.
struct child {
    pid_t pid = -1;
    int to_child = -1;    // parent's write end
    int from_child = -1;  // parent's read end

    child() = default;
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child() {
        close_input();
        if (from_child >= 0) ::close(from_child);
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            wait();
        }
    }

    // Waits up to `ms` for one byte from the child; returns it, or -1 on
    // EOF / timeout.
    int read_byte(int ms = 20000) {
        pollfd p{from_child, POLLIN, 0};
        if (::poll(&p, 1, ms) <= 0) return -1;
        char c;
        return ::read(from_child, &c, 1) == 1 ? static_cast<unsigned char>(c) : -1;
    }
    void close_input() {
        if (to_child >= 0) ::close(to_child);
        to_child = -1;
    }
    void kill9() {
        if (pid > 0) ::kill(pid, SIGKILL);
    }
    // Reaps the child; returns its wait status.
    int wait() {
        int st = 0;
        if (pid > 0) {
            while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            pid = -1;
        }
        return st;
    }
};

// Starts a child in `mode` with a store root and a free-form argument.
inline void spawn_child(child& c, const std::string& mode, const fs::path& root, const std::string& arg = {}) {
    int down[2], up[2];
    REQUIRE(::pipe(down) == 0);
    REQUIRE(::pipe(up) == 0);
    // The environment and argv are built before fork: only async-signal-safe
    // calls between fork and exec.
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "DC_RT_", 6) != 0) env_s.emplace_back(*e);
    env_s.push_back("DC_RT_MODE=" + mode);
    env_s.push_back("DC_RT_ROOT=" + root.string());
    env_s.push_back("DC_RT_ARG=" + arg);
    env_s.push_back("DC_RT_IN=" + std::to_string(down[0]));
    env_s.push_back("DC_RT_OUT=" + std::to_string(up[1]));
    std::vector<char*> envp;
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = fs::canonical("/proc/self/exe").string();
    std::string test = "runtime child helper";
    std::string out_opt = "-o", out_file = "/dev/null";
    std::vector<char*> argv{exe.data(), test.data(), out_opt.data(), out_file.data(), nullptr};
    ::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(down[1]);
        ::close(up[0]);
        ::execve(exe.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(down[0]);
    ::close(up[1]);
    c.pid = pid;
    c.to_child = down[1];
    c.from_child = up[0];
}

// ---- a mounted tmpfs (for disk-full tests) ---------------------------------

// A tmpfs of `size` mounted at `dir` until this is destroyed; `mounted` is
// false where mounting is not allowed (not root / no CAP_SYS_ADMIN).
class tmpfs_mount {
public:
    tmpfs_mount(const fs::path& dir, const std::string& size) : dir_(dir) {
        fs::create_directories(dir);
        std::string cmd = "mount -t tmpfs -o size=" + size + " tmpfs '" + dir.string() + "' 2>/dev/null";
        mounted = std::system(cmd.c_str()) == 0;
    }
    tmpfs_mount(const tmpfs_mount&) = delete;
    tmpfs_mount& operator=(const tmpfs_mount&) = delete;
    ~tmpfs_mount() {
        if (!mounted) return;
        std::string cmd = "umount '" + dir_.string() + "' 2>/dev/null";
        (void)std::system(cmd.c_str());
    }
    bool mounted = false;

private:
    fs::path dir_;
};

// ---- the pipeline the "crash" child runs and the parent resumes ------------

inline std::atomic<int> square_calls{0};

// In a "crash", "slow_crash" or "reuse_crash" child: at input n == DC_RT_ARG
// (its number), tell the parent and block until killed. Elsewhere: nothing.
inline void crash_point(std::int64_t n) {
    static const char* mode = std::getenv("DC_RT_MODE");
    if (!mode || (std::strcmp(mode, "crash") != 0 && std::strcmp(mode, "slow_crash") != 0 &&
                  std::strcmp(mode, "reuse_crash") != 0))
        return;
    static const long at = std::atol(std::getenv("DC_RT_ARG"));
    static const int out = std::atoi(std::getenv("DC_RT_OUT"));
    if (n != at) return;
    char c = 'r';
    (void)!::write(out, &c, 1);
    for (;;) ::pause();
}

DC_DEF(crash_square, (std::int64_t n) -> std::int64_t {
    rt::crash_point(n);
    ++rt::square_calls;
    return n * n;
});

// A slow UDF in the "slow_crash" child (every call takes longer than the
// stage's commit interval; at input DC_RT_ARG it tells the parent and
// blocks), a quick one in the parent.
DC_DEF(slow_square, (std::int64_t n) -> std::int64_t {
    rt::crash_point(n);
    if (std::getenv("DC_RT_MODE")) std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // in the child
    ++rt::square_calls;
    return n * n;
});

inline std::vector<std::int64_t> iota64(std::int64_t n) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
    return v;
}

DC_DEF(slow_twice, (std::int64_t n) -> std::vector<std::int64_t> {
    rt::crash_point(n);
    if (std::getenv("DC_RT_MODE")) std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // in the child
    ++rt::square_calls;
    return {n, n * n};
});

inline auto slow_pipeline() {
    return dc::read_values<"n">(iota64(6)) | dc::map<"sq">(slow_square) | dc::save("slow");
}
inline auto slow_gen_pipeline() {
    return dc::read_values<"n">(iota64(6)) | dc::gen<"g">(slow_twice) | dc::save("slow_gen");
}

// An agg whose partitions are the inputs 0..n-1, one row each: partition k
// outputs 2k (at the crash point, k == DC_RT_ARG, it blocks).
DC_DEF(crash_part, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    rt::crash_point(v.front());
    ++rt::square_calls;
    return {2 * v.front()};
});

// The "reuse_crash" child runs these over more inputs than an earlier run
// of the parent did, in batches of 4: the inputs the parent saw come from
// the row memo (reused by input), the rest are computed.
inline auto reuse_map_pipeline(std::int64_t n) {
    return dc::read_values<"n">(iota64(n)) | dc::map<"sq">(crash_square) | dc::save("reuse_map");
}
inline auto reuse_agg_pipeline(std::int64_t n) {
    return dc::read_values<"k", "v">(iota64(n), iota64(n)) |
           dc::agg<"t">(crash_part, dc::partition_by<"k">, dc::params<"v">) | dc::save("reuse_agg");
}

inline auto crash_pipeline() {
    return dc::read_values<"n">(iota64(100)) | dc::map<"sq">(crash_square) | dc::save("squares");
}

} // namespace rt
