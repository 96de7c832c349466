// Shared by the runtime tests of every step (steps.cpp, steps_map_gen.cpp,
// steps_agg.cpp): the UDFs they run and the collect-and-save check. The
// tests are in three files, one executable, so that no translation unit needs
// more than a fraction of the time and memory of the former single steps.cpp.
#pragma once

#include "support.hpp"

namespace rt_steps {

struct Stats {
    BOOST_HANA_DEFINE_STRUCT(Stats, (std::int64_t, count), (double, mean));
};

DC_DEF(rt_square, (std::int64_t n) -> std::int64_t { return n * n; });
DC_DEF(rt_divmod, (std::int64_t n) -> std::tuple<std::int64_t, std::int64_t> { return {n / 3, n % 3}; });
DC_DEF(rt_label, (std::int64_t n, const std::string& s) -> std::string { return s + "#" + std::to_string(n); });
DC_DEF(rt_weighted, (std::int64_t a, std::int64_t b) -> double { return static_cast<double>(a) * 10 + b; });
DC_DEF(rt_repeat, (std::int64_t n) -> std::vector<std::int64_t> { return std::vector<std::int64_t>(n % 4, n); });
DC_DEF(rt_repeat_gen, (std::int64_t n) -> dc::generator<std::int64_t> {
    for (std::int64_t i = 0; i < n % 4; ++i) co_yield n * 100 + i;
});
DC_DEF(rt_pairs, (std::int64_t n) -> std::vector<std::tuple<std::int64_t, std::string>> {
    if (n % 2) return {};
    return {{n, "a"}, {n, "b"}};
});
DC_DEF(rt_sum, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    std::int64_t s = 0;
    for (auto x : v) s += x;
    return {s};
});
DC_DEF(rt_stats, (const std::vector<std::int64_t>& v) -> std::vector<Stats> {
    double s = 0;
    for (auto x : v) s += static_cast<double>(x);
    return {Stats{static_cast<std::int64_t>(v.size()), v.empty() ? 0.0 : s / static_cast<double>(v.size())}};
});
DC_DEF(rt_first_two, (const std::vector<std::string>& names, const std::vector<std::int64_t>& ns)
           -> std::vector<std::tuple<std::string, std::int64_t>> {
    std::vector<std::tuple<std::string, std::int64_t>> out;
    for (std::size_t i = 0; i < names.size() && i < 2; ++i) out.emplace_back(names[i], ns[i]);
    return out;
});
DC_DEF(rt_mod3, (std::int64_t n) -> std::int64_t { return n % 3; });
DC_DEF(rt_plus1, (std::int64_t n) -> std::int64_t { return n + 1; });

using I64 = std::vector<std::int64_t>;

inline auto names10() {
    std::vector<std::string> s;
    for (int i = 0; i < 10; ++i) s.push_back(std::string(1, static_cast<char>('a' + i)));
    return s;
}

// Runs `chain | save(name)` and `collect(chain)`: both must give `expect`.
template <class Chain, class Rows>
void collect_and_save(const Chain& chain, dc::session& s, const std::string& name, const Rows& expect) {
    auto got = dc::collect(chain, s);
    CHECK(got == expect);
    auto ds = (chain | dc::save(name)).run(s);
    CHECK(ds.to_vector() == expect);
    CHECK(ds.size() == expect.size());
}

} // namespace rt_steps
