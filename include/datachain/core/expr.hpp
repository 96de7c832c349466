// Column expressions for filter (and order_by keys): literal types whose
// structure and constants hash at compile time.
//
//   using dc::C;
//   auto big   = C<"file.size"> > 15000;                       // number
//   auto cats  = C<"file.path">.glob("cat.*.jpg");              // string test
//   auto both  = big && !C<"file.path">.starts_with("tmp/");    // logic
//   auto ratio = C<"a"> * 2 + 1 >= C<"b">;                       // arithmetic
//
// Types are checked when the expression meets a schema (filter inside a chain
// with a source): an unknown column, a string compared with a number, or
// arithmetic on a string stops the build with a message saying so.
//
// Constants are normalized before hashing: every signed integer becomes
// int64, every unsigned integer uint64, every floating value double, every
// string its length and bytes. So `> 15000` and `> 15000L` hash alike while
// `> 15000.0` and `> "15000"` do not.
#pragma once

#include <datachain/core/expr_ops.hpp>
#include <datachain/core/fixed_string.hpp>
#include <datachain/core/glob.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace datachain {

namespace detail {

inline std::string quote(std::string_view s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        r += c;
    }
    return r + "\"";
}

inline std::string number_text(double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

} // namespace detail

// Marks expression nodes (used for the operator overloads below).
template <class T>
concept expression = requires { typename std::remove_cvref_t<T>::datachain_expr_tag; };

// A constant. T is one of int64_t, uint64_t, double, bool, std::string_view
// (string literals: static storage) or std::string (owned run-time strings).
template <class T>
struct lit {
    using datachain_expr_tag = void;
    T value;

    template <class S> struct typed {
        using type = std::conditional_t<std::is_same_v<T, std::string>, std::string_view, T>;
    };
    template <class S, class Tup>
    constexpr auto eval(const Tup&) const {
        if constexpr (std::is_same_v<T, std::string>) return std::string_view{value};
        else return value;
    }
    constexpr void hash_into(hasher& h) const {
        if constexpr (std::is_same_v<T, bool>) h.tag("bool").boolean(value);
        else if constexpr (std::is_same_v<T, std::int64_t>) h.tag("int").i64(value);
        else if constexpr (std::is_same_v<T, std::uint64_t>) h.tag("uint").u64(value);
        else if constexpr (std::is_same_v<T, double>) h.tag("float").f64(value);
        else h.tag("str").str(value);
    }
    std::string describe() const {
        if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
        else if constexpr (std::is_same_v<T, double>) return detail::number_text(value);
        else if constexpr (std::is_arithmetic_v<T>) return std::to_string(value);
        else return detail::quote(value);
    }
};

// Wraps a C++ value as a normalized constant, or passes an expression through.
template <class V>
constexpr auto as_expr(V&& v) {
    using U = std::remove_cvref_t<V>;
    if constexpr (expression<U>) return U(std::forward<V>(v));
    else if constexpr (std::is_same_v<U, bool>) return lit<bool>{v};
    else if constexpr (std::is_same_v<U, char> || std::is_same_v<U, wchar_t> || std::is_same_v<U, char8_t> ||
                       std::is_same_v<U, char16_t> || std::is_same_v<U, char32_t>)
        static_assert(sizeof(U) == 0, "datachain: a character constant cannot be an expression constant (its "
                                      "signedness differs by platform, and so would its hash); write \"a\" or an integer");
    else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) return lit<std::int64_t>{v};
    else if constexpr (std::is_integral_v<U>) return lit<std::uint64_t>{v};
    else if constexpr (std::is_floating_point_v<U>) return lit<double>{static_cast<double>(v)};
    else if constexpr (std::is_same_v<U, std::string>) return lit<std::string>{std::forward<V>(v)};
    else if constexpr (std::is_convertible_v<V, std::string_view>) return lit<std::string_view>{std::string_view(v)};
    else static_assert(sizeof(U) == 0, "datachain: this value cannot be a constant in an expression "
                                       "(use an integer, a floating value, a bool or a string)");
}
template <class V>
using as_expr_t = decltype(as_expr(std::declval<V>()));

} // namespace datachain

// The rules of expressions, reported with the operator and the operand
// types (arguments above the message, see core/diagnostic.hpp).
DATACHAIN_DEFINE_COMPILE_ERROR(operand_not_scalar,
    "an operand of this expression is not a scalar (operator, left and right operand types above): compare "
    "numbers, strings or bools; reach struct members with C<\"column.member\">")
