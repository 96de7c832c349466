// Compile-time reflection of row structs: Boost.Hana's, or the library's
// own DATACHAIN_FIELDS for its store records.
//
//   struct Point { BOOST_HANA_DEFINE_STRUCT(Point, (double, x), (double, y)); };
//   static_assert(datachain::detail::member_index<Point>("y") == 1);
//
// Only what the library needs: member count, names, types and access by
// index. Member names come from Hana's compile-time strings (or the
// stringized member names of DATACHAIN_FIELDS), never from
// compiler-invented type names, so they are stable across compilers.
//
// DATACHAIN_FIELDS(T, (type, name), ...) defines the members like
// BOOST_HANA_DEFINE_STRUCT and reflects them the same way for the library
// (the codec, hashes, dynamic schemas), but is not a Hana Struct. It costs
// nothing where the struct is only defined: a std::tuple of references is
// instantiated where a record is read or written, while Hana builds its
// tuples of compile-time strings at every include (runtime/records.hpp:
// 1.2 s of g++ and 80 MB per translation unit with Hana, 0.1 s with this).
#pragma once

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/preprocessor/punctuation/comma_if.hpp>
#include <boost/preprocessor/seq/for_each_i.hpp>
#include <boost/preprocessor/stringize.hpp>
#include <boost/preprocessor/tuple/elem.hpp>
#include <boost/preprocessor/variadic/size.hpp>
#include <boost/preprocessor/variadic/to_seq.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#define DATACHAIN_DETAIL_FIELD_MEMBER(r, data, i, f) BOOST_PP_TUPLE_ELEM(2, 0, f) BOOST_PP_TUPLE_ELEM(2, 1, f);
#define DATACHAIN_DETAIL_FIELD_NAME(r, data, i, f) BOOST_PP_COMMA_IF(i) BOOST_PP_STRINGIZE(BOOST_PP_TUPLE_ELEM(2, 1, f))
#define DATACHAIN_DETAIL_FIELD_REF(r, data, i, f) BOOST_PP_COMMA_IF(i) s.BOOST_PP_TUPLE_ELEM(2, 1, f)
// (The user's `;` ends the names' declaration, the macro's last.)
#define DATACHAIN_FIELDS(T, ...)                                                                               \
    BOOST_PP_SEQ_FOR_EACH_I(DATACHAIN_DETAIL_FIELD_MEMBER, T, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))          \
    template <class Self>                                                                                     \
    static constexpr auto datachain_fields(Self& s) noexcept {                                                \
        return std::tie(BOOST_PP_SEQ_FOR_EACH_I(DATACHAIN_DETAIL_FIELD_REF, T, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))); \
    }                                                                                                         \
    static constexpr std::array<std::string_view, BOOST_PP_VARIADIC_SIZE(__VA_ARGS__)> datachain_field_names{ \
        BOOST_PP_SEQ_FOR_EACH_I(DATACHAIN_DETAIL_FIELD_NAME, T, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))}

namespace datachain::detail {

// Reflected with DATACHAIN_FIELDS.
template <class T>
concept has_fields = requires { T::datachain_field_names; };

template <class T>
inline constexpr bool is_reflected_v = has_fields<T> || boost::hana::Struct<T>::value;

template <class T>
constexpr std::size_t member_count() noexcept {
    if constexpr (has_fields<T>) return T::datachain_field_names.size();
    else return decltype(boost::hana::length(boost::hana::accessors<T>()))::value;
}

template <class T, std::size_t I>
constexpr std::string_view member_name() noexcept {
    if constexpr (has_fields<T>) {
        return T::datachain_field_names[I];
    } else {
        using pair_t = std::remove_cvref_t<decltype(boost::hana::at_c<I>(boost::hana::accessors<T>()))>;
        using name_t = std::remove_cvref_t<decltype(boost::hana::first(std::declval<pair_t>()))>;
        return boost::hana::to<const char*>(name_t{});
    }
}

template <std::size_t I, class T>
constexpr decltype(auto) member_get(T&& obj) {
    using U = std::remove_cvref_t<T>;
    if constexpr (has_fields<U>) return std::get<I>(U::datachain_fields(obj));
    else return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<U>()))(std::forward<T>(obj));
}

template <class T, std::size_t I>
using member_type_t = std::remove_cvref_t<decltype(member_get<I>(std::declval<T&>()))>;

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
