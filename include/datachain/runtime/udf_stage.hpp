// What the UDF stages (map, gen, agg) share: the step's context, its
// checkpoint decision, its table of outputs, its records and events,
// progress, and failure handling.
//
//   udf_stage_base base(ctx, step_description, partial_hash);   // decides
//   base.begin_calls();      // before a batch's UDF calls: "running" mark
//   base.commit(batch);      // outputs + done marks + mark cleared, atomically
//                            // (map, gen: in parts of a batch, stages/udf_parts.hpp)
//   base.finish();           // complete record and the decision's event
//
// Stored outputs: table T, key (input ordinal, sub-index), written through
// stages/table_writer.hpp, and the row memo (memo.hpp, read through
// stages/udf_memo.hpp): outputs per input identity, reused across source
// changes. See docs/storage.md.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
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
#include <datachain/runtime/worker_pool.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
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
};

// Reads the lineage's records for a UDF step and decides (decide.hpp).
inline udf_decision decide_step(const step_context& c, const hash128& pkey) {
    udf_state st;
    st.checkpoints = c.checkpoints;
    st.resume = c.resume;
    st.full = c.full;
    st.upstream = c.upstream;
    if (c.checkpoints && c.resume) {
        for (auto job : catalog::ancestry(c.a.db(), c.a.job(), c.a.config().max_depth)) {
            auto cp = catalog::checkpoint(c.a.db(), job, pkey);
            if (!cp || cp->kind != static_cast<std::uint8_t>(checkpoint_kind::udf)) continue;
            st.seen.push_back({job, *cp, c.a.db().get(rec::active_key(job, pkey)).has_value()});
        }
    }
    return decide_udf(st);
}

class udf_stage_base {
public:
    udf_stage_base(const step_context& c, std::string step, const hash128& partial)
        : ctx_(c), step_(std::move(step)), memo_(c.a, step_) {
        pkey_ = combine("udf.partial", c.before, partial);
        d_ = decide_step(c, pkey_);
        if (d_.action == udf_action::skip) return;
        // The table to continue is being written by another step of this
        // process (the same chain run on two threads at once): its writes
        // and this run's would overlap, so this run starts its own table.
        // (claim_ is released however this constructor ends.)
        if (d_.action == udf_action::resume && !claim_.claim(ctx_.a.handle(), d_.table)) {
            d_.action = udf_action::scratch;
            d_.table = 0;
        }
        table_ = d_.table ? d_.table : (d_.record() || c.want_table ? ctx_.a.new_table() : 0);
        if (table_ && !claim_.table()) claim_.claim(ctx_.a.handle(), table_);
        out_ = table_writer(table_);
        if (d_.record()) memo_.open(c.memo, c.resume, table_);
    }
    // Cut short by another step's failure: the decision event gets the rows computed.
    ~udf_stage_base() {
        if (event_ && !finished_) try {
                ctx_.a.log().udf_ended(step_, ended_kind(), ctx_.full, done_before_ + memo_.hits(), computed_,
                                       seconds(), d_.why, d_.from_job, event_);
            } catch (...) {
            }
    }
    udf_stage_base(const udf_stage_base&) = delete;
    udf_stage_base& operator=(const udf_stage_base&) = delete;

    const udf_decision& decision() const noexcept { return d_; }
    std::uint64_t table() const noexcept { return table_; }
    std::uint64_t produced() const noexcept { return out_.produced(); }
    bool emit() const noexcept { return !ctx_.want_table; }
    const std::string& step() const noexcept { return step_; }

    // A skipped step: the stored outputs (or none, when save adopts them).
    template <class Out>
    built<Out> reuse() {
        ctx_.a.log().udf_decided(step_, d_);
        ctx_.a.log().udf_ended(step_, event_kind::udf_skipped, ctx_.full, d_.rows, 0, 0.0, d_.why, d_.from_job);
        ctx_.a.record_checkpoint(pkey_, complete_record());  // found nearby by the next run
        owned_table t{d_.table, [n = d_.rows] { return n; }};
        if (ctx_.want_table) return {std::make_unique<empty_stream<Out>>(), std::move(t)};
        return {std::make_unique<table_stream<Out>>(ctx_.a.db(), d_.table, d_.rows, "the outputs of " + step_),
                std::move(t)};
    }

    // Starts computing: the report line, the partial record, progress.
    void start(std::optional<std::uint64_t> total) {
        ctx_.a.log().udf_decided(step_, d_, memo_.reads());
        event_ = ctx_.a.log().udf_ended(step_, started_kind(), ctx_.full, done_before_, 0, 0.0, d_.why, d_.from_job);
        save_record(false);
        ctx_.a.status().step(step_, total, done_before_);
        prog_ = std::make_unique<progress>(ctx_.a.config(), step_, total, done_before_, progress_kind::udf,
                                           &ctx_.a.status());
        prog_->unit(progress_unit_);
    }
    void set_total(std::optional<std::uint64_t> total) {
        ctx_.a.status().step(step_, total, done_before_);
        prog_ = std::make_unique<progress>(ctx_.a.config(), step_, total, done_before_, progress_kind::udf,
                                           &ctx_.a.status());
        prog_->unit(progress_unit_);
    }

protected:
    // ---- progress of an earlier run (resume) ---------------------------------
    // A stage's open() calls load_prefix (map) or load_marks (gen / agg)
    // whatever the decision: when save adopts the table, they also start
    // its content digest (read_stored).

