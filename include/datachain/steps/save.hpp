// save("name"): the terminal step. Running the chain materializes a new
// version of the dataset "name" (1.0.0, 1.0.1, ...), unless a checkpoint says
// the same chain was saved before and that version still exists.
//
// ```cpp
// auto ds = (dc::read_storage("photos/") | dc::map<"r">(f) | dc::save("results")).run();
// ```
//
// Names: 1 to 200 characters of letters, digits, '_', '-', '.', '/', not
// starting with '.' or '/'. A bad name is a compile error for literals and a
// datachain::error (invalid_name) at run time otherwise.
// Hash: kind "save" and the name: the save key is hash(chain hash, name).
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <concepts>
#include <type_traits>
#include <utility>

namespace datachain {

// True when `n` is a valid dataset name (see above).
constexpr bool valid_dataset_name(std::string_view n) noexcept {
    if (n.empty() || n.size() > 200 || n.front() == '.' || n.front() == '/') return false;
    for (char c : n) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == '/';
        if (!ok) return false;
    }
    return true;
}

inline void check_dataset_name(std::string_view n) {
    if (!valid_dataset_name(n))
        throw error(error_kind::invalid_name,
                    "datachain: invalid dataset name " + detail::quoted_value(n) +
                        ": use 1-200 letters, digits, '_', '-', '.', '/', not starting with '.' or '/'");
}

namespace detail {
struct name_literal {
    std::string_view value;
    template <std::size_t N>
    consteval name_literal(const char (&s)[N]) : value(s, N - 1) {
        if (!valid_dataset_name(value)) invalid_dataset_name_in_save();
    }
    // Not constexpr: calling it in a constant expression stops the build here.
    static void invalid_dataset_name_in_save() {}
};
} // namespace detail

template <class Str>
struct save_step : step_base<save_step<Str>> {
    Str name;
    static constexpr std::string_view kind = "save";
    static constexpr bool terminal = true;

    constexpr explicit save_step(Str n) : name(std::move(n)) {}

    template <class In>
    struct apply {
        using type = In;
    };
    constexpr void hash_into(hasher& h) const { h.tag(kind).str(name); }
    std::string describe() const { return "save(\"" + std::string(name) + "\")"; }
};

// save("literal"): the name is checked at compile time.
constexpr save_step<std::string_view> save(detail::name_literal n) { return save_step<std::string_view>{n.value}; }

// save(std::string): a run-time name, checked here.
template <class S>
    requires std::same_as<std::remove_cvref_t<S>, std::string>
save_step<std::string> save(S&& n) {
    check_dataset_name(n);
    return save_step<std::string>{std::string(std::forward<S>(n))};
}

} // namespace datachain
