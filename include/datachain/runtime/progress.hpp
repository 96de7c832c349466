// Progress of long work: a UDF step (rows done of the total, percent, rate,
// elapsed, ETA, rows an earlier run did) and the phases around it (listing
// a directory, sorting, saving).
//
//   detail::progress p(cfg, "map<r>(f) -> str", total, done_before);   // a UDF step
//   p.add(computed, reused);      // any thread; cheap (two atomics)
//   p.finish();                   // the summary line (UDF steps only)
//   detail::progress l(cfg, "listing data/", std::nullopt, 0, detail::progress_kind::listing);
//
// Where it goes (settings::progress = false, DATACHAIN_PROGRESS=0 or
// DATACHAIN_QUIET=1: nowhere):
// - stderr is a terminal and no output sink is set: one status line, redrawn
//   about 10 times a second by a small ticker thread (so it moves while a
//   slow batch runs), cut to the terminal's width (TIOCGWINSZ, else
//   $COLUMNS) and erased to the end of the line on every redraw; the newest
//   active piece of work is shown. A UDF step then leaves a summary line.
// - otherwise: plain lines through the output sink (settings::output, or
//   stderr): one every 10 s while the work goes on (output_line::final =
//   false), never a redraw, and the summary line of a UDF step (final = true):
//   "STEP: N rows computed, M reused from an earlier run, 1.23s (456 rows/s)".
#pragma once

#include <datachain/runtime/journal.hpp>
#include <datachain/runtime/settings.hpp>
#include <datachain/runtime/terminal.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace datachain::detail {

enum class progress_kind { udf, listing, sorting, saving };

// What one progress line shows.
struct progress_view {
    std::string step;                    // "map<r>(f) -> str", "listing data/", ...
    std::string unit = "rows";           // "rows", "files"
    std::uint64_t done = 0;              // units done in this run (computed + reused)
    std::uint64_t computed = 0;          // of which computed now (the rate counts these)
    std::optional<std::uint64_t> total;  // when known
    std::uint64_t earlier = 0;           // done by an earlier run
    double seconds = 0;                  // elapsed
};

