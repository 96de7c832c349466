// Binding UDF parameters to columns, checked at compile time.
//
// ```cpp
// auto kb = dc::map<"kb">(DC_UDF([](const dc::File& f) { return f.size / 1024.0; }));  // by type
// auto ratio = dc::map<"ratio">(DC_UDF([](std::uint64_t n, double w) { return n * w; }),
//                               dc::params<"file.size", "weight">);                  // by name
// auto kb2 = dc::map<"kb">(DC_UDF([](double n) { return n / 1024; }),
//                          dc::convert_params<"file.size">);            // by name, u64 -> double
// ```
//
// By type: each parameter binds to the one top-level column whose type is the
// parameter's type (after removing const and references). None or several is
// a compile error that names the parameter, its type and the columns, and
// suggests dc::params. By name (dc::params): parameter i binds to the i-th
// path, which must exist; a number binds only to a column of the same
// arithmetic type (an int parameter on a u64 column is an error, not a silent
// narrowing), other types must convert. dc::convert_params is dc::params that
// also converts between arithmetic types (static_cast, as C++ would); it
// hashes like dc::params, since the conversion is the parameter type's, which
// is part of the UDF's code.
#pragma once

#include <datachain/core/diagnostic.hpp>
#include <datachain/core/fixed_string.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>

#include <boost/callable_traits/args.hpp>
#include <boost/callable_traits/return_type.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace datachain {

namespace detail {

// A UDF's signature, read by Boost.CallableTraits: functions, function
// pointers, and classes with one non-template operator() (lambdas,
// std::function). `args` is a std::tuple of the parameter types, used only
// as a type list (std::tuple_size_v, std::tuple_element_t: no Mp11 header,
// which would cost every translation unit ~0.05-0.1 s). `known` is false for
// what has no signature to read (a generic lambda, an overloaded operator(),
// a member pointer): make_udf (steps/udf_common.hpp) reports that once, in
// words, and the rest is poisoned (result dc::poisoned, no parameters), so
// no later check fails too.
template <class F>
struct udf_signature {
    static constexpr bool known = false;
    using result = poisoned;
    using args = std::tuple<>;
};
template <class F>
    requires(!std::is_member_pointer_v<F>) && requires { typename boost::callable_traits::args_t<F>; }
struct udf_signature<F> {
    static constexpr bool known = true;
    using result = boost::callable_traits::return_type_t<F>;
    using args = boost::callable_traits::args_t<F>;
};

// Element type of an aggregate parameter: std::vector<T> or std::span<const T>.
template <class A> struct agg_elem { using type = void; };
template <class T, class Al> struct agg_elem<std::vector<T, Al>> { using type = T; };
template <class T, std::size_t E> struct agg_elem<std::span<T, E>> { using type = std::remove_const_t<T>; };

// Top-level columns of S whose type is exactly T.
template <class S, class T> struct type_matches;
template <class... C, class T>
struct type_matches<schema<C...>, T> {
    static constexpr std::array<bool, sizeof...(C)> hit{std::is_same_v<typename C::type, T>...};
    static constexpr std::size_t count = (0 + ... + (std::is_same_v<typename C::type, T> ? 1 : 0));
    static constexpr std::size_t first = [] {
        for (std::size_t i = 0; i < hit.size(); ++i)
            if (hit[i]) return i;
        return std::size_t{0};
    }();
};

} // namespace detail

// Explicit column names for a UDF's parameters, in parameter order.
template <fixed_string... P>
struct params_t {
    static constexpr std::size_t size = sizeof...(P);
    static constexpr std::array<std::string_view, sizeof...(P)> paths{P.view()...};
    static constexpr bool convert = false;   // arithmetic types must match exactly
};
template <fixed_string... P>
inline constexpr params_t<P...> params{};

// dc::params that also converts between arithmetic types (u64 column, int
// parameter). Same hash as dc::params.
template <fixed_string... P>
struct convert_params_t : params_t<P...> {
    static constexpr bool convert = true;
};
template <fixed_string... P>
inline constexpr convert_params_t<P...> convert_params{};

// Bind every parameter by its type.
struct by_type {};

template <class T> struct is_params : std::false_type {};
template <fixed_string... P> struct is_params<params_t<P...>> : std::true_type {};
template <fixed_string... P> struct is_params<convert_params_t<P...>> : std::true_type {};

} // namespace datachain

DATACHAIN_DEFINE_COMPILE_ERROR(
    parameter_type_not_in_chain,
    "UDF parameter (position, type: first two arguments above) cannot bind to a column: no column of the "
    "chain has this type (the chain's columns: third argument); name the input columns with "
    "dc::params<\"...\">")
