// Shared pieces of the UDF steps (map, gen, agg): output columns, checks and
// the canonical encoding of a UDF step.
//
// Encoding of a UDF step (full identity; partial drops the code part):
//   kind tag, number of outputs, each output name, output element type
//   signature, binding (paths or parameter types), [partition paths],
//   UDF identity (udf_identity::hash_full / hash_partial).
#pragma once

#include <datachain/core/bind.hpp>
#include <datachain/core/chain.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>
#include <datachain/core/udf.hpp>

#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

DATACHAIN_DEFINE_COMPILE_ERROR(
    duplicate_output_column,
    "duplicate output column: the step names the column of the first argument above, which the chain "
    "already has (its columns: second argument), or a member path of one of them (a column \"file.path\" "
    "would hide file's member path), or the step names twice; choose another output name")

namespace datachain::detail {

template <class R, fixed_string... Out>
struct output_columns {
    static_assert(sizeof...(Out) >= 1, "datachain: name the UDF's output column(s), e.g. map<\"result\">(f)");
    static_assert(is_poisoned_v<R> || storable<R>,
                  "datachain: the UDF's return type cannot be stored: use bool, fixed-width integers, "
                  "float, double, std::string, std::vector, std::optional, std::tuple, dc::File or a "
                  "BOOST_HANA_DEFINE_STRUCT struct of those");
    static constexpr bool split = sizeof...(Out) > 1 && is_tuple<R>::value;
    static_assert(sizeof...(Out) <= 1 || is_poisoned_v<R> || is_tuple<R>::value,
                  "datachain: several output names need a std::tuple result with one element per name");
    template <class X = R>
    static auto make() {
        if constexpr (split) {
            static_assert(std::tuple_size_v<X> == sizeof...(Out),
                          "datachain: the number of output names differs from the size of the UDF's tuple");
            return [&]<std::size_t... I>(std::index_sequence<I...>) {
                return std::type_identity<schema<column<Out, std::tuple_element_t<I, X>>...>>{};
            }(std::make_index_sequence<sizeof...(Out)>{});
        } else {
            // Not storable (reported above): the columns are poisoned.
            using V = std::conditional_t<storable<R>, R, poisoned>;
            return std::type_identity<schema<column<Out, V>...>>{};
        }
    }
    using type = typename decltype(make())::type;
};

// Whether new column i clashes: `In` has it, another new column has it, or
// it is dotted and its first segment is a column (of `In` or new): a column
// "file.path" beside a column "file" would hide the member path file.path
// from filters, get<> and exports.
template <class In, class New>
constexpr bool new_column_clashes(std::size_t i) {
    const std::string_view n = New::names[i];
    const auto dot = n.find('.');
    const std::string_view head = n.substr(0, dot);
    if (In::index_of(n) >= 0 || (dot != std::string_view::npos && In::index_of(head) >= 0)) return true;
    for (std::size_t j = 0; j < New::size; ++j)
        if (j != i && (New::names[j] == n || (dot != std::string_view::npos && New::names[j] == head))) return true;
    return false;
}

// Checks that the new columns are not in `In`, hide no member path and are distinct.
template <class In, class New>
constexpr bool new_columns_ok() {
    for (std::size_t i = 0; i < New::size; ++i)
        if (new_column_clashes<In, New>(i)) return false;
    return true;
}

// The first new column that clashes ("" when none).
template <class In, class New>
struct first_duplicate {
    static constexpr compile_error::builder<1000> all = [] {
        compile_error::builder<1000> b;
        for (std::size_t i = 0; i < New::size && b.size == 0; ++i)
            if (new_column_clashes<In, New>(i)) b.put(New::names[i]);
        return b;
    }();
    static constexpr auto value = all.template as<all.size>();
};

template <class In, class New>
struct check_new_columns {
    static constexpr bool value = new_columns_ok<In, New>();
    DATACHAIN_COMPILE_CHECK(value, duplicate_output_column, DATACHAIN_ERROR_TEXT(first_duplicate<In, New>::value),
                            DATACHAIN_ERROR_TEXT(column_list<In>::value));
};

template <class R, class G, class Binding, bool Agg, fixed_string... Out>
constexpr void hash_udf_step(hasher& h, std::string_view kind, const udf_identity& id, bool full) {
    h.tag(kind).u32(sizeof...(Out));
    (h.str(Out.view()), ...);
    if constexpr (storable<R>) hash_type<R>(h);
    else h.tag("?");
    hash_binding<G, Binding, Agg>(h);
    if (full) id.hash_full(h);
    else id.hash_partial(h);
}

template <fixed_string... Out>
std::string output_names() {
    std::string s;
    ((s += (s.empty() ? "" : ", ") + std::string(Out.view())), ...);
    return s;
}

template <class U>
using udf_fn_t = std::remove_cvref_t<decltype(std::declval<U>().fn)>;

// Checks a callable handed to map / gen / agg and wraps it as a udf.
template <class F>
constexpr auto make_udf(F f) {
    static_assert(!strict_udf_hash || is_udf_v<F>,
                  "datachain: unhashable UDF (a plain lambda, function pointer or std::function) while "
                  "DATACHAIN_STRICT_UDF_HASH is on: wrap it in DC_UDF(...), DC_DEF(...) or dc::versioned(...)");
    auto u = to_udf(std::move(f));
    static_assert(udf_signature<udf_fn_t<decltype(u)>>::known,
                  "datachain: cannot read the UDF's signature: its call operator is a template (auto "
                  "parameters) or overloaded; write the parameter types out");
    return u;
}

// "map<result>(process" : the start of a UDF step's description.
template <fixed_string... Out>
std::string udf_step_head(std::string_view kind, const udf_identity& id) {
    return std::string(kind) + "<" + output_names<Out...>() + ">(" +
           (id.name.empty() ? std::string("udf") : std::string(id.name));
}

// Base of map and gen: the UDF, its hashes and its description. D names
// `kind` and `result_type` (the type of one output row's values).
template <class D, class U, class Binding, fixed_string... Out>
struct udf_step_base : step_base<D> {
    U udf;
    using fn_type = udf_fn_t<U>;

    constexpr explicit udf_step_base(U u) : udf(std::move(u)) {}

    constexpr void hash_into(hasher& h) const {
        hash_udf_step<typename D::result_type, fn_type, Binding, false, Out...>(h, D::kind, udf.id, true);
    }
    constexpr void hash_partial_into(hasher& h) const {
        hash_udf_step<typename D::result_type, fn_type, Binding, false, Out...>(h, D::kind, udf.id, false);
    }
    std::string describe() const {
        return udf_step_head<Out...>(D::kind, udf.id) + ") -> " + type_name<typename D::result_type>();
    }
};

} // namespace datachain::detail
