// What a table of outputs held when it was written, and what happens to a
// table found not to hold it any more (docs/storage.md, "Checked reuse").
//
// A saved version's record holds its row count and content digest, but
// tables are reused without a version: a skipped UDF step reuses its table,
// and the row memo (memo.hpp) reuses rows of earlier tables. So a UDF step
// that finishes its table (and save, for a table it adopts) records them per
// table ('H' + u64 table: a record version byte (1), the digest kind, u64 BE
// rows, the 16-byte digest), and a reuse that reads the table in full
// checks it: save reading back a skipped step's table, the next step reading
// a skipped step's table to its end, the memo index scanning an earlier
// table. While a table is being written, its commits keep a running sum
// ('V', below) that a run continuing it checks. A table that fails is
// discarded: never skipped to, continued or indexed again (discard_table),
// so a rerun computes the step anew.
//
//   detail::record_table_content(db, table, rows, digest);
//   if (auto r = detail::recorded_table_content(db, table)) ... r->rows, r->digest
//   detail::discard_table(db, table);   // returns the steps whose records named it
//   detail::check_reused_table(db, "save \"sq\"", table, rows, digest);   // throws after discarding
//   table_sum t; t.add(key, row_digest::value_hash(value));   // 'V': what commits wrote
//   if (auto k = detail::recorded_table_sum(db, table)) ... *k == t
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/store.hpp>

#include <xxhash.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <string>
#include <vector>

