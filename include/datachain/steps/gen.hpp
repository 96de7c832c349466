// gen<"out"...>(udf[, params<...>]): zero or more output rows per input row.
// The UDF returns a sequence: std::vector<T>, any input range, or
// dc::generator<T>. The output rows have only the generated column(s).
//
// ```cpp
// #include <datachain/datachain.hpp>
// namespace dc = datachain;
// DC_DEF(parts, (const dc::File& f) -> std::vector<std::string> { return {f.path, f.name()}; });
// auto chain = dc::read_storage("data/") | dc::gen<"part">(parts) | dc::save("path_parts");
// ```
//
// At run time each input's outputs and its "done" mark are committed
// together; inputs that yield nothing are marked done too.
#pragma once

#include <datachain/core/generator.hpp>
#include <datachain/steps/udf_common.hpp>

#include <ranges>
#include <string>

namespace datachain {

namespace detail {
template <class R, bool = std::ranges::input_range<R>>
struct gen_elem {
    using type = void;
};
template <class R>
struct gen_elem<R, true> {
    using type = std::remove_cvref_t<std::ranges::range_value_t<R>>;
};
} // namespace detail

template <class U, class Binding, fixed_string... Out>
struct gen_step : detail::udf_step_base<gen_step<U, Binding, Out...>, U, Binding, Out...> {
    static constexpr std::string_view kind = "gen";
    using fn_type = detail::udf_fn_t<U>;
    using return_type = std::remove_cvref_t<typename detail::udf_signature<fn_type>::result>;
    static constexpr bool sequence = std::ranges::input_range<return_type> && !std::is_same_v<return_type, std::string>;
    static_assert(is_poisoned_v<return_type> || !std::is_same_v<return_type, std::string>,
                  "datachain: a gen UDF must return a sequence of rows; std::string is one value here "
                  "(return std::vector<std::string>, or use map for one output per input)");
    static_assert(is_poisoned_v<return_type> || std::is_same_v<return_type, std::string> ||
                      std::ranges::input_range<return_type>,
                  "datachain: a gen UDF must return a sequence: std::vector<T>, an input range or "
                  "dc::generator<T> (for one output per input use map)");
    using result_type = std::conditional_t<sequence, typename detail::gen_elem<return_type>::type, poisoned>;
    using outputs = typename detail::output_columns<result_type, Out...>::type;

    constexpr explicit gen_step(U u) : detail::udf_step_base<gen_step, U, Binding, Out...>(std::move(u)) {}

    template <class In>
    struct apply {
        using bind = binder<In, fn_type, Binding>;
        static_assert(bind::check());
        using type = outputs;
    };
};

template <fixed_string... Out, class F, class B = by_type>
constexpr auto gen(F f, B = {}) {
    auto u = detail::make_udf(std::move(f));
    return gen_step<decltype(u), B, Out...>{std::move(u)};
}

} // namespace datachain
