// The journal of a job: every checkpoint decision is recorded as an event in
// the store and told as one line through the settings' output sink. This is
// the one place that builds events and report lines.
//
//   journal j(handle, job_id, settings);
//   j.save_skipped(step, version, key, from_job);
//   j.udf_ended(step, event_kind::udf_continued, full, before, now, seconds, why, from_job);
#pragma once

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
#include <string>

namespace datachain::detail {

// Writes a line through `cfg.output`, or to stderr when no sink is set.
inline void emit_line(const settings& cfg, const output_line& line) {
    if (cfg.output) {
        cfg.output(line);
        return;
    }
    // Above the progress status line when one is shown (terminal.hpp).
    status_line::get().print("datachain: " + line.text);
}

class journal {
public:
    journal(store_handle& h, std::uint64_t job, const settings& cfg) : h_(h), job_(job), cfg_(cfg) {}

    // ---- events with their report line ---------------------------------------

    void save_skipped(const std::string& step, const dataset_record& ds, const hash128& key, std::uint64_t from_job) {
        auto e = base(event_kind::save_skipped, step);
        e.dataset = ds.name;
        e.version = ds.version;
        e.chain_hash = key.hex();
        e.rows_before = ds.rows;
        e.why = "chain unchanged since job " + std::to_string(from_job);
        e.change = to_string(change_kind::none);
        e.from_job = from_job;
        record(std::move(e));
        report("save \"" + ds.name + "\": skipped, the chain is unchanged since job " + std::to_string(from_job) +
               "; using version " + ds.version + " (" + std::to_string(ds.rows) + " rows)");
    }

    void save_computing(const std::string& name, const reason& why) {
        report("save \"" + name + "\": computing (" + why.text + ")");
    }

    void save_completed(const std::string& step, const dataset_record& ds, const hash128& key, double seconds,
                        const reason& why) {
        auto e = base(event_kind::save_completed, step);
        e.dataset = ds.name;
        e.version = ds.version;
        e.chain_hash = key.hex();
        e.rows_now = ds.rows;
        e.seconds = seconds;
        e.why = why.text;
        e.change = to_string(why.kind);
        record(std::move(e));
        report("save \"" + ds.name + "\": saved version " + ds.version + " (" + std::to_string(ds.rows) + " rows)");
    }

    // The line that says what a UDF step will do, when it starts.
    // `memo`: inputs seen before are looked up in the row memo.
    void udf_decided(const std::string& step, const udf_decision& d, bool memo = false) {
        if (d.action == udf_action::skip)
            report(step + ": skipped, reusing " + std::to_string(d.rows) + " rows from job " +
                   std::to_string(d.from_job));
        else
            report(step + ": " +
                   (memo && d.action == udf_action::scratch ? "computing inputs not seen before"
                                                             : std::string(to_string(d.action))) +
                   (d.why.text.empty() || d.why.kind == change_kind::off ? std::string{} : " (" + d.why.text + ")"));
    }

    // The line that says how many inputs a UDF step computed and reused.
    void udf_rows(const std::string& step, std::uint64_t computed, std::uint64_t continued, std::uint64_t memo) const {
        report(step + ": " + std::to_string(computed) + (computed == 1 ? " input" : " inputs") + " computed, " +
               std::to_string(continued + memo) +
               " reused (" + std::to_string(memo) + " by input from earlier runs" +
               (continued ? ", " + std::to_string(continued) + " continued" : std::string{}) + ")");
    }

    // The event that says what a UDF step did: skipped (all reused),
    // continued, from scratch, or failed. Returns its sequence number; given
    // `seq` (from an earlier call), it rewrites that event instead: a step
    // records its decision when it starts computing (so a job that fails in
    // another step, or is killed, still shows it) and rewrites it with its
    // counts when it ends.
    std::uint64_t udf_ended(const std::string& step, event_kind kind, const hash128& full, std::uint64_t before,
                            std::uint64_t now, double seconds, const reason& why, std::uint64_t from_job,
                            std::uint64_t seq = 0) {
        auto e = base(kind, step);
        e.step_hash = full.hex();
        e.rows_before = before;
        e.rows_now = now;
        e.seconds = seconds;
        e.why = why.text;
        e.change = to_string(why.kind);
        e.from_job = from_job;
        return record(std::move(e), seq);
    }

    void warning(const std::string& text) const {
        if (cfg_.report) emit_line(cfg_, {output_line::kind::warning, "warning: " + text});
    }
    void report(const std::string& text) const {
        if (cfg_.report) emit_line(cfg_, {output_line::kind::report, text});
    }

private:
    static event_record base(event_kind k, const std::string& step) {
        event_record e{};
        e.kind = to_string(k);
        e.step = step;
        return e;
    }
    std::uint64_t record(event_record e, std::uint64_t seq = 0) {
        std::lock_guard l(m_);
        e.time = now_ns();
        if (seq == 0) seq = ++seq_;
        h_.db().put(rec::event_key(job_, seq), rec::pack(e));
        return seq;
    }

    store_handle& h_;
    std::uint64_t job_;
    const settings& cfg_;
    std::mutex m_;
    std::uint64_t seq_ = 0;
};

} // namespace datachain::detail