DATACHAIN_DEFINE_COMPILE_ERROR(
    parameter_type_ambiguous,
    "UDF parameter (position, type: first two arguments above) cannot bind to a column: several columns "
    "have this type (third argument), so binding by type is ambiguous; name the input columns with "
    "dc::params<\"...\">")
DATACHAIN_DEFINE_COMPILE_ERROR(
    parameter_type_differs,
    "UDF parameter bound by name to a column of another arithmetic type (column, its type, the parameter's "
    "type: arguments above); change the parameter's type to the column's, or ask for the conversion with "
    "dc::convert_params<...> instead of dc::params<...>")
DATACHAIN_DEFINE_COMPILE_ERROR(
    parameter_type_does_not_convert,
    "UDF parameter bound by name to a column whose type does not convert to the parameter's type (column, "
    "its type, the parameter's type: arguments above); change the parameter's type or the column")

namespace datachain {
namespace detail {

// "1", "2", ...: a parameter's position, for messages.
template <std::size_t I>
inline constexpr auto position_text = [] {
    constexpr std::size_t n = I + 1;
    constexpr std::size_t digits = [] {
        std::size_t d = 1;
        for (std::size_t v = n; v >= 10; v /= 10) ++d;
        return d;
    }();
    fixed_string<digits> out;
    std::size_t v = n;
    for (std::size_t i = digits; i-- > 0; v /= 10) out.data[i] = static_cast<char>('0' + v % 10);
    return out;
}();

// "file: datachain::File, n: long": the top-level columns with their types.
template <class S>
struct typed_column_list {
    static constexpr std::size_t cap = 4000;
    static constexpr compile_error::builder<cap> all = [] {
        compile_error::builder<cap> b;
        for_each_column<S>([&]<class C>(C) {
            b.put(b.size ? ", " : "").put(C::name.view()).put(": ").put(compile_error::type_spelling<typename C::type>());
        });
        if (S::size == 0) b.put("(none)");
        return b;
    }();
    static constexpr auto value = all.template as<all.size>();
};

// The names of the top-level columns of S whose type is T.
template <class S, class T>
struct matching_names {
    static constexpr compile_error::builder<4000> all = [] {
        compile_error::builder<4000> b;
        for_each_column<S>([&]<class C>(C) {
            if constexpr (std::is_same_v<typename C::type, T>) b.put(b.size ? ", " : "").put(C::name.view());
        });
        return b;
    }();
    static constexpr auto value = all.template as<all.size>();
};

// How parameter I (whose value type is V) reads its value from a row of S.
// `ok`: bound without error (otherwise it was reported, and the step is
// poisoned: it compiles on, quietly, and is never run).
template <class S, class Binding, std::size_t I, class V>
struct bind_one;

template <class S, std::size_t I, class V>
struct bind_one<S, by_type, I, V> {
    using m = type_matches<S, V>;
    DATACHAIN_COMPILE_CHECK(m::count >= 1, parameter_type_not_in_chain, DATACHAIN_ERROR_TEXT(position_text<I>),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<V>),
                            DATACHAIN_ERROR_TEXT(typed_column_list<S>::value));
    DATACHAIN_COMPILE_CHECK(m::count <= 1, parameter_type_ambiguous, DATACHAIN_ERROR_TEXT(position_text<I>),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<V>),
                            DATACHAIN_ERROR_TEXT(matching_names<S, V>::value));
    static constexpr bool ok = m::count == 1;
    template <class Tup>
    static constexpr decltype(auto) get(const Tup& t) { return std::get<m::first>(t); }
    static std::string describe() { return std::string(S::names[m::first]); }
};

template <class S, class Binding, std::size_t I, class V>
    requires is_params<Binding>::value
