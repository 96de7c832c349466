// Binding UDF parameters to columns, checked at compile time.
//
//   dc::map<"kb">(DC_UDF([](const dc::File& f) { return f.size / 1024.0; }));   // by type
//   dc::map<"ratio">(DC_UDF([](std::uint64_t s, double w) { return s * w; }),
//                    dc::params<"file.size", "weight">);                           // by name
//
// By type: each parameter binds to the one top-level column whose type is the
// parameter's type (after removing const and references). None or several is
// a compile error that says so and suggests dc::params. By name: parameter i
// binds to the i-th path, which must exist and convert to the parameter type.
#pragma once

#include <datachain/core/fixed_string.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>

#include <cstddef>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace datachain {

template <class... T> struct type_list {
    static constexpr std::size_t size = sizeof...(T);
};

namespace detail {

template <class F, class = void> struct callable_traits {
    static constexpr bool known = false;
};
template <class R, class... A> struct signature_traits {
    static constexpr bool known = true;
    using result = R;
    using args = type_list<A...>;
};
template <class R, class... A> struct callable_traits<R (*)(A...)> : signature_traits<R, A...> {};
template <class R, class... A> struct callable_traits<R (*)(A...) noexcept> : signature_traits<R, A...> {};
template <class R, class... A> struct callable_traits<R(A...)> : signature_traits<R, A...> {};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...) const> : signature_traits<R, A...> {};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...)> : signature_traits<R, A...> {};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...) const noexcept> : signature_traits<R, A...> {};
template <class C, class R, class... A> struct callable_traits<R (C::*)(A...) noexcept> : signature_traits<R, A...> {};
template <class F>
struct callable_traits<F, std::void_t<decltype(&F::operator())>> : callable_traits<decltype(&F::operator())> {};

template <class L, std::size_t I> struct nth_type;
template <class H, class... T> struct nth_type<type_list<H, T...>, 0> { using type = H; };
template <class H, class... T, std::size_t I> struct nth_type<type_list<H, T...>, I> : nth_type<type_list<T...>, I - 1> {};

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
};
template <fixed_string... P>
inline constexpr params_t<P...> params{};

// Bind every parameter by its type.
struct by_type {};

template <class T> struct is_params : std::false_type {};
template <fixed_string... P> struct is_params<params_t<P...>> : std::true_type {};

namespace detail {

// How parameter I (whose value type is V) reads its value from a row of S.
template <class S, class Binding, std::size_t I, class V>
struct bind_one;

template <class S, std::size_t I, class V>
struct bind_one<S, by_type, I, V> {
    using m = type_matches<S, V>;
    static_assert(m::count >= 1,
                  "datachain: UDF parameter cannot bind to a column: no column of the chain has this "
                  "parameter's type; name the input columns with dc::params<\"...\">");
    static_assert(m::count <= 1,
                  "datachain: UDF parameter cannot bind to a column: several columns have this "
                  "parameter's type (ambiguous); name the input columns with dc::params<\"...\">");
    template <class Tup>
    static constexpr decltype(auto) get(const Tup& t) { return std::get<m::first>(t); }
    static std::string describe() { return std::string(S::names[m::first]); }
};

template <class S, fixed_string... P, std::size_t I, class V>
struct bind_one<S, params_t<P...>, I, V> {
    static constexpr auto path_of() {
        return std::get<I>(std::tuple{P...});
    }
    static constexpr auto path = path_of();
    using col_t = column_type_t<S, path>;
    static_assert(std::is_convertible_v<const col_t&, V>,
                  "datachain: UDF parameter cannot bind to the named column: its type does not convert "
                  "to the parameter's type");
    template <class Tup>
    static constexpr decltype(auto) get(const Tup& t) { return detail::lookup<S, path>::get(t); }
    static std::string describe() { return std::string(path.view()); }
};

} // namespace detail

// Checks a UDF's signature and binds its parameters to the columns of S.
// Agg = true binds std::vector<T> / std::span<const T> parameters by T.
template <class S, class F, class Binding, bool Agg = false>
struct binder {
    using traits = detail::callable_traits<std::remove_cvref_t<F>>;
    static_assert(traits::known,
                  "datachain: cannot read the UDF's signature: its call operator is a template (auto "
                  "parameters) or overloaded; write the parameter types out");
    using args = typename traits::args;
    static constexpr std::size_t bound_count() {
        if constexpr (is_params<Binding>::value) return Binding::size;
        else return args::size;
    }
    static_assert(bound_count() == args::size,
                  "datachain: dc::params<...> must name exactly one column per UDF parameter");

    template <std::size_t I>
    using value_t = std::conditional_t<Agg,
        typename detail::agg_elem<std::remove_cvref_t<typename detail::nth_type<args, I>::type>>::type,
        std::remove_cvref_t<typename detail::nth_type<args, I>::type>>;

    template <std::size_t I>
    using one = detail::bind_one<S, Binding, I, value_t<I>>;

    static constexpr bool check() {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            static_assert(!Agg || (!std::is_void_v<value_t<I>> && ...),
                          "datachain: agg UDF parameters must be std::vector<T> or std::span<const T> "
                          "(one value per row of the partition)");
            (void)(std::size_t{0} + ... + sizeof(one<I>));
        }(std::make_index_sequence<args::size>{});
        return true;
    }

    // Calls f with the bound values of one row.
    template <class Fn, class Tup>
    static decltype(auto) call(const Fn& f, const Tup& t) {
        return [&]<std::size_t... I>(std::index_sequence<I...>) -> decltype(auto) {
            return f(one<I>::get(t)...);
        }(std::make_index_sequence<args::size>{});
    }

    static std::string describe() {
        std::string s;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s += (I ? ", " : "") + one<I>::describe()), ...);
        }(std::make_index_sequence<args::size>{});
        return s;
    }
};

// Feeds how a UDF is bound into a step hash: explicit paths, or the parameter
// types for by-type binding (the schema upstream is already in the chain hash).
template <class F, class Binding, bool Agg = false>
constexpr void hash_binding(hasher& h) {
    using traits = detail::callable_traits<std::remove_cvref_t<F>>;
    if constexpr (is_params<Binding>::value) {
        h.tag("params").u32(Binding::size);
        for (auto p : Binding::paths) h.str(p);
    } else if constexpr (traits::known) {
        h.tag("by_type");
        [&]<class... A>(type_list<A...>) {
            h.u32(sizeof...(A));
            auto one = [&]<class V>(std::type_identity<V>) {
                if constexpr (storable<V>) hash_type<V>(h);
                else h.tag("?");
            };
            if constexpr (Agg)
                (one(std::type_identity<typename detail::agg_elem<std::remove_cvref_t<A>>::type>{}), ...);
            else
                (one(std::type_identity<std::remove_cvref_t<A>>{}), ...);
        }(typename traits::args{});
    } else {
        h.tag("unknown_signature");
    }
}

} // namespace datachain
