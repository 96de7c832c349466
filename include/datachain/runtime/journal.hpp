// The journal of a job: every checkpoint decision is recorded as an event in
// the store and told as one line through the settings' output sink. This is
// the one place that builds events and report lines.
//
//   journal j(handle, job_id, settings);
//   j.save_skipped(step, version, key, from_job);
//   j.udf_ended(step, event_kind::udf_continued, full, before, now, seconds, why, from_job);
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/decide.hpp>
#include <datachain/runtime/jobs.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/settings.hpp>
#include <datachain/runtime/store_open.hpp>
#include <datachain/runtime/terminal.hpp>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

namespace datachain::detail {

// Writes a line through `cfg.output`, or to stderr when no sink is set.
DATACHAIN_INLINE void emit_line(const settings& cfg, const output_line& line);

class journal {
public:
    journal(store_handle& h, std::uint64_t job, const settings& cfg) : h_(h), job_(job), cfg_(cfg) {}

    // ---- events with their report line ---------------------------------------

    void save_skipped(const std::string& step, const dataset_record& ds, const hash128& key, std::uint64_t from_job);

    void save_computing(const std::string& name, const reason& why);

    void save_completed(const std::string& step, const dataset_record& ds, const hash128& key, double seconds,
                        const reason& why);

    // The line that says what a UDF step will do, when it starts.
    // `memo`: inputs seen before are looked up in the row memo.
    void udf_decided(const std::string& step, const udf_decision& d, bool memo = false);

    // The line that says how many inputs a UDF step computed and reused
    // (when no progress summary says it: udf_stage_base::finish).
    void udf_rows(const std::string& step, std::uint64_t computed, std::uint64_t continued, std::uint64_t memo) const;
    // Where reused inputs came from: "400 by input from earlier runs, 60 continued".
    static std::string reused_from(std::uint64_t continued, std::uint64_t memo);

    // The event that says what a UDF step did: skipped (all reused),
    // continued, from scratch, or failed. Returns its sequence number; given
    // `seq` (from an earlier call), it rewrites that event instead: a step
    // records its decision when it starts computing (so a job that fails in
    // another step, or is killed, still shows it) and rewrites it with its
    // counts when it ends.
    std::uint64_t udf_ended(const std::string& step, event_kind kind, const hash128& full, std::uint64_t before,
                            std::uint64_t now, double seconds, const reason& why, std::uint64_t from_job,
                            std::uint64_t seq = 0);
    // Rewrites event `seq` (from udf_ended) in `b`, the write batch of a
    // commit of the step's outputs: its counts are then exactly what the
    // store holds, however the job ends (a kill leaves the last commit's).
    void udf_progress(write_batch& b, const std::string& step, event_kind kind, const hash128& full,
                      std::uint64_t before, std::uint64_t now, double seconds, const reason& why,
                      std::uint64_t from_job, std::uint64_t seq);

    // An order_by or agg sorted its input through a spill file
    // (external_sort.hpp): "order_by(size): input of 3000000 rows sorted on
    // disk in 3 runs (141.3 MiB written), as it took more memory than
    // spill_bytes (64.0 MiB; settings::spill_bytes or DATACHAIN_SPILL_BYTES)".
    // `bytes`: the file's size (sort keys and encoded rows, less than the
    // rows took in memory); `partitions`: agg's count. A report line only:
    // it decides nothing, so no event.
    void spilled(const std::string& step, std::uint64_t rows, std::uint64_t bytes, std::size_t runs,
                 std::optional<std::uint64_t> partitions = std::nullopt) const;

    // `text`: a message, its values already quoted (detail::quoted_value),
    // as error messages are.
    void warning(const std::string& text) const {
        if (cfg_.report) emit_line(cfg_, {output_line::kind::warning, "warning: " + text});
    }
    // `text`: a decision, made of names and reasons as they are (a file
    // name from a listing may hold a newline or an escape sequence): the
    // line has its control characters escaped (detail::escaped), so it stays
    // one line and cannot drive the terminal. The event keeps the text as is.
    void report(const std::string& text) const {
        if (cfg_.report) emit_line(cfg_, {output_line::kind::report, escaped(text)});
    }

private:
    static event_record base(event_kind k, const std::string& step) {
        event_record e{};
        e.kind = to_string(k);
        e.step = step;
        return e;
    }
    static event_record udf_event(const std::string& step, event_kind kind, const hash128& full,
                                  std::uint64_t before, std::uint64_t now, double seconds, const reason& why,
                                  std::uint64_t from_job) {
        auto e = base(kind, step);
        e.step_hash = full.hex();
        e.rows_before = before;
        e.rows_now = now;
        e.seconds = seconds;
        e.why = why.text;
        e.change = to_string(why.kind);
        e.from_job = from_job;
        return e;
    }
    // Puts `e` as event `seq` (0: a new one) into the store, or into `into`.
    std::uint64_t record(event_record e, std::uint64_t seq = 0, write_batch* into = nullptr);

    store_handle& h_;
    std::uint64_t job_;
    const settings& cfg_;
    std::mutex m_;
    std::uint64_t seq_ = 0;
};

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/journal.ipp>
#endif
