// The runner: runs a chain against a session, executing the checkpoint
// decisions of decide.hpp.
//
// ```cpp
// auto steps = dc::filter(dc::C<"file.size"> > 100) | dc::map<"result">(process);
// auto ds = dc::run(src | steps | dc::save("name"), s);      // or (...).run(s)
// auto rows = dc::collect(src | steps, s);                   // or (...).collect(s)
// ```
//
// Phases of one run:
//  1. Source: prepare_source (found by ADL) lists the directory / resolves
//     the dataset version / takes the values' content hash.
//  2. Chain hashes: h[0] = chain_seed(source), h[i] = chain_step(h[i-1],
//     step i). They equal the compile-time structural hash except for the
//     source data (and a per-process nonce after an unhashable UDF).
//  3. save: decide_save over the save checkpoints of the ancestry: skip
//     (nothing runs) or compute.
//  4. Computing: each step's stage is built by make_stage (found by ADL next
//     to the step), which pulls from the stage before it. A UDF stage decides
//     for itself (decide_udf). The step before save may hand save the table
//     it owns; save adopts it (outputs are written once) or writes its own.
// Every decision is recorded as an event and reported through the journal.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/error.hpp>
#include <datachain/runtime/dataset.hpp>
#include <datachain/runtime/decide.hpp>
#include <datachain/runtime/dynamic_schema.hpp>
#include <datachain/runtime/listing_record.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/sources.hpp>
#include <datachain/runtime/stream.hpp>
#include <datachain/runtime/table_checks.hpp>
#include <datachain/runtime/udf_stage.hpp>
#include <datachain/steps/save.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace datachain {

// Per-run options; unset fields take the session's settings.
struct run_options {
    std::optional<unsigned> parallel = {};
    std::optional<bool> ignore_checkpoints = {};
    std::optional<bool> checkpoints = {};
    std::optional<std::size_t> batch_size = {};
};

namespace detail::exec {

template <class In, std::size_t I, class... Steps>
struct apply_n {
    using type = In;
};
template <class In, std::size_t I, class S, class... R>
    requires(I > 0)
struct apply_n<In, I, S, R...> {
    using type = typename apply_n<typename S::template apply<In>::type, I - 1, R...>::type;
};

template <class In, std::size_t I, class Tuple> struct apply_tuple;
template <class In, std::size_t I, class... St>
struct apply_tuple<In, I, std::tuple<St...>> {
    using type = typename apply_n<In, I, St...>::type;
};

template <class Chain>
class runner {
public:
    using Src = typename Chain::source_type;
    static constexpr std::size_t N = Chain::step_count;
    using steps_tuple = decltype(std::declval<Chain>().steps);

    template <std::size_t I>
    using schema_at = typename apply_tuple<typename Src::schema, I, steps_tuple>::type;

    runner(const Chain& c, session& s, const run_options& o) : c_(c), a_{s} {
        const auto& cfg = a_.config();
        threads_ = settings::checked_parallel(o.parallel.value_or(cfg.parallel),
                                             o.parallel ? "run_options::parallel" : "settings::parallel");
        checkpoints_ = o.checkpoints.value_or(cfg.checkpoints);
        resume_ = checkpoints_ && !o.ignore_checkpoints.value_or(cfg.ignore_checkpoints);
        batch_ = std::max<std::size_t>(1, o.batch_size.value_or(cfg.batch_size));
    }

    // Runs `f`; any error marks the job failed with its message (a UDF's
    // failure has done so already) and goes on to the caller.
    template <class F>
    auto guarded(F&& f) {
        try {
            return f();
        } catch (const udf_error&) {
            throw;
        } catch (const error& e) {
            // Damage met while computing (a source that failed its content
            // check at the end of the read, a damaged table): what this run
            // wrote may come from it, so no later run continues or reuses it.
            if (e.kind() == error_kind::store_corrupt) discard_written();
            a_.fail(e.what());
            throw;
        } catch (const std::exception& e) {
            a_.fail(e.what());
            throw;
        }
    }