    // map: its rows are always a prefix of the inputs (batches are written in
    // order, and a failing batch keeps only the rows before the failure), so
    // the count is found with a few point reads instead of a scan.
    void load_prefix() {
        if (d_.action == udf_action::resume) {
            const auto segs = load_segments(ctx_.a.db(), table_);
            auto exists = [&](std::uint64_t o) { return table_has(ctx_.a.db(), table_, segs, o); };
            std::uint64_t lo = 0, hi = 1;  // invariant once started: exists(lo - 1), !exists(hi)
            if (exists(0)) {
                lo = 1;
                while (exists(hi)) {
                    lo = hi + 1;
                    hi *= 2;
                }
                while (lo < hi) {
                    std::uint64_t mid = lo + (hi - lo) / 2;
                    if (exists(mid)) lo = mid + 1;
                    else hi = mid;
                }
            }
            done_prefix_ = lo;
            done_before_ = lo;
            out_.add_produced(lo);
        }
        read_stored(false);
    }

    // gen / agg: an input or partition is done when it has a done mark or a
    // segment covers it (its rows referred to, table_writer.hpp).
    void load_marks() {
        if (d_.action == udf_action::resume) {
            auto mark = [&](std::uint64_t o) {
                if (done_.size() <= o) done_.resize(static_cast<std::size_t>(o) + 1, 0);
                auto& d = done_[static_cast<std::size_t>(o)];
                done_before_ += d == 0;
                d = 1;
            };
            for (auto c = ctx_.a.db().scan(rec::done_prefix(table_)); c->valid(); c->next())
                if (c->key().size() >= 17) mark(key::read_be64(c->key(), 9));
            for (const auto& s : load_segments(ctx_.a.db(), table_))
                for (std::uint64_t o = s.at; o < s.at + s.count; ++o) mark(o);
        }
        read_stored(true);
    }

    bool is_done(std::uint64_t o) const {
        return o < done_prefix_ || (o < done_.size() && done_[static_cast<std::size_t>(o)]);
    }

    // Appends the stored rows of input `ordinal` (in sub-index order).
    template <class Row>
    void load_stored(std::uint64_t ordinal, std::vector<Row>& into) {
        auto& db = ctx_.a.db();
        if (!rd_) rd_ = scan_table(db, table_);
        auto prefix = rec::table_prefix(table_);
        key::be64(prefix, ordinal);
        for (rd_->seek(prefix); rd_->valid() && rd_->key().starts_with(prefix); rd_->next())
            into.push_back(decode_row<Row>(db, "the outputs of " + step_, rd_->key(), rd_->value()));
    }

    // ---- writing ----------------------------------------------------------------

    worker_pool& pool() {
        if (!pool_) pool_ = std::make_unique<worker_pool>(ctx_.threads);
        return *pool_;
    }

    // Before a batch's UDF calls: marks the step as running its UDF, so that
    // a job that ends inside a call (a throw, a kill) says so durably.
    void begin_calls() {
        if (d_.record()) ctx_.a.db().put(rec::active_key(ctx_.a.job(), pkey_), "");
    }

    // Writes a batch's outputs; clears the running mark with them unless a
    // UDF of the batch threw (then the mark stays: its own UDF failed).
    void commit(write_batch& b, bool failed) {
        out_.commit(b);
        if (d_.record() && !failed) b.del(rec::active_key(ctx_.a.job(), pkey_));
        if (table_ || d_.record()) ctx_.a.db().write(b);
    }

    // One UDF call finished (any thread of the batch): moves the progress
    // line and the status file (by time, from the progress thread).
    void row_done() noexcept {
        if (prog_) prog_->tick();
    }

