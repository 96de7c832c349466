// UDF code identity: how a C++ function gets a hash that survives rebuilds.
//
// C++ cannot read a function body at run time, so identity comes from build
// time. Four ways to hand a function to map / gen / agg:
//
// ```cpp
// #include <datachain/datachain.hpp>
// namespace dc = datachain;
// double my_classifier(const dc::File& f) { return f.size > 100 ? 1.0 : 0.0; }
//
// // 1. Token text: the macro stringizes the lambda. Comments and layout are
// //    dropped (the preprocessor drops comments and folds white space, and
// //    detail::canonical_code drops the spaces between tokens that cannot
// //    join), so they keep the hash; any token change changes it (g++ and
// //    clang++ stringize alike). Captured variables are not part of the
// //    identity: if they change results, use dc::versioned or make them
// //    columns. Macros inside the body are captured unexpanded: rebuilding
// //    with another -DDIVISOR does not change `f.size / DIVISOR`'s hash;
// //    choose between whole DC_DEF definitions with #if instead.
// auto score = DC_UDF([](const dc::File& f) -> double { return f.size / 1024.0; });
//
// // 2. A named function at namespace scope, same rule:
// DC_DEF(process, (const dc::File& file) -> std::string { return file.path; });
//
// // 3. A name and a version you bump yourself, for behaviour that lives in
// //    code the macro cannot see:
// auto classify = dc::versioned("classify", 3, &my_classifier);
//
// // 4. Declared dependencies: helpers whose code folds into the UDF's
// //    identity, so editing a helper invalidates the UDFs that use it:
// DC_DEF(normalize, (std::string s) -> std::string { return s.substr(0, 8); });
// auto tag = DC_UDF([](const dc::File& f) { return normalize(f.path); }).uses(normalize);
// ```
//
// Anything else (a plain lambda, a function pointer, std::function) is
// unhashable: it is recomputed on every run and the run prints a one-line
// warning naming the step and the fix. Compile with -DDATACHAIN_STRICT_UDF_HASH=1
// (a preprocessor definition; there is no CMake option) to make that a compile
// error instead.
//
// Two identities per UDF (README: "UDF identity"):
//   full    = code identity (text or name+version, plus dependencies);
//   partial = the same without code: only the name, if any.
// The step folds its bindings and output schema into both.
#pragma once

#include <datachain/core/hash.hpp>

#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

#ifndef DATACHAIN_STRICT_UDF_HASH
#define DATACHAIN_STRICT_UDF_HASH 0
#endif

namespace datachain {

enum class udf_kind : std::uint8_t { code = 1, versioned = 2, unhashable = 3 };

namespace detail {

constexpr bool word_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
constexpr bool operator_char(char c) noexcept {
    return std::string_view("+-*/%^&|<>=!:.#").find(c) != std::string_view::npos;
}

// Calls emit(c) for the canonical form of stringized code. The preprocessor
// already dropped comments and folded white space to single spaces; here a
// space survives only where removing it would join two tokens (two word
// characters, or two operator characters as in `> >`), so `x+1`, `x + 1`,
// `f(a, b)` and `f(a,b)` read alike and clang-format style edits keep the
// hash. String and character literals are copied verbatim.
template <class F>
constexpr void canonical_code(std::string_view s, F&& emit) {
    char quote = 0, prev = 0;
    bool escaped = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quote) {
            emit(c);
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == quote) quote = 0;
            prev = c;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n') {
            char next = i + 1 < s.size() ? s[i + 1] : 0;
            if (prev && next && ((word_char(prev) && word_char(next)) || (operator_char(prev) && operator_char(next)))) {
                emit(' ');
                prev = ' ';
            }
            continue;
        }
        if (c == '"' || (c == '\'' && !word_char(prev))) quote = c;
        emit(c);
        prev = c;
    }
}

} // namespace detail

struct udf_identity {
    udf_kind kind = udf_kind::unhashable;
    std::string_view name;   // DC_DEF / versioned name; empty for DC_UDF lambdas
    std::string_view code;   // token text (kind code)
    std::uint32_t version = 0;
    hash128 deps;            // folded code hashes of declared dependencies

    constexpr bool hashable() const noexcept { return kind != udf_kind::unhashable; }

    // Everything that decides "skip": name, code or version, dependencies.
    constexpr void hash_full(hasher& h) const {
        hash_partial(h);
        std::uint64_t n = 0;
        detail::canonical_code(code, [&](char) { ++n; });
        h.u64(n);
        detail::canonical_code(code, [&](char c) { h.u8(static_cast<std::uint8_t>(c)); });
        h.u32(version).h(deps);
    }
    // The same without code: decides "continue from partial outputs".
    constexpr void hash_partial(hasher& h) const {
        h.tag("udf").u8(static_cast<std::uint8_t>(kind)).str(name);
    }
    constexpr hash128 full_hash() const {
        hasher h;
        hash_full(h);
        return h.finish();
    }
};

// A callable with an identity. Calls forward to the wrapped function, so a
// udf can also be used as a helper inside another UDF.
template <class F>
struct udf {
    F fn;
    udf_identity id;

    template <class... A>
    constexpr decltype(auto) operator()(A&&... a) const {
        return std::invoke(fn, std::forward<A>(a)...);
    }

    // Declares helpers whose identity folds into this UDF's.
    template <class... D>
    constexpr udf uses(const udf<D>&... helpers) const {
        udf r = *this;
        ((r.id.deps = combine("dep", r.id.deps, helpers.id.full_hash())), ...);
        return r;
    }
};

template <class T> struct is_udf : std::false_type {};
template <class F> struct is_udf<udf<F>> : std::true_type {};
template <class T>
inline constexpr bool is_udf_v = is_udf<std::remove_cvref_t<T>>::value;

inline constexpr bool strict_udf_hash = DATACHAIN_STRICT_UDF_HASH != 0;

// A UDF identified by a name and a version you bump when its behaviour
// changes. The name also keeps partial results across fixes.
template <class F>
constexpr auto versioned(std::string_view name, std::uint32_t version, F fn) {
    return udf<F>{std::move(fn), udf_identity{udf_kind::versioned, name, {}, version, {}}};
}

namespace detail {
template <class F>
constexpr auto code_udf(F fn, std::string_view name, std::string_view text) {
    return udf<F>{std::move(fn), udf_identity{udf_kind::code, name, text, 0, {}}};
}

// Wraps any callable: udfs pass through, everything else becomes unhashable.
template <class F>
constexpr auto to_udf(F&& f) {
    if constexpr (is_udf_v<F>) return std::remove_cvref_t<F>(std::forward<F>(f));
    else return udf<std::decay_t<F>>{std::forward<F>(f), udf_identity{}};
}
} // namespace detail

} // namespace datachain

// A lambda whose token text is its identity. See the top of this file.
#define DC_UDF(...) ::datachain::detail::code_udf((__VA_ARGS__), {}, #__VA_ARGS__)

// A named function whose token text is its identity, at namespace scope:
//   DC_DEF(name, (params) -> result { body });
#define DC_DEF(name, ...) \
    inline constexpr auto name = ::datachain::detail::code_udf([] __VA_ARGS__, #name, #__VA_ARGS__)
