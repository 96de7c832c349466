// Storable types and their stable signatures.
//
// A type is storable when the row codec can write it and its schema signature
// can be hashed: bool, fixed-width integers (not plain `char`), float, double,
// std::string, std::vector<T>, std::optional<T>, std::tuple<T...>, and structs
// reflected with BOOST_HANA_DEFINE_STRUCT / BOOST_HANA_ADAPT_STRUCT whose
// members are storable (File is one). Nesting is free.
//
//   static_assert(datachain::storable<std::vector<std::optional<double>>>);
//   datachain::hasher h; datachain::hash_type<File>(h);   // schema signature
//   datachain::type_name<std::vector<int>>() == "list<i32>"
//
// The signature is built from kind tags, widths and field names only; never
// from typeid or compiler type names. Changing it changes every hash that
// includes an output type (bump hash_format_version).
#pragma once

#include <datachain/core/hash.hpp>
#include <datachain/core/reflect.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace datachain {

namespace detail {
template <class T> struct is_vector : std::false_type {};
template <class T, class A> struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... T> struct is_tuple<std::tuple<T...>> : std::true_type {};

template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                 !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
                                 !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
                                 !std::is_same_v<T, char32_t>;

template <class T> constexpr bool storable_impl();

template <class T, std::size_t... I>
constexpr bool members_storable(std::index_sequence<I...>) {
    return (storable_impl<member_type_t<T, I>>() && ...);
}

template <class T>
constexpr bool storable_impl() {
    if constexpr (std::is_same_v<T, bool> || is_int_v<T> || std::is_same_v<T, float> ||
                  std::is_same_v<T, double> || std::is_same_v<T, std::string>)
        return true;
    else if constexpr (is_vector<T>::value || is_optional<T>::value)
        return storable_impl<typename T::value_type>();
    else if constexpr (is_tuple<T>::value)
        return []<class... U>(std::type_identity<std::tuple<U...>>) {
            return (storable_impl<U>() && ...);
        }(std::type_identity<T>{});
    else if constexpr (is_reflected_v<T>)
        return members_storable<T>(std::make_index_sequence<member_count<T>()>{});
    else
        return false;
}
} // namespace detail

// True when the row codec can store T (see the list at the top of this file).
template <class T>
concept storable = detail::storable_impl<T>();

// Feeds T's schema signature into h.
template <storable T>
constexpr void hash_type(hasher& h) {
    using namespace detail;
    if constexpr (std::is_same_v<T, bool>) {
        h.tag("bool");
    } else if constexpr (is_int_v<T>) {
        h.tag(std::is_signed_v<T> ? "int" : "uint").u8(sizeof(T) * 8);
    } else if constexpr (std::is_same_v<T, float>) {
        h.tag("f32");
    } else if constexpr (std::is_same_v<T, double>) {
        h.tag("f64");
    } else if constexpr (std::is_same_v<T, std::string>) {
        h.tag("str");
    } else if constexpr (is_vector<T>::value) {
        h.tag("list");
        hash_type<typename T::value_type>(h);
    } else if constexpr (is_optional<T>::value) {
        h.tag("opt");
        hash_type<typename T::value_type>(h);
    } else if constexpr (is_tuple<T>::value) {
        h.tag("tuple").u32(std::tuple_size_v<T>);
        [&]<class... U>(std::type_identity<std::tuple<U...>>) {
            (hash_type<U>(h), ...);
        }(std::type_identity<T>{});
    } else {
        h.tag("struct").u32(member_count<T>());
        for_each_member_index<T>([&](auto i) {
            h.str(member_name<T, i>());
            hash_type<member_type_t<T, i>>(h);
        });
    }
}

// The schema signature of T as a hash.
template <storable T>
constexpr hash128 type_hash() {
    hasher h;
    hash_type<T>(h);
    return h.finish();
}

// A readable spelling of T's signature: "int64", "str", "list<f64>",
// "{path: str, size: uint64}". Used in explanations and error messages.
template <storable T>
std::string type_name() {
    using namespace detail;
    if constexpr (std::is_same_v<T, bool>) return "bool";
    else if constexpr (is_int_v<T>)
        return (std::is_signed_v<T> ? "int" : "uint") + std::to_string(sizeof(T) * 8);
    else if constexpr (std::is_same_v<T, float>) return "f32";
    else if constexpr (std::is_same_v<T, double>) return "f64";
    else if constexpr (std::is_same_v<T, std::string>) return "str";
    else if constexpr (is_vector<T>::value) return "list<" + type_name<typename T::value_type>() + ">";
    else if constexpr (is_optional<T>::value) return "optional<" + type_name<typename T::value_type>() + ">";
    else if constexpr (is_tuple<T>::value) {
        std::string s = "(";
        [&]<class... U>(std::type_identity<std::tuple<U...>>) {
            ((s += type_name<U>() + ", "), ...);
        }(std::type_identity<T>{});
        if (s.size() > 1) s.resize(s.size() - 2);
        return s + ")";
    } else {
        std::string s = "{";
        for_each_member_index<T>([&](auto i) {
            s += std::string(member_name<T, i>()) + ": " + type_name<member_type_t<T, i>>() + ", ";
        });
        if (s.size() > 1) s.resize(s.size() - 2);
        return s + "}";
    }
}

// Feeds a value of T into h (content hashing, e.g. read_values). Same
// canonical rules as the signature: fixed widths, little-endian, lengths.
template <storable T>
constexpr void hash_value(hasher& h, const T& v) {
    using namespace detail;
    if constexpr (std::is_same_v<T, bool>) h.boolean(v);
    else if constexpr (is_int_v<T> && std::is_signed_v<T>) h.i64(v);
    else if constexpr (is_int_v<T>) h.u64(v);
    else if constexpr (std::is_floating_point_v<T>) h.f64(static_cast<double>(v));
    else if constexpr (std::is_same_v<T, std::string>) h.str(v);
    else if constexpr (is_vector<T>::value) {
        h.u64(v.size());
        for (const auto& e : v) hash_value(h, e);
    } else if constexpr (is_optional<T>::value) {
        h.boolean(v.has_value());
        if (v) hash_value(h, *v);
    } else if constexpr (is_tuple<T>::value) {
        std::apply([&](const auto&... e) { (hash_value(h, e), ...); }, v);
    } else {
        for_each_member_index<T>([&](auto i) { hash_value(h, member_get<i>(v)); });
    }
}

} // namespace datachain