    // save-terminated chains
    auto run_save() {
        return guarded([&] {
            prepare();
            return save();
        });
    }

    auto run_collect() {
        return guarded([&] {
            prepare();
            using S = schema_at<N>;
            std::vector<row<S>> out;
            auto st = build<N>(false).rows;
            std::vector<row_tuple<S>> buf;
            while (st->next(buf, batch_))
                for (auto& r : buf) out.push_back(row<S>{std::move(r)});
            if (src_.finish) src_.finish();
            return out;
        });
    }

private:
    void prepare() {
        src_ = prepare_source(a_, c_.source);
        h_[0] = chain_seed(src_.hash);
        step_h_[0] = src_.hash;
        desc_[0] = c_.source.describe();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (hash_step<I>(), ...);
        }(std::make_index_sequence<N>{});
    }

    template <std::size_t I>
    void hash_step() {
        const auto& st = std::get<I>(c_.steps);
        hash128 sh = step_hash(st);
        if constexpr (requires { st.udf.id; }) {
            if (!st.udf.id.hashable()) {
                sh = combine("unhashable", sh, session::process_nonce());
                a_.log().warning(st.describe() +
                                 " uses a UDF without a stable identity (a plain lambda, function pointer or "
                                 "std::function): it is recomputed on every run; wrap it in DC_UDF(...), DC_DEF(...) "
                                 "or dc::versioned(...)");
            }
        }
        step_h_[I + 1] = sh;
        h_[I + 1] = chain_step(h_[I], sh);
        desc_[I + 1] = st.describe();
    }

