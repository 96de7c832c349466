// What the UDF stages (map, gen, agg) share: the step's context, its
// checkpoint decision, its table of outputs, its records and events,
// progress, and failure handling.
//
//   udf_stage_base base(ctx, step_description, partial_hash);   // decides
//   base.begin_calls();      // before a batch's UDF calls: "running" mark
//   base.commit(batch, failed, computed, reused);  // outputs + done marks + mark
//                            // cleared + the decision's event with its counts, atomically
//                            // (map, gen: in parts of a batch, stages/udf_parts.hpp)
//   base.finish();           // complete record and the decision's event
//
// Stored outputs: table T, key (input ordinal, sub-index), written through
// stages/table_writer.hpp, and the row memo (memo.hpp, read through
// stages/udf_memo.hpp): outputs per input identity, reused across source
// changes. See docs/storage.md.
//
// Counts: what the event, the status file and the progress line call done
// earlier is what earlier runs did: the inputs a continued table held
// (done_before_) and those whose outputs came from the row memo. The event
// and the status file count what is committed (never a unit a kill loses);
// the time is the step's own work (work_clock.hpp), not its neighbours'.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/decide.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/memo.hpp>
#include <datachain/runtime/progress.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/sources.hpp>
#include <datachain/runtime/stages/table_writer.hpp>
#include <datachain/runtime/stages/udf_memo.hpp>
#include <datachain/runtime/stages/udf_parts.hpp>
#include <datachain/runtime/stream.hpp>
#include <datachain/runtime/table_checks.hpp>
#include <datachain/runtime/work_clock.hpp>
#include <datachain/runtime/worker_pool.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace datachain::detail::exec {

// What the runner hands to the stage of step I.
struct step_context {
    session_access a;
    unsigned threads = 1;
    std::size_t batch = 2000;
    bool checkpoints = true;
    bool resume = true;
    bool want_table = false;  // the next step is save: write an owned table, emit no rows
    hash128 before, full;     // the chain's hash before and after this step
    reason upstream;          // why the chain computes
    hash128 memo{};           // the step's row memo id (memo.hpp); set by build_udf_stage
    std::vector<std::uint64_t>* written = nullptr;  // the runner's: tables this run writes (discarded after damage)
    // The chain reads a saved version (read_dataset), whose rows are checked
    // only when its read ends: a continued step checks that its kept outputs
    // were computed from this run's inputs (kept_input_differs). Other
    // sources' inputs are fixed by the chain's hash.
    bool check_kept_inputs = false;
};

// Reads the lineage's records for a UDF step and decides (decide.hpp).
DATACHAIN_INLINE udf_decision decide_step(const step_context& c, const hash128& pkey);

class udf_stage_base {
public:
    DATACHAIN_INLINE udf_stage_base(const step_context& c, std::string step, const hash128& partial);
    // Cut short by another step's failure: the decision event gets the rows computed.
    DATACHAIN_INLINE ~udf_stage_base();
    udf_stage_base(const udf_stage_base&) = delete;
    udf_stage_base& operator=(const udf_stage_base&) = delete;

    const udf_decision& decision() const noexcept { return d_; }
    std::uint64_t table() const noexcept { return table_; }
    std::uint64_t produced() const noexcept { return out_.produced(); }
    bool emit() const noexcept { return !ctx_.want_table; }
    const std::string& step() const noexcept { return step_; }
    // "the outputs of <step>": what a damaged stored row of this step's table
    // is named as (sources.hpp, damaged_row); built once, not per row read.
    const std::string& outputs_what() const noexcept { return outputs_what_; }
    // The clock of the step's own work: stopped while it waits for its
    // input or for the next step to ask for a batch (work_clock.hpp).
    work_clock& work() noexcept { return own_; }

    // A skipped step: the stored outputs (or none, when save adopts them).
    template <class Out>
    built<Out> reuse() {
        ctx_.a.log().udf_decided(step_, d_);
        ctx_.a.log().udf_ended(step_, event_kind::udf_skipped, ctx_.full, d_.rows, 0, 0.0, d_.why, d_.from_job);
        ctx_.a.record_checkpoint(pkey_, complete_record());  // found nearby by the next run
        owned_table t{d_.table, [n = d_.rows] { return n; }};
        if (ctx_.want_table) return {std::make_unique<empty_stream<Out>>(), std::move(t)};
        // Read to its end, the table is checked against what was recorded
        // when it was written (table_checks.hpp): a mismatch discards it
        // and fails the run (store_corrupt), so no output is computed from it.
        if (auto rec = recorded_table_content(ctx_.a.db(), d_.table))
            return {std::make_unique<table_stream<Out>>(
                        ctx_.a.db(), d_.table, d_.rows, outputs_what_, rec->kind,
                        [db = &ctx_.a.db(), table = d_.table, who = step_](std::uint64_t rows, const hash128& d) {
                            check_reused_table(*db, who, table, rows, d);
                        }),
                    std::move(t)};
        return {std::make_unique<table_stream<Out>>(ctx_.a.db(), d_.table, d_.rows, outputs_what_),
                std::move(t)};
    }

