// The executor: runs a chain against a session, with checkpoints.
//
//   dc::dataset<S> ds = dc::run(src | steps | dc::save("name"));      // or pipeline.run()
//   std::vector<dc::row<S>> rows = dc::collect(src | steps);          // or chain.collect()
//
// Phases of one run:
//  1. Source: list the directory / resolve the dataset version / take the
//     values' content hash. The runtime source hash folds that data into the
//     source declaration's hash.
//  2. Runtime chain hashes: h[0] = chain_seed(source), h[i] = chain_step(h[i-1],
//     step i). They equal the compile-time structural hash except for the
//     source data (and a per-process nonce after an unhashable UDF).
//  3. save: key = h[last]. A checkpoint with this key in the current job or
//     an ancestor whose dataset version still exists: nothing runs.
//  4. Otherwise the steps stream rows in batches (settings::batch_size). A UDF
//     step decides on its own: skip (a complete run with the same full hash),
//     continue (a partial run with the same partial hash left by a failed or
//     crashed job), or from scratch. Its outputs go to a table in the store,
//     keyed by input ordinal, and that table is what a following save serves.
//  Every decision is recorded as an event and reported on stderr.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/dataset.hpp>
#include <datachain/runtime/listing.hpp>
#include <datachain/runtime/progress.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/sources/read_dataset.hpp>
#include <datachain/sources/read_storage.hpp>
#include <datachain/sources/read_values.hpp>
#include <datachain/steps/agg.hpp>
#include <datachain/steps/filter.hpp>
#include <datachain/steps/gen.hpp>
#include <datachain/steps/limit.hpp>
#include <datachain/steps/map.hpp>
#include <datachain/steps/order_by.hpp>
#include <datachain/steps/save.hpp>
#include <datachain/steps/select.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
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

template <class S>
using tup = typename S::tuple_type;

// A pull stream of rows of schema S, in batches.
template <class S>
struct stream {
    virtual ~stream() = default;
    // Clears `out` and fills it with up to n rows; false when exhausted.
    virtual bool next(std::vector<tup<S>>& out, std::size_t n) = 0;
    std::optional<std::uint64_t> size_hint;
};
template <class S>
using stream_ptr = std::unique_ptr<stream<S>>;

