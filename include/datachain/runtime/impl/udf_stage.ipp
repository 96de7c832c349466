// Definitions for udf_stage.hpp: inline (header-only), or compiled once
// with DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail::exec {

DATACHAIN_INLINE udf_decision decide_step(const step_context& c, const hash128& pkey) {
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

DATACHAIN_INLINE udf_stage_base::udf_stage_base(const step_context& c, std::string step, const hash128& partial)
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
    if (table_ && d_.record() && c.written) c.written->push_back(table_);
    out_ = table_writer(table_);
    if (d_.record()) memo_.open(c.memo, c.resume, table_);
}

DATACHAIN_INLINE udf_stage_base::~udf_stage_base() {
    if (event_ && !finished_) try {
            ctx_.a.log().udf_ended(step_, ended_kind(), ctx_.full, done_before_ + memo_.hits(), computed_,
                                   seconds(), d_.why, d_.from_job, event_);
        } catch (...) {
        }
}

DATACHAIN_INLINE void udf_stage_base::start(std::optional<std::uint64_t> total) {
    ctx_.a.log().udf_decided(step_, d_, memo_.reads());
    event_ = ctx_.a.log().udf_ended(step_, started_kind(), ctx_.full, done_before_, 0, seconds(), d_.why, d_.from_job);
    save_record(false);
    set_total(total);
    own_.stop();  // until the next step asks for a batch
}

DATACHAIN_INLINE void udf_stage_base::set_total(std::optional<std::uint64_t> total) {
    // The status file counts what a rerun would not compute again: what the
    // earlier runs did is done from the start.
    const std::uint64_t earlier = done_before_ + memo_.hits();
    ctx_.a.status().rows(step_, total, earlier, earlier + computed_, progress_unit_);
    prog_ = std::make_unique<progress>(ctx_.a.config(), step_, total, earlier, progress_kind::udf,
                                       &ctx_.a.status(), udf_clock.load(), &own_);
    prog_->unit(progress_unit_);
}

