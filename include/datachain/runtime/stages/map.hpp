// The stage of map (steps/map.hpp): one output row per input row; output =
// input columns + outputs. Batches are computed on the step's worker pool,
// written in order, and flushed when a UDF throws: the stored rows are
// always a prefix of the inputs. An input whose bound values were seen
// before with the same code takes its outputs from the row memo (memo.hpp)
// instead of calling the UDF.
#pragma once

#include <datachain/runtime/stages/map_core.hpp>
#include <datachain/runtime/stages/udf_build.hpp>
#include <datachain/steps/map.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace datachain {
namespace detail::exec {

template <class In, class Step>
struct map_stage final : map_core, stream<typename Step::template apply<In>::type> {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    // The row memo (memo.hpp): inputs whose outputs an earlier run stored.
    using outputs_t = std::remove_cvref_t<decltype(as_tuple<Step::outputs::size>(
        bind::call(std::declval<const Step&>().udf.fn, std::declval<const row_tuple<In>&>())))>;
    using memo_value = row_tuple<Out>;  // what its tables store: the input columns, then the outputs
    Step st;
    stream_ptr<In> up;
    std::vector<row_tuple<In>> in;
    std::vector<std::optional<row_tuple<Out>>> res;
    std::vector<row_tuple<Out>>* out = nullptr;  // where next() puts the batch's rows
    std::vector<row_tuple<Out>> found;
    std::string whole;
    row_tuple<In> index_in{};  // index_row decodes into these again and again (strings keep their capacity)
    outputs_t index_outs{};

    map_stage(const Step& s, const step_context& c, hash128 partial) : map_core(c, s.describe(), partial), st(s) {}

    void open(stream_ptr<In> u) {
        up = std::move(u);
        this->size_hint = up->size_hint;
        open_core(up->size_hint);
    }

    bool next(std::vector<row_tuple<Out>>& rows, std::size_t n) override {
        rows.clear();
        out = &rows;
        return next_batch(n);
    }

private:
    // The output columns of a stored row (they follow the input columns).
    static outputs_t outputs_of(row_tuple<Out>&& r) {
        constexpr std::size_t at = std::tuple_size_v<row_tuple<In>>;
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return outputs_t{std::get<at + I>(std::move(r))...};
        }(std::make_index_sequence<std::tuple_size_v<outputs_t>>{});
    }

    bool pull(std::size_t n, std::size_t& m) override {
        if (!up->next(in, n)) return false;
        m = in.size();
        res.clear();
        res.resize(m);
        return true;
    }
    hash128 input_id(std::size_t k) override { return row_input_id<bind>(in[k]); }
    std::uint64_t input_hash(std::size_t k) override {
        whole.clear();
        encode(whole, in[k]);
        return XXH3_64bits(whole.data(), whole.size());
    }
    bool take(std::size_t k, const memo_loc& at) override {
        found.clear();
        memo().load(at, found);
        if (found.size() != 1) return false;
        res[k].emplace(std::tuple_cat(std::move(in[k]), outputs_of(std::move(found.front()))));
        return true;
    }
    void compute(std::size_t k, std::string* enc) override {
        auto r = bind::call(st.udf.fn, in[k]);
        res[k].emplace(std::tuple_cat(std::move(in[k]), as_tuple<Step::outputs::size>(std::move(r))));
        if (enc) encode(*enc, *res[k]);
    }
    void encode_result(std::size_t k, std::string& into) override { encode(into, *res[k]); }
    bool has_result(std::size_t k) const override { return res[k].has_value(); }
    void drop(std::size_t k) override { res[k].reset(); }
    void pass(std::size_t k) override { out->push_back(std::move(*res[k])); }
    void pass_stored(std::string_view key, std::string_view value) override {
        out->push_back(decode_row<row_tuple<Out>>(ctx_.a.db(), outputs_what(), key, value));
    }
    bool kept_input_is(std::size_t k, std::string_view value) override {
        whole.clear();
        encode(whole, in[k]);  // the encoding of a row is prefix-free: equal columns, or not a prefix
        return value.starts_with(whole);
    }
    std::string path(std::size_t k) const override { return row_path<In>(in[k]); }
    hash128 index_row(std::string_view v, std::size_t& n) override {
        codec::reader r{v.data(), v.data() + v.size()};
        codec::get(r, index_in);
        n = static_cast<std::size_t>(r.p - v.data());
        codec::get(r, index_outs);
        if (r.p != r.end) codec::corrupt("trailing bytes after the row");
        return row_input_id<bind>(index_in);
    }
};

} // namespace detail::exec

template <class U, class B, fixed_string... O, class In, class Up>
auto make_stage(const map_step<U, B, O...>& st, std::type_identity<In>, Up&& up, const detail::exec::step_context& c) {
    return detail::exec::build_udf_stage<detail::exec::map_stage, In>(st, std::forward<Up>(up), c);
}

} // namespace datachain
