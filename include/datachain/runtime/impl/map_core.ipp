// Definitions for stages/map_core.hpp: inline (header-only), or compiled
// once with DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail::exec {

DATACHAIN_INLINE void map_core::open_core(std::optional<std::uint64_t> total) {
    load_prefix();
    if (memo().reads()) memo().index_map([this](std::string_view v, std::size_t& n) { return index_row(v, n); });
    start(total);
}

DATACHAIN_INLINE bool map_core::next_batch(std::size_t n) {
    work_clock::working busy(work());  // the next step asks: this step works (work_clock.hpp)
    std::size_t m = 0;
    bool more = false;
    {
        work_clock::waiting input(work());  // the steps before it produce the batch
        more = pull(n, m);
    }
    if (!more) {
        finish();
        return false;
    }
    const bool write = table_ != 0;
    if (write) enc_.assign(m, std::string{});
    hit_.assign(m, 0);
    hit_at_.resize(m);
    if (memo().reads())
        for (std::size_t k = 0; k < m; ++k) {
            if (is_done(ord_ + k)) continue;
            auto at = memo().find(input_id(k));
            if (!at) continue;
            // The stored row equals the output (its input columns are this
            // input's): this table refers to it instead of a copy, and it is
            // read only to be passed on.
            const bool same = write && at->whole != 0 && input_hash(k) == at->whole;
            hit_at_[k] = *at;
            if (same && !emit()) {
                hit_[k] = 2;
                continue;
            }
            if (!take(k, *at)) continue;  // damaged or gone: computed again
            if (write && !same) encode_result(k, enc_[k]);
            hit_[k] = same ? 2 : 1;
        }
    first_error err;
    const std::uint64_t base = ord_;
    // Computed and committed in parts of about a second of calls
    // (stages/udf_parts.hpp): a kill loses at most that much work,
    // whatever the batch size.
    run_in_parts(
        pool(), m, err, [&] { begin_calls(); }, [&](std::size_t k) { return hit_[k] || is_done(base + k); },
        [&](std::size_t k) {
            compute(k, write ? &enc_[k] : nullptr);
            row_done();
        },
        [&](std::size_t from, std::size_t to) {
            // Keep the stored rows a prefix of the inputs: after a failure,
            // rows that other threads finished beyond it are dropped (never
            // durable, so they are computed again on the next run).
            if (err.ep)
                for (std::size_t k = err.at + 1; k < to; ++k) {
                    drop(k);
                    hit_[k] = 0;
                }
            std::uint64_t now = 0, part_hits = 0;
            auto b = ctx_.a.db().batch();
            for (std::size_t k = from; k < to; ++k)
                if (hit_[k] == 2) {
                    out_.refer_row(*b, base + k, hit_at_[k]);
                    ++part_hits;
                } else if (has_result(k)) {
                    if (write) out_.put_row(*b, base + k, enc_[k]);
                    now += !hit_[k];
                    part_hits += hit_[k] != 0;
                }
            commit(*b, err.ep != nullptr, now, part_hits);
        });
    if (err.ep) fail(err.ep, base + err.at, path(err.at));
    std::uint64_t reused = 0;
    for (std::size_t k = 0; k < m; ++k) {
        if (has_result(k)) {
            if (emit()) pass(k);
        } else if (!hit_[k]) {
            // Kept by an earlier run (continued): its stored row is passed
            // on, and read to check it was computed from this input where
            // the source may differ under the same hash (step_context).
            ++reused;
            if (!emit() && !ctx_.check_kept_inputs) continue;
            bool same = true;
            const auto n = visit_stored(base + k, [&](std::string_view key, std::string_view v) {
                if (emit()) pass_stored(key, v);  // a row that does not decode: damaged_row
                same = same && (!ctx_.check_kept_inputs || kept_input_is(k, v));
            });
            if (n != 1) {
                discard_table(ctx_.a.db(), table_);  // the rerun computes the step anew
                throw error(error_kind::store_corrupt,
                            "datachain: " + step() + ": the stored output of input row " + std::to_string(base + k) +
                                " is missing from table " + std::to_string(table_) + " in the store at " +
                                quoted_value(ctx_.a.db().location()) +
                                ". The table is discarded: run again to compute the step anew");
            }
            if (!same) kept_input_differs(base + k);
        }
    }
    ord_ += m;
    count_continued(reused);
    return true;
}

} // namespace datachain::detail::exec