    void count(std::uint64_t computed, std::uint64_t reused) {
        computed_ += computed;
        if (prog_) prog_->add(computed, reused);  // the status file follows it (progress.hpp)
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
    void finish() {
        if (finished_) return;
        finished_ = true;
        const auto hits = memo_.hits();
        // One line says what was reused: the progress summary when it is
        // printed, else the report line.
        const bool summary = prog_ && prog_->prints_summary();
        if (summary && hits > 0) prog_->reused_from(journal::reused_from(done_before_, hits));
        if (prog_) prog_->finish();
        save_record(true);
        memo_.complete();
        event_kind k = event_kind::udf_from_scratch;
        if (d_.action == udf_action::resume) k = computed_ == 0 ? event_kind::udf_skipped : event_kind::udf_continued;
        if (hits > 0) k = event_kind::udf_reused;
        ctx_.a.log().udf_ended(step_, k, ctx_.full, done_before_ + hits, computed_, seconds(), d_.why,
                               d_.from_job, event_);
        if (hits > 0 && !summary) ctx_.a.log().udf_rows(step_, computed_, done_before_, hits);
    }

    // Rethrows a UDF failure as udf_error, after the durable part is written:
    // records the decision's event (what this run did) and udf_failed.
    // `at` names the failing unit when it is not an input row (agg: "partition 5 (key 'a')").
    [[noreturn]] void fail(std::exception_ptr ep, std::uint64_t ordinal, const std::string& path, std::string at = {}) {
        finished_ = true;
        if (prog_) {
            prog_->failed();
            prog_->finish();
        }
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        if (at.empty()) at = "input row " + std::to_string(ordinal) + " (counting from 0)";
        std::string msg = "datachain: " + step_ + " failed at " + at +
                          (path.empty() ? std::string{} : " (file '" + path + "')") + ": " + what + ". ";
        const std::uint64_t before = done_before_ + memo_.hits(), done = before + computed_;
        if (d_.record()) {
            std::string unit = done_unit_;  // plural
            if (done == 1) unit.pop_back();
            msg += std::to_string(done) + " " + unit + (done == 1 ? " is" : " are") +
                   " done and saved; fix the problem and run again to continue from there.";
        } else {
            msg += "Checkpoints are off: nothing of this step was kept.";
        }
        save_record(false);
        auto& log = ctx_.a.log();
        log.udf_ended(step_, ended_kind(), ctx_.full, before, computed_, seconds(), d_.why, d_.from_job, event_);
        log.udf_ended(step_, event_kind::udf_failed, ctx_.full, before, computed_, seconds(),
                      {change_kind::none, what}, 0);
        ctx_.a.fail(msg);
        try {
            std::rethrow_exception(ep);
        } catch (...) {
            std::throw_with_nested(udf_error(msg, step_, ordinal, path));
        }
    }

private:
    // When save adopts the table, starts its content digest, so that save
    // does not read the table back: taken while writing (row_digest; the
    // rows referred to through segments by the hashes of their stored
    // values: map, taken by the memo index; gen / agg, read when the input
    // is found). A resumed step first reads the rows the table holds, once,
    // in key order (counting them: `count`, gen / agg) and digests them,
    // when they all come before every row this run writes: those of the
    // inputs before the first one not done. After a gen or agg UDF threw,
    // other threads may have stored inputs beyond it: then no digest is
    // taken and save reads the table back.
    void read_stored(bool count) {
        const bool resume = d_.action == udf_action::resume;
        bool digest = ctx_.want_table && table_ != 0;
        std::uint64_t first = done_prefix_;  // the first input not done (map); gen / agg: from the marks
        while (first < done_.size() && done_[static_cast<std::size_t>(first)]) ++first;
        if (first < done_.size() &&
            std::find(done_.begin() + static_cast<std::ptrdiff_t>(first), done_.end(), 1) != done_.end())
            digest = false;  // inputs done beyond it
        if (digest) out_.start_digest();
        if (!resume || !(count || digest)) return;
        for (auto c = scan_table(ctx_.a.db(), table_); c->valid(); c->next()) {
            if (count) out_.add_produced(1);
            if (!digest) continue;
            if (c->key().size() < 17 || key::read_be64(c->key(), 9) >= first) {
                out_.stop_digest();  // a row beyond it: save reads the table back
                digest = false;
                if (!count) return;
                continue;
            }
            out_.digest_stored(c->key(), c->value());
        }
    }

    checkpoint_record complete_record() const {
        checkpoint_record r{};
        r.kind = static_cast<std::uint8_t>(checkpoint_kind::udf);
        r.step = step_;
        r.table = d_.table;
        r.full_hi = ctx_.full.hi;
        r.full_lo = ctx_.full.lo;
        r.complete = true;
        r.rows = d_.rows;
        return r;
    }
    void save_record(bool complete) {
        if (!d_.record()) return;
        checkpoint_record r{};
        r.kind = static_cast<std::uint8_t>(checkpoint_kind::udf);
        r.step = step_;
        r.table = table_;
        r.full_hi = ctx_.full.hi;
        r.full_lo = ctx_.full.lo;
        r.complete = complete;
        r.rows = out_.produced();
        ctx_.a.record_checkpoint(pkey_, r);
    }
    event_kind started_kind() const { return d_.action == udf_action::resume ? event_kind::udf_continued : event_kind::udf_from_scratch; }
    // What a run cut short did: reused by input when the memo gave outputs.
    event_kind ended_kind() const { return memo_.hits() > 0 ? event_kind::udf_reused : started_kind(); }
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

protected:
    step_context ctx_;
    std::string step_;
    hash128 pkey_;
    udf_decision d_;
    std::uint64_t table_ = 0;
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
    std::uint64_t computed_ = 0;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    bool finished_ = false;
    std::uint64_t event_ = 0;  // the decision event start() recorded
    table_claim claim_;  // the table this step writes, claimed in the store handle
};

} // namespace datachain::detail::exec