DATACHAIN_DEFINE_COMPILE_ERROR(incompatible_comparison,
    "cannot compare values of incompatible types (operator, left and right operand types above: a number "
    "with a string, or a bool with either); compare like with like, e.g. C<\"file.size\"> > 15000 or "
    "C<\"file.path\"> == \"a.jpg\"")
DATACHAIN_DEFINE_COMPILE_ERROR(bool_ordering, "bools only compare with == and != (operator and types above)")
DATACHAIN_DEFINE_COMPILE_ERROR(logic_on_non_booleans,
    "&& and || need boolean operands: comparisons or bool columns (operator, left and right operand types "
    "above)")
DATACHAIN_DEFINE_COMPILE_ERROR(arithmetic_on_non_numbers,
    "arithmetic (+ - * / %) needs numeric operands (operator, left and right operand types above)")
DATACHAIN_DEFINE_COMPILE_ERROR(modulo_on_non_integers, "% needs integer operands (operand types above)")

namespace datachain {

// A binary operation: comparison, logic or arithmetic.
template <class Op, class L, class R>
struct binary {
    using datachain_expr_tag = void;
    L lhs;
    R rhs;

    template <class S> struct typed {
        using lt = typename L::template typed<S>::type;
        using rt = typename R::template typed<S>::type;
        static constexpr auto lc = detail::category<lt>();
        static constexpr auto rc = detail::category<rt>();
        // Each rule is checked only when the ones before it hold, and an
        // operand that already failed (unknown column) is not checked: one
        // mistake, one error. The error names the operator and both types.
        static constexpr bool bad = is_poisoned_v<lt> || is_poisoned_v<rt>;
        static constexpr bool scalars = bad || (lc != detail::vcat::none && rc != detail::vcat::none);
        static constexpr bool cmp = detail::is_comparison_v<Op>, logic = detail::is_logic_v<Op>;
        static constexpr bool like = !scalars || !cmp || lc == rc;
        static constexpr bool bool_cmp =
            !like || !cmp || lc != detail::vcat::boolean || std::is_same_v<Op, op::eq> || std::is_same_v<Op, op::ne>;
        static constexpr bool logic_ok =
            !scalars || !logic || (lc == detail::vcat::boolean && rc == detail::vcat::boolean);
        static constexpr bool arith_ok =
            !scalars || cmp || logic || (lc == detail::vcat::number && rc == detail::vcat::number);
        static constexpr bool mod_ok =
            !arith_ok || !std::is_same_v<Op, op::mod> || (std::is_integral_v<lt> && std::is_integral_v<rt>);
        static constexpr auto op_text = [] {
            fixed_string<Op::name.size()> t;
            for (std::size_t i = 0; i < Op::name.size(); ++i) t.data[i] = Op::name[i];
            return t;
        }();
#define DATACHAIN_EXPR_CHECK(ok, kind)                                                                       \
    DATACHAIN_COMPILE_CHECK(bad || (ok), kind, DATACHAIN_ERROR_TEXT(op_text),                              \
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<lt>),                            \
                            DATACHAIN_ERROR_TEXT(compile_error::type_text<rt>))
        DATACHAIN_EXPR_CHECK(scalars, operand_not_scalar);
        DATACHAIN_EXPR_CHECK(like, incompatible_comparison);
        DATACHAIN_EXPR_CHECK(bool_cmp, bool_ordering);
        DATACHAIN_EXPR_CHECK(logic_ok, logic_on_non_booleans);
        DATACHAIN_EXPR_CHECK(arith_ok, arithmetic_on_non_numbers);
        DATACHAIN_EXPR_CHECK(mod_ok, modulo_on_non_integers);
#undef DATACHAIN_EXPR_CHECK
        static constexpr bool ok = !bad && scalars && like && bool_cmp && logic_ok && arith_ok && mod_ok;
        using type = std::conditional_t<!ok, poisoned,
                     std::conditional_t<cmp || logic, bool, detail::arith_t<lt, rt>>>;
    };

