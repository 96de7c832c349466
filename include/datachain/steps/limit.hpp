// limit(n): keeps the first n rows.
//
//   src | dc::order_by(dc::C<"file.size">.desc()) | dc::limit(10)
//
// Hash: kind "limit" and n as uint64.
#pragma once

#include <datachain/core/chain.hpp>

#include <cstdint>
#include <string>

namespace datachain {

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
};

constexpr limit_step limit(std::uint64_t n) { return limit_step{n}; }

} // namespace datachain
