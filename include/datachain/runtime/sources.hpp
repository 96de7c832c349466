// How each source runs: what it reads before the chain's hash is known
// (prepare_source: a listing, a dataset version, the values' content hash)
// and the stream of its rows (open_source). Both are found by ADL on the
// source declaration, so a new source adds its two overloads next to these.
//
//   source_state st = prepare_source(ctx, src);   // hash, summary, row count
//   stream_ptr<S> rows = open_source(ctx, src, st);
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/dataset.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/listing.hpp>
#include <datachain/runtime/progress.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/stream.hpp>
#include <datachain/sources/read_dataset.hpp>
#include <datachain/sources/read_storage.hpp>
#include <datachain/sources/read_values.hpp>

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace datachain::detail::exec {

struct source_state {
    hash128 hash;
    std::string summary;
    std::uint64_t count = 0;
    std::shared_ptr<storage_listing> listing;
    std::optional<dataset_record> ds;
    // Run when the chain has pulled all it needs (a limit may stop early):
    // a dataset source checks the rest of the version, so a damaged version
    // is an error even when only part of it was used.
    std::function<void()> finish;
};

using file_schema = schema<column<"file", File>>;

struct storage_stream final : stream<file_schema> {
    std::shared_ptr<storage_listing> l;
    std::size_t i = 0;
    explicit storage_stream(std::shared_ptr<storage_listing> x) : l(std::move(x)) { size_hint = l->files.size(); }
    bool next(std::vector<row_tuple<file_schema>>& out, std::size_t n) override {
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
    bool next(std::vector<row_tuple<S>>& out, std::size_t n) override {
        out.clear();
        for (; i < rows && out.size() < n; ++i)
            out.push_back(std::apply([&](const auto&... v) { return row_tuple<S>{v[i]...}; }, *cols));
        return !out.empty();
    }
};

// A row that does not decode: error(store_corrupt) naming the store, what
// the table holds (`what`: a dataset version or a step's outputs) and the key.
inline error damaged_row(const store& db, const std::string& what, std::string_view key, const char* detail) {
    return error(error_kind::store_corrupt, "datachain: a stored row of " + what + " (key " + rec::hex(key) +
                                                ") in the store at " + detail::quoted_value(db.location()) +
                                                " is damaged: " + detail +
                                                "; the rows cannot be trusted: remove that version (or the "
                                                "store) and run the chain again");
}

template <class T>
T decode_row(const store& db, const std::string& what, std::string_view key, std::string_view value) {
    try {
        return decode<T>(value);
    } catch (const error& e) {
        throw damaged_row(db, what, key, e.what());
    }
}

// Rows of a table, in key order (ordinal, then sub-index). Reading a saved
// version (`version` set), the rows read in full are checked against its
// row count and content digest; reading a skipped step's table (`check`
// set, with the digest kind recorded for it: table_checks.hpp), check is
// called with the rows and digest read when the table was read to its end.
// A read cut short (a limit downstream) checks nothing.
template <class S>
struct table_stream final : stream<S> {
    using table_check = std::function<void(std::uint64_t rows, const hash128& digest)>;
    const store& db;
    std::string what;
    std::unique_ptr<cursor> c;
    std::optional<dataset_record> version;
    std::optional<row_digest> digest;
    table_check check;
    table_stream(const store& d, std::uint64_t table, std::optional<std::uint64_t> rows, std::string w,
                 std::optional<dataset_record> v = std::nullopt)
        : db(d), what(std::move(w)), c(scan_table(d, table)), version(std::move(v)) {
        this->size_hint = rows;
        if (version) digest.emplace(version->digest_kind);
    }
    table_stream(const store& d, std::uint64_t table, std::optional<std::uint64_t> rows, std::string w,
                 std::uint8_t digest_kind, table_check on_end)
        : table_stream(d, table, rows, std::move(w)) {
        digest.emplace(digest_kind);
        check = std::move(on_end);
    }
    bool next(std::vector<row_tuple<S>>& out, std::size_t n) override {
        out.clear();
        for (; c->valid() && out.size() < n; c->next()) {
            if (digest) digest->add(c->key(), c->value());
            out.push_back(decode_row<row_tuple<S>>(db, what, c->key(), c->value()));
        }
        if (out.empty()) ended();
        return !out.empty();
    }
    // Reads the rows not pulled (without decoding them) and checks the
    // version's count and digest.
    void finish_check() {
        if (!digest) return;
        for (; c->valid(); c->next()) digest->add(c->key(), c->value());
        ended();
    }

private:
    void ended() {
        if (!digest) return;
        const auto rows = digest->rows();
        const auto d = digest->finish();
        digest.reset();
        if (version) check_version_content(db, *version, rows, d);
        if (check) check(rows, d);
    }
};

inline std::string bytes_text(std::uint64_t b) {
    char buf[64];
    if (b >= (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(b) / (1 << 20));
    else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(b) / 1024);
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    return buf;
}

} // namespace datachain::detail::exec

namespace datachain {

template <class Str, class Opt>
detail::exec::source_state prepare_source(const detail::exec::session_access& a, const storage_source<Str, Opt>& src) {
    detail::exec::source_state st;
    // The store (and anything under it) is never a source row.
    std::vector<std::filesystem::path> exclude;
    if (!detail::is_memory_root(a.config().root)) exclude.push_back(a.db().location());
    if (detail::is_object_uri(src.uri)) {
        auto lister = detail::object_lister_slot().load();
        if (!lister) detail::no_object_backend(src.uri);
        st.listing = std::make_shared<detail::storage_listing>(
            lister(src.uri, src.options.get(), exclude.empty() ? std::filesystem::path() : exclude.front()));
    } else {
        detail::progress shown(a.config(), "listing " + detail::escaped(src.uri), std::nullopt, 0,
                               detail::progress_kind::listing);
        st.listing = std::make_shared<detail::storage_listing>(
            detail::list_storage(src.uri, exclude, [&shown] { shown.add(1); }));
        shown.finish();
    }
    hasher h;
    h.tag("source.storage").h(src.decl_hash()).str(st.listing->uri).h(st.listing->fingerprint);
    st.hash = h.finish();
    st.count = st.listing->files.size();
    st.summary = std::to_string(st.count) + " files, " + detail::exec::bytes_text(st.listing->total_bytes);
    if (!st.listing->endpoint.empty()) st.summary += " at " + st.listing->endpoint;  // catalog::explain_change
    return st;
}
template <class Str, class Opt>
detail::exec::stream_ptr<detail::exec::file_schema> open_source(const detail::exec::session_access&,
                                                                const storage_source<Str, Opt>&,
                                                                detail::exec::source_state& st) {
    return std::make_unique<detail::exec::storage_stream>(st.listing);
}

template <class S, class... T>
detail::exec::source_state prepare_source(const detail::exec::session_access&, const values_source<S, T...>& src) {
    detail::exec::source_state st;
    st.hash = src.decl_hash();
    st.count = src.rows;
    st.summary = std::to_string(src.rows) + " values";
    return st;
}
template <class S, class... T>
detail::exec::stream_ptr<S> open_source(const detail::exec::session_access&, const values_source<S, T...>& src,
                                        detail::exec::source_state&) {
    return std::make_unique<detail::exec::values_stream<S, T...>>(src.columns, src.rows);
}

template <class S, class Str>
detail::exec::source_state prepare_source(const detail::exec::session_access& a, const dataset_source<S, Str>& src) {
    detail::exec::source_state st;
    auto r = a.s.find_dataset(std::string_view(src.name), std::string_view(src.version));
    if (!r)
        throw error(
            error_kind::not_found,
            "datachain: read_dataset(\"" + std::string(src.name) + "\"" +
                (std::string_view(src.version).empty() ? std::string{} : ", \"" + std::string(src.version) + "\"") +
                "): no such dataset version in the store at " + detail::quoted_value(a.db().location()) +
                "; save it first or check the name");
    detail::check_schema<S>(*r, "read_dataset");
    hasher h;
    h.tag("source.dataset").h(r->uid());
    st.hash = h.finish();
    st.count = r->rows;
    st.summary = r->name + "@" + r->version + ", " + std::to_string(r->rows) + " rows";
    st.ds = std::move(r);
    return st;
}
template <class S, class Str>
detail::exec::stream_ptr<S> open_source(const detail::exec::session_access& a, const dataset_source<S, Str>&,
                                        detail::exec::source_state& st) {
    auto t = std::make_unique<detail::exec::table_stream<S>>(
        a.db(), st.ds->table, st.ds->rows, "dataset '" + st.ds->name + "' version " + st.ds->version, st.ds);
    st.finish = [p = t.get()] { p->finish_check(); };
    return t;
}

} // namespace datachain
