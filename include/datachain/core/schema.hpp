// Compile-time schemas: which columns a chain carries at each step, with
// their types, and typed rows that hold them.
//
// ```cpp
// using S = dc::schema<dc::column<"file", dc::File>, dc::column<"result", std::string>>;
// static_assert(std::is_same_v<dc::column_type_t<S, "file.size">, std::uint64_t>);
// dc::row<S> r{};
// const std::string& path = r.get<"file.path">();
// ```
//
// Column paths: a column's own name matches first ("file.path" as a column
// created by select); otherwise the first segment names a column and the rest
// walk reflected struct members ("file.size" is member `size` of column `file`).
#pragma once

#include <datachain/core/diagnostic.hpp>
#include <datachain/core/fixed_string.hpp>
#include <datachain/core/reflect.hpp>
#include <datachain/core/types.hpp>

#include <array>
#include <string>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace datachain {

template <fixed_string Name, class T>
struct column {
    static_assert(is_poisoned_v<T> || storable<T>, "datachain: a column's type must be storable (see datachain/core/types.hpp)");
    static constexpr auto name = Name;
    using type = T;
};

template <class... Cols>
struct schema {
    static constexpr std::size_t size = sizeof...(Cols);
    static constexpr std::array<std::string_view, sizeof...(Cols)> names{Cols::name.view()...};
    using tuple_type = std::tuple<typename Cols::type...>;

    // Index of the column named exactly `n`, or -1.
    static constexpr int index_of(std::string_view n) noexcept {
        for (std::size_t i = 0; i < size; ++i)
            if (names[i] == n) return static_cast<int>(i);
        return -1;
    }

    // The schema signature: column names and types, in order.
    static constexpr void hash_into(hasher& h) {
        h.tag("schema").u32(size);
        (hash_column<Cols>(h), ...);
    }
    static constexpr hash128 signature() {
        hasher h;
        hash_into(h);
        return h.finish();
    }

private:
    template <class C>
    static constexpr void hash_column(hasher& h) {
        h.str(C::name.view());
        hash_type<typename C::type>(h);
    }
};

template <class S> struct is_schema : std::false_type {};
template <class... C> struct is_schema<schema<C...>> : std::true_type {};

namespace detail {
template <class... C, class F>
constexpr void for_each_column_impl(std::type_identity<schema<C...>>, F& f) {
    (f(C{}), ...);
}
} // namespace detail

// The one fold over a schema's columns: calls f(C{}) for each column C of S,
// in order (C is a dc::column: C::name, C::type). Usable in constant
// expressions when f is. The column text, the column lists of compile
// errors, the run-time schema (schema_of) and the UDF binding messages go
// through it. (A C++ fold: Boost.Mp11's mp_for_each would do the same and
// cost every translation unit its algorithm.hpp.)
template <class S, class F>
constexpr void for_each_column(F&& f) {
    detail::for_each_column_impl(std::type_identity<S>{}, f);
}

namespace detail {

template <class S, std::size_t I> struct column_at;
template <class... C, std::size_t I>
struct column_at<schema<C...>, I> {
    using type = std::tuple_element_t<I, std::tuple<C...>>;
};

struct not_found {};

// string_view::find for constant expressions. g++ 12 with -fsanitize=undefined
// rejects std::string_view::find on a template parameter object (its
// char_traits::find null-pointer check "is not a constant expression"), so
// paths are searched with a plain loop. Same result as find(c, pos).
constexpr std::size_t find_char(std::string_view s, char c, std::size_t pos = 0) noexcept {
    for (std::size_t i = pos; i < s.size(); ++i)
        if (s[i] == c) return i;
    return std::string_view::npos;
}

// Walks `rest` (a dotted member path) inside T.
template <class T, fixed_string Path, std::size_t Pos>
struct member_path {
    static constexpr std::string_view rest = Path.view().substr(Pos);
    static constexpr std::size_t dot = find_char(rest, '.');
    static constexpr std::string_view segment = rest.substr(0, dot);
    static constexpr int index = member_index<T>(segment);

    template <int I, bool Last>
    struct step {
        using type = not_found;
        static constexpr bool found = false;
    };
    template <int I>
    struct step<I, true> {
        using type = member_type_t<T, I>;
        static constexpr bool found = true;
        template <class U>
        static constexpr decltype(auto) get(U&& obj) { return member_get<I>(std::forward<U>(obj)); }
    };
    template <int I>
    struct step<I, false> {
        using next = member_path<member_type_t<T, I>, Path, Pos + dot + 1>;
        using type = typename next::type;
        static constexpr bool found = next::found;
        template <class U>
        static constexpr decltype(auto) get(U&& obj) { return next::get(member_get<I>(std::forward<U>(obj))); }
    };
    struct missing {
        using type = not_found;
        static constexpr bool found = false;
    };
    using impl = std::conditional_t<(index < 0), missing, step<(index < 0 ? 0 : index), dot == std::string_view::npos>>;
    using type = typename impl::type;
    static constexpr bool found = impl::found;
    template <class U>
    static constexpr decltype(auto) get(U&& obj) { return impl::get(std::forward<U>(obj)); }
};

// Resolves a column path against a schema.
template <class S, fixed_string Path>
struct lookup {
    static constexpr int exact = S::index_of(Path.view());
    static constexpr std::size_t dot = detail::find_char(Path.view(), '.');
    static constexpr int head = exact >= 0 ? exact
                              : dot == std::string_view::npos ? -1
                              : S::index_of(Path.view().substr(0, dot));

