// filter(expr): keeps the rows for which a boolean expression holds.
//
//   auto big = dc::read_storage("photos/") | dc::filter(dc::C<"file.size"> > 15000);
//
// Hash: kind "filter" and the expression tree with its normalized constants.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>

#include <string>

namespace datachain {

template <class E>
struct filter_step : step_base<filter_step<E>> {
    E expr;
    static constexpr std::string_view kind = "filter";

    constexpr explicit filter_step(E e) : expr(std::move(e)) {}

    template <class In>
    struct apply {
        static_assert(std::is_same_v<typename E::template typed<In>::type, bool>,
                      "datachain: filter needs a boolean expression (a comparison, a string test, "
                      "or && / || / ! of those)");
        using type = In;
    };

    constexpr void hash_into(hasher& h) const {
        h.tag(kind);
        expr.hash_into(h);
    }
    std::string describe() const { return "filter(" + expr.describe() + ")"; }
};

template <expression E>
constexpr auto filter(E e) {
    return filter_step<E>{std::move(e)};
}

} // namespace datachain
