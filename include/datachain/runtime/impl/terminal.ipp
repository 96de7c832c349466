// Definitions for terminal.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

DATACHAIN_INLINE unsigned terminal_width(int fd) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* c = std::getenv("COLUMNS")) {
        char* end = nullptr;
        long n = std::strtol(c, &end, 10);
        if (end != c && *end == '\0' && n >= 20 && n <= 10000) return static_cast<unsigned>(n);
    }
    return 80;
}

DATACHAIN_INLINE void status_line::draw(std::string_view text) {
    std::lock_guard l(m_);
    std::string out = "\r";
    out.append(text);
    out += "\x1b[K";
    write_all(out);
    drawn_ = true;
}

DATACHAIN_INLINE void status_line::print(std::string_view text) {
    std::lock_guard l(m_);
    clear_locked();
    std::string out(text);
    out += '\n';
    write_all(out);
}

} // namespace datachain::detail
