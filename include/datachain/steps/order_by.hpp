// order_by(keys...): sorts rows by columns, ascending unless `.desc()`.
// The sort is stable: equal keys keep their input order.
//
//   src | dc::order_by(dc::C<"file.size">.desc(), dc::C<"file.path">)
//
// Hash: kind "order_by" and each key's path and direction.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>

#include <string>

namespace datachain {

namespace detail {
template <class K> struct sort_key;
template <fixed_string P> struct sort_key<col_ref<P>> {
    static constexpr auto path = P;
    static constexpr bool desc = false;
};
template <fixed_string P> struct sort_key<descending<col_ref<P>>> {
    static constexpr auto path = P;
    static constexpr bool desc = true;
};
} // namespace detail

template <class... K>
struct order_by_step : step_base<order_by_step<K...>> {
    static_assert(sizeof...(K) > 0, "datachain: order_by needs at least one key");
    static constexpr std::string_view kind = "order_by";

    template <class In>
    struct apply {
        static_assert(((detail::category<column_type_t<In, detail::sort_key<K>::path>>() !=
                        detail::vcat::none) && ...),
                      "datachain: order_by keys must be scalar columns (numbers, strings, bools)");
        using type = In;
    };

    constexpr void hash_into(hasher& h) const {
        h.tag(kind).u32(sizeof...(K));
        ((h.str(detail::sort_key<K>::path.view()).boolean(detail::sort_key<K>::desc)), ...);
    }
    std::string describe() const {
        std::string s = "order_by(";
        ((s += std::string(detail::sort_key<K>::path.view()) + (detail::sort_key<K>::desc ? " desc" : "") + ", "), ...);
        s.resize(s.size() - 2);
        return s + ")";
    }
};

template <class... K>
    requires(requires { detail::sort_key<K>::path; } && ...)
constexpr auto order_by(K...) {
    return order_by_step<K...>{};
}

} // namespace datachain