namespace datachain::detail {

inline std::string table_content_key(std::uint64_t table) {
    std::string k = "H";
    key::be64(k, table);
    return k;
}

struct table_content {
    std::uint8_t kind = digest_kind_current;  // digest.hpp
    std::uint64_t rows = 0;
    hash128 digest{};
};

inline void record_table_content(store& db, std::uint64_t table, std::uint64_t rows, const hash128& digest,
                                 std::uint8_t kind = digest_kind_current) {
    std::string v;
    v.push_back('\1');
    v.push_back(static_cast<char>(kind));
    key::be64(v, rows);
    key::h128(v, digest);
    db.put(table_content_key(table), v);
}

// What was recorded when `table` was saved; nullopt for a table never saved
// (or saved by an earlier build), or a record of another version: unchecked.
inline std::optional<table_content> recorded_table_content(const store& db, std::uint64_t table) {
    auto v = db.get(table_content_key(table));
    if (!v || v->size() != 26 || (*v)[0] != '\1') return std::nullopt;
    table_content r;
    r.kind = static_cast<std::uint8_t>((*v)[1]);
    r.rows = key::read_be64(*v, 2);
    r.digest = {key::read_be64(*v, 10), key::read_be64(*v, 18)};
    return r;
}

// What differs between what a table holds and what was recorded; empty
// when it is the same (or a digest of another kind was recorded).
inline std::string table_content_difference(const table_content& rec, std::uint64_t rows, const hash128& digest) {
    if (rows != rec.rows)
        return "it holds " + std::to_string(rows) + " rows, " + std::to_string(rec.rows) + " were written";
    if (rec.kind == digest_kind_current && !(digest == rec.digest))
        return "its rows differ from the content digest recorded when they were written";
    return {};
}

// The running check of a table while steps write it ('V' + u64 table: a
// record version byte (1), u64 BE rows, u64 BE done marks (gen / agg), the
// 16-byte sum over both): every commit of a UDF step writes it in the same
// batch as its rows and marks, so it always matches what was committed, and
// a run that continues the table, or a memo that reuses it, checks the
// table against it first. Order-free (a sum of XXH3-128 of each key, seeded
// with its value's hash): a continued run commits rows between those an
// earlier run kept.
struct table_sum {
    std::uint64_t rows = 0;
    std::uint64_t marks = 0;  // done marks (gen / agg)
    hash128 sum{};
    void add(std::string_view key, std::uint64_t value_hash) {
        term(key, value_hash);
        ++rows;
    }
    void add_mark(std::string_view key, std::uint64_t value_hash) {
        term(key, value_hash);
        ++marks;
    }
    friend bool operator==(const table_sum&, const table_sum&) = default;

private:
    void term(std::string_view key, std::uint64_t value_hash) {
        const auto h = XXH3_128bits_withSeed(key.data(), key.size(), value_hash);
        sum.hi += h.high64;
        sum.lo += h.low64;
    }
};

inline std::string table_sum_key(std::uint64_t table) {
    std::string k = "V";
    key::be64(k, table);
    return k;
}

inline std::string pack_table_sum(const table_sum& t) {
    std::string v;
    v.push_back('\1');
    key::be64(v, t.rows);
    key::be64(v, t.marks);
    key::h128(v, t.sum);
    return v;
}

// What the commits so far wrote into `table`; nullopt when none recorded
// (a table of an earlier build: unchecked) or a record of another version.
inline std::optional<table_sum> recorded_table_sum(const store& db, std::uint64_t table) {
    auto v = db.get(table_sum_key(table));
    if (!v || v->size() != 33 || (*v)[0] != '\1') return std::nullopt;
    table_sum t;
    t.rows = key::read_be64(*v, 1);
    t.marks = key::read_be64(*v, 9);
    t.sum = {key::read_be64(*v, 17), key::read_be64(*v, 25)};
    return t;
}

// Adds the done marks of gen / agg table `table` to `t` (the index of the
// row memo reads them: memo.hpp): its own ('X', key and value hash), and
// for each input a segment covers, the mark of the table that stores its
// rows, under this table's key (as table_writer::refer records it).
inline void add_done_marks(const store& db, std::uint64_t table, table_sum& t) {
    for (auto c = db.scan(rec::done_prefix(table)); c->valid(); c->next())
        t.add_mark(c->key(), row_digest::value_hash(c->value()));
    for (const auto& s : load_segments(db, table))
        for (std::uint64_t o = 0; o < s.count; ++o)
            if (auto v = db.get(rec::done_key(s.from_table, s.from + o)))
                t.add_mark(rec::done_key(table, s.at + o), row_digest::value_hash(*v));
}

// The running check of what `table` holds now: its rows (through its
// segments, under its own keys) and, with `marks` (gen / agg), its done
// marks; compared with what its commits recorded (recorded_table_sum).
inline table_sum held_table_sum(const store& db, std::uint64_t table, bool marks) {
    table_sum t;
    for (auto c = scan_table(db, table); c->valid(); c->next()) t.add(c->key(), row_digest::value_hash(c->value()));
    if (marks) add_done_marks(db, table, t);
    return t;
}

// What differs between what a table holds (`seen`) and what its commits
// recorded; empty when the same.
inline std::string table_sum_difference(const table_sum& rec, const table_sum& seen) {
    if (seen.rows != rec.rows)
        return "it holds " + std::to_string(seen.rows) + " rows, " + std::to_string(rec.rows) + " were written";
    if (seen.marks != rec.marks)
        return "it holds " + std::to_string(seen.marks) + " done marks, " + std::to_string(rec.marks) +
               " were written";
    if (!(seen.sum == rec.sum))
        return rec.marks ? "its rows or done marks differ from those written" : "its rows differ from those written";
    return {};
}

// Makes `table` unusable for reuse, in one write: every UDF checkpoint that
// names it becomes a discarded record (checkpoint_record::discarded(): partial,
// full hash 0; its job's "UDF running" mark removed), so decide_udf neither
// skips to it nor continues it (a rerun starts the step from scratch and
// says its outputs were discarded as damaged), and its row memo
// record goes, so no memo indexes it. The rows stay (a dataset version or
// another table's segments may name them); gc drops them with the
// checkpoints. Returns the step descriptions of the records changed.
inline std::set<std::string> discard_table(store& db, std::uint64_t table) {
    std::set<std::string> steps;
    auto b = db.batch();
    for (auto c = db.scan("K"); c->valid(); c->next()) {
        auto r = rec::unpack<checkpoint_record>(c->value(), db.location(), c->key());
        if (r.kind != static_cast<std::uint8_t>(checkpoint_kind::udf) || r.table != table) continue;
        steps.insert(r.step);
        r.complete = false;
        r.full_hi = 0;
        r.full_lo = 0;
        b->put(c->key(), rec::pack(r));
        b->del("A" + std::string(c->key().substr(1)));  // K and A keys: job, partial key
    }
    b->del("Q" + table_content_key(table).substr(1));
    db.write(*b);
    return steps;
}

// A table that a run reuses (`who`: "save \"name\"") read in full, with `rows`
// rows and `digest`: when they are not what was recorded, the table is
// discarded and the run fails with store_corrupt naming the step and table:
// damaged rows never make a version with a fresh digest.
inline void check_reused_table(store& db, const std::string& who, std::uint64_t table, std::uint64_t rows,
                               const hash128& digest) {
    auto rec = recorded_table_content(db, table);
    if (!rec) return;
    auto diff = table_content_difference(*rec, rows, digest);
    if (diff.empty()) return;
    std::string steps;
    for (const auto& s : discard_table(db, table)) steps += (steps.empty() ? "" : ", ") + s;
    throw error(error_kind::store_corrupt,
                "datachain: " + who + ": the outputs of " + (steps.empty() ? "a step" : steps) + " (table " +
                    std::to_string(table) + ") in the store at " + detail::quoted_value(db.location()) +
                    ", which this run reuses, are damaged: " + diff +
                    ". They are no longer reused: run again to compute the step anew, or restore the store from "
                    "a backup");
}

// Discards `tables` (a run that met damage, before its error goes on);
// false when there were none or the store takes no writes any more.
inline bool discard_tables(store& db, const std::vector<std::uint64_t>& tables) noexcept {
    if (tables.empty()) return false;
    try {
        for (auto t : tables) discard_table(db, t);
        return true;
    } catch (...) {  // the error being reported says what to do
        return false;
    }
}

} // namespace datachain::detail
