// The writing half of a UDF step (udf_stage.hpp): the rows of its table of
// outputs ('T', key table, input ordinal, sub-index), the done marks of gen
// and agg ('X', holding the input's id, memo.hpp), the runs of reused rows
// it refers to in earlier tables instead of copying them (segments,
// segments.hpp), the content digest taken while writing (digest.hpp),
// and the running sum each commit records (table_checks.hpp). See docs/storage.md, "Tables".
//
//   table_writer w(table);
//   w.start_digest();                       // optional: save adopts the table
//   w.keep_sum(kept);                       // optional: the running sum ('V')
//   w.digest_stored(key, value);            // resumed: each row stored before
//   w.put_row(b, ordinal, enc);             // map: its one output
//   w.put_outputs(b, ordinal, enc, id);     // gen / agg: outputs + done mark
//   w.refer(b, ordinal, at, rows, hashes);  // reused rows: part of a segment
//   w.commit(b);                            // before b is written
//
// Calls come in ordinal order (the digest is over rows in key order). A
// segment stays open across commits: each commit writes it as it stands
// (the same 'R' key, rewritten with a larger count in the next batch that
// extends it), so a step whose batches all refer to one earlier table writes
// one segment record, and every batch that is written is consistent on its
// own. Not thread-safe: the stage's thread only.
#pragma once

#include <datachain/core/hash.hpp>
#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/memo.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/store.hpp>
#include <datachain/runtime/table_checks.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail::exec {

class table_writer {
public:
    table_writer() = default;
    // Writes into `table` (0: none; then only the counts are kept).
    explicit table_writer(std::uint64_t table) : table_(table) {}

    std::uint64_t table() const noexcept { return table_; }
    // The rows the table holds: written, referred to, and those an earlier
    // run wrote (add_produced).
    std::uint64_t produced() const noexcept { return produced_; }
    void add_produced(std::uint64_t n) noexcept { produced_ += n; }

    // Takes the content digest (digest kind 2) of every row from here on;
    // call before the first row. On a table that holds rows already (a
    // resumed step), pass each of them to digest_stored first, in key order,
    // and write only rows whose keys come after them.
    void start_digest() { dg_.emplace(); }
    // A row the table holds already (key, stored value), read in key order.
    void digest_stored(std::string_view key, std::string_view value) { dg_->add(key, value); }
    // The same, with the value's row_digest::value_hash known.
    void digest_stored_hashed(std::string_view key, std::uint64_t value_hash) { dg_->add_hashed(key, value_hash); }
    // Stops taking the digest (save then reads the table back).
    void stop_digest() noexcept { dg_.reset(); }
    // Keeps the table's running sum ('V', table_checks.hpp) from `kept`
    // (what the table holds already): every commit writes it with its rows.
    void keep_sum(const table_sum& kept) {
        sum_ = kept;
        sum_changed_ = false;
    }
    // The digest, when taken for every row the table holds.
    DATACHAIN_INLINE bool digest(std::uint64_t& hi, std::uint64_t& lo) const;

    // map: the one output of input `ordinal` (sub-index 0).
    DATACHAIN_INLINE void put_row(write_batch& b, std::uint64_t ordinal, std::string_view enc);
    // gen / agg: the outputs of input `ordinal` (sub-indices 0..) and its done mark.
    DATACHAIN_INLINE void put_outputs(write_batch& b, std::uint64_t ordinal, const std::vector<std::string>& enc,
                                      const hash128& id);
    // gen / agg: the done mark of input `ordinal` alone (its rows referred to).
    DATACHAIN_INLINE void mark_done(write_batch& b, std::uint64_t ordinal, const hash128& id);
    // The outputs of input `ordinal` are the `rows` rows stored at `at` (an
    // earlier table that stores them itself, every sub-index, and holds the
    // input's done mark): referred to, not copied. `hashes`: their
    // row_digest::value_hash in sub-index order (read only while the digest
    // is taken). Consecutive ordinals stored consecutively in one table make
    // one segment. True: a segment covers `ordinal`, which marks it done
    // (gen / agg write no done mark for it); false: an input with no rows
    // that does not continue the open segment (nothing added).
    // gen / agg pass the input's `id`, the done mark `at` holds, for the
    // running sum (table_checks.hpp, add_done_marks).
    DATACHAIN_INLINE bool refer(write_batch& b, std::uint64_t ordinal, const memo_loc& at, std::uint64_t rows,
                                const std::uint64_t* hashes, const hash128* id = nullptr);
    // map: one row, its value hash taken by the memo index.
    void refer_row(write_batch& b, std::uint64_t ordinal, const memo_loc& at) { (void)refer(b, ordinal, at, 1, &at.value); }
    // Whether the rows' value hashes are taken, for the content digest or
    // the running sum (refer then needs them).
    bool digesting() const noexcept { return dg_.has_value() || sum_.has_value(); }
    // Adds the open segment, as it stands, to the batch about to be written.
    DATACHAIN_INLINE void commit(write_batch& b);

private:
    // The key of this table's row (ordinal, sub), in a kept buffer.
    DATACHAIN_INLINE const std::string& row_key(std::uint64_t ordinal, std::uint32_t sub);
    DATACHAIN_INLINE void close_segment(write_batch& b);

    std::uint64_t table_ = 0;
    std::uint64_t produced_ = 0;
    segment seg_;             // the open segment (count 0: none)
    bool seg_written_ = true; // seg_ as it stands is in a batch already
    // A done mark of this table (its key, the input id's bytes): the sum.
    DATACHAIN_INLINE void add_mark(std::string_view key, std::string_view id);
    // A row of this table (its key, its value's hash): the digest and the sum.
    void add_row(std::string_view key, std::uint64_t value_hash) {
        if (dg_) dg_->add_hashed(key, value_hash);
        if (sum_) {
            sum_->add(key, value_hash);
            sum_changed_ = true;
        }
    }

    std::optional<row_digest> dg_;
    std::optional<table_sum> sum_;
    bool sum_changed_ = false;
    std::string key_;
};

} // namespace datachain::detail::exec

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/table_writer.ipp>
#endif
