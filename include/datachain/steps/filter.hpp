// filter(expr): keeps the rows for which a boolean expression holds.
//
// ```cpp
// auto big = dc::read_storage("photos/") | dc::filter(dc::C<"file.size"> > 15000);
// ```
//
// Hash: kind "filter" and the expression tree with its normalized constants.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>
#include <datachain/runtime/stream.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

DATACHAIN_DEFINE_COMPILE_ERROR(filter_not_boolean,
    "filter needs a boolean expression (a comparison, a string test, or && / || / ! of those); this one's "
    "type is above")

namespace datachain {

namespace detail::exec {
// Keeps the rows for which the expression is true; fills whole batches, so a
// UDF after the filter writes full batches.
template <class S, class E>
struct filter_stream final : stream<S> {
    stream_ptr<S> up;
    E expr;
    std::vector<row_tuple<S>> buf;
    filter_stream(stream_ptr<S> u, E e) : up(std::move(u)), expr(std::move(e)) {}
    bool next(std::vector<row_tuple<S>>& out, std::size_t n) override {
        out.clear();
        while (out.size() < n) {
            if (!up->next(buf, n - out.size())) break;
            for (auto& r : buf)
                if (expr.template eval<S>(r)) out.push_back(std::move(r));
        }
        return !out.empty();
    }
};
} // namespace detail::exec

template <class E>
struct filter_step : step_base<filter_step<E>> {
    E expr;
    static constexpr std::string_view kind = "filter";

    constexpr explicit filter_step(E e) : expr(std::move(e)) {}

    template <class In>
    struct apply {
        using result = typename E::template typed<In>::type;   // poisoned: already reported
        DATACHAIN_COMPILE_CHECK((is_poisoned_v<result> || std::is_same_v<result, bool>), filter_not_boolean,
                                DATACHAIN_ERROR_TEXT(compile_error::type_text<result>));
        using type = In;
    };

    constexpr void hash_into(hasher& h) const {
        h.tag(kind);
        expr.hash_into(h);
    }
    std::string describe() const { return "filter(" + expr.describe() + ")"; }

    // The stage (found by ADL by the runner): `up()` builds the stage before.
    template <class In, class Up, class Ctx>
    friend detail::exec::built<In> make_stage(const filter_step& st, std::type_identity<In>, Up&& up, Ctx&) {
        return {std::make_unique<detail::exec::filter_stream<In, E>>(up().rows, st.expr)};
    }
};

template <expression E>
constexpr auto filter(E e) {
    return filter_step<E>{std::move(e)};
}

} // namespace datachain
