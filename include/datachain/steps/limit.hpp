// limit(n): keeps the first n rows.
//
// ```cpp
// auto top = src | dc::order_by(dc::C<"file.size">.desc()) | dc::limit(10);
// ```
//
// Hash: kind "limit" and n as uint64.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/runtime/stream.hpp>

#include <cstdint>
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace datachain {

namespace detail::exec {
template <class S>
struct limit_stream final : stream<S> {
    stream_ptr<S> up;
    std::uint64_t left;
    limit_stream(stream_ptr<S> u, std::uint64_t n) : up(std::move(u)), left(n) {
        if (up->size_hint) this->size_hint = std::min(*up->size_hint, n);
    }
    bool next(std::vector<row_tuple<S>>& out, std::size_t n) override {
        out.clear();
        if (left == 0) return false;
        if (!up->next(out, static_cast<std::size_t>(std::min<std::uint64_t>(n, left)))) return false;
        if (out.size() > left) out.resize(static_cast<std::size_t>(left));
        left -= out.size();
        return true;
    }
};
} // namespace detail::exec

struct limit_step : step_base<limit_step> {
    std::uint64_t n;
    static constexpr std::string_view kind = "limit";

    constexpr explicit limit_step(std::uint64_t count) : n(count) {}

    template <class In>
    struct apply {
        using type = In;
    };
    constexpr void hash_into(hasher& h) const { h.tag(kind).u64(n); }
    std::string describe() const { return "limit(" + std::to_string(n) + ")"; }

    template <class In, class Up, class Ctx>
    friend detail::exec::built<In> make_stage(const limit_step& st, std::type_identity<In>, Up&& up, Ctx&) {
        return {std::make_unique<detail::exec::limit_stream<In>>(up().rows, st.n)};
    }
};

constexpr limit_step limit(std::uint64_t n) { return limit_step{n}; }

} // namespace datachain
