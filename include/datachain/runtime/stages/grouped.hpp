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
    template <class Compute, class RowOf, class IdOf>
    void run_groups(std::uint64_t base, std::size_t count, Compute&& compute, RowOf&& row_of, IdOf&& id_of) {
        std::vector<std::optional<std::vector<row_tuple<Out>>>> res(count);
        std::vector<std::vector<std::string>> enc(count);
        const bool write = table_ != 0;
        std::vector<hash128> ids(count);
        std::vector<char> hit(count, 0);
        auto keep = [&](std::size_t k, std::vector<row_tuple<Out>>&& rows) {
            if (write) {
                enc[k].resize(rows.size());
                for (std::size_t j = 0; j < rows.size(); ++j) encode(enc[k][j], rows[j]);
            }
            res[k].emplace(std::move(rows));
        };
        std::uint64_t hits = 0;
        for (std::size_t k = 0; k < count; ++k) {
            if (is_done(base + k) || (!write && !memo().reads())) continue;
            ids[k] = id_of(k);
            if (!memo().reads()) continue;
            if (auto at = memo().find(ids[k])) {
                std::vector<row_tuple<Out>> rows;
                if (!memo().load(*at, rows)) continue;
                keep(k, std::move(rows));
                hit[k] = 1;
                ++hits;
            }
        }
        first_error err;
        if (hits < count) begin_calls();
        this->pool().run(count, err.stop, [&](std::size_t k) {
            if (hit[k] || is_done(base + k)) return;
            try {
                keep(k, compute(k));
            } catch (...) {
                err.set(k);
            }
        });
        std::uint64_t now = 0, reused = 0;
        auto b = ctx_.a.db().batch();
        for (std::size_t k = 0; k < count; ++k)
            if (res[k]) {
                if (write) out_.put_outputs(*b, base + k, enc[k], ids[k]);
                now += !hit[k];
            }
        commit(*b, err.ep != nullptr);
        udf_stage_base::count(now, hits);
        memo().reused(hits);
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
