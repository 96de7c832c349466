// fixed_string: a compile-time string usable as a non-type template argument.
//
//   template <datachain::fixed_string Name> struct column_ref {};
//   column_ref<"file.size"> c;   // Name.view() == "file.size"
//
// Kept lean on purpose (plain `char`, zero-filled, no allocator): every column
// name and step name travels through template arguments, and a heavy class
// type there makes symbol names and compile times grow.
#pragma once

#include <cstddef>
#include <string_view>

namespace datachain {

template <std::size_t N>
struct fixed_string {
    char data[N + 1]{};

    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&s)[N + 1]) noexcept {
        for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
    }

    static constexpr std::size_t size() noexcept { return N; }
    constexpr std::string_view view() const noexcept { return {data, N}; }
    constexpr operator std::string_view() const noexcept { return view(); }

    template <std::size_t M>
    constexpr bool operator==(const fixed_string<M>& o) const noexcept {
        return view() == o.view();
    }
};

template <std::size_t N>
fixed_string(const char (&)[N]) -> fixed_string<N - 1>;

} // namespace datachain
