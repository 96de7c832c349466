// The operators of column expressions (expr.hpp): their tags, the value
// categories they work on, and how two scalar values compare (integers of
// mixed signedness exactly, other numbers as double, strings by bytes).
//
//   static_assert(datachain::detail::compare<datachain::op::lt>(-1, 1u));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace datachain {

namespace detail {

// Value categories that expressions work with.
enum class vcat { none, boolean, number, string };

template <class T>
constexpr vcat category() {
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, bool>) return vcat::boolean;
    else if constexpr (std::is_arithmetic_v<U>) return vcat::number;
    else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view>) return vcat::string;
    else return vcat::none;
}

} // namespace detail

namespace op {
struct eq { static constexpr std::string_view name = "=="; };
struct ne { static constexpr std::string_view name = "!="; };
struct lt { static constexpr std::string_view name = "<"; };
struct le { static constexpr std::string_view name = "<="; };
struct gt { static constexpr std::string_view name = ">"; };
struct ge { static constexpr std::string_view name = ">="; };
struct land { static constexpr std::string_view name = "&&"; };
struct lor { static constexpr std::string_view name = "||"; };
struct add { static constexpr std::string_view name = "+"; };
struct sub { static constexpr std::string_view name = "-"; };
struct mul { static constexpr std::string_view name = "*"; };
struct div { static constexpr std::string_view name = "/"; };
struct mod { static constexpr std::string_view name = "%"; };
struct lnot { static constexpr std::string_view name = "!"; };
struct neg { static constexpr std::string_view name = "-"; };
struct starts_with { static constexpr std::string_view name = "starts_with"; };
struct ends_with { static constexpr std::string_view name = "ends_with"; };
struct contains { static constexpr std::string_view name = "contains"; };
struct glob { static constexpr std::string_view name = "glob"; };
} // namespace op

namespace detail {
template <class Op>
inline constexpr bool is_comparison_v = std::is_same_v<Op, op::eq> || std::is_same_v<Op, op::ne> ||
    std::is_same_v<Op, op::lt> || std::is_same_v<Op, op::le> || std::is_same_v<Op, op::gt> ||
    std::is_same_v<Op, op::ge>;
template <class Op>
inline constexpr bool is_logic_v = std::is_same_v<Op, op::land> || std::is_same_v<Op, op::lor>;

template <class Op, class A, class B>
constexpr bool compare(const A& a, const B& b) {
    auto cmp = [](const auto& x, const auto& y) -> int {
        using X = std::remove_cvref_t<decltype(x)>;
        using Y = std::remove_cvref_t<decltype(y)>;
        if constexpr (std::is_integral_v<X> && std::is_integral_v<Y> && !std::is_same_v<X, bool> &&
                      !std::is_same_v<Y, bool>)
            return std::cmp_less(x, y) ? -1 : std::cmp_equal(x, y) ? 0 : 1;
        else if constexpr (std::is_arithmetic_v<X> && std::is_arithmetic_v<Y>)
            return static_cast<double>(x) < static_cast<double>(y) ? -1
                 : static_cast<double>(x) == static_cast<double>(y) ? 0 : 1;
        else {
            std::string_view sx{x}, sy{y};
            return sx < sy ? -1 : sx == sy ? 0 : 1;
        }
    };
    int c = cmp(a, b);
    if constexpr (std::is_same_v<Op, op::eq>) return c == 0;
    else if constexpr (std::is_same_v<Op, op::ne>) return c != 0;
    else if constexpr (std::is_same_v<Op, op::lt>) return c < 0;
    else if constexpr (std::is_same_v<Op, op::le>) return c <= 0;
    else if constexpr (std::is_same_v<Op, op::gt>) return c > 0;
    else return c >= 0;
}

template <class X, class Y>
using arith_t = std::conditional_t<std::is_floating_point_v<X> || std::is_floating_point_v<Y>, double,
                std::conditional_t<std::is_unsigned_v<X> && std::is_unsigned_v<Y>, std::uint64_t, std::int64_t>>;
} // namespace detail

} // namespace datachain