    // Starts computing: the report line, the partial record, progress.
    // Stops the work clock: the step works again when a batch is asked for.
    DATACHAIN_INLINE void start(std::optional<std::uint64_t> total);
    DATACHAIN_INLINE void set_total(std::optional<std::uint64_t> total);

protected:
    // ---- progress of an earlier run (resume) ---------------------------------
    // A stage's open() calls load_prefix (map) or load_marks (gen / agg)
    // whatever the decision: when save adopts the table, they also start
    // its content digest (read_stored).

    // map: its rows are always a prefix of the inputs (batches are written in
    // order, and a failing batch keeps only the rows before the failure), so
    // the count is found with a few point reads instead of a scan.
    DATACHAIN_INLINE void load_prefix();

    // gen / agg: an input or partition is done when it has a done mark or a
    // segment covers it (its rows referred to, table_writer.hpp).
    DATACHAIN_INLINE void load_marks();

    bool is_done(std::uint64_t o) const {
        return o < done_prefix_ || (o < done_.size() && done_[static_cast<std::size_t>(o)]);
    }

    // A continued table's outputs of input `ordinal` were computed from an
    // input other than this run's (map: the input columns of its stored row
    // differ; gen / agg: the input id of its done mark): the source changed
    // without a new version, damaged when the earlier run read it or since.
    // Discards the table (table_checks.hpp) and fails the run: never
    // outputs of another input.
    // `at` names the unit when it is not an input row (agg: its partition).
    [[noreturn]] DATACHAIN_INLINE void kept_input_differs(std::uint64_t ordinal, std::string at = {});
    // gen / agg: the input id recorded with input `ordinal`'s kept outputs
    // (its done mark, here or in the table a segment refers to); nullopt
    // when none was read.
    std::optional<hash128> kept_id(std::uint64_t o) const {
        if (o >= done_ids_.size() || done_ids_[static_cast<std::size_t>(o)] == hash128{}) return std::nullopt;
        return done_ids_[static_cast<std::size_t>(o)];
    }

    // Calls f(key, value) for each stored row of input `ordinal`, in
    // sub-index order; returns how many.
    DATACHAIN_INLINE std::size_t visit_stored(std::uint64_t ordinal,
                                              const std::function<void(std::string_view, std::string_view)>& f);
    // Appends the stored rows of input `ordinal` (in sub-index order).
    template <class Row>
    void load_stored(std::uint64_t ordinal, std::vector<Row>& into) {
        visit_stored(ordinal, [&](std::string_view k, std::string_view v) {
            into.push_back(decode_row<Row>(ctx_.a.db(), outputs_what_, k, v));
        });
    }

    // ---- writing ----------------------------------------------------------------

    worker_pool& pool() {
        if (!pool_) pool_ = std::make_unique<worker_pool>(ctx_.threads);
        return *pool_;
    }

    // Before a batch's UDF calls: marks the step as running its UDF, so that
    // a job that ends inside a call (a throw, a kill) says so durably.
    DATACHAIN_INLINE void begin_calls();

    // Writes a part's outputs: `computed` units computed now and `hits` whose
    // outputs came from the row memo. Clears the running mark with them
    // unless a UDF of the part threw (then the mark stays: its own UDF
    // failed), and rewrites the decision's event with the counts in the
    // same write (udf_reused from the first hit on), so that a killed job's
    // event says what it kept. Then counts them (progress; the status file
    // is written now, after the write). With `failed`, a write that fails
    // is kept for fail() to report, not thrown.
    DATACHAIN_INLINE void commit(write_batch& b, bool failed, std::uint64_t computed, std::uint64_t hits);

    // One UDF call finished (any thread of the batch): moves the progress
    // line (not the status file: the row is not stored until its commit).
    void row_done() noexcept {
        if (prog_) prog_->tick();
    }

