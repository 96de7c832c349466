// The time a UDF step spends on its own work. The steps of a chain run
// pipelined on one thread, each pulling batches from the one before it
// (stream.hpp), so the time between a step's start and its end also holds
// the steps before it producing its input and the steps after it consuming
// its output. A work_clock runs only while the step works: the step stops it
// while it waits for its input (`waiting`) and whenever it has handed a
// batch downstream (between calls of its next(): `working`). The step's
// summary line, its rate and its event's seconds are this time.
//
//   detail::work_clock own;                           // running from now
//   { detail::work_clock::working w(own);             // a batch is asked for
//     { detail::work_clock::waiting u(own); up->next(in, n); }   // not counted
//     compute(in); }                                  // counted
//   own.seconds(own.now());
//
// Not thread-safe to stop and start: the step's thread does. seconds() may
// be read from any thread (the progress thread); a read that races with a
// stop or start may be off by that interval, for the moment it is drawn.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace datachain::detail {

using steady_now_fn = std::chrono::steady_clock::time_point (*)();

// The clock UDF steps time themselves with (work_clock, their progress):
// steady_clock::now. Tests set a fake clock here to check what a step's time
// counts (tests/runtime/progress.cpp), and put it back; programs leave it.
inline std::atomic<steady_now_fn> udf_clock{&std::chrono::steady_clock::now};

class work_clock {
public:
    using clock = std::chrono::steady_clock;

    explicit work_clock(steady_now_fn now = udf_clock.load()) : now_(now), start_(now_()) {}
    work_clock(const work_clock&) = delete;
    work_clock& operator=(const work_clock&) = delete;

    clock::time_point now() const { return now_(); }
    bool running() const noexcept { return stopped_at_.load(std::memory_order_relaxed) == running_mark; }

    // Stops the clock (no-op when stopped) / starts it again (no-op when running).
    void stop() {
        if (running()) stopped_at_.store(now_().time_since_epoch().count(), std::memory_order_relaxed);
    }
    void go() {
        const auto at = stopped_at_.load(std::memory_order_relaxed);
        if (at == running_mark) return;
        stopped_.fetch_add(now_().time_since_epoch().count() - at, std::memory_order_relaxed);
        stopped_at_.store(running_mark, std::memory_order_relaxed);
    }

    // Seconds worked from construction to `t` (stopped intervals left out).
    double seconds(clock::time_point t) const {
        const auto at = stopped_at_.load(std::memory_order_relaxed);
        const auto end = at == running_mark ? t.time_since_epoch().count() : at;
        const auto worked = end - start_.time_since_epoch().count() - stopped_.load(std::memory_order_relaxed);
        return worked <= 0 ? 0.0 : std::chrono::duration<double>(clock::duration(worked)).count();
    }

    // A scope in which the step waits for other steps: the clock stops, and
    // runs again at its end if it ran at its start.
    class waiting {
    public:
        explicit waiting(work_clock& c) : c_(c), was_(c.running()) { c_.stop(); }
        ~waiting() {
            if (was_) c_.go();
        }
        waiting(const waiting&) = delete;
        waiting& operator=(const waiting&) = delete;

    private:
        work_clock& c_;
        bool was_;
    };
    // A scope in which the step works (its next(): a batch is asked for):
    // the clock runs, and stops again at its end if it was stopped at its start.
    class working {
    public:
        explicit working(work_clock& c) : c_(c), was_(c.running()) { c_.go(); }
        ~working() {
            if (!was_) c_.stop();
        }
        working(const working&) = delete;
        working& operator=(const working&) = delete;

    private:
        work_clock& c_;
        bool was_;
    };

private:
    static constexpr clock::rep running_mark = std::numeric_limits<clock::rep>::min();
    steady_now_fn now_;
    clock::time_point start_;
    std::atomic<clock::rep> stopped_at_{running_mark};  // when stopped; running_mark: running
    std::atomic<clock::rep> stopped_{0};                // the stopped intervals that ended
};

} // namespace datachain::detail