struct bind_one<S, Binding, I, V> {
    static constexpr auto path = [] {
        return []<fixed_string... P>(const params_t<P...>&) { return std::get<I>(std::tuple{P...}); }(Binding{});
    }();
    using col_t = column_type_t<S, path>;   // an unknown path is reported there
    static constexpr bool known = !is_poisoned_v<col_t>;
    static constexpr bool arithmetic = std::is_arithmetic_v<col_t> && std::is_arithmetic_v<V>;
    static constexpr bool same_kind = !known || !arithmetic || std::is_same_v<col_t, V> || Binding::convert;
    static constexpr bool converts = !known || arithmetic || std::is_convertible_v<const col_t&, V>;
    DATACHAIN_COMPILE_CHECK(same_kind, parameter_type_differs, DATACHAIN_ERROR_TEXT(path),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<col_t>),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<V>));
    DATACHAIN_COMPILE_CHECK(converts, parameter_type_does_not_convert, DATACHAIN_ERROR_TEXT(path),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<col_t>),
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<V>));
    static constexpr bool ok = known && same_kind && converts;
    template <class Tup>
    static constexpr decltype(auto) get(const Tup& t) {
        if constexpr (arithmetic && !std::is_same_v<col_t, V>) return static_cast<V>(detail::lookup<S, path>::get(t));
        else return detail::lookup<S, path>::get(t);
    }
    static std::string describe() { return std::string(path.view()); }
};

} // namespace detail

// Checks a UDF's signature and binds its parameters to the columns of S.
// Agg = true binds std::vector<T> / std::span<const T> parameters by T.
// Each mistake is reported once; `ok` is false after one (nothing more is
// checked, and the step is never run: the program does not compile).
template <class S, class F, class Binding, bool Agg = false>
struct binder {
    using traits = detail::udf_signature<std::remove_cvref_t<F>>;
    // An unknown signature was reported by make_udf (steps/udf_common.hpp).
    using args = typename traits::args;
    static constexpr std::size_t arity = std::tuple_size_v<args>;
    static constexpr std::size_t bound_count() {
        if constexpr (is_params<Binding>::value) return Binding::size;
        else return arity;
    }
    static_assert(!traits::known || bound_count() == arity,
                  "datachain: dc::params<...> must name exactly one column per UDF parameter");

    template <std::size_t I>
    using value_t = std::conditional_t<Agg,
        typename detail::agg_elem<std::remove_cvref_t<std::tuple_element_t<I, args>>>::type,
        std::remove_cvref_t<std::tuple_element_t<I, args>>>;

    template <std::size_t I>
    using one = detail::bind_one<S, Binding, I, value_t<I>>;

    static constexpr bool shape_ok = traits::known && bound_count() == arity;
    static constexpr bool values_ok = [] {
        if constexpr (!shape_ok || !Agg) return shape_ok;
        else return []<std::size_t... I>(std::index_sequence<I...>) {
            return (!std::is_void_v<value_t<I>> && ...);
        }(std::make_index_sequence<arity>{});
    }();
    static_assert(!shape_ok || values_ok,
                  "datachain: agg UDF parameters must be std::vector<T> or std::span<const T> "
                  "(one value per row of the partition)");

    // Binds every parameter (reporting the first that cannot bind).
    static constexpr bool bind_all() {
        if constexpr (!values_ok) return false;
        else return []<std::size_t... I>(std::index_sequence<I...>) {
            return (one<I>::ok && ...);
        }(std::make_index_sequence<arity>{});
    }
    static constexpr bool ok = bind_all();
    static constexpr bool check() { return ok || true; }   // instantiates the checks

    // Calls f with the bound values of one row.
    template <class Fn, class Tup>
    static decltype(auto) call(const Fn& f, const Tup& t) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
            return f(one<I>::get(t)...);
        }(std::make_index_sequence<arity>{});
    }

    static std::string describe() {
        std::string s;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s += (I ? ", " : "") + one<I>::describe()), ...);
        }(std::make_index_sequence<arity>{});
        return s;
    }
};

// Feeds how a UDF is bound into a step hash: explicit paths, or the parameter
// types for by-type binding (the schema upstream is already in the chain hash).
template <class F, class Binding, bool Agg = false>
constexpr void hash_binding(hasher& h) {
    using traits = detail::udf_signature<std::remove_cvref_t<F>>;
    if constexpr (is_params<Binding>::value) {
        h.tag("params").u32(Binding::size);
        for (auto p : Binding::paths) h.str(p);
    } else if constexpr (traits::known) {
        h.tag("by_type");
        [&]<class... A>(std::type_identity<std::tuple<A...>>) {
            h.u32(sizeof...(A));
            auto one = [&]<class V>(std::type_identity<V>) {
                if constexpr (storable<V>) hash_type<V>(h);
                else h.tag("?");
            };
            if constexpr (Agg)
                (one(std::type_identity<typename detail::agg_elem<std::remove_cvref_t<A>>::type>{}), ...);
            else
                (one(std::type_identity<std::remove_cvref_t<A>>{}), ...);
        }(std::type_identity<typename traits::args>{});
    } else {
        h.tag("unknown_signature");
    }
}

} // namespace datachain
