// Base of the stages whose inputs each give a group of output rows (gen:
// one group per input row; agg: one per partition): computes groups on the
// worker pool, commits each group's rows with its done mark atomically, and
// hands the rows downstream in order.
#pragma once

#include <datachain/runtime/stages/udf_build.hpp>

#include <optional>
#include <string>
#include <vector>

namespace datachain::detail::exec {

template <class Out>
struct grouped_stage : stream<Out>, udf_stage_base {
    std::vector<row_tuple<Out>> pending;  // outputs not yet handed downstream
    std::size_t pending_at = 0;
    using memo_value = std::vector<row_tuple<Out>>;  // what the row memo stores per input

    grouped_stage(const step_context& c, std::string step, const hash128& partial)
        : udf_stage_base(c, std::move(step), partial) {}

    // Computes the next groups into `pending`; false when there are none.
    virtual bool produce() = 0;
    // Names group `ordinal` in a failure message; empty: "input row N".
    virtual std::string where(std::uint64_t) const { return {}; }

    bool next(std::vector<row_tuple<Out>>& out, std::size_t n) override {
        out.clear();
        while (true) {
            if (emit() && pending_at < pending.size()) {
                for (; pending_at < pending.size() && out.size() < n; ++pending_at)
                    out.push_back(std::move(pending[pending_at]));
                return true;
            }
            pending.clear();
            pending_at = 0;
            if (!produce()) {
                finish();
                return false;
            }
            if (!emit()) return true;
        }
    }

    // Runs groups base..base+count-1 (compute(k) gives group base+k's rows),
    // skipping those done earlier and taking those whose input id (id_of(k),
    // memo.hpp) an earlier run of the same code stored; commits and queues
    // them in order. `row_of(k)` names a row of group k for error messages.
    // The table refers to the rows of a group found in the memo (a segment,
    // segments.hpp) instead of copying them: they are read (not decoded,
    // unless they go downstream) to count them and, for the content digest,
    // to hash them.
    template <class Compute, class RowOf, class IdOf>
    void run_groups(std::uint64_t base, std::size_t count, Compute&& compute, RowOf&& row_of, IdOf&& id_of) {
        std::vector<std::optional<std::vector<row_tuple<Out>>>> res(count);
        std::vector<std::vector<std::string>> enc(count);
        const bool write = table_ != 0;
        std::vector<hash128> ids(count);
        std::vector<char> hit(count, 0);  // from the memo: 1, read (no table written); 2, referred to
        std::vector<memo_loc> hit_at(count);
        std::vector<std::uint64_t> hit_rows(count, 0);
        std::vector<std::uint64_t> hashes;  // the value hashes of the rows referred to, in order
        const bool digest = out_.digesting();
        auto keep = [&](std::size_t k, std::vector<row_tuple<Out>>&& rows) {
            if (write) {
                enc[k].resize(rows.size());
                for (std::size_t j = 0; j < rows.size(); ++j) encode(enc[k][j], rows[j]);
            }
            res[k].emplace(std::move(rows));
        };
        for (std::size_t k = 0; k < count; ++k) {
            if (is_done(base + k) || (!write && !memo().reads())) continue;
            ids[k] = id_of(k);
            if (!memo().reads()) continue;
            auto at = memo().find(ids[k]);
            if (!at) continue;
            std::vector<row_tuple<Out>> rows;
            if (!write) {
                if (!memo().load(*at, rows)) continue;
                keep(k, std::move(rows));
                hit[k] = 1;
                continue;
            }
            const auto h0 = hashes.size();
            std::uint64_t n = 0;
            const bool ok = memo().visit(*at, [&](std::string_view key, std::string_view v) {
                ++n;
                if (digest) hashes.push_back(row_digest::value_hash(v));
                if (emit()) rows.push_back(memo().template decode_earlier<row_tuple<Out>>(at->table, key, v));
            });
            if (!ok) {
                hashes.resize(h0);
                continue;
            }
            res[k].emplace(std::move(rows));
            hit_at[k] = *at;
            hit_rows[k] = n;
            hit[k] = 2;
        }
        first_error err;
        std::size_t h = 0;
        // Computed and committed in parts of about a second of calls
        // (stages/udf_parts.hpp): a kill loses at most that much work.
        run_in_parts(
            this->pool(), count, err, [&] { begin_calls(); },
            [&](std::size_t k) { return hit[k] || is_done(base + k); }, [&](std::size_t k) { keep(k, compute(k)); },
            [&](std::size_t from, std::size_t to) {
                std::uint64_t now = 0, part_hits = 0;
                auto b = ctx_.a.db().batch();
                for (std::size_t k = from; k < to; ++k)
                    if (hit[k] == 2) {
                        if (!out_.refer(*b, base + k, hit_at[k], hit_rows[k], hashes.data() + h))
                            out_.mark_done(*b, base + k, ids[k]);
                        if (digest) h += static_cast<std::size_t>(hit_rows[k]);
                        ++part_hits;
                    } else if (res[k]) {
                        if (write) out_.put_outputs(*b, base + k, enc[k], ids[k]);
                        now += !hit[k];
                        part_hits += hit[k] != 0;
                    }
                commit(*b, err.ep != nullptr);
                udf_stage_base::count(now, part_hits);
                memo().reused(part_hits);
            });
        std::uint64_t reused = 0;
        if (err.ep) fail(err.ep, base + err.at, row_of(err.at), where(base + err.at));
        for (std::size_t k = 0; k < count; ++k) {
            if (res[k]) {
                if (emit())
                    for (auto& r : *res[k]) pending.push_back(std::move(r));
            } else {
                ++reused;
                if (emit()) load_stored(base + k, pending);
            }
        }
        udf_stage_base::count(0, reused);
    }

};

} // namespace datachain::detail::exec