// A fixed set of worker threads for one UDF step: run(n, stop, f) calls f(i)
// for i in [0, n) on the workers and the calling thread, handing out one
// index at a time, and returns when all are done. Threads start once per
// step, not once per batch. f must not throw. Stops handing out work once
// `stop` is set. Not reentrant: one run() at a time.
class worker_pool {
public:
    explicit worker_pool(unsigned threads) {
        for (unsigned t = 1; t < threads; ++t) workers_.emplace_back([this] { loop(); });
    }
    worker_pool(const worker_pool&) = delete;
    worker_pool& operator=(const worker_pool&) = delete;
    ~worker_pool() {
        {
            std::lock_guard l(m_);
            quit_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
    }

    template <class F>
    void run(std::size_t n, const std::atomic<bool>& stop, F&& f) {
        if (workers_.empty() || n < 2) {
            for (std::size_t i = 0; i < n && !stop.load(std::memory_order_relaxed); ++i) f(i);
            return;
        }
        {
            std::lock_guard l(m_);
            n_ = n;
            next_.store(0, std::memory_order_relaxed);
            stop_ = &stop;
            ctx_ = &f;
            call_ = [](void* c, std::size_t i) { (*static_cast<std::remove_reference_t<F>*>(c))(i); };
            busy_ = static_cast<unsigned>(workers_.size());
            ++generation_;
        }
        wake_.notify_all();
        work();
        std::unique_lock l(m_);
        idle_.wait(l, [&] { return busy_ == 0; });
    }

private:
    void work() {
        for (;;) {
            if (stop_->load(std::memory_order_relaxed)) return;
            std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
            if (i >= n_) return;
            call_(ctx_, i);
        }
    }
    void loop() {
        std::uint64_t seen = 0;
        std::unique_lock l(m_);
        for (;;) {
            wake_.wait(l, [&] { return quit_ || generation_ != seen; });
            if (quit_) return;
            seen = generation_;
            l.unlock();
            work();
            l.lock();
            if (--busy_ == 0) idle_.notify_one();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex m_;
    std::condition_variable wake_, idle_;
    std::uint64_t generation_ = 0;
    unsigned busy_ = 0;
    bool quit_ = false;
    std::size_t n_ = 0;
    std::atomic<std::size_t> next_{0};
    const std::atomic<bool>* stop_ = nullptr;
    void* ctx_ = nullptr;
    void (*call_)(void*, std::size_t) = nullptr;
};

// ---- sources ---------------------------------------------------------------

struct source_state {
    hash128 hash;
    std::string summary;
    std::uint64_t count = 0;
    std::shared_ptr<storage_listing> listing;
    std::optional<dataset_record> ds;
};

using file_schema = schema<column<"file", File>>;

struct storage_stream final : stream<file_schema> {
    std::shared_ptr<storage_listing> l;
    std::size_t i = 0;
    explicit storage_stream(std::shared_ptr<storage_listing> x) : l(std::move(x)) { size_hint = l->files.size(); }
    bool next(std::vector<tup<file_schema>>& out, std::size_t n) override {
        out.clear();
        for (; i < l->files.size() && out.size() < n; ++i) out.emplace_back(l->files[i]);
        return !out.empty();
    }
};

template <class S, class... T>
struct values_stream final : stream<S> {
    std::shared_ptr<const std::tuple<std::vector<T>...>> cols;
    std::size_t rows, i = 0;
    values_stream(std::shared_ptr<const std::tuple<std::vector<T>...>> c, std::size_t r) : cols(std::move(c)), rows(r) {
        this->size_hint = r;
    }
    bool next(std::vector<tup<S>>& out, std::size_t n) override {
        out.clear();
        for (; i < rows && out.size() < n; ++i)
            out.push_back(std::apply([&](const auto&... v) { return tup<S>{v[i]...}; }, *cols));
        return !out.empty();
    }
};

// Rows of a table, in key order (ordinal, then sub-index).
template <class S>
struct table_stream final : stream<S> {
    std::unique_ptr<cursor> c;
    table_stream(store& db, std::uint64_t table, std::optional<std::uint64_t> rows) : c(db.scan(rec::table_prefix(table))) {
        this->size_hint = rows;
    }
    bool next(std::vector<tup<S>>& out, std::size_t n) override {
        out.clear();
        for (; c->valid() && out.size() < n; c->next()) out.push_back(decode<tup<S>>(c->value()));
        return !out.empty();
    }
};

inline std::string bytes_text(std::uint64_t b) {
    char buf[64];
    if (b >= (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(b) / (1 << 20));
    else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(b) / 1024);
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    return buf;
}

template <class Str>
source_state prepare_source(session&, const storage_source<Str>& src) {
    source_state st;
    st.listing = std::make_shared<storage_listing>(list_storage(src.uri));
    hasher h;
    h.tag("source.storage").h(src.decl_hash()).str(st.listing->uri).h(st.listing->fingerprint);
    st.hash = h.finish();
    st.count = st.listing->files.size();
    st.summary = std::to_string(st.count) + " files, " + bytes_text(st.listing->total_bytes);
    return st;
}
template <class S, class... T>
source_state prepare_source(session&, const values_source<S, T...>& src) {
    source_state st;
    st.hash = src.decl_hash();
    st.count = src.rows;
    st.summary = std::to_string(src.rows) + " values";
    return st;
}
template <class S, class Str>
source_state prepare_source(session& s, const dataset_source<S, Str>& src) {
    source_state st;
    auto r = s.find_dataset(std::string_view(src.name), std::string_view(src.version));
    if (!r)
        throw error(error_kind::not_found,
                    "datachain: read_dataset(\"" + std::string(src.name) + "\"" +
                        (std::string_view(src.version).empty() ? std::string{} : ", \"" + std::string(src.version) + "\"") +
                        "): no such dataset version in the store at '" + s.db().location() +
                        "'; save it first or check the name");
    check_schema<S>(*r, "read_dataset");
    hasher h;
    h.tag("source.dataset").h(r->uid());
    st.hash = h.finish();
    st.count = r->rows;
    st.summary = r->name + "@" + r->version + ", " + std::to_string(r->rows) + " rows";
    st.ds = std::move(r);
    return st;
}

template <class Str>
stream_ptr<file_schema> open_source(session&, const storage_source<Str>&, source_state& st) {
    return std::make_unique<storage_stream>(st.listing);
}
template <class S, class... T>
stream_ptr<S> open_source(session&, const values_source<S, T...>& src, source_state&) {
    return std::make_unique<values_stream<S, T...>>(src.columns, src.rows);
}
template <class S, class Str>
stream_ptr<S> open_source(session& s, const dataset_source<S, Str>&, source_state& st) {
    return std::make_unique<table_stream<S>>(s.db(), st.ds->table, st.ds->rows);
}

// ---- simple steps ----------------------------------------------------------

template <class S, class E>
struct filter_stream final : stream<S> {
    stream_ptr<S> up;
    E expr;
    std::vector<tup<S>> buf;
    filter_stream(stream_ptr<S> u, E e) : up(std::move(u)), expr(std::move(e)) {}
    // Fills whole batches (so a UDF after the filter writes full batches).
    bool next(std::vector<tup<S>>& out, std::size_t n) override {
        out.clear();
        while (out.size() < n) {
            if (!up->next(buf, n - out.size())) break;
            for (auto& r : buf)
                if (expr.template eval<S>(r)) out.push_back(std::move(r));
        }
        return !out.empty();
    }
};

template <class In, class Out, fixed_string... P>
struct select_stream final : stream<Out> {
    stream_ptr<In> up;
    std::vector<tup<In>> buf;
    explicit select_stream(stream_ptr<In> u) : up(std::move(u)) { this->size_hint = up->size_hint; }
    bool next(std::vector<tup<Out>>& out, std::size_t n) override {
        out.clear();
        if (!up->next(buf, n)) return false;
        for (auto& r : buf) out.push_back(tup<Out>{lookup<In, P>::get(std::move(r))...});
        return true;
    }
};

template <class S>
struct limit_stream final : stream<S> {
    stream_ptr<S> up;
    std::uint64_t left;
    limit_stream(stream_ptr<S> u, std::uint64_t n) : up(std::move(u)), left(n) {
        if (up->size_hint) this->size_hint = std::min(*up->size_hint, n);
    }
    bool next(std::vector<tup<S>>& out, std::size_t n) override {
        out.clear();
        if (left == 0) return false;
        if (!up->next(out, static_cast<std::size_t>(std::min<std::uint64_t>(n, left)))) return false;
        if (out.size() > left) out.resize(static_cast<std::size_t>(left));
        left -= out.size();
        return true;
    }
};

template <class S, class... K>
struct order_stream final : stream<S> {
    stream_ptr<S> up;
    std::vector<tup<S>> all;
    std::size_t at = 0;
    bool loaded = false;
    explicit order_stream(stream_ptr<S> u) : up(std::move(u)) { this->size_hint = up->size_hint; }

    template <class Key>
    static int cmp1(const tup<S>& a, const tup<S>& b) {
        using L = lookup<S, sort_key<Key>::path>;
        const auto& x = L::get(a);
        const auto& y = L::get(b);
        int c = x < y ? -1 : (y < x ? 1 : 0);
        return sort_key<Key>::desc ? -c : c;
    }
    bool next(std::vector<tup<S>>& out, std::size_t n) override {
        if (!loaded) {
            std::vector<tup<S>> buf;
            while (up->next(buf, 4096))
                for (auto& r : buf) all.push_back(std::move(r));
            std::stable_sort(all.begin(), all.end(), [](const tup<S>& a, const tup<S>& b) {
                int c = 0;
                ((c == 0 ? (c = cmp1<K>(a, b)) : 0), ...);
                return c < 0;
            });
            loaded = true;
        }
        out.clear();
        for (; at < all.size() && out.size() < n; ++at) out.push_back(std::move(all[at]));
        return !out.empty();
    }
};

// ---- UDF steps ---------------------------------------------------------------

// A UDF result as a tuple of output columns: split only when the step names
// several outputs (one name and a tuple result is one tuple column).
template <std::size_t Names, class T>
auto as_tuple(T&& v) {
    if constexpr (Names > 1) return std::forward<T>(v);
    else return std::tuple<std::remove_cvref_t<T>>{std::forward<T>(v)};
}

// The path of the first File column of a row, for error messages.
template <class S>
std::string row_path(const tup<S>& r) {
    std::string p;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((std::is_same_v<std::tuple_element_t<I, tup<S>>, File> && p.empty()
              ? (void)(p = [&]() -> std::string {
                    if constexpr (std::is_same_v<std::tuple_element_t<I, tup<S>>, File>) return std::get<I>(r).path;
                    else return {};
                }())
              : void()),
         ...);
    }(std::make_index_sequence<std::tuple_size_v<tup<S>>>{});
    return p;
}

enum class udf_mode { skip, resume, scratch, direct };

inline const char* mode_text(udf_mode m) {
    switch (m) {
    case udf_mode::skip: return "skipped";
    case udf_mode::resume: return "continued";
    case udf_mode::scratch: return "from scratch";
    case udf_mode::direct: return "computed (checkpoints off)";
    }
    return "";
}

struct udf_plan {
    udf_mode mode = udf_mode::direct;
    std::uint64_t table = 0;     // 0: no table
    std::uint64_t rows = 0;      // rows in a complete table (skip)
    std::uint64_t from_job = 0;  // the job whose outputs are reused / continued
    hash128 pkey, full;
    std::string why;
    bool record = false;         // keep a checkpoint record up to date
};

// Shared by the UDF stages: failure handling, records, progress, the table.
struct udf_common {
    session& s;
    udf_plan plan;
    std::string step;
    unsigned threads;
    std::size_t batch;
    bool emit;
    std::uint64_t* out_rows;      // where to report the table's row count
    std::unique_ptr<progress> prog;
    std::unique_ptr<cursor> rd;   // reads rows stored by an earlier run
    std::unique_ptr<worker_pool> pool_;
    std::uint64_t done_prefix = 0;  // map: inputs [0, done_prefix) are done
    std::vector<bool> done;         // gen/agg: input ordinals (or partitions) done earlier
    std::uint64_t produced = 0;   // output rows in the table so far
    std::uint64_t done_before = 0;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    std::uint64_t computed = 0;
    bool finished = false;

    udf_common(session& se, udf_plan p, std::string st, unsigned th, std::size_t b, bool e, std::uint64_t* o)
        : s(se), plan(std::move(p)), step(std::move(st)), threads(th), batch(b), emit(e), out_rows(o) {}

    void save_record(bool complete) {
        if (!plan.record) return;
        checkpoint_record r{};
        r.kind = static_cast<std::uint8_t>(checkpoint_kind::udf);
        r.step = step;
        r.table = plan.table;
        r.full_hi = plan.full.hi;
        r.full_lo = plan.full.lo;
        r.complete = complete;
        r.rows = produced;
        s.record_checkpoint(plan.pkey, r);
    }

    void event(const char* kind) {
        event_record e{};
        e.kind = kind;
        e.step = step;
        e.step_hash = plan.full.hex();
        e.rows_before = done_before;
        e.rows_now = computed;
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        e.why = plan.why;
        s.record_event(std::move(e));
    }

    // When continuing a map: its rows are always a prefix of the inputs
    // (batches are written in order, and a failing batch keeps only the rows
    // before the failure), so the count is found with a few point reads
    // instead of a scan of everything done before.
    void load_map_progress() {
        if (plan.mode != udf_mode::resume) return;
        auto exists = [&](std::uint64_t o) { return s.db().get(rec::row_key(plan.table, o, 0)).has_value(); };
        std::uint64_t lo = 0, hi = 1;  // invariant once started: exists(lo - 1), !exists(hi)
        if (exists(0)) {
            lo = 1;
            while (exists(hi)) {
                lo = hi + 1;
                hi *= 2;
            }
            while (lo < hi) {
                std::uint64_t mid = lo + (hi - lo) / 2;
                if (exists(mid)) lo = mid + 1;
                else hi = mid;
            }
        }
        done_prefix = lo;
        done_before = produced = lo;
    }

    // When continuing a gen or agg: one done mark per input or partition.
    void load_progress() {
        if (plan.mode != udf_mode::resume) return;
        std::uint64_t last = ~0ull;
        for (auto c = s.db().scan(rec::done_prefix(plan.table)); c->valid(); c->next()) {
            auto k = c->key();
            if (k.size() < 17) continue;
            auto o = key::read_be64(k, 9);
            if (o == last) continue;
            last = o;
            if (done.size() <= o) done.resize(static_cast<std::size_t>(o) + 1, false);
            done[static_cast<std::size_t>(o)] = true;
            ++done_before;
        }
        for (auto c = s.db().scan(rec::table_prefix(plan.table)); c->valid(); c->next()) ++produced;
    }

    worker_pool& pool() {
        if (!pool_) pool_ = std::make_unique<worker_pool>(threads);
        return *pool_;
    }

    bool is_done(std::uint64_t o) const {
        return o < done_prefix || (o < done.size() && done[static_cast<std::size_t>(o)]);
    }

    // Appends the stored rows of input `ordinal` (in sub-index order).
    template <class Row>
    void load_stored(std::uint64_t ordinal, std::vector<Row>& into) {
        if (!rd) rd = s.db().scan(rec::table_prefix(plan.table));
        auto prefix = rec::table_prefix(plan.table);
        key::be64(prefix, ordinal);
        for (rd->seek(prefix); rd->valid() && rd->key().starts_with(prefix); rd->next())
            into.push_back(decode<Row>(rd->value()));
    }

    // Adds the encoded outputs of input `ordinal` and, for gen/agg, its done
    // mark to `b`: they commit together.
    void put_outputs(write_batch& b, std::uint64_t ordinal, const std::vector<std::string>& enc, bool mark) {
        for (std::size_t j = 0; j < enc.size(); ++j)
            b.put(rec::row_key(plan.table, ordinal, static_cast<std::uint32_t>(j)), enc[j]);
        if (mark) b.put(rec::done_key(plan.table, ordinal), "");
        produced += enc.size();
    }

    void finish() {
        if (finished) return;
        finished = true;
        if (prog) prog->finish();
        save_record(true);
        if (out_rows) *out_rows = produced;
        if (plan.mode == udf_mode::resume) event("udf_continued");
        else if (plan.mode != udf_mode::skip) event("udf_from_scratch");
    }

    // Rethrows a UDF failure as udf_error, after the durable part is written.
    [[noreturn]] void fail(std::exception_ptr ep, std::uint64_t ordinal, const std::string& path) {
        if (prog) prog->finish();
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        std::string msg = "datachain: " + step + " failed at input row " + std::to_string(ordinal) +
                          (path.empty() ? std::string{} : " (file '" + path + "')") + ": " + what + ". ";
        if (plan.record)
            msg += std::to_string(done_before + computed) +
                   " inputs are done and saved; fix the problem and run again to continue from there.";
        else
            msg += "Checkpoints are off: nothing of this step was kept.";
        save_record(false);
        event("udf_failed");
        s.fail(msg);
        try {
            std::rethrow_exception(ep);
        } catch (...) {
            std::throw_with_nested(udf_error(msg, step, ordinal, path));
        }
    }
};

struct first_error {
    std::atomic<bool> stop{false};
    std::mutex m;
    std::exception_ptr ep;
    std::size_t at = ~std::size_t{0};
    void set(std::size_t k) {
        std::lock_guard l(m);
        if (k < at) {
            at = k;
            ep = std::current_exception();
        }
        stop.store(true, std::memory_order_relaxed);
    }
};

// map: one output row per input row; output = input columns + outputs.
template <class In, class Step>
struct map_stage final : stream<typename Step::template apply<In>::type>, udf_common {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    Step st;
    stream_ptr<In> up;
    std::uint64_t ord = 0;
    std::vector<tup<In>> in;
    std::vector<std::optional<tup<Out>>> res;
    std::vector<std::string> enc;

    map_stage(const Step& s_, stream_ptr<In> u, udf_common c) : udf_common(std::move(c)), st(s_), up(std::move(u)) {
        this->size_hint = up->size_hint;
        load_map_progress();
        save_record(false);
        prog = std::make_unique<progress>(s.config().progress, step, up->size_hint, done_before);
    }

    bool next(std::vector<tup<Out>>& out, std::size_t n) override {
        out.clear();
        if (!up->next(in, n)) {
            finish();
            return false;
        }
        const std::size_t m = in.size();
        res.clear();
        res.resize(m);
        const bool write = plan.table != 0;
        if (write) enc.assign(m, std::string{});
        first_error err;
        std::uint64_t base = ord;
        pool().run(m, err.stop, [&](std::size_t k) {
            if (is_done(base + k)) return;
            try {
                auto r = bind::call(st.udf.fn, in[k]);
                res[k].emplace(std::tuple_cat(std::move(in[k]), as_tuple<Step::outputs::size>(std::move(r))));
                if (write) encode(enc[k], *res[k]);
            } catch (...) {
                err.set(k);
            }
        });
        // Keep the stored rows a prefix of the inputs: after a failure, rows
        // that other threads finished beyond it are dropped (never durable,
        // so they are computed again on the next run).
        if (err.ep)
            for (std::size_t k = err.at + 1; k < m; ++k) res[k].reset();
        std::uint64_t now = 0, reused = 0;
        if (write) {
            auto b = s.db().batch();
            for (std::size_t k = 0; k < m; ++k)
                if (res[k]) {
                    b->put(rec::row_key(plan.table, base + k, 0), enc[k]);
                    ++now;
                }
            s.db().write(*b);
        } else {
            for (auto& r : res) now += r.has_value();
        }
        produced += now;
        computed += now;
        if (err.ep) {
            prog->add(now, 0);
            fail(err.ep, base + err.at, row_path<In>(in[err.at]));
        }
        for (std::size_t k = 0; k < m; ++k) {
            if (res[k]) {
                if (emit) out.push_back(std::move(*res[k]));
            } else {
                ++reused;
                if (emit) {
                    std::size_t before = out.size();
                    load_stored(base + k, out);
                    if (out.size() != before + 1)
                        throw error(error_kind::store_corrupt, "datachain: " + step + ": the stored output of row " +
                                                                   std::to_string(base + k) + " is missing");
                }
            }
        }
        ord += m;
        prog->add(now, reused);
        return true;
    }
};

// Base of the stages whose inputs (gen: rows; agg: partitions) each give a
// group of output rows: computes groups in parallel, commits each group with
// its done mark, and hands the rows downstream in order.
template <class Out>
struct grouped_stage : stream<Out>, udf_common {
    std::vector<tup<Out>> pending;  // outputs not yet handed downstream
    std::size_t pending_at = 0;

    explicit grouped_stage(udf_common c) : udf_common(std::move(c)) {}

    // Computes the next groups into `pending`; false when there are none.
    virtual bool produce() = 0;

    bool next(std::vector<tup<Out>>& out, std::size_t n) override {
        out.clear();
        while (true) {
            if (emit && pending_at < pending.size()) {
                for (; pending_at < pending.size() && out.size() < n; ++pending_at)
                    out.push_back(std::move(pending[pending_at]));
                return true;
            }
            pending.clear();
            pending_at = 0;
            if (!produce()) {
                finish();
                return false;
            }
            if (!emit) return true;
        }
    }

    // Runs groups base..base+count-1 (compute(k) gives group base+k's rows),
    // skipping those done earlier; commits and queues them in order.
    // `row_of(k)` names a row of group k for error messages.
    template <class Compute, class RowOf>
    void run_groups(std::uint64_t base, std::size_t count, Compute&& compute, RowOf&& row_of) {
        std::vector<std::optional<std::vector<tup<Out>>>> res(count);
        std::vector<std::vector<std::string>> enc(count);
        const bool write = plan.table != 0;
        first_error err;
        this->pool().run(count, err.stop, [&](std::size_t k) {
            if (is_done(base + k)) return;
            try {
                auto rows = compute(k);
                if (write) {
                    enc[k].resize(rows.size());
                    for (std::size_t j = 0; j < rows.size(); ++j) encode(enc[k][j], rows[j]);
                }
                res[k].emplace(std::move(rows));
            } catch (...) {
                err.set(k);
            }
        });
        std::uint64_t now = 0, reused = 0;
        auto b = s.db().batch();
        for (std::size_t k = 0; k < count; ++k)
            if (res[k]) {
                if (write) put_outputs(*b, base + k, enc[k], true);
                ++now;
            }
        if (write) s.db().write(*b);
        computed += now;
        if (err.ep) {
            prog->add(now, 0);
            fail(err.ep, base + err.at, row_of(err.at));
        }
        for (std::size_t k = 0; k < count; ++k) {
            if (res[k]) {
                if (emit)
                    for (auto& r : *res[k]) pending.push_back(std::move(r));
            } else {
                ++reused;
                if (emit) load_stored(base + k, pending);
            }
        }
        prog->add(now, reused);
    }
};

// gen: zero or more output rows per input; output = the generated columns.
template <class In, class Step>
struct gen_stage final : grouped_stage<typename Step::template apply<In>::type> {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    Step st;
    stream_ptr<In> up;
    std::uint64_t ord = 0;
    std::vector<tup<In>> in;

    gen_stage(const Step& s_, stream_ptr<In> u, udf_common c)
        : grouped_stage<Out>(std::move(c)), st(s_), up(std::move(u)) {
        this->load_progress();
        this->save_record(false);
        this->prog = std::make_unique<progress>(this->s.config().progress, this->step, up->size_hint, this->done_before);
    }

    bool produce() override {
        if (!up->next(in, this->batch)) return false;
        this->run_groups(
            ord, in.size(),
            [&](std::size_t k) {
                std::vector<tup<Out>> rows;
                auto&& seq = bind::call(st.udf.fn, in[k]);
                for (auto&& e : seq) rows.push_back(as_tuple<Step::outputs::size>(std::move(e)));
                return rows;
            },
            [&](std::size_t k) { return row_path<In>(in[k]); });
        ord += in.size();
        return true;
    }
};

// agg: the UDF sees each partition's rows; output = keys + outputs.
template <class In, class Step>
struct agg_stage final : grouped_stage<typename Step::template apply<In>::type> {
    using Out = typename Step::template apply<In>::type;
    using bind = typename Step::template apply<In>::bind;
    using keys_schema = typename Step::template apply<In>::keys;
    using key_tuple = tup<keys_schema>;
    Step st;
    stream_ptr<In> up;
    std::vector<tup<In>> rows;
    std::vector<std::vector<std::size_t>> parts;
    std::vector<key_tuple> keys;
    std::size_t next_part = 0;
    bool loaded = false;

    agg_stage(const Step& s_, stream_ptr<In> u, udf_common c)
        : grouped_stage<Out>(std::move(c)), st(s_), up(std::move(u)) {
        this->load_progress();
        this->save_record(false);
    }

    template <fixed_string... P>
    static key_tuple key_of(const tup<In>& r, partition_by_t<P...>) {
        return key_tuple{lookup<In, P>::get(r)...};
    }

    // All input rows, grouped by partition key in order of first appearance.
    void load() {
        std::vector<tup<In>> buf;
        while (up->next(buf, 4096))
            for (auto& r : buf) rows.push_back(std::move(r));
        std::unordered_map<std::string, std::size_t> index;
        std::string k;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            auto kt = key_of(rows[i], typename Step::partition{});
            k.clear();
            encode(k, kt);
            auto [it, fresh] = index.try_emplace(k, parts.size());
            if (fresh) {
                parts.emplace_back();
                keys.push_back(std::move(kt));
            }
            parts[it->second].push_back(i);
        }
        loaded = true;
        this->prog = std::make_unique<progress>(this->s.config().progress, this->step, parts.size(), this->done_before);
    }

    std::vector<tup<Out>> run_partition(std::size_t p) {
        // The argument vectors live until the outputs are read: a coroutine
        // UDF keeps references to them.
        auto args = [&]<std::size_t... I>(std::index_sequence<I...>) {
            auto gather = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                std::vector<typename bind::template value_t<J>> v;
                v.reserve(parts[p].size());
                for (auto i : parts[p]) v.push_back(bind::template one<J>::get(rows[i]));
                return v;
            };
            return std::make_tuple(gather(std::integral_constant<std::size_t, I>{})...);
        }(std::make_index_sequence<bind::args::size>{});
        std::vector<tup<Out>> out;
        auto&& seq = std::apply([&](auto&... a) { return st.udf.fn(a...); }, args);
        for (auto&& e : seq) out.push_back(std::tuple_cat(keys[p], as_tuple<Step::outputs::size>(std::move(e))));
        return out;
    }

