// order_by(keys...): sorts rows by columns, ascending unless `.desc()`.
// The sort is stable: equal keys keep their input order. Numbers sort by
// value (-0.0 equals 0.0; NaN after every number, first when descending),
// strings bytewise. Inputs larger than settings::spill_bytes are sorted
// through a temporary file of sorted runs, so memory stays flat, and a report
// line says so (rows, bytes, runs); the order is the same either way
// (runtime/sort_key.hpp, runtime/external_sort.hpp).
//
// ```cpp
// auto sorted = src | dc::order_by(dc::C<"file.size">.desc(), dc::C<"file.path">);
// ```
//
// Hash: kind "order_by" and each key's path and direction.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>
#include <datachain/runtime/external_sort.hpp>
#include <datachain/runtime/progress.hpp>
#include <datachain/runtime/sort_key.hpp>
#include <datachain/runtime/stream.hpp>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

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

namespace detail::exec {
// Reads its whole input into a sorted_rows (in memory up to
// settings::spill_bytes, past it through a temporary file of sorted runs),
// then streams it. Stable: the sort key ends with the input position.
template <class S, class... K>
struct order_stream final : stream<S> {
    stream_ptr<S> up;
    const settings& cfg;   // for the "sorting" progress
    const journal& log;    // says when the input went through a spill file
    std::string what;      // "order_by(file.size)"
    sorted_rows<row_tuple<S>> sorted;
    bool loaded = false;
    order_stream(stream_ptr<S> u, const settings& c, const journal& j, std::string w, const store& db)
        : up(std::move(u)), cfg(c), log(j), what(std::move(w)), sorted(db.location(), c.spill_bytes) {
        this->size_hint = up->size_hint;
    }

    static void key_of(std::string& k, const row_tuple<S>& r) {
        k.clear();
        (sort_key_append(k, lookup<S, sort_key<K>::path>::get(r), sort_key<K>::desc), ...);
    }
    bool next(std::vector<row_tuple<S>>& out, std::size_t n) override {
        if (!loaded) {
            progress shown(cfg, "sorting " + what, up->size_hint, 0, progress_kind::sorting);
            std::vector<row_tuple<S>> buf;
            std::string k;
            while (up->next(buf, 4096)) {
                for (auto& r : buf) {
                    key_of(k, r);
                    sorted.add(k, std::move(r));
                }
                shown.add(buf.size());
            }
            sorted.finish();
            shown.finish();
            if (sorted.spilled()) log.spilled(what, sorted.size(), sorted.file_bytes(), sorted.runs());
            loaded = true;
        }
        return sorted.next(out, n);
    }
};
} // namespace detail::exec

template <class... K>
struct order_by_step : step_base<order_by_step<K...>> {
    static_assert(sizeof...(K) > 0, "datachain: order_by needs at least one key");
    static constexpr std::string_view kind = "order_by";

    template <class In>
    struct apply {
        // An unknown key was reported by column_type (its type is poisoned).
        static_assert(((is_poisoned_v<column_type_t<In, detail::sort_key<K>::path>> ||
                        detail::category<column_type_t<In, detail::sort_key<K>::path>>() != detail::vcat::none) &&
                       ...),
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

    template <class In, class Up, class Ctx>
    friend detail::exec::built<In> make_stage(const order_by_step& st, std::type_identity<In>, Up&& up, Ctx& c) {
        return {std::make_unique<detail::exec::order_stream<In, K...>>(up().rows, c.a.config(), c.a.log(),
                                                                       st.describe(), c.a.db())};
    }
};

template <class... K>
    requires(requires { detail::sort_key<K>::path; } && ...)
constexpr auto order_by(K...) {
    return order_by_step<K...>{};
}

} // namespace datachain
