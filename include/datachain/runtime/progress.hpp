// Progress of long work: a UDF step (rows done of the total, percent, rate,
// elapsed, ETA, rows an earlier run did) and the phases around it (listing
// a directory, sorting, saving).
//
//   detail::progress p(cfg, "map<r>(f) -> str", total, done_before, progress_kind::udf, &status);
//   p.tick();                     // one row done inside a batch (any thread; one atomic)
//   p.add(computed, reused, by_input);   // a part committed (its thread; three atomics)
//   p.status_now();               // the status file gets what is committed
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
//   "STEP: N rows computed, M reused from an earlier run, 1.23s (456 rows/s)"
//   (or "M reused (M by input from earlier runs)" when the step says so;
//   "STEP: failed after N rows computed, ..." when it failed).
// - the status file (status_file.hpp), given for UDF steps: the units kept,
//   at most every 250 ms while they change (a write replaces the file: on
//   ext4 it costs about a millisecond, too much per commit of a fast step),
//   and at the step's end: by status_now() right after a commit when 250 ms
//   passed since the last write (so a step whose commits are further apart,
//   a slow UDF, has each one counted before its next UDF call), else by the
//   ticker within 250 ms. Never the rows ticked inside a part: they are
//   not stored yet, and a kill loses them. Its `done` counts the units a rerun will not compute
//   again: the earlier ones (done by an earlier run: continued, or reused by
//   input as they are committed) and those computed and committed now.
// The time (elapsed, rate, the summary's seconds) is the step's own work
// when the step gives its work_clock (work_clock.hpp): not the time its
// pipelined neighbours take.
// Lines from the ticker reach settings::output from the ticker's thread.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/journal.hpp>
#include <datachain/runtime/settings.hpp>
#include <datachain/runtime/status_file.hpp>
#include <datachain/runtime/terminal.hpp>
#include <datachain/runtime/work_clock.hpp>

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
    std::uint64_t earlier = 0;           // done by an earlier run (continued, or reused by input)
    double seconds = 0;                  // elapsed: the step's own work (work_clock.hpp)
};

// "3.5s", "2m05s", "1h02m".
DATACHAIN_INLINE std::string duration_text(double s);

// The progress line of `v` in at most `width` columns (ASCII only, so bytes
// are columns; 0 = no limit and no bar: a plain line for a log). Fields are dropped from the least useful (the
// bar, then the earlier run, ETA, elapsed, rate) and the step's name is cut
// in the middle before the counts are.
DATACHAIN_INLINE std::string progress_text(const progress_view& v, std::size_t width);

