// The stage of map (steps/map.hpp): one output row per input row; output =
// input columns + outputs. Batches are computed on the step's worker pool,
// written in order, and flushed when a UDF throws: the stored rows are
// always a prefix of the inputs. An input whose bound values were seen
// before with the same code takes its outputs from the row memo (memo.hpp)
// instead of calling the UDF.
#pragma once

#include <datachain/runtime/stages/udf_build.hpp>
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
    // The row memo (memo.hpp): inputs whose outputs an earlier run stored.
    using outputs_t = std::remove_cvref_t<decltype(as_tuple<Step::outputs::size>(
        bind::call(std::declval<const Step&>().udf.fn, std::declval<const row_tuple<In>&>())))>;
    using memo_value = row_tuple<Out>;  // what its tables store: the input columns, then the outputs
    std::vector<char> hit;      // 1: outputs from the memo, copied; 2: the stored row is referred to
    std::vector<memo_loc> hit_at;
    std::vector<row_tuple<Out>> found;
    std::string whole;

    // The hash a stored row's input columns are indexed with (memo_loc::whole).
    std::uint64_t whole_hash(const row_tuple<In>& r) {
        whole.clear();
        encode(whole, r);
        return XXH3_64bits(whole.data(), whole.size());
    }

    // The output columns of a stored row (they follow the input columns).
    static outputs_t outputs_of(row_tuple<Out>&& r) {
        constexpr std::size_t at = std::tuple_size_v<row_tuple<In>>;
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return outputs_t{std::get<at + I>(std::move(r))...};
        }(std::make_index_sequence<std::tuple_size_v<outputs_t>>{});
    }

    map_stage(const Step& s, const step_context& c, hash128 partial)
        : udf_stage_base(c, s.describe(), partial), st(s) {}

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->size_hint = up->size_hint;
        load_prefix();
        if (memo().reads()) memo().template index_map<bind, row_tuple<In>, outputs_t>();
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
        hit.assign(m, 0);
        hit_at.resize(m);
        if (memo().reads())
            for (std::size_t k = 0; k < m; ++k) {
                if (is_done(ord + k)) continue;
                auto at = memo().find(row_input_id<bind>(in[k]));
                if (!at) continue;
                // The stored row equals the output (its input columns are
                // this input's): this table refers to it instead of a copy,
                // and it is read only to be passed on.
                const bool same = write && at->whole != 0 && whole_hash(in[k]) == at->whole;
                hit_at[k] = *at;
                if (same && !emit()) {
                    hit[k] = 2;
                    continue;
                }
                found.clear();
                memo().load(*at, found);
                if (found.size() != 1) continue;  // damaged or gone: computed again
                res[k].emplace(std::tuple_cat(std::move(in[k]), outputs_of(std::move(found.front()))));
                if (write && !same) encode(enc[k], *res[k]);
                hit[k] = same ? 2 : 1;
            }
        first_error err;
        const std::uint64_t base = ord;
        // Computed and committed in parts of about a second of calls
        // (stages/udf_parts.hpp): a kill loses at most that much work,
        // whatever the batch size.
        run_in_parts(
            pool(), m, err, [&] { begin_calls(); }, [&](std::size_t k) { return hit[k] || is_done(base + k); },
            [&](std::size_t k) {
                auto r = bind::call(st.udf.fn, in[k]);
                row_done();
                res[k].emplace(std::tuple_cat(std::move(in[k]), as_tuple<Step::outputs::size>(std::move(r))));
                if (write) encode(enc[k], *res[k]);
            },
            [&](std::size_t from, std::size_t to) {
                // Keep the stored rows a prefix of the inputs: after a failure,
                // rows that other threads finished beyond it are dropped (never
                // durable, so they are computed again on the next run).
                if (err.ep)
                    for (std::size_t k = err.at + 1; k < to; ++k) {
                        res[k].reset();
                        hit[k] = 0;
                    }
                std::uint64_t now = 0, part_hits = 0;
                auto b = ctx_.a.db().batch();
                for (std::size_t k = from; k < to; ++k)
                    if (hit[k] == 2) {
                        out_.refer_row(*b, base + k, hit_at[k]);
                        ++part_hits;
                    } else if (res[k]) {
                        if (write) out_.put_row(*b, base + k, enc[k]);
                        now += !hit[k];
                        part_hits += hit[k] != 0;
                    }
                commit(*b, err.ep != nullptr);
                count(now, part_hits);
                memo().reused(part_hits);
            });
        if (err.ep) fail(err.ep, base + err.at, row_path<In>(in[err.at]));
        std::uint64_t reused = 0;
        for (std::size_t k = 0; k < m; ++k) {
            if (res[k]) {
                if (emit()) out.push_back(std::move(*res[k]));
            } else if (!hit[k]) {
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