    bool produce() override {
        if (!loaded) load();
        if (next_part >= parts.size()) return false;
        std::size_t chunk = std::min<std::size_t>(parts.size() - next_part, std::max<unsigned>(this->threads, 1) * 4);
        std::size_t base = next_part;
        this->run_groups(
            base, chunk, [&](std::size_t k) { return run_partition(base + k); },
            [&](std::size_t k) { return row_path<In>(rows[parts[base + k].front()]); });
        next_part += chunk;
        return true;
    }
};

// ---- the runner ----------------------------------------------------------------

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

template <class T>
concept udf_step = requires { typename T::fn_type; T::kind; } && (T::kind == std::string_view("map") ||
                                                                  T::kind == std::string_view("gen") ||
                                                                  T::kind == std::string_view("agg"));

template <class Chain>
class runner {
public:
    using Src = typename Chain::source_type;
    static constexpr std::size_t N = Chain::step_count;
    using steps_tuple = decltype(std::declval<Chain>().steps);

    template <std::size_t I>
    using schema_at = typename apply_tuple<typename Src::schema, I, steps_tuple>::type;

    runner(const Chain& c, session& s, const run_options& o) : c_(c), s_(s) {
        const auto& cfg = s.config();
        threads_ = std::max(1u, o.parallel.value_or(cfg.parallel));
        checkpoints_ = o.checkpoints.value_or(cfg.checkpoints);
        resume_ = checkpoints_ && !o.ignore_checkpoints.value_or(cfg.ignore_checkpoints);
        batch_ = std::max<std::size_t>(1, o.batch_size.value_or(cfg.batch_size));
        src_ = prepare_source(s_, c_.source);
        compute_hashes();
    }

