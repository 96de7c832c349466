// Progress of long work: a UDF step (rows done of the total, percent, rate,
// elapsed, ETA, rows an earlier run did) and the phases around it (listing
// a directory, sorting, saving).
//
//   detail::progress p(cfg, "map<r>(f) -> str", total, done_before, progress_kind::udf, &status);
//   p.tick();                     // one row done inside a batch (any thread; one atomic)
//   p.add(computed, reused);      // a batch counted (any thread; two atomics)
//   p.finish();                   // the summary line (UDF steps only), the status file's last count
//   detail::progress l(cfg, "listing data/", std::nullopt, 0, detail::progress_kind::listing);
//
// Counting never writes anything: one small ticker thread (progress_ticker)
// looks at the active pieces of work about 10 times a second and does the
// output, so a slow row moves the display and a fast step pays two atomics
// per row. Where it goes (settings::progress = false, DATACHAIN_PROGRESS=0 or
// DATACHAIN_QUIET=1: nowhere but the status file):
// - stderr is a terminal and no output sink is set: one status line, redrawn
//   every 100 ms, cut to the terminal's width (TIOCGWINSZ, else $COLUMNS)
//   and erased to the end of the line on every redraw; the newest active
//   UDF step is shown (else the newest phase). A UDF step then leaves a
//   summary line.
// - otherwise: plain lines through the output sink (settings::output, or
//   stderr), never a redraw: "STEP: done/total rows pct%, rate, elapsed, ETA"
//   every settings::progress_every (default 10 s; 0 = none) while the work
//   goes on (output_line::final = false; UDF steps, and phases while no UDF
//   step runs), and the summary line of a UDF step (final = true):
//   "STEP: N rows computed, M reused from an earlier run, 1.23s (456 rows/s)".
// - the status file (status_file.hpp), given for UDF steps: the rows done, at
//   most every 250 ms while they change, and at the step's end.
// Lines from the ticker reach settings::output from the ticker's thread.
#pragma once

#include <datachain/runtime/journal.hpp>
#include <datachain/runtime/settings.hpp>
#include <datachain/runtime/status_file.hpp>
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
// are columns; 0 = no limit and no bar: a plain line for a log). Fields are dropped from the least useful (the
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
    if (width == 0) return head + join(extra.size(), 0);
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
    std::snprintf(b, sizeof b, ": %llu %s computed, %llu reused from an earlier run, %.2fs (%.0f rows/s)",
                  static_cast<unsigned long long>(v.computed), v.computed == 1 ? "row" : "rows",
                  static_cast<unsigned long long>(reused), v.seconds, rate);
    return v.step + b;
}

class progress;

// Looks at the active progress ~10 times a second from its own thread while
// anything is active: redraws the terminal's status line, prints plain
// lines, updates the status file (progress::poll).
class progress_ticker {
public:
    static constexpr std::chrono::milliseconds every{100};
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
    // On the terminal: the newest UDF step (the work a user waits for), else
    // the newest phase (a save active around a UDF step stays behind it).
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
    using clock = std::chrono::steady_clock;
    // Where the time comes from (tests pass a fake clock to drive poll()).
    using clock_fn = clock::time_point (*)();
    static constexpr std::chrono::milliseconds status_every{250};

    // `status`: the status file to keep up to date (nullptr: none); it must
    // outlive this object.
    progress(const settings& cfg, std::string step, std::optional<std::uint64_t> total, std::uint64_t earlier,
             progress_kind kind = progress_kind::udf, status_file* status = nullptr,
             clock_fn now = &clock::now)
        : cfg_(cfg), on_(cfg.progress), tty_(on_ && !cfg.output && stderr_is_terminal()),
          plain_(on_ && !tty_ && cfg.progress_every.count() > 0), status_(status && status->active() ? status : nullptr),
          kind_(kind), step_(std::move(step)), total_(total), earlier_(earlier), now_(now), start_(now()),
          last_plain_(start_), last_status_(start_) {
        ticked_ = tty_ || plain_ || status_;
        if (ticked_) progress_ticker::get().add(this);
    }
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;
    ~progress() {
        if (ticked_ && !finished_) progress_ticker::get().remove(this);
    }

