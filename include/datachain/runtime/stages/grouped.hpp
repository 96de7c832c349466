// Base of the stages whose inputs each give a group of output rows (gen:
// one group per input row; agg: one per partition): the typed half of
// stages/grouped_core.hpp, which runs the groups. It holds the groups' rows
// and the rows not yet handed downstream; the step's stage pulls its inputs
// (produce) and says how to compute group k (compute).
#pragma once

#include <datachain/runtime/stages/grouped_core.hpp>
#include <datachain/runtime/stages/udf_build.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail::exec {

template <class Out>
struct grouped_stage : grouped_core, stream<Out> {
    std::vector<row_tuple<Out>> pending;  // outputs not yet handed downstream
    std::size_t pending_at = 0;
    std::vector<std::optional<std::vector<row_tuple<Out>>>> res;  // the current call's groups
    using memo_value = std::vector<row_tuple<Out>>;  // what the row memo stores per input

    grouped_stage(const step_context& c, std::string step, const hash128& partial)
        : grouped_core(c, std::move(step), partial) {}

    // Computes the next groups into `pending` (run_groups); false when there are none.
    virtual bool produce() = 0;
    // Group k's rows: calls the UDF (on the pool's threads; may throw).
    virtual std::vector<row_tuple<Out>> compute(std::size_t k) = 0;

    bool next(std::vector<row_tuple<Out>>& out, std::size_t n) override {
        work_clock::working busy(work());  // the next step asks: this step works (work_clock.hpp)
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

private:
    void begin_groups(std::size_t count) override {
        res.clear();
        res.resize(count);
    }
    void compute_group(std::size_t k, std::vector<std::string>* enc) override {
        auto rows = compute(k);
        if (enc) {
            enc->resize(rows.size());
            for (std::size_t j = 0; j < rows.size(); ++j) encode((*enc)[j], rows[j]);
        }
        res[k].emplace(std::move(rows));
    }
    bool load_group(std::size_t k, const memo_loc& at) override {
        std::vector<row_tuple<Out>> rows;
        if (!memo().load(at, rows)) return false;
        res[k].emplace(std::move(rows));
        return true;
    }
    void start_group(std::size_t k) override { res[k].emplace(); }
    void add_to_group(std::size_t k, std::uint64_t t, std::string_view key, std::string_view value) override {
        res[k]->push_back(memo().template decode_earlier<row_tuple<Out>>(t, key, value));
    }
    void drop_group(std::size_t k) override { res[k].reset(); }
    bool has_group(std::size_t k) const override { return res[k].has_value(); }
    void pass_group(std::size_t k) override {
        for (auto& r : *res[k]) pending.push_back(std::move(r));
    }
    void pass_stored(std::string_view key, std::string_view value) override {
        pending.push_back(decode_row<row_tuple<Out>>(ctx_.a.db(), outputs_what(), key, value));
    }
};

} // namespace datachain::detail::exec