    // save-terminated chains
    auto run_save() {
        using S = schema_at<N>;
        const auto& sv = std::get<N - 1>(c_.steps);
        std::string name(sv.name);
        hash128 key = h_[N];
        auto t0 = std::chrono::steady_clock::now();
        std::string why;
        if (resume_) {
            for (auto job : s_.ancestry()) {
                auto cp = s_.checkpoint(job, key);
                if (!cp || cp->kind != static_cast<std::uint8_t>(checkpoint_kind::save)) continue;
                auto ds = s_.find_dataset(cp->dataset, cp->version);
                if (ds && ds->complete) {
                    if (job != s_.job_id()) s_.record_checkpoint(key, *cp);
                    record_chain(name);
                    event_record e{};
                    e.kind = "save_skipped";
                    e.step = sv.describe();
                    e.dataset = ds->name;
                    e.version = ds->version;
                    e.chain_hash = key.hex();
                    e.rows_before = ds->rows;
                    e.why = "chain unchanged since job " + std::to_string(cp->job);
                    s_.record_event(e);
                    s_.report("save \"" + name + "\": skipped, the chain is unchanged since job " +
                              std::to_string(cp->job) + "; using version " + ds->version + " (" +
                              std::to_string(ds->rows) + " rows)");
                    return dataset<S>{s_.shared_store(), *ds};
                }
                why = "version " + cp->version + " of \"" + name + "\" was removed";
                break;
            }
        }
        if (why.empty()) why = chain_why(name);
        save_why_ = why;
        record_chain(name);  // now, so that a run after a failure can explain itself
        s_.report("save \"" + name + "\": computing (" + why + ")");
        std::uint64_t table = 0, rows = 0;
        try {
            constexpr bool terminal_udf = [] {
                if constexpr (N >= 2) return udf_step<std::tuple_element_t<N - 2, steps_tuple>>;
                else return false;
            }();
            if constexpr (terminal_udf) {
                terminal_ = true;
                auto st = build<N - 1>();
                std::vector<tup<schema_at<N - 1>>> buf;
                while (st->next(buf, batch_)) {
                }
                table = terminal_table_;
                rows = terminal_rows_;
            } else {
                auto st = build<N - 1>();
                table = s_.new_table();
                std::vector<tup<schema_at<N - 1>>> buf;
                std::string v;
                while (st->next(buf, batch_)) {
                    auto b = s_.db().batch();
                    for (auto& r : buf) {
                        v.clear();
                        encode(v, r);
                        b->put(rec::row_key(table, rows++, 0), v);
                    }
                    s_.db().write(*b);
                }
            }
        } catch (const udf_error&) {
            throw;
        } catch (const std::exception& e) {
            s_.fail(e.what());
            throw;
        }
        auto ds = s_.new_version(name, table, rows, S::signature(), schema_text<S>(), key);
        if (checkpoints_) {
            checkpoint_record r{};
            r.kind = static_cast<std::uint8_t>(checkpoint_kind::save);
            r.step = sv.describe();
            r.dataset = ds.name;
            r.version = ds.version;
            r.rows = rows;
            s_.record_checkpoint(key, r);
        }
        event_record e{};
        e.kind = "save_completed";
        e.step = sv.describe();
        e.dataset = ds.name;
        e.version = ds.version;
        e.chain_hash = key.hex();
        e.rows_now = rows;
        e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        e.why = why;
        s_.record_event(e);
        s_.report("save \"" + name + "\": saved version " + ds.version + " (" + std::to_string(rows) + " rows)");
        return dataset<S>{s_.shared_store(), ds};
    }

