// Definitions for settings.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain {

DATACHAIN_INLINE settings settings::from_env() {
    settings s;
    auto env = [](const char* n) -> std::optional<std::string> {
        if (const char* v = std::getenv(n)) return std::string(v);
        return std::nullopt;
    };
    if (auto v = env("DATACHAIN_ROOT")) {
        // Set but empty: a slip (DATACHAIN_ROOT=$UNSET_VAR), never the default store.
        if (v->empty())
            throw error(error_kind::usage, "datachain: DATACHAIN_ROOT is set but empty; give the store's directory "
                                           "(e.g. DATACHAIN_ROOT=.datachain) or unset it for the default "
                                           "./.datachain");
        s.root = *v;
    }
    if (auto v = env("DATACHAIN_JOB_NAME"); v && !v->empty()) s.job_name = *v;
    s.ignore_checkpoints = env_switch("DATACHAIN_IGNORE_CHECKPOINTS").value_or(false);
    s.checkpoints = env_switch("DATACHAIN_CHECKPOINTS").value_or(true);
    // A variable that is set but empty is an error, not the default (more
    // likely a slip than a wish for the default), for DATACHAIN_ROOT (above)
    // and the numeric settings: DATACHAIN_PARALLEL, DATACHAIN_PROGRESS_EVERY,
    // DATACHAIN_SPILL_BYTES.
    if (auto v = env("DATACHAIN_PARALLEL")) {
        char* end = nullptr;
        errno = 0;
        long n = std::strtol(v->c_str(), &end, 10);
        if (errno != 0 || *end != '\0' || n < 1 || n > static_cast<long>(max_parallel))
            throw error(error_kind::usage, "datachain: DATACHAIN_PARALLEL=" + detail::quoted_value(*v) +
                                               " is not a number of threads; use 1 to " +
                                               std::to_string(max_parallel) + " (or unset it)");
        s.parallel = static_cast<unsigned>(n);
    }
    if (auto v = env_switch("DATACHAIN_PROGRESS")) s.progress = *v;
    if (auto v = env("DATACHAIN_PROGRESS_EVERY")) s.progress_every = progress_interval(*v);
    if (env_switch("DATACHAIN_QUIET").value_or(false)) s.report = s.progress = false;
    if (auto v = env("DATACHAIN_SPILL_BYTES")) s.spill_bytes = byte_size(*v, "DATACHAIN_SPILL_BYTES");
    return s;
}

DATACHAIN_INLINE std::optional<bool> settings::env_switch(const char* name) {
    const char* raw = std::getenv(name);
    if (!raw) return std::nullopt;
    std::string v(raw);
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
    if (v == "0" || v == "false" || v == "no" || v == "off") return false;
    throw error(error_kind::usage, std::string("datachain: ") + name + "=" + detail::quoted_value(raw) +
                                       " is not a switch; use 1 (or true, yes, on) or 0 (or false, no, off), "
                                       "or unset it");
}

DATACHAIN_INLINE std::chrono::milliseconds settings::progress_interval(const std::string& v) {
    std::size_t i = 0;
    long long n = 0;
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9' && n < 100000000; ++i) n = n * 10 + (v[i] - '0');
    const std::string unit = v.substr(i);
    const long long ms = unit == "ms" ? 1 : unit.empty() || unit == "s" ? 1000 : unit == "m" ? 60000 : -1;
    if (i == 0 || ms < 0 || n >= 100000000)
        throw error(error_kind::usage, "datachain: DATACHAIN_PROGRESS_EVERY=" + detail::quoted_value(v) +
                                           " is not an interval; write seconds (10), or 500ms, 30s, 2m; "
                                           "0 turns the periodic progress lines off (or unset it for the "
                                           "default)");
    return std::chrono::milliseconds(n * ms);
}

DATACHAIN_INLINE std::size_t settings::byte_size(const std::string& v, const char* variable) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    bool over = false;
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
        const auto d = static_cast<std::uint64_t>(v[i] - '0');
        over = over || n > (UINT64_MAX - d) / 10;
        if (!over) n = n * 10 + d;
    }
    const std::string unit = v.substr(i);
    int shift = unit.empty() ? 0 : -1;
    for (int k = 0; k < 4; ++k)
        if (unit == std::string(1, "KMGT"[k]) || unit == std::string(1, "KMGT"[k]) + "iB") shift = 10 * (k + 1);
    if (i == 0 || shift < 0)
        throw error(error_kind::usage, std::string("datachain: ") + variable + "=" + detail::quoted_value(v) +
                                           " is not a size; write a byte count (268435456) or a number with K, "
                                           "M, G or T, powers of 1024 (512K, 64M, 1G; also 64MiB), or unset it "
                                           "for the default");
    if (over || n > (std::uint64_t{SIZE_MAX} >> shift))
        throw error(error_kind::usage, std::string("datachain: ") + variable + "=" + detail::quoted_value(v) +
                                           " is too large: at most " + std::to_string(SIZE_MAX) +
                                           " bytes (" + std::to_string(SIZE_MAX >> 40) +
                                           "T); write a smaller size (512K, 64M, 1G), or unset it for the default");
    return static_cast<std::size_t>(n << shift);
}

} // namespace datachain
