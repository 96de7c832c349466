// Progress of a long UDF step: rows done (and total when known), rate, ETA
// and how many rows an earlier run had already done. On a terminal (stderr
// is a tty) one line is redrawn at most 10 times a second; otherwise a
// single summary line is printed when the step ends. settings::progress =
// false (DATACHAIN_PROGRESS=0) silences both.
#pragma once

#include <datachain/runtime/journal.hpp>
#include <datachain/runtime/settings.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

namespace datachain::detail {

class progress {
public:
    // Redraws on stderr only when it is a terminal and no output sink is set;
    // the summary goes through the sink (settings::output) otherwise.
    progress(const settings& cfg, std::string step, std::optional<std::uint64_t> total, std::uint64_t earlier)
        : cfg_(cfg), on_(cfg.progress), tty_(cfg.progress && !cfg.output && ::isatty(2)), step_(std::move(step)),
          total_(total), earlier_(earlier), start_(clock::now()), last_(start_) {}

    // `n` more rows processed now (computed or reused).
    void add(std::uint64_t computed, std::uint64_t reused) {
        computed_ += computed;
        reused_ += reused;
        if (!tty_) return;
        auto t = clock::now();
        if (t - last_ < std::chrono::milliseconds(100)) return;
        last_ = t;
        draw(false);
    }

    void finish() {
        if (!on_ || finished_) return;
        finished_ = true;
        if (tty_) {
            draw(true);
            std::fputc('\n', stderr);
        } else {
            char buf[160];
            std::snprintf(buf, sizeof buf, ": %llu rows computed, %llu reused from an earlier run, %.2fs",
                          static_cast<unsigned long long>(computed_), static_cast<unsigned long long>(reused_),
                          seconds());
            emit_line(cfg_, {output_line::kind::progress, step_ + buf, true});
            return;
        }
        std::fflush(stderr);
    }

    std::uint64_t computed() const noexcept { return computed_; }
    std::uint64_t reused() const noexcept { return reused_; }
    double seconds() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

private:
    using clock = std::chrono::steady_clock;

    void draw(bool final) {
        double s = seconds();
        double rate = s > 0 ? static_cast<double>(computed_) / s : 0.0;
        std::uint64_t done = computed_ + reused_;
        std::string line = "\r" + step_ + ": " + std::to_string(done);
        if (total_) line += "/" + std::to_string(*total_);
        line += " rows";
        if (earlier_) line += " (" + std::to_string(earlier_) + " done by an earlier run)";
        char buf[96];
        std::snprintf(buf, sizeof buf, ", %.0f rows/s", rate);
        line += buf;
        if (!final && total_ && rate > 0 && *total_ > done) {
            std::snprintf(buf, sizeof buf, ", ETA %.0fs", static_cast<double>(*total_ - done) / rate);
            line += buf;
        }
        line += "   ";
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    }

    const settings& cfg_;
    bool on_, tty_;
    std::string step_;
    std::optional<std::uint64_t> total_;
    std::uint64_t earlier_;
    std::uint64_t computed_ = 0, reused_ = 0;
    clock::time_point start_, last_;
    bool finished_ = false;
};

} // namespace datachain::detail