    auto save() {
        using S = schema_at<N>;
        const auto& sv = std::get<N - 1>(c_.steps);
        const std::string name(sv.name);
        const hash128 key = h_[N];
        const auto t0 = std::chrono::steady_clock::now();
        const auto d = decide_save(save_state_for(name, key));
        if (d.action == save_action::skip) {
            if (d.from_job != a_.job()) {
                auto cp = catalog::checkpoint(a_.db(), d.from_job, key);
                if (cp) a_.record_checkpoint(key, *cp);
            }
            record_chain(name);
            a_.log().save_skipped(sv.describe(), *d.version, key, d.from_job);
            return dataset<S>{a_.s.shared_store(), *d.version};
        }
        why_ = d.why;
        record_chain(name);  // now, so that a run after a failure can explain itself
        a_.log().save_computing(name, d.why);
        auto b = build<N - 1>(true);
        std::uint64_t table = 0, rows = 0;
        std::vector<row_tuple<schema_at<N - 1>>> buf;
        hash128 digest;
        if (b.table) {
            while (b.rows->next(buf, batch_)) {
            }
            table = b.table->id;
            rows = b.table->rows();
            // The digest the stage took while writing its rows (after those
            // a resumed step stored before, read once: udf_stage.hpp), or
            // the adopted table read back once: its digest, and a check
            // that it holds exactly the rows the stage reports.
            std::uint64_t n = rows;
            hash128 d;
            if (!(b.table->digest && b.table->digest(d.hi, d.lo))) {
                progress shown(a_.config(), "saving \"" + name + "\"", rows, 0, progress_kind::saving);
                std::tie(n, d) = table_digest(a_.db(), table);
                shown.add(n);
                shown.finish();
            }
            if (n != rows) {
                // Discarded, so the rerun computes the step anew instead of
                // skipping to or continuing the same table.
                discard_table(a_.db(), table);
                throw error(error_kind::store_corrupt,
                            "datachain: save \"" + name + "\": the outputs table " + std::to_string(table) +
                                " in the store at " + detail::quoted_value(a_.db().location()) + " holds " +
                                std::to_string(n) + " rows, the step wrote " + std::to_string(rows) +
                                ". It is discarded: run again to compute the step anew");
            }
            check_table(name, table, n, d);
            digest = d;
        } else {
            table = a_.new_table();
            std::string v, k;
            row_digest dg;
            progress shown(a_.config(), "saving \"" + name + "\"", std::nullopt, 0, progress_kind::saving);
            while (b.rows->next(buf, batch_)) {
                shown.add(buf.size());
                auto w = a_.db().batch();
                for (auto& r : buf) {
                    v.clear();
                    encode(v, r);
                    k = rec::row_key(table, rows++, 0);
                    dg.add(k, v);
                    w->put(k, v);
                }
                a_.db().write(*w);
            }
            shown.finish();
            digest = dg.finish();
        }
        if (src_.finish) src_.finish();  // the source was sound, also where a limit stopped reading it
        if (checkpoints_ && !detail::recorded_table_content(a_.db(), table))
            detail::record_table_content(a_.db(), table, rows, digest);  // checked when reused (table_checks.hpp)
        auto ds = a_.new_version(name, table, rows, S::signature(), schema_text<S>(), key, digest,
                                pack_version_schema<S>());
        if (checkpoints_) {
            checkpoint_record r{};
            r.kind = static_cast<std::uint8_t>(checkpoint_kind::save);
            r.step = sv.describe();
            r.dataset = ds.name;
            r.version = ds.version;
            r.rows = rows;
            a_.record_checkpoint(key, r);
        }
        a_.log().save_completed(sv.describe(), ds, key,
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), d.why);
        return dataset<S>{a_.s.shared_store(), ds};
    }

    // A table save reads back (a skipped step's) is checked against what
    // was recorded when it was saved (table_checks.hpp).
    void check_table(const std::string& name, std::uint64_t table, std::uint64_t rows, const hash128& digest) {
        detail::check_reused_table(a_.db(), "save \"" + name + "\"", table, rows, digest);
    }

    // After damage: this run's UDF tables are never continued or reused.
    void discard_written() noexcept {
        if (detail::discard_tables(a_.db(), written_))
            a_.log().warning("the outputs computed by this run are discarded (damaged data was read while "
                             "computing them): the next run computes its steps anew");
        written_.clear();
    }

    save_state save_state_for(const std::string& name, const hash128& key) const {
        save_state st;
        st.checkpoints = checkpoints_;
        st.resume = resume_;
        st.name = name;
        st.current = current_chain();
        if (!resume_) return st;
        for (auto job : catalog::ancestry(a_.db(), a_.job(), a_.config().max_depth)) {
            auto cp = catalog::checkpoint(a_.db(), job, key);
            if (!cp || cp->kind != static_cast<std::uint8_t>(checkpoint_kind::save)) continue;
            std::optional<dataset_record> v;
            try {
                v = detail::find_version(a_.db(), cp->dataset, cp->version);
            } catch (const error& e) {
                if (e.kind() != error_kind::invalid_name) throw;
            }
            st.seen.push_back({job, *cp, std::move(v)});
        }
        st.previous = catalog::previous_chain(a_.db(), a_.job(), name, a_.config().max_depth);
        if (st.previous)
            if (auto j = catalog::job(a_.db(), st.previous->first)) st.previous_status = j->state();
        if (st.previous && src_.listing)
            if (auto old = detail::chain_source_hash(st.previous->second); old && *old != src_.hash)
                if (auto before = detail::read_listing(a_.db(), *old))  // this run's is not recorded yet
                    st.source_files =
                        detail::describe_listing_change(*before, detail::entries_of(src_.listing->files)).value_or("");
        return st;
    }

    chain_record current_chain() const {
        chain_record c;
        for (std::size_t i = 0; i <= N; ++i) {
            c.steps.push_back(desc_[i]);
            c.hashes.push_back(step_h_[i].hi);
            c.hashes.push_back(step_h_[i].lo);
        }
        c.source_data = src_.summary;
        c.source_count = src_.count;
        return c;
    }

    void record_chain(const std::string& name) {
        if (!checkpoints_) return;
        a_.record_chain(name, current_chain());
        if (src_.listing) detail::record_listing(a_.db(), src_.hash, src_.listing->files);
    }

    // Builds the stages up to and including step I (I = 0: the source).
    // `for_save`: step I is followed by save, which adopts its table.
    template <std::size_t I>
    built<schema_at<I>> build(bool for_save) {
        if constexpr (I == 0) {
            return {open_source(a_, c_.source, src_)};
        } else {
            using In = schema_at<I - 1>;
            const auto& st = std::get<I - 1>(c_.steps);
            step_context ctx{a_, threads_, batch_, checkpoints_, resume_, for_save, h_[I - 1], h_[I], why_};
            ctx.written = &written_;
            ctx.check_kept_inputs = src_.ds.has_value();
            return make_stage(st, std::type_identity<In>{}, [&] { return build<I - 1>(false); }, ctx);
        }
    }

    const Chain& c_;
    session_access a_;
    unsigned threads_ = 1;
    bool checkpoints_ = true, resume_ = true;
    std::size_t batch_ = 2000;
    source_state src_;
    std::array<hash128, N + 1> h_{};
    std::array<hash128, N + 1> step_h_{};
    std::array<std::string, N + 1> desc_{};
    reason why_;
    std::vector<std::uint64_t> written_;  // the UDF tables this run writes (udf_stage_base)
};