    template <class S, class Tup>
    constexpr auto eval(const Tup& t) const {
        using result = typename typed<S>::type;
        if constexpr (std::is_same_v<Op, op::land>) return lhs.template eval<S>(t) && rhs.template eval<S>(t);
        else if constexpr (std::is_same_v<Op, op::lor>) return lhs.template eval<S>(t) || rhs.template eval<S>(t);
        else if constexpr (detail::is_comparison_v<Op>)
            return detail::compare<Op>(lhs.template eval<S>(t), rhs.template eval<S>(t));
        else {
            auto a = static_cast<result>(lhs.template eval<S>(t));
            auto b = static_cast<result>(rhs.template eval<S>(t));
            if constexpr (std::is_same_v<Op, op::add>) return static_cast<result>(a + b);
            else if constexpr (std::is_same_v<Op, op::sub>) return static_cast<result>(a - b);
            else if constexpr (std::is_same_v<Op, op::mul>) return static_cast<result>(a * b);
            else if constexpr (std::is_same_v<Op, op::div>) {
                if constexpr (std::is_integral_v<result>) return b == 0 ? result{0} : static_cast<result>(a / b);
                else return a / b;
            } else return b == 0 ? result{0} : static_cast<result>(a % b);
        }
    }
    constexpr void hash_into(hasher& h) const {
        h.tag("bin").tag(Op::name);
        lhs.hash_into(h);
        rhs.hash_into(h);
    }
    std::string describe() const { return wrap(lhs) + " " + std::string(Op::name) + " " + wrap(rhs); }

private:
    template <class E>
    static std::string wrap(const E& e) {
        if constexpr (requires { e.is_compound; }) return "(" + e.describe() + ")";
        else return e.describe();
    }

public:
    static constexpr bool is_compound = true;
};

// A unary operation: logical not, numeric negation.
template <class Op, class E>
struct unary {
    using datachain_expr_tag = void;
    E arg;
    template <class S> struct typed {
        using at = typename E::template typed<S>::type;
        static constexpr bool bad = is_poisoned_v<at>;
        static_assert(bad || (!std::is_same_v<Op, op::lnot> || detail::category<at>() == detail::vcat::boolean),
                      "datachain: ! needs a boolean operand");
        static_assert(bad || (!std::is_same_v<Op, op::neg> || detail::category<at>() == detail::vcat::number),
                      "datachain: unary - needs a numeric operand");
        using type = std::conditional_t<bad, poisoned,
                     std::conditional_t<std::is_same_v<Op, op::lnot>, bool, detail::arith_t<at, std::int64_t>>>;
    };
    template <class S, class Tup>
    constexpr auto eval(const Tup& t) const {
        using result = typename typed<S>::type;
        if constexpr (std::is_same_v<Op, op::lnot>) return !arg.template eval<S>(t);
        else return static_cast<result>(-static_cast<result>(arg.template eval<S>(t)));
    }
    constexpr void hash_into(hasher& h) const {
        h.tag("un").tag(Op::name);
        arg.hash_into(h);
    }
    std::string describe() const {
        if constexpr (requires { arg.is_compound; }) return std::string(Op::name) + "(" + arg.describe() + ")";
        else return std::string(Op::name) + arg.describe();
    }
};

// A string test: starts_with, ends_with, contains, glob.
template <class Op, class E, class P>
struct str_test {
    using datachain_expr_tag = void;
    E arg;
    P pattern;
    template <class S> struct typed {
        static constexpr bool bad = is_poisoned_v<typename E::template typed<S>::type> ||
                                    is_poisoned_v<typename P::template typed<S>::type>;
        static_assert(bad || (detail::category<typename E::template typed<S>::type>() == detail::vcat::string),
                      "datachain: starts_with / ends_with / contains / glob need a string column");
        static_assert(bad || (detail::category<typename P::template typed<S>::type>() == detail::vcat::string),
                      "datachain: the pattern of starts_with / ends_with / contains / glob must be a string");
        using type = bool;
    };
    template <class S, class Tup>
    constexpr bool eval(const Tup& t) const {
        std::string_view s{arg.template eval<S>(t)};
        std::string_view p{pattern.template eval<S>(t)};
        if constexpr (std::is_same_v<Op, op::starts_with>) return s.starts_with(p);
        else if constexpr (std::is_same_v<Op, op::ends_with>) return s.ends_with(p);
        else if constexpr (std::is_same_v<Op, op::contains>) return s.find(p) != std::string_view::npos;
        else return detail::glob_match(p, s);
    }
    constexpr void hash_into(hasher& h) const {
        h.tag("call").tag(Op::name);
        arg.hash_into(h);
        pattern.hash_into(h);
    }
    std::string describe() const { return arg.describe() + "." + std::string(Op::name) + "(" + pattern.describe() + ")"; }
};

