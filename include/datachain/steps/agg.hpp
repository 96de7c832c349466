// agg<"out"...>(udf, partition_by<paths...>[, params<...>]): the UDF sees all
// rows of one partition at once and emits rows.
//
// ```cpp
// #include <datachain/datachain.hpp>
// namespace dc = datachain;
// DC_DEF(kind_of, (const dc::File& f) -> std::string { return f.suffix(); });
// DC_DEF(total, (const std::vector<dc::File>& files) -> std::vector<std::uint64_t> {
//     std::uint64_t s = 0; for (auto& f : files) s += f.size; return {s};
// });
// auto chain = dc::read_storage("data/") | dc::map<"kind">(kind_of) | dc::agg<"bytes">(total, dc::partition_by<"kind">);
// ```
//
// Parameters are std::vector<T> (or std::span<const T>): one value per row of
// the partition, in input order. Output rows: the partition key column(s),
// named by their paths, then the UDF's outputs. Partitions come in the order
// of their first row. Without partition_by the whole input is one partition.
// Keys compare by their stored bytes (the row codec's): 0.0 and -0.0 are two
// partitions, as are NaNs of different bits; NaNs of the same bits are one.
// At run time each partition's outputs are committed atomically and a resumed
// run skips finished partitions.
#pragma once

#include <datachain/core/expr.hpp>
#include <datachain/core/generator.hpp>
#include <datachain/steps/gen.hpp>
#include <datachain/steps/udf_common.hpp>

#include <ranges>

namespace datachain {

template <fixed_string... P>
struct partition_by_t {
    static constexpr std::size_t size = sizeof...(P);
};
template <fixed_string... P>
inline constexpr partition_by_t<P...> partition_by{};

template <class U, class Binding, class Part, fixed_string... Out>
struct agg_step;

template <class U, class Binding, fixed_string... P, fixed_string... Out>
struct agg_step<U, Binding, partition_by_t<P...>, Out...>
    : step_base<agg_step<U, Binding, partition_by_t<P...>, Out...>> {
    U udf;
    static constexpr std::string_view kind = "agg";
    using partition = partition_by_t<P...>;
    using fn_type = detail::udf_fn_t<U>;
    using return_type = std::remove_cvref_t<typename detail::udf_signature<fn_type>::result>;
    static_assert(is_poisoned_v<return_type> || std::ranges::input_range<return_type>,
                  "datachain: an agg UDF must return a sequence of output rows: std::vector<T>, an input "
                  "range or dc::generator<T>");
    using result_type = std::conditional_t<std::ranges::input_range<return_type>,
                                           typename detail::gen_elem<return_type>::type, poisoned>;
    using outputs = typename detail::output_columns<result_type, Out...>::type;

    constexpr explicit agg_step(U u) : udf(std::move(u)) {}

    template <class In>
    struct apply {
        using bind = binder<In, fn_type, Binding, true>;
        static_assert(bind::check());
        using keys = schema<column<P, column_type_t<In, P>>...>;   // an unknown key is reported there
        static_assert(((is_poisoned_v<column_type_t<In, P>> || detail::category<column_type_t<In, P>>() != detail::vcat::none) && ...),
                      "datachain: partition_by columns must be scalars (numbers, strings, bools)");
        static_assert(sizeof(detail::check_new_columns<keys, outputs>) > 0);   // reports a duplicate
        using type = typename concat_schema<keys, outputs>::type;
    };

    constexpr void hash_into(hasher& h) const { encode(h, true); }
    constexpr void hash_partial_into(hasher& h) const { encode(h, false); }
    std::string describe() const {
        std::string parts;
        ((parts += (parts.empty() ? "" : ", ") + std::string(P.view())), ...);
        return detail::udf_step_head<Out...>(kind, udf.id) + ", partition_by: " + (parts.empty() ? "(none)" : parts) +
               ") -> " + type_name<result_type>();
    }

private:
    constexpr void encode(hasher& h, bool full) const {
        h.tag("partition_by").u32(sizeof...(P));
        (h.str(P.view()), ...);
        detail::hash_udf_step<result_type, fn_type, Binding, true, Out...>(h, kind, udf.id, full);
    }
};

template <class T> struct is_partition_by : std::false_type {};
template <fixed_string... P> struct is_partition_by<partition_by_t<P...>> : std::true_type {};

template <fixed_string... Out, class F, class Part = partition_by_t<>, class B = by_type>
    requires is_partition_by<Part>::value
constexpr auto agg(F f, Part = {}, B = {}) {
    auto u = detail::make_udf(std::move(f));
    return agg_step<decltype(u), B, Part, Out...>{std::move(u)};
}

// agg<"out">(f, params<...>): the whole input is one partition.
template <fixed_string... Out, class F, class B>
    requires is_params<B>::value
constexpr auto agg(F f, B b) {
    return agg<Out...>(std::move(f), partition_by_t<>{}, b);
}

} // namespace datachain
