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
    auto truthy = [](const std::string& v) { return v == "1" || v == "true" || v == "yes" || v == "TRUE" || v == "YES" || v == "on"; };
    auto falsy = [](const std::string& v) { return v == "0" || v == "false" || v == "no" || v == "off" || v == "FALSE" || v == "NO"; };
    if (auto v = env("DATACHAIN_ROOT"); v && !v->empty()) s.root = *v;
    if (auto v = env("DATACHAIN_JOB_NAME"); v && !v->empty()) s.job_name = *v;
    s.ignore_checkpoints = env_switch("DATACHAIN_IGNORE_CHECKPOINTS", truthy);
    s.checkpoints = !env_switch("DATACHAIN_CHECKPOINTS", falsy);
    if (auto v = env("DATACHAIN_PARALLEL"); v && !v->empty()) {
        char* end = nullptr;
        errno = 0;
        long n = std::strtol(v->c_str(), &end, 10);
        if (errno != 0 || *end != '\0' || n < 1 || n > static_cast<long>(max_parallel))
            throw error(error_kind::usage, "datachain: DATACHAIN_PARALLEL='" + *v +
                                               "' is not a number of threads; use 1 to " +
                                               std::to_string(max_parallel) + " (or unset it)");
        s.parallel = static_cast<unsigned>(n);
    }
    if (auto v = env("DATACHAIN_PROGRESS")) s.progress = !falsy(*v);
    if (auto v = env("DATACHAIN_PROGRESS_EVERY"); v && !v->empty()) s.progress_every = progress_interval(*v);
    if (auto v = env("DATACHAIN_QUIET"); v && truthy(*v)) s.report = s.progress = false;
    if (auto v = env("DATACHAIN_SPILL_BYTES"); v && !v->empty()) {
        char* end = nullptr;
        errno = 0;
        unsigned long long n = std::strtoull(v->c_str(), &end, 10);
        if (errno != 0 || *end != '\0' || (*v)[0] == '-')
            throw error(error_kind::usage, "datachain: DATACHAIN_SPILL_BYTES='" + *v +
                                               "' is not a number of bytes (or unset it)");
        s.spill_bytes = static_cast<std::size_t>(n);
    }
    return s;
}

DATACHAIN_INLINE std::chrono::milliseconds settings::progress_interval(const std::string& v) {
    std::size_t i = 0;
    long long n = 0;
    for (; i < v.size() && v[i] >= '0' && v[i] <= '9' && n < 100000000; ++i) n = n * 10 + (v[i] - '0');
    const std::string unit = v.substr(i);
    const long long ms = unit == "ms" ? 1 : unit.empty() || unit == "s" ? 1000 : unit == "m" ? 60000 : -1;
    if (i == 0 || ms < 0 || n >= 100000000)
        throw error(error_kind::usage, "datachain: DATACHAIN_PROGRESS_EVERY='" + v +
                                           "' is not an interval; write seconds (10), or 500ms, 30s, 2m; "
                                           "0 turns the periodic progress lines off");
    return std::chrono::milliseconds(n * ms);
}

} // namespace datachain