template <class E> struct descending;

// A column reference: C<"file.size">. See the top of this file.
template <fixed_string Path>
struct col_ref {
    using datachain_expr_tag = void;
    static constexpr auto path = Path;

    template <class S> struct typed {
        using type = column_type_t<S, Path>;
    };
    template <class S, class Tup>
    constexpr decltype(auto) eval(const Tup& t) const { return detail::lookup<S, Path>::get(t); }
    constexpr void hash_into(hasher& h) const { h.tag("col").str(Path.view()); }
    std::string describe() const { return std::string(Path.view()); }

    template <class V> constexpr auto starts_with(V&& v) const { return str_test<op::starts_with, col_ref, as_expr_t<V>>{{}, as_expr(std::forward<V>(v))}; }
    template <class V> constexpr auto ends_with(V&& v) const { return str_test<op::ends_with, col_ref, as_expr_t<V>>{{}, as_expr(std::forward<V>(v))}; }
    template <class V> constexpr auto contains(V&& v) const { return str_test<op::contains, col_ref, as_expr_t<V>>{{}, as_expr(std::forward<V>(v))}; }
    template <class V> constexpr auto glob(V&& v) const { return str_test<op::glob, col_ref, as_expr_t<V>>{{}, as_expr(std::forward<V>(v))}; }
    // A descending sort key for order_by.
    constexpr descending<col_ref> desc() const { return {}; }
};

// Column reference by path: C<"file.size">, C<"result">.
template <fixed_string Path>
inline constexpr col_ref<Path> C{};

template <class E>
struct descending {
    E key;
};

// Operators: found by ADL for expression nodes only (constrained templates in
// this namespace; at least one operand must be an expression).
#define DATACHAIN_BINARY_OP(sym, Op)                                                            \
    template <class L, class R>                                                                 \
        requires(expression<L> || expression<R>)                                                \
    constexpr auto operator sym(L&& l, R&& r) {                                                 \
        return binary<Op, as_expr_t<L>, as_expr_t<R>>{as_expr(std::forward<L>(l)), as_expr(std::forward<R>(r))}; \
    }
DATACHAIN_BINARY_OP(==, op::eq)
DATACHAIN_BINARY_OP(!=, op::ne)
DATACHAIN_BINARY_OP(<, op::lt)
DATACHAIN_BINARY_OP(<=, op::le)
DATACHAIN_BINARY_OP(>, op::gt)
DATACHAIN_BINARY_OP(>=, op::ge)
DATACHAIN_BINARY_OP(&&, op::land)
DATACHAIN_BINARY_OP(||, op::lor)
DATACHAIN_BINARY_OP(+, op::add)
DATACHAIN_BINARY_OP(-, op::sub)
DATACHAIN_BINARY_OP(*, op::mul)
DATACHAIN_BINARY_OP(/, op::div)
DATACHAIN_BINARY_OP(%, op::mod)
#undef DATACHAIN_BINARY_OP

template <expression E>
constexpr auto operator!(E&& e) { return unary<op::lnot, std::remove_cvref_t<E>>{std::forward<E>(e)}; }
template <expression E>
constexpr auto operator-(E&& e) { return unary<op::neg, std::remove_cvref_t<E>>{std::forward<E>(e)}; }

// Free-function spellings of the string tests, for any string expression.
template <expression E, class V> constexpr auto starts_with(E&& e, V&& v) { return str_test<op::starts_with, std::remove_cvref_t<E>, as_expr_t<V>>{std::forward<E>(e), as_expr(std::forward<V>(v))}; }
template <expression E, class V> constexpr auto ends_with(E&& e, V&& v) { return str_test<op::ends_with, std::remove_cvref_t<E>, as_expr_t<V>>{std::forward<E>(e), as_expr(std::forward<V>(v))}; }
template <expression E, class V> constexpr auto contains(E&& e, V&& v) { return str_test<op::contains, std::remove_cvref_t<E>, as_expr_t<V>>{std::forward<E>(e), as_expr(std::forward<V>(v))}; }
template <expression E, class V> constexpr auto glob(E&& e, V&& v) { return str_test<op::glob, std::remove_cvref_t<E>, as_expr_t<V>>{std::forward<E>(e), as_expr(std::forward<V>(v))}; }

// The structural hash of an expression alone.
template <expression E>
constexpr hash128 expr_hash(const E& e) {
    hasher h;
    e.hash_into(h);
    return h.finish();
}

} // namespace datachain