    // `computed` rows computed now and `reused` rows taken from earlier work.
    // Thread-safe and cheap: writes nothing (the ticker does).
    void add(std::uint64_t computed, std::uint64_t reused = 0) {
        computed_ += computed;
        reused_ += reused;
        pending_ = 0;  // the batch's ticks are in `computed` now
    }

    // One row finished inside a batch that is not counted yet (any thread):
    // the display moves row by row although add() comes once per batch.
    void tick() noexcept { ++pending_; }

    // What the ticker does at time `t` (thread-safe; tests call it with a
    // fake clock's time): the status file gets the rows done when they
    // changed and status_every passed since its last update; a plain line is
    // printed when `lines` and settings::progress_every passed since the last.
    void poll(clock::time_point t, bool lines = true) {
        std::lock_guard l(poll_m_);
        if (status_) {
            const auto done = computed_ + pending_ + reused_;
            if (done != status_done_ && t - last_status_ >= status_every) {
                status_->rows(step_, total_, earlier_, done);
                status_done_ = done;
                last_status_ = t;
            }
        }
        if (plain_ && lines && t - last_plain_ >= cfg_.progress_every) {
            last_plain_ = t;
            emit_line(cfg_, {output_line::kind::progress, progress_text(view(t), 0), false});
        }
    }

    // The work ended: removes the status line, gives the status file its
    // last count; a UDF step prints its summary.
    void finish() {
        if (finished_) return;
        finished_ = true;
        if (ticked_) progress_ticker::get().remove(this);
        if (status_) status_->rows(step_, total_, earlier_, computed_ + pending_ + reused_);
        if (!on_ || kind_ != progress_kind::udf) return;
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
    bool on_terminal() const noexcept { return tty_; }
    std::uint64_t computed() const noexcept { return computed_; }
    std::uint64_t reused() const noexcept { return reused_; }
    clock::time_point now() const { return now_(); }
    double seconds(clock::time_point t) const { return std::chrono::duration<double>(t - start_).count(); }
    double seconds() const { return seconds(now()); }

    // What the line shows at time `t` (any thread).
    progress_view view(clock::time_point t) const {
        progress_view v;
        v.step = step_;
        v.unit = kind_ == progress_kind::listing ? "files" : "rows";
        v.computed = computed_ + pending_;
        v.done = v.computed + reused_;
        v.total = total_;
        v.earlier = earlier_;
        v.seconds = seconds(t);
        return v;
    }
    progress_view view() const { return view(now()); }

private:
    const settings& cfg_;
    bool on_, tty_, plain_;
    status_file* status_;
    bool ticked_ = false;  // registered with the ticker
    progress_kind kind_;
    std::string step_;
    std::optional<std::uint64_t> total_;
    std::uint64_t earlier_;
    std::atomic<std::uint64_t> computed_{0}, reused_{0}, pending_{0};
    clock_fn now_;
    clock::time_point start_;
    std::mutex poll_m_;  // guards the three below
    clock::time_point last_plain_, last_status_;
    std::uint64_t status_done_ = 0;
    bool finished_ = false;
};

inline void progress_ticker::add(progress* p) {
    std::lock_guard l(m_);
    items_.push_back(p);
    // Drawn once now, so that every piece of work shows (however short).
    if (p->on_terminal()) status_line::get().draw(progress_text(p->view(), terminal_width()));
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
    progress* phase = nullptr;
    for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
        if (!(*it)->on_terminal()) continue;
        if ((*it)->kind() == progress_kind::udf) return *it;
        if (!phase) phase = *it;
    }
    return phase;
}

inline void progress_ticker::run(const std::shared_ptr<bool>& stop) {
    std::unique_lock l(m_);
    while (!*stop) {
        // Under the lock: remove() cannot return while an item is in use.
        const bool udf = std::any_of(items_.begin(), items_.end(),
                                     [](const progress* p) { return p->kind() == progress_kind::udf; });
        for (auto* p : items_) p->poll(p->now(), !udf || p->kind() == progress_kind::udf);
        if (auto* p = items_.empty() ? nullptr : shown())
            status_line::get().draw(progress_text(p->view(), terminal_width()));
        cv_.wait_for(l, every);
    }
    status_line::get().clear();
}

} // namespace datachain::detail