    auto run_collect() {
        using S = schema_at<N>;
        std::vector<row<S>> out;
        try {
            auto st = build<N>();
            std::vector<tup<S>> buf;
            while (st->next(buf, batch_))
                for (auto& r : buf) out.push_back(row<S>{std::move(r)});
        } catch (const udf_error&) {
            throw;
        } catch (const std::exception& e) {
            s_.fail(e.what());
            throw;
        }
        return out;
    }

    const hash128& hash_after(std::size_t i) const { return h_[i]; }

private:
    void compute_hashes() {
        h_[0] = chain_seed(src_.hash);
        step_h_[0] = src_.hash;
        desc_[0] = c_.source.describe();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((hash_step<I>()), ...);
        }(std::make_index_sequence<N>{});
    }

    template <std::size_t I>
    void hash_step() {
        const auto& st = std::get<I>(c_.steps);
        hash128 sh = step_hash(st);
        if constexpr (requires { st.udf.id; }) {
            if (!st.udf.id.hashable()) {
                sh = combine("unhashable", sh, session::process_nonce());
                s_.report("warning: " + st.describe() +
                          " uses a UDF without a stable identity (a plain lambda, function pointer or "
                          "std::function): it is recomputed on every run; wrap it in DC_UDF(...), DC_DEF(...) "
                          "or dc::versioned(...)");
            }
        }
        step_h_[I + 1] = sh;
        h_[I + 1] = chain_step(h_[I], sh);
        desc_[I + 1] = st.describe();
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
        if (checkpoints_) s_.record_chain(name, current_chain());
    }

    std::string chain_why(const std::string& name) {
        if (!checkpoints_) return "checkpoints are off";
        if (!resume_) return "checkpoints ignored: DATACHAIN_IGNORE_CHECKPOINTS or settings";
        auto prev = s_.previous_chain(name);
        if (!prev) return "no earlier run of this chain";
        auto why = catalog::explain_change(prev->second, current_chain());
        if (why != "the chain is unchanged") return why;
        auto j = s_.job(prev->first);
        if (j && j->state() != job_status::complete)
            return "the earlier run (job " + std::to_string(prev->first) + ", " + to_string(j->state()) +
                   ") did not finish";
        return "its saved version is gone";
    }

    template <std::size_t I>
    stream_ptr<schema_at<I>> build() {
        if constexpr (I == 0) {
            return open_source(s_, c_.source, src_);
        } else {
            using In = schema_at<I - 1>;
            using St = std::tuple_element_t<I - 1, steps_tuple>;
            const St& st = std::get<I - 1>(c_.steps);
            if constexpr (St::kind == std::string_view("filter")) {
                return std::make_unique<filter_stream<In, decltype(st.expr)>>(build<I - 1>(), st.expr);
            } else if constexpr (St::kind == std::string_view("limit")) {
                return std::make_unique<limit_stream<In>>(build<I - 1>(), st.n);
            } else if constexpr (St::kind == std::string_view("select")) {
                return make_select<In, schema_at<I>>(build<I - 1>(), static_cast<const St*>(nullptr));
            } else if constexpr (St::kind == std::string_view("order_by")) {
                return make_order<In>(build<I - 1>(), static_cast<const St*>(nullptr));
            } else {
                return build_udf<I>(st);
            }
        }
    }

    template <class In, class Out, fixed_string... P>
    static stream_ptr<Out> make_select(stream_ptr<In> up, const select_step<P...>*) {
        return std::make_unique<select_stream<In, Out, P...>>(std::move(up));
    }
    template <class In, class... K>
    static stream_ptr<In> make_order(stream_ptr<In> up, const order_by_step<K...>*) {
        return std::make_unique<order_stream<In, K...>>(std::move(up));
    }

    template <std::size_t I, class St>
    stream_ptr<schema_at<I>> build_udf(const St& st) {
        using In = schema_at<I - 1>;
        using Out = schema_at<I>;
        const bool terminal = terminal_ && I == N - 1;
        udf_plan plan = plan_udf<I>(st, terminal);
        std::string name = st.describe();
        if (plan.mode == udf_mode::skip) {
            s_.report(name + ": skipped, reusing " + std::to_string(plan.rows) + " rows from job " +
                      std::to_string(plan.from_job));
            event_record e{};
            e.kind = "udf_skipped";
            e.step = name;
            e.step_hash = plan.full.hex();
            e.rows_before = plan.rows;
            e.why = plan.why;
            s_.record_event(e);
            if (terminal) {
                terminal_table_ = plan.table;
                terminal_rows_ = plan.rows;
                struct empty_stream final : stream<Out> {
                    bool next(std::vector<tup<Out>>& out, std::size_t) override {
                        out.clear();
                        return false;
                    }
                };
                return std::make_unique<empty_stream>();
            }
            return std::make_unique<table_stream<Out>>(s_.db(), plan.table, plan.rows);
        }
        s_.report(name + ": " + mode_text(plan.mode) + (plan.why.empty() ? std::string{} : " (" + plan.why + ")"));
        udf_common common(s_, plan, name, threads_, batch_, !terminal, terminal ? &terminal_rows_ : nullptr);
        if (terminal) terminal_table_ = plan.table;
        auto up = build<I - 1>();
        if constexpr (St::kind == std::string_view("map"))
            return std::make_unique<map_stage<In, St>>(st, std::move(up), std::move(common));
        else if constexpr (St::kind == std::string_view("gen"))
            return std::make_unique<gen_stage<In, St>>(st, std::move(up), std::move(common));
        else
            return std::make_unique<agg_stage<In, St>>(st, std::move(up), std::move(common));
    }

    template <std::size_t I, class St>
    udf_plan plan_udf(const St& st, bool terminal) {
        udf_plan p;
        p.full = h_[I];
        hasher hp;
        st.hash_partial_into(hp);
        if (!st.udf.id.hashable()) hp.h(session::process_nonce());
        p.pkey = combine("udf.partial", h_[I - 1], hp.finish());
        if (!checkpoints_) {
            p.mode = udf_mode::direct;
            p.table = terminal ? s_.new_table() : 0;
            return p;
        }
        p.record = true;
        if (resume_) {
            auto anc = s_.ancestry();
            for (auto job : anc) {
                auto cp = s_.checkpoint(job, p.pkey);
                if (cp && cp->complete && cp->full() == p.full) {
                    p.mode = udf_mode::skip;
                    p.table = cp->table;
                    p.rows = cp->rows;
                    p.from_job = cp->job;
                    p.why = "a complete run with the same code in job " + std::to_string(cp->job);
                    // recorded under the current job so the next run finds it nearby
                    s_.record_checkpoint(p.pkey, *cp);
                    return p;
                }
            }
            for (auto job : anc) {
                auto cp = s_.checkpoint(job, p.pkey);
                if (!cp) continue;
                if (!cp->complete) {
                    p.mode = udf_mode::resume;
                    p.table = cp->table;
                    p.from_job = cp->job;
                    p.why = "continuing the partial outputs of job " + std::to_string(cp->job);
                    return p;
                }
                p.mode = udf_mode::scratch;
                p.table = s_.new_table();
                p.why = "code changed after a successful run in job " + std::to_string(cp->job);
                return p;
            }
            p.why = save_why_.empty() ? "no earlier run of this step" : save_why_;
        } else {
            p.why = "checkpoints ignored";
        }
        p.mode = udf_mode::scratch;
        p.table = s_.new_table();
        return p;
    }

    const Chain& c_;
    session& s_;
    unsigned threads_ = 1;
    bool checkpoints_ = true, resume_ = true;
    std::size_t batch_ = 2000;
    source_state src_;
    std::array<hash128, N + 1> h_{};
    std::array<hash128, N + 1> step_h_{};
    std::array<std::string, N + 1> desc_{};
    bool terminal_ = false;
    std::uint64_t terminal_table_ = 0, terminal_rows_ = 0;
    std::string save_why_;
};

} // namespace detail::exec

// Runs a chain that ends with save(...): returns the dataset version it made
// or reused. Throws udf_error when a UDF throws (outputs so far are kept),
// datachain::error for bad input. Thread-safe: several threads may run
// pipelines on the same session.
template <class Src, class... Steps>
auto run(const chain<Src, Steps...>& c, session& s, const run_options& opt = {}) {
    static_assert(chain<Src, Steps...>::has_source, "datachain: run() needs a chain with a source");
    static_assert(sizeof...(Steps) > 0 &&
                      std::tuple_element_t<sizeof...(Steps) - 1, std::tuple<Steps...>>::terminal,
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
    detail::exec::runner<chain<Src, Steps...>> r(c, s, opt);
    return r.run_collect();
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
