// Compile errors that name what is wrong, on the first error line, as text.
//
//   DATACHAIN_DEFINE_COMPILE_ERROR(unknown_column, "no such column; ...");
//   DATACHAIN_COMPILE_CHECK(found, unknown_column, DATACHAIN_ERROR_TEXT(Path), ...);
//
// A static_assert cannot say which column is misspelled: its message is a
// fixed literal, g++ 12 prints only that message on the error line, and
// clang 14 prints a fixed_string template argument as character codes
// ({{102, 105, ...}}). So the name travels in a type that each compiler spells
// out on the error line itself:
//
//   g++ 12    error: invalid use of incomplete type 'struct datachain::
//             compile_error::unknown_column<datachain::fixed_string<10>{"file.sizee"},
//             datachain::fixed_string<..>{"file, file.source, ..."}, ..{"datachain: ..."}>'
//   clang 14  error: static_assert failed due to requirement 'reported<datachain::
//             compile_error::unknown_column<datachain::compile_error::text<'f', 'i',
//             'l', 'e', '.', 's', 'i', 'z', 'e', 'e'>, ...>>' "datachain: ..."
//
// (g++ prints a class-type template argument as its string; clang 14 prints a
// `char...` pack as character literals.) The check is
// `static_assert(ok || sizeof(require<ok, raise_kind<...>>))`: the error comes
// from instantiating raise_kind, and the static_assert itself always holds, so
// the enclosing template stays valid and nothing else is reported about it.
//
// No cascade: a check that failed gives its result the type dc::poisoned;
// every later check passes on a poisoned operand, so one mistake is one error.
#pragma once

#include <datachain/core/fixed_string.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace datachain {

// The type of something that already failed to compile (and was reported).
struct poisoned {};
template <class T>
inline constexpr bool is_poisoned_v = std::is_same_v<std::remove_cvref_t<T>, poisoned>;

namespace compile_error {

template <class E>
inline constexpr bool reported = false;

// require<true, R> is empty; require<false, R> instantiates R (the report).
template <bool Ok, class R> struct require {};
template <class R> struct require<false, R> : R {};

#if defined(__clang__)
// clang 14 prints a char pack as 'f', 'i', ...: readable, unlike its codes
// for a fixed_string.
template <char... C> struct text {};
template <fixed_string S, std::size_t... I>
text<S.data[I]...> spell(std::index_sequence<I...>);
template <fixed_string S>
using spelled = decltype(spell<S>(std::make_index_sequence<S.size()>{}));
#endif

// The readable name of T, for messages only: the fixed-width name of a
// number and std::string as written, otherwise the compiler's own spelling.
template <class T>
constexpr std::string_view type_spelling() {
    if constexpr (std::is_same_v<T, bool>) return "bool";
    else if constexpr (std::is_same_v<T, char>) return "char";
    else if constexpr (std::is_integral_v<T>) {
        constexpr std::string_view s[] = {"std::int8_t", "std::int16_t", "std::int32_t", "std::int64_t",
                                          "std::uint8_t", "std::uint16_t", "std::uint32_t", "std::uint64_t"};
        constexpr std::size_t w = sizeof(T) == 1 ? 0 : sizeof(T) == 2 ? 1 : sizeof(T) == 4 ? 2 : 3;
        return s[w + (std::is_unsigned_v<T> ? 4 : 0)];
    } else if constexpr (std::is_same_v<T, std::string>) return "std::string";
    else if constexpr (std::is_same_v<T, std::string_view>) return "std::string_view";
    else {
#if defined(__clang__)
    std::string_view f = __PRETTY_FUNCTION__;   // ... [T = double]
    std::size_t b = f.find("T = ") + 4;
    return f.substr(b, f.size() - 1 - b);
#elif defined(__GNUC__)
    std::string_view f = __PRETTY_FUNCTION__;   // ... [with T = double; std::string_view = ...]
    std::size_t b = f.find("T = ") + 4;
    return f.substr(b, f.find(';', b) - b);
#else
    return "?";
#endif
    }
}

// A compile-time string of up to N characters built piece by piece, then cut
// to size: as<Size>() gives the fixed_string.
template <std::size_t N>
struct builder {
    char data[N + 1]{};
    std::size_t size = 0;
    constexpr builder& put(std::string_view s) {
        for (char c : s)
            if (size < N) data[size++] = c;
        return *this;
    }
    template <std::size_t M>
    constexpr fixed_string<M> as() const {
        fixed_string<M> out;
        for (std::size_t i = 0; i < M; ++i) out.data[i] = data[i];
        return out;
    }
};

// A type's spelling as a fixed_string argument.
template <class T>
inline constexpr auto type_text = [] {
    constexpr std::string_view s = type_spelling<T>();
    builder<s.size()> b;
    b.put(s);
    return b.template as<s.size()>();
}();

} // namespace compile_error
} // namespace datachain

// The string S as an argument of a compile error (see the top of this file).
#if defined(__clang__)
#define DATACHAIN_ERROR_TEXT(...) ::datachain::compile_error::spelled<__VA_ARGS__>
#else
#define DATACHAIN_ERROR_TEXT(...) __VA_ARGS__
#endif

// Declares the error `kind` with its explanation; its arguments (strings,
// through DATACHAIN_ERROR_TEXT) say what and where. At namespace scope.
#if defined(__clang__)
#define DATACHAIN_DEFINE_COMPILE_ERROR(kind, message)                                 \
    namespace datachain::compile_error {                                             \
    template <class... A> struct kind;                                               \
    template <class... A> struct raise_##kind {                                      \
        static_assert(reported<kind<A...>>, "datachain: " message);                  \
    };                                                                               \
    }
#else
#define DATACHAIN_DEFINE_COMPILE_ERROR(kind, message)                                 \
    namespace datachain::compile_error {                                             \
    template <::datachain::fixed_string... A> struct kind;                           \
    template <::datachain::fixed_string... A> struct raise_##kind                    \
        : kind<A..., ::datachain::fixed_string{"datachain: " message}> {};           \
    }
#endif

// Reports `kind` with its arguments unless `ok`; a declaration (class or block
// scope) that never fails by itself, so the enclosing template stays valid.
#define DATACHAIN_COMPILE_CHECK(ok, kind, ...)                                        \
    static_assert((ok) || sizeof(::datachain::compile_error::require<(ok),           \
                              ::datachain::compile_error::raise_##kind<__VA_ARGS__>>) != 0)
