// select<paths...>: keeps only the named columns (or members), in that order.
//
// ```cpp
// auto two = src | dc::map<"result">(process) | dc::select<"file.path", "result">;   // columns "file.path", "result"
// ```
//
// A nested path becomes a column named by the whole path.
// Hash: kind "select" and the paths.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/runtime/stream.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace datachain {

namespace detail::exec {
// Each output column is copied out of the input row, except when one column
// is selected: then it is moved (a row is never moved from twice).
template <class In, class Out, fixed_string... P>
struct select_stream final : stream<Out> {
    stream_ptr<In> up;
    std::vector<row_tuple<In>> buf;
    explicit select_stream(stream_ptr<In> u) : up(std::move(u)) { this->size_hint = up->size_hint; }
    bool next(std::vector<row_tuple<Out>>& out, std::size_t n) override {
        out.clear();
        if (!up->next(buf, n)) return false;
        for (auto& r : buf) {
            if constexpr (sizeof...(P) == 1) out.push_back(row_tuple<Out>{lookup<In, P>::get(std::move(r))...});
            else out.push_back(row_tuple<Out>{lookup<In, P>::get(std::as_const(r))...});
        }
        return true;
    }
};
} // namespace detail::exec

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

    template <class In, class Up, class Ctx>
    friend auto make_stage(const select_step&, std::type_identity<In>, Up&& up, Ctx&) {
        using Out = typename apply<In>::type;
        return detail::exec::built<Out>{std::make_unique<detail::exec::select_stream<In, Out, P...>>(up().rows)};
    }
};

template <fixed_string... P>
inline constexpr select_step<P...> select{};

} // namespace datachain