    // Inputs done by the earlier run of a continued table, handed downstream:
    // the progress line counts them as reused (the status file and the
    // event counted them as done earlier from the start).
    void count_continued(std::uint64_t n) {
        if (prog_) prog_->add(0, n);
    }

    // ---- the row memo (stages/udf_memo.hpp) -------------------------------------

    udf_memo& memo() noexcept { return memo_; }

public:
    // The content digest of the rows the table holds, when taken while
    // writing them (read_stored) and the step ran to its end.
    bool content_digest(std::uint64_t& hi, std::uint64_t& lo) const {
        return finished_ && out_.digest(hi, lo);
    }

    // The step ran to its end: complete record and the event.
    DATACHAIN_INLINE void finish();

    // Rethrows a UDF failure as udf_error, after the durable part is written:
    // records the decision's event (what this run did) and udf_failed. When
    // that (or the commit of the part it failed in) cannot be written, the
    // udf_error says so and why, instead of the store's error replacing it.
    // `at` names the failing unit when it is not an input row (agg: "partition 5 (key 'a')").
    [[noreturn]] DATACHAIN_INLINE void fail(std::exception_ptr ep, std::uint64_t ordinal, const std::string& path,
                                            std::string at = {});

private:
    // Starts the table's content digest (recorded when the step finishes,
    // and so that save does not read the table back) and its running sum:
    // taken while writing (row_digest; the rows referred to through
    // segments by the hashes of their stored values: map, taken by the memo
    // index; gen / agg, read when the input is found). A resumed step first
    // reads the rows the table holds, once, in key order (counting them:
    // `count`, gen / agg), checks them against the running sum its commits
    // recorded, and digests them, when they all come before every row this
    // run writes: those of the inputs before the first one not done. After
    // a gen or agg UDF threw, other threads may have stored inputs beyond
    // it: then no digest is taken, and the table is read back once when the
    // step finishes (or by save).
    DATACHAIN_INLINE void read_stored(bool count);
    // The rows a continued table holds are not what its commits wrote
    // (`diff`, table_sum_difference): discards it and fails the run.
    [[noreturn]] DATACHAIN_INLINE void kept_rows_damaged(const std::string& diff);

    // The finished table's row count and content digest, recorded for the
    // runs that reuse it (table_checks.hpp): checked when they read it in full.
    DATACHAIN_INLINE void record_content();
    DATACHAIN_INLINE checkpoint_record complete_record() const;
    DATACHAIN_INLINE void save_record(bool complete);
    event_kind started_kind() const { return d_.action == udf_action::resume ? event_kind::udf_continued : event_kind::udf_from_scratch; }
    // What a run that has taken `hits` inputs from the memo did so far (or
    // when cut short): reused by input when the memo gave outputs.
    event_kind kind_with(std::uint64_t hits) const { return hits > 0 ? event_kind::udf_reused : started_kind(); }
    event_kind ended_kind() const { return kind_with(memo_.hits()); }
    double seconds() const { return own_.seconds(own_.now()); }

protected:
    step_context ctx_;
    std::string step_;
    std::string outputs_what_ = "the outputs of " + step_;  // after step_: initialized from it
    std::string unrecorded_;  // why the part a UDF failed in could not be written (commit)
    hash128 pkey_;
    udf_decision d_;
    std::uint64_t table_ = 0;
    work_clock own_;  // the step's own work, from its construction (before prog_: it outlives it)
    std::unique_ptr<progress> prog_;
    std::uint64_t done_before_ = 0;
    udf_memo memo_;
    table_writer out_;
    const char* done_unit_ = "inputs";  // what fail() counts as done: agg, "partitions"
    const char* progress_unit_ = "rows";  // what progress counts: gen, "inputs"; agg, "partitions"

private:
    std::unique_ptr<cursor> rd_;
    std::unique_ptr<worker_pool> pool_;
    std::uint64_t done_prefix_ = 0;
    std::vector<char> done_;  // gen/agg: input ordinals (or partitions) done earlier
    std::vector<hash128> done_ids_;  // gen/agg: their input ids (zero: not known)
    std::uint64_t computed_ = 0;
    bool finished_ = false;
    std::uint64_t event_ = 0;  // the decision event start() recorded
    table_claim claim_;  // the table this step writes, claimed in the store handle
};

} // namespace datachain::detail::exec

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/udf_stage.ipp>
#endif