// "3.5s", "2m05s", "1h02m".
inline std::string duration_text(double s) {
    char b[32];
    if (s < 0) s = 0;
    if (s < 60) std::snprintf(b, sizeof b, "%.1fs", s);
    else if (s < 3600) std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    else std::snprintf(b, sizeof b, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
    return b;
}

// The progress line of `v` in at most `width` columns (ASCII only, so bytes
// are columns; 0 = no limit). Fields are dropped from the least useful (the
// bar, then the earlier run, ETA, elapsed, rate) and the step's name is cut
// in the middle before the counts are.
inline std::string progress_text(const progress_view& v, std::size_t width) {
    const double rate = v.seconds > 0 ? static_cast<double>(v.computed) / v.seconds : 0.0;
    std::string counts = std::to_string(v.done);
    if (v.total) counts += "/" + std::to_string(*v.total);
    counts += " " + v.unit;
    double frac = -1;
    if (v.total && *v.total > 0) {
        frac = std::min(1.0, static_cast<double>(v.done) / static_cast<double>(*v.total));
        counts += " " + std::to_string(static_cast<int>(frac * 100)) + "%";
    } else if (v.total) {
        frac = 1.0;
    }
    char b[64];
    std::vector<std::string> extra;  // in the order shown, dropped from the back
    std::snprintf(b, sizeof b, "%.0f %s/s", rate, v.unit.c_str());
    extra.emplace_back(b);
    extra.push_back(duration_text(v.seconds));
    if (v.total && rate > 0 && *v.total > v.done)
        extra.push_back("ETA " + duration_text(static_cast<double>(*v.total - v.done) / rate));
    if (v.earlier) extra.push_back(std::to_string(v.earlier) + " done by an earlier run");

    auto join = [&](std::size_t n, std::size_t bar) {
        std::string s = counts;
        if (bar >= 3) {
            std::size_t inner = bar - 2, full = static_cast<std::size_t>(frac * static_cast<double>(inner));
            s += " [" + std::string(full, '#') + std::string(inner - full, '.') + "]";
        }
        for (std::size_t i = 0; i < n; ++i) s += ", " + extra[i];
        return s;
    };
    std::string head = v.step + ": ";
    if (width == 0) return head + join(extra.size(), frac >= 0 ? 22 : 0);
    const std::size_t limit = width > 1 ? width - 1 : 1;  // never the last column: no wrap
    // The most extras that fit beside the full name (or beside a name cut to 16).
    std::size_t n = extra.size();
    while (n > 0 && std::min<std::size_t>(head.size(), 18) + join(n, 0).size() > limit) --n;
    std::string tail = join(n, 0);
    if (frac >= 0 && head.size() + tail.size() + 1 + 12 <= limit) {
        std::size_t bar = std::min<std::size_t>(32, limit - head.size() - tail.size() - 1);
        tail = join(n, bar);
    }
    if (head.size() + tail.size() > limit) {  // cut the name in the middle
        std::size_t room = limit > tail.size() + 2 ? limit - tail.size() - 2 : 0;
        std::string name = v.step;
        if (room < 5) name = name.substr(0, room);
        else if (name.size() > room) name = name.substr(0, (room - 3) / 2 + (room - 3) % 2) + "..." +
                                            name.substr(name.size() - (room - 3) / 2);
        head = name + ": ";
    }
    std::string s = head + tail;
    if (s.size() > limit) s.resize(limit);
    return s;
}

// The summary line of a UDF step.
inline std::string progress_summary(const progress_view& v, std::uint64_t reused) {
    char b[160];
    const double rate = v.seconds > 0 ? static_cast<double>(v.computed) / v.seconds : 0.0;
    std::snprintf(b, sizeof b, ": %llu rows computed, %llu reused from an earlier run, %.2fs (%.0f rows/s)",
                  static_cast<unsigned long long>(v.computed), static_cast<unsigned long long>(reused), v.seconds,
                  rate);
    return v.step + b;
}

class progress;

// Redraws the newest active progress on the terminal, ~10 times a second,
// from its own thread while anything is active (terminal mode only).
class progress_ticker {
public:
    static progress_ticker& get() {
        static progress_ticker t;
        return t;
    }
    void add(progress* p);
    void remove(progress* p);   // waits until the thread no longer looks at p
    ~progress_ticker() {
        std::unique_lock l(m_);
        items_.clear();
        if (stop_) *stop_ = true;
        cv_.notify_all();
        l.unlock();
        if (thread_.joinable()) thread_.join();
    }

private:
    // The newest UDF step (the work a user waits for), else the newest phase
    // (a save active around a UDF step stays behind it).
    progress* shown() const;
    void run(const std::shared_ptr<bool>& stop);
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<progress*> items_;
    std::thread thread_;
    std::shared_ptr<bool> stop_;   // the running thread's own flag (guarded by m_)
};

class progress {
public:
    static constexpr std::chrono::milliseconds redraw_every{100};
    static constexpr std::chrono::seconds plain_every{10};

    progress(const settings& cfg, std::string step, std::optional<std::uint64_t> total, std::uint64_t earlier,
             progress_kind kind = progress_kind::udf)
        : cfg_(cfg), on_(cfg.progress), tty_(on_ && !cfg.output && stderr_is_terminal()), kind_(kind),
          step_(std::move(step)), total_(total), earlier_(earlier), start_(clock::now()), last_plain_(start_) {
        if (tty_) progress_ticker::get().add(this);
    }
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;
    ~progress() {
        if (tty_ && !finished_) progress_ticker::get().remove(this);
    }

    // `computed` rows computed now and `reused` rows taken from earlier work.
    // Thread-safe; in plain mode, prints a line when 10 s passed since the last.
    void add(std::uint64_t computed, std::uint64_t reused = 0) {
        computed_ += computed;
        reused_ += reused;
        pending_ = 0;  // the batch's ticks are in `computed` now
        if (!on_ || tty_) return;
        auto t = clock::now();
        std::lock_guard l(plain_m_);
        if (t - last_plain_ < plain_every) return;
        last_plain_ = t;
        emit_line(cfg_, {output_line::kind::progress, progress_text(view(), 0), false});
    }

    // One row finished inside a batch that is not counted yet (any thread):
    // the line moves row by row although add() comes once per batch.
    void tick() noexcept { ++pending_; }

    // The work ended: removes the status line; a UDF step prints its summary.
    void finish() {
        if (!on_ || finished_) return;
        finished_ = true;
        if (tty_) progress_ticker::get().remove(this);
        if (kind_ != progress_kind::udf) return;
        auto v = view();
        std::string line = progress_summary(v, reused_);
        if (tty_) {  // fit the terminal: drop the rate, then cut the name
            const std::size_t w = terminal_width(), prefix = 11;  // "datachain: "
            if (line.size() + prefix >= w) line = line.substr(0, line.rfind(" ("));
            if (line.size() + prefix >= w && w > prefix + 40) {
                std::size_t cut = line.size() + prefix - (w - 1) + 3;
                if (cut + 8 < v.step.size()) line = v.step.substr(0, v.step.size() - cut) + "..." + line.substr(v.step.size());
            }
        }
        emit_line(cfg_, {output_line::kind::progress, line, true});
    }

    progress_kind kind() const noexcept { return kind_; }
    std::uint64_t computed() const noexcept { return computed_; }
    std::uint64_t reused() const noexcept { return reused_; }
    double seconds() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

    // What the line shows now (any thread).
    progress_view view() const {
        progress_view v;
        v.step = step_;
        v.unit = kind_ == progress_kind::listing ? "files" : "rows";
        v.computed = computed_ + pending_;
        v.done = v.computed + reused_;
        v.total = total_;
        v.earlier = earlier_;
        v.seconds = seconds();
        return v;
    }

private:
    using clock = std::chrono::steady_clock;
    const settings& cfg_;
    bool on_, tty_;
    progress_kind kind_;
    std::string step_;
    std::optional<std::uint64_t> total_;
    std::uint64_t earlier_;
    std::atomic<std::uint64_t> computed_{0}, reused_{0}, pending_{0};
    clock::time_point start_;
    std::mutex plain_m_;
    clock::time_point last_plain_;
    bool finished_ = false;
};

inline void progress_ticker::add(progress* p) {
    std::lock_guard l(m_);
    items_.push_back(p);
    // Drawn once now, so that every piece of work shows (however short).
    status_line::get().draw(progress_text(p->view(), terminal_width()));
    if (!thread_.joinable()) {
        stop_ = std::make_shared<bool>(false);
        thread_ = std::thread([this, s = stop_] { run(s); });
    }
}

inline void progress_ticker::remove(progress* p) {
    std::unique_lock l(m_);
    items_.erase(std::remove(items_.begin(), items_.end(), p), items_.end());
    if (!items_.empty() || !thread_.joinable()) return;
    *stop_ = true;
    cv_.notify_all();
    std::thread t = std::move(thread_);
    l.unlock();
    t.join();  // it clears the line on its way out
}

inline progress* progress_ticker::shown() const {
    for (auto it = items_.rbegin(); it != items_.rend(); ++it)
        if ((*it)->kind() == progress_kind::udf) return *it;
    return items_.back();
}

inline void progress_ticker::run(const std::shared_ptr<bool>& stop) {
    std::unique_lock l(m_);
    while (!*stop) {
        // Drawn under the lock: remove() cannot return while an item is in use.
        if (!items_.empty()) status_line::get().draw(progress_text(shown()->view(), terminal_width()));
        cv_.wait_for(l, progress::redraw_every);
    }
    status_line::get().clear();
}

} // namespace datachain::detail
