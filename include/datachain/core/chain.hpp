// Chains: a source followed by steps, composed with operator|.
//
//   constexpr auto big = dc::filter(dc::C<"file.size"> > 15000);      // a fragment: no source yet
//   constexpr auto p   = dc::read_storage("photos/") | big | dc::save("big");
//   static_assert(p.hash() == dc::hash128{...});                       // compile-time structural hash
//
// The structural hash is a running hash: chain_seed(source declaration), then
// chain_step(previous, step hash) for every step in order, so adding, removing
// or reordering steps changes it. The data a source reads (a directory
// listing, a dataset version) is folded in at run time by the executor; see
// the runner (datachain/runtime/runner.hpp).
//
// The schema of every step is computed, and checked, as soon as a chain has a
// source: a wrong pipeline does not compile.
#pragma once

#include <datachain/core/diagnostic.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

DATACHAIN_DEFINE_COMPILE_ERROR(step_after_save,
    "save(...) must be the last step of a chain: nothing can follow it (the step after it is named above); "
    "start a new chain from the saved dataset with read_dataset")

namespace datachain {

struct run_options;  // datachain/runtime/runner.hpp
class session;       // datachain/runtime/session.hpp

// Marks source declarations (read_storage, read_values, read_dataset).
template <class T>
concept source_decl = requires { typename std::remove_cvref_t<T>::datachain_source_tag; };

// Marks step types (filter, map, ..., save).
template <class T>
concept step_decl = requires { typename std::remove_cvref_t<T>::datachain_step_tag; };

// The source of a fragment (steps without a source yet).
struct no_source {
    constexpr hash128 decl_hash() const noexcept { return {}; }
    std::string describe() const { return "(no source)"; }
};

// Hash of one step's canonical encoding.
template <step_decl S>
constexpr hash128 step_hash(const S& s) {
    hasher h;
    s.hash_into(h);
    return h.finish();
}

namespace detail {
// The kind of the first step ("map", ...), for messages.
template <class... Steps> struct kind_text { static constexpr fixed_string<0> value{}; };
template <class S, class... Rest>
struct kind_text<S, Rest...> {
    static constexpr auto value = [] {
        fixed_string<S::kind.size()> t;
        for (std::size_t i = 0; i < S::kind.size(); ++i) t.data[i] = S::kind[i];
        return t;
    }();
};
template <class In, class... Steps> struct fold_schema { using type = In; };
template <class In, class S, class... Rest>
struct fold_schema<In, S, Rest...> {
    DATACHAIN_COMPILE_CHECK(!S::terminal || sizeof...(Rest) == 0, step_after_save,
                            DATACHAIN_ERROR_TEXT(kind_text<Rest...>::value));
    using type = typename fold_schema<typename S::template apply<In>::type, Rest...>::type;
};
template <class Src, class... Steps> struct chain_schema {
    using type = typename fold_schema<typename Src::schema, Steps...>::type;
};
template <class... Steps> struct chain_schema<no_source, Steps...> { using type = void; };
} // namespace detail

template <class Src, class... Steps>
struct chain;

namespace detail {
// Building a chain with a source instantiates its schema: every step's
// compile-time checks run here.
template <class Src, class... Steps>
constexpr chain<Src, Steps...> make_chain(Src src, std::tuple<Steps...> steps) {
    if constexpr (!std::is_same_v<Src, no_source>) {
        using checked = typename chain_schema<Src, Steps...>::type;   // runs every step's checks
        (void)std::type_identity<checked>{};
    }
    return chain<Src, Steps...>{std::move(src), std::move(steps)};
}
} // namespace detail

template <class Src, class... Steps>
struct chain {
    Src source;
    std::tuple<Steps...> steps;

    static constexpr bool has_source = !std::is_same_v<Src, no_source>;
    static constexpr std::size_t step_count = sizeof...(Steps);
    // The columns after the last step (void for fragments).
    using schema = typename detail::chain_schema<Src, Steps...>::type;
    using source_type = Src;

    // The structural hash (compile-time when all parameters are constants).
    constexpr hash128 hash() const {
        hash128 h = chain_seed(source.decl_hash());
        std::apply([&](const auto&... s) { ((h = chain_step(h, step_hash(s))), ...); }, steps);
        return h;
    }

    // One line per step, for explanations and logs.
    std::vector<std::string> describe() const {
        std::vector<std::string> out{source.describe()};
        std::apply([&](const auto&... s) { (out.push_back(s.describe()), ...); }, steps);
        return out;
    }

    // Runs the chain (it must end with save) on the default session or on
    // `s`: see datachain/runtime/executor.hpp, which must be included (the
    // umbrella header does). Options may be braced: run(s, {.parallel = 2}).
    template <class R = run_options>
    auto run(const R& options = R{}) const {
        return datachain_run_chain(*this, options);
    }
    template <class S = session, class R = run_options>
        requires(!std::is_same_v<std::remove_cv_t<S>, run_options>)
    auto run(S& s, const R& options = R{}) const {
        return datachain_run_chain(*this, s, options);
    }
    // Runs the chain and returns its rows without saving.
    template <class R = run_options>
    auto collect(const R& options = R{}) const {
        return datachain_collect_chain(*this, options);
    }
    template <class S = session, class R = run_options>
        requires(!std::is_same_v<std::remove_cv_t<S>, run_options>)
    auto collect(S& s, const R& options = R{}) const {
        return datachain_collect_chain(*this, s, options);
    }

    // chain | step
    template <step_decl S>
    friend constexpr auto operator|(chain c, S s) {
        return detail::make_chain(std::move(c.source),
                                  std::tuple_cat(std::move(c.steps), std::tuple<S>{std::move(s)}));
    }
    // chain | fragment
    template <class... More>
    friend constexpr auto operator|(chain c, chain<no_source, More...> f) {
        return detail::make_chain(std::move(c.source), std::tuple_cat(std::move(c.steps), std::move(f.steps)));
    }
    // source | fragment
    template <source_decl S>
        requires(!has_source)
    friend constexpr auto operator|(S s, chain f) {
        return detail::make_chain(std::move(s), std::move(f.steps));
    }
};

// Base of every step: the operator| overloads that start chains, as hidden
// friends so they are found only for datachain steps.
template <class D>
struct step_base {
    using datachain_step_tag = void;
    static constexpr bool terminal = false;

    // source | step
    template <source_decl S>
    friend constexpr auto operator|(S s, D d) {
        return detail::make_chain(std::move(s), std::tuple<D>{std::move(d)});
    }
    // step | step: a fragment without a source
    template <step_decl L>
        requires(!std::is_same_v<L, no_source>)
    friend constexpr auto operator|(L l, D d) {
        return chain<no_source, L, D>{no_source{}, std::tuple<L, D>{std::move(l), std::move(d)}};
    }
};

// A fragment of one step, for composing with `chain | fragment`.
template <step_decl S>
constexpr auto fragment(S s) {
    return chain<no_source, S>{no_source{}, std::tuple<S>{std::move(s)}};
}

// The hash of anything that has one (chains, steps).
template <class T>
constexpr hash128 hash_of(const T& x) {
    if constexpr (step_decl<T>) return step_hash(x);
    else return x.hash();
}

} // namespace datachain
