// Definitions for status_file.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

// One line per key: a newline in a step's name or unit becomes a space.
DATACHAIN_INLINE std::string status_one_line(std::string v) {
    for (auto& c : v)
        if (c == '\n' || c == '\r') c = ' ';
    return v;
}

DATACHAIN_INLINE void status_file::step(std::string name, std::optional<std::uint64_t> total, std::uint64_t earlier,
                                        std::string unit) {
    std::lock_guard lock(m_);
    s_.step = status_one_line(std::move(name));
    s_.total = total;
    s_.earlier = earlier;
    s_.unit = status_one_line(std::move(unit));
    s_.done = 0;
    write();
}

DATACHAIN_INLINE void status_file::rows(const std::string& step, std::optional<std::uint64_t> total,
                                        std::uint64_t earlier, std::uint64_t done, const std::string& unit) {
    std::lock_guard lock(m_);
    s_.step = status_one_line(step);
    s_.total = total;
    s_.earlier = earlier;
    s_.unit = status_one_line(unit);
    s_.done = done;
    write();
}

DATACHAIN_INLINE void status_file::write() {
    if (!on_) return;
    s_.updated = now();
    const auto dir = std::filesystem::path(dir_);
    const auto tmp = dir / (std::string(status_file_name) + ".tmp-" + std::to_string(s_.pid) + "-" + std::to_string(s_.job));
    std::ostringstream text;
    text << "format 1\njob " << s_.job << "\npid " << s_.pid
         << (s_.pid_start ? "\npid_start " + std::to_string(*s_.pid_start) : std::string{})
         << (s_.pid_ns ? "\npid_ns " + std::to_string(*s_.pid_ns) : std::string{})
         << "\nstate " << s_.state << "\nstep " << s_.step
         << "\ndone " << s_.done << "\ntotal " << (s_.total ? std::to_string(*s_.total) : "-") << "\nearlier "
         << s_.earlier << "\nunit " << s_.unit << "\nstarted " << s_.started << "\nupdated " << s_.updated << "\n";
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

DATACHAIN_INLINE std::optional<status_info> read_status(const std::filesystem::path& dir) {
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
        // The keys a file may lack (pid_start, pid_ns; total is "-" when unknown).
        auto optional_u64 = [&](std::optional<std::uint64_t>& x) {
            std::uint64_t t = 0;
            if (!u64(t)) return false;
            x = t;
            return true;
        };
        bool ok = true;
        if (k == "format") format = v == "1";
        else if (k == "job") ok = u64(s.job);
        else if (k == "pid") ok = u64(s.pid);
        else if (k == "pid_start") ok = optional_u64(s.pid_start);
        else if (k == "pid_ns") ok = optional_u64(s.pid_ns);
        else if (k == "state") s.state = v;
        else if (k == "step") s.step = v;
        else if (k == "done") ok = u64(s.done);
        else if (k == "total") ok = v == "-" || optional_u64(s.total);
        else if (k == "earlier") ok = u64(s.earlier);
        else if (k == "unit") s.unit = v;
        else if (k == "started") ok = u64(s.started);
        else if (k == "updated") ok = u64(s.updated);
        if (!ok) return std::nullopt;
    }
    if (!format || s.job == 0) return std::nullopt;
    return s;
}

DATACHAIN_INLINE std::optional<std::uint64_t> process_start_time(std::int64_t pid) {
#ifdef __linux__
    if (pid <= 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // "PID (COMM) STATE ...": COMM may hold spaces and ')', so fields are
    // counted from the last ')'; the state is field 3, the start time 22.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(close + 1));
    std::string skip;
    for (int field = 3; field < 22; ++field)
        if (!(fields >> skip)) return std::nullopt;
    std::uint64_t start = 0;
    if (!(fields >> start)) return std::nullopt;
    return start;
#else
    (void)pid;
    return std::nullopt;
#endif
}

DATACHAIN_INLINE std::optional<std::uint64_t> pid_namespace() {
#ifdef __linux__
    struct ::stat st {};
    if (::stat("/proc/self/ns/pid", &st) == 0) return static_cast<std::uint64_t>(st.st_ino);
#endif
    return std::nullopt;
}

DATACHAIN_INLINE bool pid_checkable(const status_info& s) {
    if (!s.pid_ns) return true;
    const auto mine = pid_namespace();
    return !mine || *mine == *s.pid_ns;
}

DATACHAIN_INLINE bool writer_alive(const status_info& s) {
    if (!pid_checkable(s)) return true;
    if (s.pid <= 0 || (::kill(static_cast<pid_t>(s.pid), 0) != 0 && errno != EPERM)) return false;
    if (!s.pid_start) return true;
    const auto now = process_start_time(s.pid);
    return !now || *now == *s.pid_start;
}

} // namespace datachain::detail
