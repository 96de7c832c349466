// What the stages of map, gen and agg (stages/*.hpp) use to build
// themselves on udf_stage_base (udf_stage.hpp): a UDF result as output
// columns, a row's file for messages, the step's row memo id, and
// build_udf_stage, the body of their make_stage.
//
//   return detail::exec::build_udf_stage<detail::exec::map_stage, In>(st, std::forward<Up>(up), c);
#pragma once

#include <datachain/runtime/udf_stage.hpp>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace datachain::detail::exec {

// A UDF result as a tuple of output columns: split only when the step names
// several outputs (one name and a tuple result is one tuple column).
template <std::size_t Names, class T>
auto as_tuple(T&& v) {
    if constexpr (Names > 1) return std::forward<T>(v);
    else return std::tuple<std::remove_cvref_t<T>>{std::forward<T>(v)};
}

// The path of the first File column of a row, for error messages.
template <class S>
std::string row_path(const row_tuple<S>& r) {
    std::string p;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
            if constexpr (std::is_same_v<std::tuple_element_t<J, row_tuple<S>>, File>)
                if (p.empty()) p = std::get<J>(r).path;
        };
        (one(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<std::tuple_size_v<row_tuple<S>>>{});
    return p;
}

// The row memo id of a UDF step (memo.hpp): its full hash (code, parameters,
// outputs; a per-process nonce for a UDF without a stable identity), the
// column paths its parameters resolve to, and the type of what it stores.
template <class Bind, class Value, class Step>
hash128 memo_id(const Step& st) {
    hasher h;
    h.tag("udf.memo").h(step_hash(st)).str(Bind::describe());
    hash_type<Value>(h);
    if (!st.udf.id.hashable()) h.h(session::process_nonce());
    return h.finish();
}

// Builds a UDF stage: skipped (stored outputs), or computing from `up()`.
// The body of make_stage for every UDF step: Stage<In, Step> is its stage.
template <template <class, class> class StageOf, class In, class Step, class Up>
built<typename StageOf<In, Step>::Out> build_udf_stage(const Step& st, Up&& up, const step_context& c) {
    using Stage = StageOf<In, Step>;
    using Out = typename Stage::Out;
    hasher hp;
    st.hash_partial_into(hp);
    if (!st.udf.id.hashable()) hp.h(session::process_nonce());
    step_context ctx = c;
    ctx.memo = memo_id<typename Stage::bind, typename Stage::memo_value>(st);
    auto stage = std::make_unique<Stage>(st, ctx, hp.finish());
    if (stage->decision().action == udf_action::skip) return stage->template reuse<Out>();
    stream_ptr<In> in;
    {
        work_clock::waiting before(stage->work());  // building the steps before it is their time
        in = up().rows;
    }
    stage->open(std::move(in));
    std::optional<owned_table> t;
    if (c.want_table)
        t = owned_table{stage->table(), [p = stage.get()] { return p->produced(); },
                        [p = stage.get()](std::uint64_t& hi, std::uint64_t& lo) { return p->content_digest(hi, lo); }};
    return {std::move(stage), std::move(t)};
}

} // namespace datachain::detail::exec
