// map<"out"...>(udf[, params<...>]): one output per input row, appended as
// new column(s).
//
// ```cpp
// auto one = src | dc::map<"result">(DC_UDF([](const dc::File& f) { return f.path; }));
// auto two = src | dc::map<"w", "h">(DC_UDF([](const dc::File& f) { return std::tuple{f.size, 2}; }));
// ```
//
// The UDF's parameters bind to columns (see datachain/core/bind.hpp); its
// return type must be storable. At run time, with checkpoints on, outputs are
// written in batches and survive a crash or a throwing UDF.
#pragma once

#include <datachain/steps/udf_common.hpp>

namespace datachain {

template <class U, class Binding, fixed_string... Out>
struct map_step : detail::udf_step_base<map_step<U, Binding, Out...>, U, Binding, Out...> {
    static constexpr std::string_view kind = "map";
    using fn_type = detail::udf_fn_t<U>;
    using result_type = std::remove_cvref_t<typename detail::udf_signature<fn_type>::result>;
    using outputs = typename detail::output_columns<result_type, Out...>::type;

    constexpr explicit map_step(U u) : detail::udf_step_base<map_step, U, Binding, Out...>(std::move(u)) {}

    template <class In>
    struct apply {
        using bind = binder<In, fn_type, Binding>;
        static_assert(bind::check());
        static_assert(sizeof(detail::check_new_columns<In, outputs>) > 0);   // reports a duplicate
        using type = typename concat_schema<In, outputs>::type;
    };
};

template <fixed_string... Out, class F, class B = by_type>
constexpr auto map(F f, B = {}) {
    auto u = detail::make_udf(std::move(f));
    return map_step<decltype(u), B, Out...>{std::move(u)};
}

} // namespace datachain
