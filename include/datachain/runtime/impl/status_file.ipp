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
    const auto path = dir / status_file_name;
    const auto where = "the status file " + quoted_value(path.string());
    // Its contents, at most 64 KiB (the file is a few hundred bytes).
    std::string text;
    {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) return std::nullopt;
        auto cannot = [&](int e) {
            return error(error_kind::io, "datachain: cannot read " + where + ": " + std::generic_category().message(e) +
                                             "; the program running on the store writes it (mode 0600): read it "
                                             "as the store's owner, or remove it if it is not that file");
        };
        if (fd < 0) throw cannot(errno);
        char buf[4096];
        for (;;) {
            const auto n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                const int e = errno;
                ::close(fd);
                throw cannot(e);
            }
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > 65536) break;
        }
        ::close(fd);
    }
    auto garbage = [&](const std::string& what) {
        return error(error_kind::store_corrupt,
                     "datachain: " + where + " is not a status file datachain wrote (" + what +
                         "); remove it: it holds nothing else, and a program running on the store writes it anew "
                         "at its next report");
    };
    if (text.size() > 65536) throw garbage("it is larger than 64 KiB");
    std::vector<std::pair<std::string, std::string>> lines;  // key, value; line n is lines[n - 1]
    std::string bad_line;  // the first line that is not "key value", said after the format
    for (std::size_t a = 0; a < text.size();) {
        auto b = text.find('\n', a);
        if (b == std::string::npos) b = text.size();
        const auto line = std::string_view(text).substr(a, b - a);
        const auto sp = line.find(' ');
        if (sp == std::string_view::npos && bad_line.empty())
            bad_line = "line " + std::to_string(lines.size() + 1) + ", " + quoted_value(line) + ", is not 'key value'";
        if (sp == std::string_view::npos) lines.emplace_back(line, "");
        else lines.emplace_back(line.substr(0, sp), line.substr(sp + 1));
        a = b + 1;
    }
    // A whole number, all of `v` (no sign for unsigned fields, no spaces).
    auto number = [](std::string_view v, auto& x) {
        const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
        return !v.empty() && r.ec == std::errc{} && r.ptr == v.data() + v.size();
    };
    // The format first: a newer one is said as such, whatever its keys are.
    std::optional<std::uint64_t> format;
    for (const auto& [k, v] : lines)
        if (k == "format") {
            std::uint64_t f = 0;
            if (!number(v, f) || f == 0)
                throw garbage("its format, " + quoted_value(v) + ", is not a format version");
            format = f;
        }
    if (format && *format > 1)
        throw error(error_kind::store_format,
                    "datachain: " + where + " has format " + std::to_string(*format) +
                        ": it was written by a newer datachain (this one reads format 1); use the datachain tool "
                        "of the version that runs on the store");
    if (!bad_line.empty()) throw garbage(bad_line);
    if (!format) throw garbage("it has no 'format' line");
    // Each key the reader knows once: two `job` lines would leave it to the
    // order of the lines which job the file is about.
    static constexpr std::string_view known[] = {"format", "job",  "pid",   "pid_start", "pid_ns",  "state",
                                                 "step",   "done", "total", "earlier",   "unit",    "started",
                                                 "updated"};
    std::vector<std::size_t> line_of(std::size(known), 0);  // 1-based, 0: not seen
    for (std::size_t n = 0; n < lines.size(); ++n)
        for (std::size_t k = 0; k < std::size(known); ++k)
            if (lines[n].first == known[k]) {
                if (line_of[k])
                    throw garbage("line " + std::to_string(n + 1) + " repeats the key '" + lines[n].first + "' (line " +
                                  std::to_string(line_of[k]) + " has it already)");
                line_of[k] = n + 1;
            }
    auto line_number = [&](std::string_view key) {  // 0: the file has no such line
        return line_of[static_cast<std::size_t>(std::find(std::begin(known), std::end(known), key) - std::begin(known))];
    };
    auto line_with = [&](std::string_view key) { return "line " + std::to_string(line_number(key)); };
    status_info s;
    auto optional_u64 = [&](std::string_view v, std::optional<std::uint64_t>& x) {
        std::uint64_t t = 0;
        if (!number(v, t)) return false;
        x = t;
        return true;
    };
    for (const auto& [k, v] : lines) {
        bool ok = true;
        if (k == "job") ok = number(v, s.job);
        else if (k == "pid") ok = number(v, s.pid);
        else if (k == "pid_start") ok = optional_u64(v, s.pid_start);
        else if (k == "pid_ns") ok = optional_u64(v, s.pid_ns);
        else if (k == "state") s.state = v;
        else if (k == "step") s.step = v;
        else if (k == "done") ok = number(v, s.done);
        else if (k == "total") ok = v == "-" || optional_u64(v, s.total);
        else if (k == "earlier") ok = number(v, s.earlier);
        else if (k == "unit") s.unit = v;
        else if (k == "started") ok = number(v, s.started);
        else if (k == "updated") ok = number(v, s.updated);
        if (!ok) throw garbage("its " + k + ", " + quoted_value(v) + ", is not a number");
    }
    if (s.job == 0) throw garbage("it names no job");
    // What the tool prints and its exit code follow the state: only the
    // states a writer writes (status_file::finish gets to_string(job_status)).
    if (s.state != "running" && s.state != "complete" && s.state != "failed")
        throw garbage(line_number("state") == 0
                          ? std::string("it has no 'state' line")
                          : "its state, " + quoted_value(s.state) + " (" + line_with("state") +
                                "), is not running, complete or failed");
    // The units a writer writes (progress::unit of a UDF step: map's rows,
    // gen's inputs, agg's partitions); a file without the line counts rows.
    if (s.unit != "rows" && s.unit != "inputs" && s.unit != "partitions")
        throw garbage("its unit, " + quoted_value(s.unit) + " (" + line_with("unit") +
                      "), is not rows, inputs or partitions");
    // done counts the units of total done (by earlier runs too): never more.
    if (s.total && s.done > *s.total)
        throw garbage("its done, " + std::to_string(s.done) + " (" + line_with("done") + "), is more than its total, " +
                      std::to_string(*s.total) + " (" + line_with("total") + ")");
    return s;
}

DATACHAIN_INLINE std::optional<status_info> try_read_status(const std::filesystem::path& dir) {
    try {
        return read_status(dir);
    } catch (const error&) {
        return std::nullopt;
    }
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