template <class Chain>
constexpr bool ends_with_save() {
    if constexpr (Chain::step_count == 0) return false;
    else return std::tuple_element_t<Chain::step_count - 1, decltype(std::declval<Chain>().steps)>::terminal;
}

} // namespace detail::exec

// Runs a chain that ends with save(...): returns the dataset version it made
// or reused. Throws udf_error when a UDF throws (outputs so far are kept),
// datachain::error for bad input; either way the job is marked failed with
// the error. Thread-safe: several threads may run pipelines on one session.
template <class Src, class... Steps>
auto run(const chain<Src, Steps...>& c, session& s, const run_options& opt = {}) {
    static_assert(chain<Src, Steps...>::has_source, "datachain: run() needs a chain with a source");
    static_assert(detail::exec::ends_with_save<chain<Src, Steps...>>(),
                  "datachain: run() needs a chain that ends with save(\"name\"); use collect() otherwise");
    detail::exec::runner<chain<Src, Steps...>> r(c, s, opt);
    return r.run_save();
}
template <class Src, class... Steps>
auto run(const chain<Src, Steps...>& c, const run_options& opt = {}) {
    return run(c, default_session(), opt);
}

// Runs a chain without saving and returns its rows.
template <class Src, class... Steps>
auto collect(const chain<Src, Steps...>& c, session& s, const run_options& opt = {}) {
    static_assert(chain<Src, Steps...>::has_source, "datachain: collect() needs a chain with a source");
    static_assert(!detail::exec::ends_with_save<chain<Src, Steps...>>(),
                  "datachain: collect() returns rows without saving, but this chain ends with save(...): "
                  "call run() to save, or drop save(...) to collect");
    if constexpr (detail::exec::ends_with_save<chain<Src, Steps...>>()) {
        return std::vector<row<typename chain<Src, Steps...>::schema>>{};  // no cascade after the assertion
    } else {
        detail::exec::runner<chain<Src, Steps...>> r(c, s, opt);
        return r.run_collect();
    }
}
template <class Src, class... Steps>
auto collect(const chain<Src, Steps...>& c, const run_options& opt = {}) {
    return collect(c, default_session(), opt);
}

// ADL hooks behind chain::run() and chain::collect().
template <class Src, class... Steps, class... A>
auto datachain_run_chain(const chain<Src, Steps...>& c, A&&... a) {
    return run(c, std::forward<A>(a)...);
}
template <class Src, class... Steps, class... A>
auto datachain_collect_chain(const chain<Src, Steps...>& c, A&&... a) {
    return collect(c, std::forward<A>(a)...);
}

// A source alone is a chain of no steps.
template <source_decl Src>
auto collect(const Src& src, session& s = default_session(), const run_options& opt = {}) {
    return collect(chain<Src>{src, {}}, s, opt);
}

} // namespace datachain