// The summary line of a UDF step.
// `reused_from`: where the reused units came from ("400 by input from
// earlier runs"); empty: "from an earlier run".
DATACHAIN_INLINE std::string progress_summary(const progress_view& v, std::uint64_t reused,
                                              const std::string& reused_from = {}, bool failed = false);

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
    ~progress_ticker();

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
    // outlive this object. `work`: the clock of the step's own work, whose
    // seconds the line and the summary show (nullptr: the time since this
    // object was made); it must outlive this object.
    progress(const settings& cfg, std::string step, std::optional<std::uint64_t> total, std::uint64_t earlier,
             progress_kind kind = progress_kind::udf, status_file* status = nullptr,
             clock_fn now = &clock::now, const work_clock* work = nullptr)
        : cfg_(cfg), on_(cfg.progress), tty_(on_ && !cfg.output && stderr_is_terminal()),
          plain_(on_ && !tty_ && cfg.progress_every.count() > 0), status_(status && status->active() ? status : nullptr),
          kind_(kind), step_(std::move(step)), total_(total), earlier_(earlier), now_(now), own_(now),
          work_(work ? work : &own_), last_plain_(now()), last_status_(last_plain_) {
        ticked_ = tty_ || plain_ || status_;
        if (ticked_) progress_ticker::get().add(this);
    }
    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;
    ~progress() {
        if (ticked_ && !finished_) progress_ticker::get().remove(this);
    }

    // A part of the step's work committed: `computed` units computed now and
    // `reused` taken from earlier work, of which `by_input` from the row memo
    // (earlier runs' outputs of the same inputs: they count as done earlier
    // too). Thread-safe and cheap: writes nothing.
    void add(std::uint64_t computed, std::uint64_t reused = 0, std::uint64_t by_input = 0) {
        computed_ += computed;
        reused_ += reused;
        earlier_ += by_input;
        pending_ = 0;  // the batch's ticks are in `computed` now
    }

    // One row finished inside a batch that is not counted yet (any thread):
    // the display moves row by row although add() comes once per batch.
    // The status file does not count it: it is not stored yet.
    void tick() noexcept { ++pending_; }

    // Writes the status file now if the units kept changed since it was
    // last written and status_every passed since then (or it was never
    // written); else the ticker does within status_every. Called by the
    // step's thread right after a commit: the file never counts a unit that
    // is not stored, and a kill after a commit that came status_every after
    // the last write finds it counted.
    void status_now();

    // The units a rerun would not compute again: done earlier (continued or
    // reused by input) and computed now, as committed (add).
    std::uint64_t kept() const noexcept { return earlier_ + computed_; }
    std::uint64_t earlier() const noexcept { return earlier_; }

    // What the ticker does at time `t` (thread-safe; tests call it with a
    // fake clock's time): the status file gets the units kept when they
    // changed and status_every passed since its last update; a plain line
    // is printed when `lines` and settings::progress_every passed since the last.
    void poll(clock::time_point t, bool lines = true);

    // The work ended: removes the status line, gives the status file its
    // last count; a UDF step prints its summary.
    void finish();

    // What the counts are of ("rows" for a UDF step by default; gen:
    // "inputs", agg: "partitions"): plural, the singular drops the 's'.
    // `u` must outlive this object (a string literal). Thread-safe: the
    // ticker may be reading it (the line, the status file's unit).
    void unit(const char* u) noexcept { unit_ = u; }
    std::string unit() const {
        if (const char* u = unit_.load()) return u;
        return kind_ == progress_kind::listing ? "files" : "rows";
    }

    // Where the reused units came from, for the summary line (call before
    // finish): "400 by input from earlier runs, 60 continued".
    void reused_from(std::string text) { reused_from_ = std::move(text); }

    // The step failed: the summary says so ("failed after N rows computed").
    void failed() noexcept { failed_ = true; }

    // finish() prints a summary line (a UDF step with progress on).
    bool prints_summary() const noexcept { return on_ && kind_ == progress_kind::udf; }

    progress_kind kind() const noexcept { return kind_; }
    bool on_terminal() const noexcept { return tty_; }
    std::uint64_t computed() const noexcept { return computed_; }
    std::uint64_t reused() const noexcept { return reused_; }
    clock::time_point now() const { return now_(); }
    double seconds(clock::time_point t) const { return work_->seconds(t); }
    double seconds() const { return seconds(now()); }

    // What the line shows at time `t` (any thread).
    progress_view view(clock::time_point t) const;
    progress_view view() const { return view(now()); }

private:
    const settings& cfg_;
    bool on_, tty_, plain_;
    status_file* status_;
    bool ticked_ = false;  // registered with the ticker
    progress_kind kind_;
    std::string step_;
    std::atomic<const char*> unit_{nullptr};  // nullptr: by kind
    std::string reused_from_;
    bool failed_ = false;
    std::optional<std::uint64_t> total_;
    std::atomic<std::uint64_t> earlier_;
    std::atomic<std::uint64_t> computed_{0}, reused_{0}, pending_{0};
    clock_fn now_;
    work_clock own_;           // the time since construction, when no work clock is given
    const work_clock* work_;   // whose seconds are shown
    std::mutex poll_m_;  // guards the four below
    clock::time_point last_plain_, last_status_;
    std::optional<std::uint64_t> status_kept_;  // what the status file last got
    bool finished_ = false;
};

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/progress.ipp>
#endif
