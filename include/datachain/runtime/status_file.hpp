// The status file: what the running program is doing, readable while it
// holds the store (LevelDB lets one process open a store; `datachain status`
// reads this file instead). It lives in the store directory, named
// "datachain-status", and is replaced atomically (written to a temporary
// file beside it, then renamed), so a reader sees a whole file or the one
// before. Memory stores have none. Writing it never fails a run: an error
// (disk full, read-only) only stops the updates. The rows done come from
// the step's progress (progress.hpp), which writes them at most 4 times a
// second while they change, and at the step's start and end.
//
//   detail::status_file st("/data/.datachain", job_id);
//   st.step("map<result>(process)", total, earlier);   // a step starts
//   st.rows(step, total, earlier, done);                // writes now: callers pace it
//   st.finish("complete");
//   auto now = detail::read_status("/data/.datachain"); // the CLI
//
// Format: text lines "key value": format 1, job, pid, state (running,
// complete, failed), step, done, total ("-" when unknown), earlier, started
// and updated (ns since the epoch).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace datachain::detail {

inline constexpr std::string_view status_file_name = "datachain-status";

struct status_info {
    std::uint64_t job = 0;
    std::int64_t pid = 0;
    std::string state;  // running, complete, failed
    std::string step;
    std::uint64_t done = 0;
    std::optional<std::uint64_t> total;
    std::uint64_t earlier = 0;
    std::int64_t started = 0, updated = 0;  // ns since the epoch
};

class status_file {
public:
    status_file(std::string dir, std::uint64_t job) : dir_(std::move(dir)) {
        on_ = !dir_.starts_with("memory:") && std::filesystem::is_directory(dir_);
        s_.job = job;
        s_.pid = ::getpid();
        s_.state = "running";
        s_.started = now();
        write();
    }

    // Thread-safe: pipelines on several threads of one session share it.
    void step(std::string name, std::optional<std::uint64_t> total, std::uint64_t earlier) {
        std::lock_guard lock(m_);
        s_.step = std::move(name);
        for (auto& c : s_.step)
            if (c == '\n' || c == '\r') c = ' ';  // one line per key
        s_.total = total;
        s_.earlier = earlier;
        s_.done = 0;
        write();
    }
    // The rows `step` has done, with its total and earlier rows, written
    // together: UDF steps run pipelined (several are active at once), so the
    // file always names the step whose counts it shows. Writes the file now
    // (a few hundred bytes and a rename): call it a few times a second, not
    // per row.
    void rows(const std::string& step, std::optional<std::uint64_t> total, std::uint64_t earlier, std::uint64_t done) {
        std::lock_guard lock(m_);
        s_.step = step;
        for (auto& c : s_.step)
            if (c == '\n' || c == '\r') c = ' ';
        s_.total = total;
        s_.earlier = earlier;
        s_.done = done;
        write();
    }
    void finish(std::string state) {
        std::lock_guard lock(m_);
        s_.state = std::move(state);
        write();
    }
    // false: nothing is written (a memory store, or a write failed).
    bool active() const {
        std::lock_guard lock(m_);
        return on_;
    }

private:
    static std::int64_t now() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    void write() {
        if (!on_) return;
        s_.updated = now();
        const auto dir = std::filesystem::path(dir_);
        const auto tmp = dir / (std::string(status_file_name) + ".tmp-" + std::to_string(s_.pid) + "-" + std::to_string(s_.job));
        std::ostringstream text;
        text << "format 1\njob " << s_.job << "\npid " << s_.pid << "\nstate " << s_.state << "\nstep " << s_.step
             << "\ndone " << s_.done << "\ntotal " << (s_.total ? std::to_string(*s_.total) : "-") << "\nearlier "
             << s_.earlier << "\nstarted " << s_.started << "\nupdated " << s_.updated << "\n";
        const auto bytes = text.str();
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);  // as the store's files
        const bool ok = fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
        if (fd >= 0) ::close(fd);
        if (!ok) {
            on_ = false;
            std::error_code ec;
            std::filesystem::remove(tmp, ec);
            return;
        }
        std::error_code ec;
        std::filesystem::rename(tmp, dir / status_file_name, ec);
        if (ec) {
            on_ = false;
            std::filesystem::remove(tmp, ec);
        }
    }

    std::string dir_;
    bool on_ = false;
    status_info s_;
    mutable std::mutex m_;  // guards all of the above
};

// The status file of the store at `dir`: nullopt when there is none or it
// does not read as one.
inline std::optional<status_info> read_status(const std::filesystem::path& dir) {
    std::ifstream in(dir / status_file_name, std::ios::binary);
    if (!in) return std::nullopt;
    status_info s;
    std::string line;
    bool format = false;
    while (std::getline(in, line)) {
        const auto sp = line.find(' ');
        if (sp == std::string::npos) return std::nullopt;
        const auto k = std::string_view(line).substr(0, sp);
        const auto v = line.substr(sp + 1);
        std::istringstream num(v);
        auto u64 = [&](auto& x) { return static_cast<bool>(num >> x); };
        bool ok = true;
        if (k == "format") format = v == "1";
        else if (k == "job") ok = u64(s.job);
        else if (k == "pid") ok = u64(s.pid);
        else if (k == "state") s.state = v;
        else if (k == "step") s.step = v;
        else if (k == "done") ok = u64(s.done);
        else if (k == "total") {
            std::uint64_t t = 0;
            if (v != "-") {
                ok = u64(t);
                s.total = t;
            }
        } else if (k == "earlier") ok = u64(s.earlier);
        else if (k == "started") ok = u64(s.started);
        else if (k == "updated") ok = u64(s.updated);
        if (!ok) return std::nullopt;
    }
    if (!format || s.job == 0) return std::nullopt;
    return s;
}

} // namespace datachain::detail
