// The reading half of a UDF step's row memo (memo.hpp): which earlier tables
// of the step's code it reads, their index (input id -> where the outputs are
// stored), and the reads of reused outputs. Damage in an earlier table never
// fails the run: reuse stops with a warning and every input is computed.
// Used by udf_stage_base (udf_stage.hpp); see docs/storage.md, "Row-level
// reuse".
//
//   udf_memo m(ctx.a, step);
//   m.open(memo_id, read, own_table);         // chooses the earlier tables
//   m.index_marked();                         // gen / agg (map: index_map(decode))
//   if (auto at = m.find(input_id)) m.load(*at, rows);
//
// Not thread-safe: the stage's thread only.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/memo.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/sources.hpp>
#include <datachain/runtime/table_checks.hpp>

#include <xxhash.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail::exec {

class udf_memo {
public:
    udf_memo(session_access a, std::string step) : a_(a), step_(std::move(step)) {}

    // Registers `own` (the table this run writes; 0: none) under memo id
    // `id`; with `read`, chooses the earlier tables to index, which stay
    // live for gc() in this process from the moment they are chosen (the new
    // table may refer to their rows).
    DATACHAIN_INLINE void open(const hash128& id, bool read, std::uint64_t own);

    bool reads() const noexcept { return memo_.reads(); }
    std::optional<memo_loc> find(const hash128& input) const { return memo_.find(input); }
    // The step ran to its end: its table is a complete memo source.
    void complete() const { memo_.complete(); }

    // map: indexes the earlier tables. Each stored row (its input columns,
    // then its outputs) gives its input id, the hash of its input columns'
    // encoding and of the whole row; the location is where the row is
    // stored (through segments: the earlier table). `decode(value, n)`
    // decodes a stored row, checks it has no trailing bytes, and returns its
    // input id, with n set to the size of its input columns' encoding; a row
    // that does not decode (it throws) stops reuse.
    DATACHAIN_INLINE void index_map(const std::function<hash128(std::string_view value, std::size_t& n)>& decode);
    // gen / agg: each done mark holds its input's id; the inputs a table
    // refers to (segments) are found by the done marks of the table that
    // stores their rows, and located there. A table with a recorded content
    // (table_checks.hpp) is read in full once first and checked (rows it
    // refers to included); one that fails is discarded with a warning and
    // adds nothing.
    DATACHAIN_INLINE void index_marked();

    // Appends the stored rows of an input found in the memo, in sub-index
    // order; false (nothing added) when they cannot be read: the input is
    // computed.
    template <class Row>
    bool load(const memo_loc& at, std::vector<Row>& into) {
        const auto size = into.size();
        const bool ok = visit(at, [&](std::string_view k, std::string_view v) { into.push_back(decode_earlier<Row>(at.table, k, v)); });
        if (!ok) into.resize(size);
        return ok;
    }
    // Calls f(key, value) for each stored row of an input found in the memo
    // (keys of the table that stores them), in sub-index order; false when
    // they cannot be read (f may have been called for some).
    template <class F>
    bool visit(const memo_loc& at, F&& f) {
        auto prefix = rec::table_prefix(at.table);
        key::be64(prefix, at.ordinal);
        return guard([&] {
            // One cursor per earlier table, kept: hits come mostly in key
            // order, so the cursor is often at the row already (no seek),
            // else a short seek forward.
            auto& c = rd_[at.table];
            if (!c) c = a_.db().scan(rec::table_prefix(at.table));
            if (!(c->valid() && c->key().starts_with(prefix))) c->seek(prefix);
            for (; c->valid() && c->key().starts_with(prefix); c->next()) f(c->key(), c->value());
        });
    }
    // A row of earlier table t; the message is built only when it does not
    // decode (this runs once per reused row).
    template <class Row>
    Row decode_earlier(std::uint64_t t, std::string_view key, std::string_view value) const {
        try {
            return decode<Row>(value);
        } catch (const error& e) {
            throw damaged_row(a_.db(), earlier(t), key, e.what());
        }
    }

    // Runs f, a read of earlier outputs for reuse. Damage there (a checksum
    // mismatch, a row that does not decode) never fails the run: reuse stops
    // with a warning and every input not done is computed.
    template <class F>
    bool guard(F&& f) {
        try {
            f();
            return true;
        } catch (const error& e) {
            if (e.kind() != error_kind::store_corrupt && e.kind() != error_kind::decode) throw;
            memo_.disable();
            a_.log().warning(step_ + ": earlier outputs that could be reused cannot be read, so every input is "
                             "computed (" + e.what() + ")");
            return false;
        }
    }

    // Counts inputs whose outputs came from the memo (call once per batch).
    void reused(std::uint64_t n) noexcept { hits_ += n; }
    std::uint64_t hits() const noexcept { return hits_; }

private:
    // Whether earlier table t, read in full, holds what was recorded (`diff`
    // empty: table_content_difference against its content when finished,
    // or table_sum_difference against its commits' running sum when it was
    // left partial); if not, it is discarded (table_checks.hpp) with a warning.
    DATACHAIN_INLINE bool usable(std::uint64_t t, const std::string& diff);

    std::string earlier(std::uint64_t t) const {
        return "the outputs of an earlier run of " + step_ + " (table " + std::to_string(t) + ")";
    }

    session_access a_;
    std::string step_;
    row_memo memo_;
    std::map<std::uint64_t, std::unique_ptr<cursor>> rd_;  // earlier tables read for reuse
    std::uint64_t hits_ = 0;
};


} // namespace datachain::detail::exec

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/udf_memo.ipp>
#endif
