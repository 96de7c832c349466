// The stage of map (steps/map.hpp): one output row per input row; output =
// input columns + outputs. Batches are computed on the step's worker pool,
// written in order, and flushed when a UDF throws: the stored rows are
// always a prefix of the inputs.
#pragma once

#include <datachain/runtime/udf_stage.hpp>
#include <datachain/steps/map.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace datachain {
namespace detail::exec {

template <class In, class Step>
struct map_stage final : stream<typename Step::template apply<In>::type>, udf_stage_base {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    Step st;
    stream_ptr<In> up;
    std::uint64_t ord = 0;
    std::vector<row_tuple<In>> in;
    std::vector<std::optional<row_tuple<Out>>> res;
    std::vector<std::string> enc;

    map_stage(const Step& s, const step_context& c, hash128 partial)
        : udf_stage_base(c, s.describe(), partial), st(s) {}

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->size_hint = up->size_hint;
        load_prefix();
        start(up->size_hint);
    }

    bool next(std::vector<row_tuple<Out>>& out, std::size_t n) override {
        out.clear();
        if (!up->next(in, n)) {
            finish();
            return false;
        }
        const std::size_t m = in.size();
        res.clear();
        res.resize(m);
        const bool write = table_ != 0;
        if (write) enc.assign(m, std::string{});
        first_error err;
        const std::uint64_t base = ord;
        begin_calls();
        pool().run(m, err.stop, [&](std::size_t k) {
            if (is_done(base + k)) return;
            try {
                auto r = bind::call(st.udf.fn, in[k]);
                res[k].emplace(std::tuple_cat(std::move(in[k]), as_tuple<Step::outputs::size>(std::move(r))));
                if (write) encode(enc[k], *res[k]);
            } catch (...) {
                err.set(k);
            }
        });
        // Keep the stored rows a prefix of the inputs: after a failure, rows
        // that other threads finished beyond it are dropped (never durable,
        // so they are computed again on the next run).
        if (err.ep)
            for (std::size_t k = err.at + 1; k < m; ++k) res[k].reset();
        std::uint64_t now = 0, reused = 0;
        auto b = ctx_.a.db().batch();
        for (std::size_t k = 0; k < m; ++k)
            if (res[k]) {
                if (write) put_row(*b, base + k, enc[k]);
                ++now;
            }
        commit(*b, err.ep != nullptr);
        count(now, 0);
        if (err.ep) fail(err.ep, base + err.at, row_path<In>(in[err.at]));
        for (std::size_t k = 0; k < m; ++k) {
            if (res[k]) {
                if (emit()) out.push_back(std::move(*res[k]));
            } else {
                ++reused;
                if (emit()) {
                    std::size_t before = out.size();
                    load_stored(base + k, out);
                    if (out.size() != before + 1)
                        throw error(error_kind::store_corrupt,
                                    "datachain: " + step() + ": the stored output of input row " +
                                        std::to_string(base + k) + " is missing from table " +
                                        std::to_string(table_) + " in the store at '" + ctx_.a.db().location() +
                                        "'; remove the store's checkpoints (datachain gc) and run again");
                }
            }
        }
        ord += m;
        count(0, reused);
        return true;
    }
};

} // namespace detail::exec

template <class U, class B, fixed_string... O, class In, class Up>
auto make_stage(const map_step<U, B, O...>& st, std::type_identity<In>, Up&& up, const detail::exec::step_context& c) {
    return detail::exec::build_udf_stage<detail::exec::map_stage, In>(st, std::forward<Up>(up), c);
}

} // namespace datachain