    struct missing {
        using type = not_found;
        static constexpr bool found = false;
    };
    struct whole {
        using type = typename column_at<S, static_cast<std::size_t>(exact)>::type::type;
        static constexpr bool found = true;
        template <class Tup>
        static constexpr decltype(auto) get(Tup&& t) { return std::get<static_cast<std::size_t>(exact)>(std::forward<Tup>(t)); }
    };
    template <int H>
    struct nested {
        using col_t = typename column_at<S, static_cast<std::size_t>(H)>::type::type;
        using walk = member_path<col_t, Path, dot + 1>;
        using type = typename walk::type;
        static constexpr bool found = walk::found;
        template <class Tup>
        static constexpr decltype(auto) get(Tup&& t) { return walk::get(std::get<H>(std::forward<Tup>(t))); }
    };
    using impl = std::conditional_t<(exact >= 0), whole,
                 std::conditional_t<(head < 0), missing, nested<(head < 0 ? 0 : head)>>>;
    using type = typename impl::type;
    static constexpr bool found = impl::found;
    static constexpr int column = head;
    template <class Tup>
    static constexpr decltype(auto) get(Tup&& t) { return impl::get(std::forward<Tup>(t)); }
};

} // namespace detail

// True when Path names a column (or a member of one) in S.
template <class S, fixed_string Path>
inline constexpr bool has_column_v = detail::lookup<S, Path>::found;

namespace detail {
// Every path of S ("file, file.source, file.path, ..."): the columns and,
// through reflected structs, their members. For compile errors.
template <class T, std::size_t N>
constexpr void put_paths(compile_error::builder<N>& out, compile_error::builder<N> prefix) {
    if (out.size != 0) out.put(", ");
    out.put(std::string_view(prefix.data, prefix.size));
    if constexpr (is_reflected_v<T>) {
        for_each_member_index<T>([&](auto i) {
            auto p = prefix;
            p.put(".").put(member_name<T, decltype(i)::value>());
            put_paths<member_type_t<T, decltype(i)::value>>(out, p);
        });
    }
}
template <class S>
struct column_list {
    static constexpr std::size_t cap = 4000;
    static constexpr compile_error::builder<cap> all = [] {
        compile_error::builder<cap> b;
        for_each_column<S>([&]<class C>(C) {
            put_paths<typename C::type>(b, compile_error::builder<cap>{}.put(C::name.view()));
        });
        if (S::size == 0) b.put("(none)");
        return b;
    }();
    static constexpr auto value = all.template as<all.size>();
};
} // namespace detail

} // namespace datachain

DATACHAIN_DEFINE_COMPILE_ERROR(
    unknown_column,
    "unknown column: the chain has no column or member named like the first argument above; the second "
    "lists what it has. Check the spelling of C<\"...\">, dc::params<...>, partition_by<...> or the column name")

namespace datachain {

// The type at Path. Fails to compile, naming the path and the columns there
// are, when there is none; the type is then dc::poisoned (no further errors).
template <class S, fixed_string Path>
struct column_type {
    static constexpr bool found = has_column_v<S, Path>;
    DATACHAIN_COMPILE_CHECK(found, unknown_column, DATACHAIN_ERROR_TEXT(Path),
                            DATACHAIN_ERROR_TEXT(detail::column_list<S>::value));
    using type = std::conditional_t<found, typename detail::lookup<S, Path>::type, poisoned>;
};
template <class S, fixed_string Path>
using column_type_t = typename column_type<S, Path>::type;

// "(file: {source: str, ...}, result: str)": a readable schema, for messages.
template <class S>
std::string schema_text() {
    std::string s = "(";
    for_each_column<S>([&]<class C>(C) {
        s += (s.size() > 1 ? ", " : "") + std::string(C::name.view()) + ": " + type_name<typename C::type>();
    });
    return s + ")";
}

template <class S1, class S2> struct concat_schema;
template <class... A, class... B>
struct concat_schema<schema<A...>, schema<B...>> {
    using type = schema<A..., B...>;
};

// A typed row: the values of schema S's columns, reachable by name.
template <class S>
struct row {
    using schema_type = S;
    typename S::tuple_type values;

    template <fixed_string Path>
    constexpr decltype(auto) get() const& {
        (void)column_type<S, Path>{};
        return detail::lookup<S, Path>::get(values);
    }
    template <fixed_string Path>
    constexpr decltype(auto) get() & {
        (void)column_type<S, Path>{};
        return detail::lookup<S, Path>::get(values);
    }

    friend bool operator==(const row&, const row&) = default;
};

} // namespace datachain
