// Compile-time reflection of row structs through Boost.Hana.
//
//   struct Point { BOOST_HANA_DEFINE_STRUCT(Point, (double, x), (double, y)); };
//   static_assert(datachain::detail::member_index<Point>("y") == 1);
//
// Only what the library needs: member count, names, types and access by
// index. Member names come from Hana's compile-time strings, never from
// compiler-invented type names, so they are stable across compilers.
#pragma once

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace datachain::detail {

template <class T>
inline constexpr bool is_reflected_v = boost::hana::Struct<T>::value;

template <class T>
constexpr std::size_t member_count() noexcept {
    return decltype(boost::hana::length(boost::hana::accessors<T>()))::value;
}

template <class T, std::size_t I>
constexpr std::string_view member_name() noexcept {
    using pair_t = std::remove_cvref_t<decltype(boost::hana::at_c<I>(boost::hana::accessors<T>()))>;
    using name_t = std::remove_cvref_t<decltype(boost::hana::first(std::declval<pair_t>()))>;
    return boost::hana::to<const char*>(name_t{});
}

template <class T, std::size_t I>
using member_type_t = std::remove_cvref_t<decltype(boost::hana::second(
    boost::hana::at_c<I>(boost::hana::accessors<T>()))(std::declval<T&>()))>;

template <std::size_t I, class T>
constexpr decltype(auto) member_get(T&& obj) {
    using U = std::remove_cvref_t<T>;
    return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<U>()))(std::forward<T>(obj));
}

// Index of the member called `name`, or -1.
template <class T>
constexpr int member_index(std::string_view name) noexcept {
    if constexpr (!is_reflected_v<T>) {
        return -1;
    } else {
        return []<std::size_t... I>(std::string_view n, std::index_sequence<I...>) {
            int r = -1;
            ((member_name<T, I>() == n ? (r = static_cast<int>(I), 0) : 0), ...);
            return r;
        }(name, std::make_index_sequence<member_count<T>()>{});
    }
}

// Calls f(std::integral_constant<std::size_t, I>{}) for every member index.
template <class T, class F>
constexpr void for_each_member_index(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<member_count<T>()>{});
}

} // namespace datachain::detail