DATACHAIN_INLINE void udf_stage_base::load_prefix() {
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

DATACHAIN_INLINE void udf_stage_base::load_marks() {
    if (d_.action == udf_action::resume) {
        auto mark = [&](std::uint64_t o, std::string_view id) {
            if (done_.size() <= o) {
                done_.resize(static_cast<std::size_t>(o) + 1, 0);
                done_ids_.resize(done_.size());
            }
            auto& d = done_[static_cast<std::size_t>(o)];
            done_before_ += d == 0;
            d = 1;
            if (id.size() == 16) done_ids_[static_cast<std::size_t>(o)] = read_hash(id);
        };
        auto& db = ctx_.a.db();
        for (auto c = db.scan(rec::done_prefix(table_)); c->valid(); c->next())
            if (c->key().size() >= 17) mark(key::read_be64(c->key(), 9), c->value());
        for (const auto& s : load_segments(db, table_))
            for (std::uint64_t o = s.at; o < s.at + s.count; ++o) {
                auto id = db.get(rec::done_key(s.from_table, s.from + (o - s.at)));
                mark(o, id ? std::string_view(*id) : std::string_view{});
            }
    }
    read_stored(true);
}

DATACHAIN_INLINE void udf_stage_base::kept_input_differs(std::uint64_t ordinal, std::string at) {
    const std::uint64_t table = table_;
    discard_table(ctx_.a.db(), table);
    if (at.empty()) at = "input row " + std::to_string(ordinal) + " (counting from 0)";
    throw error(error_kind::store_corrupt,
                "datachain: " + step_ + ": " + at + " is not the input that the kept outputs of an earlier run (table " +
                    std::to_string(table) + " in the store at " + quoted_value(ctx_.a.db().location()) +
                    ") were computed from, although the chain is unchanged: its source changed without a new "
                    "version (damaged when that run read it, or since). Those outputs are discarded: check the "
                    "source (datachain verify), then run again to compute the step anew");
}

DATACHAIN_INLINE std::size_t udf_stage_base::visit_stored(
    std::uint64_t ordinal, const std::function<void(std::string_view, std::string_view)>& f) {
    if (!rd_) rd_ = scan_table(ctx_.a.db(), table_);
    auto prefix = rec::table_prefix(table_);
    key::be64(prefix, ordinal);
    std::size_t n = 0;
    // Inputs are visited in order: the cursor is mostly at the row already
    // (a continued step reads its kept rows one input after another), so
    // it seeks only when it is not.
    if (!(rd_->valid() && rd_->key().starts_with(prefix))) rd_->seek(prefix);
    for (; rd_->valid() && rd_->key().starts_with(prefix); rd_->next(), ++n) f(rd_->key(), rd_->value());
    return n;
}

DATACHAIN_INLINE void udf_stage_base::begin_calls() {
    if (d_.record()) ctx_.a.db().put(rec::active_key(ctx_.a.job(), pkey_), "");
}

DATACHAIN_INLINE void udf_stage_base::commit(write_batch& b, bool failed, std::uint64_t computed, std::uint64_t hits) {
    out_.commit(b);
    if (d_.record() && !failed) b.del(rec::active_key(ctx_.a.job(), pkey_));
    if (table_ || d_.record()) {
        if (event_ && (computed || hits)) {
            const auto h = memo_.hits() + hits;
            ctx_.a.log().udf_progress(b, step_, kind_with(h), ctx_.full, done_before_ + h, computed_ + computed,
                                      seconds(), d_.why, d_.from_job, event_);
        }
        if (!failed) {
            ctx_.a.db().write(b);
        } else {
            // The part a UDF failed in: a store error here must not replace
            // the UDF's failure (fail() reports both); its outputs are not counted.
            try {
                ctx_.a.db().write(b);
            } catch (const std::exception& e) {
                unrecorded_ = e.what();
                return;
            }
        }
    }
    computed_ += computed;
    memo_.reused(hits);
    if (prog_) {
        prog_->add(computed, hits, hits);
        prog_->status_now();
    }
}

DATACHAIN_INLINE void udf_stage_base::finish() {
    if (finished_) return;
    finished_ = true;
    const auto hits = memo_.hits();
    // One line says what was reused: the progress summary when it is
    // printed, else the report line.
    const bool summary = prog_ && prog_->prints_summary();
    if (summary && hits > 0) prog_->reused_from(journal::reused_from(done_before_, hits));
    if (prog_) prog_->finish();
    record_content();
    save_record(true);
    memo_.complete();
    event_kind k = event_kind::udf_from_scratch;
    if (d_.action == udf_action::resume) k = computed_ == 0 ? event_kind::udf_skipped : event_kind::udf_continued;
    if (hits > 0) k = event_kind::udf_reused;
    ctx_.a.log().udf_ended(step_, k, ctx_.full, done_before_ + hits, computed_, seconds(), d_.why,
                           d_.from_job, event_);
    if (hits > 0 && !summary) ctx_.a.log().udf_rows(step_, computed_, done_before_, hits);
}

DATACHAIN_INLINE void udf_stage_base::fail(std::exception_ptr ep, std::uint64_t ordinal, const std::string& path, std::string at) {
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
                      (path.empty() ? std::string{} : " (file " + detail::quoted_value(path) + ")") + ": " +
                      escaped(what) + ". ";
    const std::uint64_t before = done_before_ + memo_.hits(), done = before + computed_;
    if (d_.record()) {
        std::string unit = done_unit_;  // plural
        if (done == 1) unit.pop_back();
        msg += std::to_string(done) + " " + unit + (done == 1 ? " is" : " are") +
               " done and saved; fix the problem and run again to continue from there.";
    } else {
        msg += "Checkpoints are off: nothing of this step was kept.";
    }
    // Recording the failure may fail too (a full disk, LevelDB's sticky
    // error after a failed write): the UDF's failure still goes on, saying
    // its record is missing and why, never replaced by the store's error.
    try {
        if (!unrecorded_.empty()) throw std::runtime_error(unrecorded_);
        save_record(false);
        auto& log = ctx_.a.log();
        log.udf_ended(step_, ended_kind(), ctx_.full, before, computed_, seconds(), d_.why, d_.from_job, event_);
        log.udf_ended(step_, event_kind::udf_failed, ctx_.full, before, computed_, seconds(),
                      {change_kind::none, what}, 0);
        ctx_.a.fail(msg);
    } catch (const std::exception& e) {
        msg += " This failure could not be recorded in the store (" + std::string(e.what()) +
               "): its job stays marked running there, and later shows as ended inside this UDF with no end "
               "recorded.";
    }
    try {
        std::rethrow_exception(ep);
    } catch (...) {
        std::throw_with_nested(udf_error(msg, step_, ordinal, path));
    }
}

DATACHAIN_INLINE void udf_stage_base::read_stored(bool count) {
    const bool resume = d_.action == udf_action::resume;
    bool digest = table_ != 0 && (ctx_.want_table || d_.record());
    std::uint64_t first = done_prefix_;  // the first input not done (map); gen / agg: from the marks
    while (first < done_.size() && done_[static_cast<std::size_t>(first)]) ++first;
    if (first < done_.size() &&
        std::find(done_.begin() + static_cast<std::ptrdiff_t>(first), done_.end(), 1) != done_.end())
        digest = false;  // inputs done beyond it
    if (digest) out_.start_digest();
    if (!resume) {
        if (d_.record() && table_) out_.keep_sum({});
        return;
    }
    // The rows kept: counted, digested, and checked against the running sum
    // their commits recorded before any is used.
    table_sum kept;
    for (auto c = scan_table(ctx_.a.db(), table_); c->valid(); c->next()) {
        if (count) out_.add_produced(1);
        const auto vh = row_digest::value_hash(c->value());
        kept.add(c->key(), vh);
        if (!digest) continue;
        if (c->key().size() < 17 || key::read_be64(c->key(), 9) >= first) {
            out_.stop_digest();  // a row beyond it: save reads the table back
            digest = false;
            continue;
        }
        out_.digest_stored_hashed(c->key(), vh);
    }
    if (count) add_done_marks(ctx_.a.db(), table_, kept);  // gen / agg
    if (auto rec = recorded_table_sum(ctx_.a.db(), table_))
        if (auto diff = table_sum_difference(*rec, kept); !diff.empty()) kept_rows_damaged(diff);
    out_.keep_sum(kept);
}

DATACHAIN_INLINE void udf_stage_base::kept_rows_damaged(const std::string& diff) {
    const std::uint64_t table = table_;
    discard_table(ctx_.a.db(), table);
    throw error(error_kind::store_corrupt,
                "datachain: " + step_ + ": the outputs an earlier run kept (table " + std::to_string(table) +
                    " in the store at " + quoted_value(ctx_.a.db().location()) + ") are damaged: " + diff +
                    ". They are discarded: run again to compute the step anew, or restore the store from a backup");
}

DATACHAIN_INLINE void udf_stage_base::record_content() {
    if (!d_.record() || !table_) return;
    std::uint64_t rows = out_.produced();
    hash128 d;
    if (!out_.digest(d.hi, d.lo)) {
        if (ctx_.want_table) return;  // save reads the table back, checks it and records it
        std::uint64_t n = 0;
        std::tie(n, d) = table_digest(ctx_.a.db(), table_);
        if (n != rows) {
            discard_table(ctx_.a.db(), table_);  // the rerun computes the step anew
            throw error(error_kind::store_corrupt,
                        "datachain: " + step_ + ": the outputs table " + std::to_string(table_) +
                            " in the store at " + quoted_value(ctx_.a.db().location()) + " holds " +
                            std::to_string(n) + " rows, the step wrote " + std::to_string(rows) +
                            ". It is discarded: run again to compute the step anew");
        }
    }
    record_table_content(ctx_.a.db(), table_, rows, d);
}

DATACHAIN_INLINE checkpoint_record udf_stage_base::complete_record() const {
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

DATACHAIN_INLINE void udf_stage_base::save_record(bool complete) {
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

} // namespace datachain::detail::exec
