// The terminal under stderr: its width, and the one status line that
// progress redraws in place while other lines scroll above it (Linux/POSIX).
//
//   if (detail::stderr_is_terminal()) {
//       auto w = detail::terminal_width();               // TIOCGWINSZ, else $COLUMNS, else 80
//       detail::status_line::get().draw("map<r>(f): 10/90");   // \r, text, clear to the end
//       detail::status_line::get().print("a report line");   // clears the status line first
//   }
//
// Thread-safe: one mutex orders every write to stderr made through here, so
// a report printed while the status line is shown never lands on its tail.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

namespace datachain::detail {

inline bool stderr_is_terminal() { return ::isatty(2) == 1; }

// Columns of the terminal on `fd`: TIOCGWINSZ; else $COLUMNS (a number from
// 20 to 10000); else 80.
DATACHAIN_INLINE unsigned terminal_width(int fd = 2);

// The status line at the bottom of stderr (one per process).
class status_line {
public:
    static status_line& get() {
        static status_line s;
        return s;
    }

    // Replaces the status line with `text` (which must fit the width: no
    // newline, no wrap). "\r" + text + "erase to the end of the line".
    void draw(std::string_view text);
    // Removes the status line (nothing when none is shown).
    void clear() {
        std::lock_guard l(m_);
        clear_locked();
    }
    // Prints `text` and a newline above the status line (which the next
    // draw brings back).
    void print(std::string_view text);

private:
    void clear_locked() {
        if (!drawn_) return;
        write_all("\r\x1b[K");
        drawn_ = false;
    }
    static void write_all(std::string_view s) {
        while (!s.empty()) {
            ssize_t n = ::write(2, s.data(), s.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // stderr is gone: progress is not worth failing for
            s.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    std::mutex m_;
    bool drawn_ = false;
};

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/terminal.ipp>
#endif
