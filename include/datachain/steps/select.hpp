// select<paths...>: keeps only the named columns (or members), in that order.
//
//   src | dc::select<"file.path", "result">     // columns "file.path", "result"
//
// A nested path becomes a column named by the whole path.
// Hash: kind "select" and the paths.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/schema.hpp>

#include <string>

namespace datachain {

template <fixed_string... P>
struct select_step : step_base<select_step<P...>> {
    static_assert(sizeof...(P) > 0, "datachain: select needs at least one column");
    static constexpr std::string_view kind = "select";

    template <class In>
    struct apply {
        static constexpr bool distinct() {
            std::string_view names[] = {P.view()...};
            for (std::size_t i = 0; i < sizeof...(P); ++i)
                for (std::size_t j = i + 1; j < sizeof...(P); ++j)
                    if (names[i] == names[j]) return false;
            return true;
        }
        static_assert(distinct(), "datachain: duplicate output column: select<...> names a column twice");
        using type = schema<column<P, column_type_t<In, P>>...>;
    };

    constexpr void hash_into(hasher& h) const {
        h.tag(kind).u32(sizeof...(P));
        (h.str(P.view()), ...);
    }
    std::string describe() const {
        std::string s = "select(";
        ((s += std::string(P.view()) + ", "), ...);
        s.resize(s.size() - 2);
        return s + ")";
    }
};

template <fixed_string... P>
inline constexpr select_step<P...> select{};

} // namespace datachain
