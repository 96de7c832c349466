// Tables made of segments: a table of outputs holds its own rows and may
// refer to runs of rows stored in earlier tables instead of copying them, so
// that a source growing by 1% per save stores each unchanged row once. See
// docs/storage.md, "Tables".
//
//   'R', u64 table, u64 at  ->  u64 from-table, u64 from, u64 count, u64 rows
//
// says: the rows of `table` at ordinals at..at+count-1 are the rows of
// `from-table` at ordinals from..from+count-1 (every sub-index), `rows` rows
// in all. A segment always names the table that stores the rows itself
// (never one whose rows are segments again), so a reader follows one level.
//
//   auto c = detail::scan_table(db, table);   // a cursor, rows in key order
//   for (; c->valid(); c->next()) use(c->key(), c->value());
//
// The keys a table cursor gives are the table's own keys ('T', table,
// ordinal, sub-index) whether the row is stored there or in an earlier table:
// readers, digests and the version check see exactly the rows a copy would
// hold. A segment whose rows are missing or damaged is error(store_corrupt).
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail {

namespace rec {
inline std::string segment_prefix(std::uint64_t table) { std::string k = "R"; key::be64(k, table); return k; }
inline std::string segment_key(std::uint64_t table, std::uint64_t at) {
    auto k = segment_prefix(table); key::be64(k, at); return k;
}
} // namespace rec

// Rows of a table at ordinals at..at+count-1 stored in table `from_table`
// at ordinals from..from+count-1.
struct segment {
    std::uint64_t at = 0;
    std::uint64_t from_table = 0;
    std::uint64_t from = 0;
    std::uint64_t count = 0;
    std::uint64_t rows = 0;
};

inline std::string pack_segment(const segment& s) {
    std::string v;
    key::be64(v, s.from_table);
    key::be64(v, s.from);
    key::be64(v, s.count);
    key::be64(v, s.rows);
    return v;
}

inline error damaged_segments(const store& db, std::uint64_t table, const std::string& what) {
    return error(error_kind::store_corrupt,
                 "datachain: table " + std::to_string(table) + " in the store at " +
                     detail::quoted_value(db.location()) + " is damaged: " + what +
                     "; the rows cannot be trusted: remove the versions that use it (or the store) and run the "
                     "chain again");
}

// The segments of `table`, in ordinal order (none for most tables).
inline std::vector<segment> load_segments(const store& db, std::uint64_t table) {
    std::vector<segment> out;
    for (auto c = db.scan(rec::segment_prefix(table)); c->valid(); c->next()) {
        auto k = c->key();
        auto v = c->value();
        if (k.size() != 17 || v.size() != 32)
            throw damaged_segments(db, table, "a segment record (key " + rec::hex(k) + ") does not decode");
        segment s{key::read_be64(k, 9), key::read_be64(v, 0), key::read_be64(v, 8), key::read_be64(v, 16),
                  key::read_be64(v, 24)};
        if (s.count == 0 || s.from_table == table || (!out.empty() && out.back().at + out.back().count > s.at))
            throw damaged_segments(db, table, "a segment record (key " + rec::hex(k) + ") is inconsistent");
        out.push_back(s);
    }
    return out;
}

// The tables whose rows `table` refers to.
inline std::set<std::uint64_t> segment_tables(const store& db, std::uint64_t table) {
    std::set<std::uint64_t> out;
    for (auto c = db.scan(rec::segment_prefix(table)); c->valid(); c->next())
        if (c->value().size() == 32) out.insert(key::read_be64(c->value(), 0));
    return out;
}

// The rows of a table that has segments, in key order, with the table's own
// keys. stored_table() / stored_key() say where the current row really is.
class table_cursor final : public cursor {
public:
    table_cursor(const store& db, std::uint64_t table, std::vector<segment> segs)
        : db_(db), table_(table), prefix_(rec::table_prefix(table)), own_(db.scan(prefix_)), segs_(std::move(segs)) {
        settle();
    }

    bool valid() const override { return state_ != state::end; }
    std::string_view key() const override {
        if (state_ == state::own) return own_->key();
        if (!key_ready_) {  // built when asked for: the memo index reads stored_key() only
            const auto& s = segs_[si_];
            key_.assign(prefix_);
            key::be64(key_, s.at + (key::read_be64(src_->key(), 9) - s.from));
            key_.append(src_->key().substr(17));
            key_ready_ = true;
        }
        return key_;
    }
    std::string_view value() const override { return state_ == state::own ? own_->value() : src_->value(); }
    void next() override {
        if (state_ == state::own) own_->next();
        else {
            src_->next();
            ++seen_;
        }
        settle();
    }
    // Moves to the first row whose key is >= k (k: this table's keys).
    void seek(std::string_view k) override {
        own_->seek(k);
        std::uint64_t o = k.size() >= 17 && k.starts_with(prefix_) ? key::read_be64(k, 9) : 0;
        if (k.size() < 17 && k > std::string_view(prefix_)) o = ~0ull;
        si_ = static_cast<std::size_t>(
            std::upper_bound(segs_.begin(), segs_.end(), o, [](std::uint64_t v, const segment& s) { return v < s.at + s.count; }) -
            segs_.begin());
        state_ = state::between;
        if (si_ < segs_.size() && segs_[si_].at <= o) {
            const auto& s = segs_[si_];
            std::string target = rec::table_prefix(s.from_table);
            key::be64(target, s.from + (o - s.at));
            if (k.size() > 17) target.append(k.substr(17));
            open_source(s.from_table);
            src_->seek(target);
            state_ = state::segment;
            checked_ = false;  // started inside the segment: its row count is not checked
        }
        settle();
    }

    std::uint64_t stored_table() const noexcept { return state_ == state::own ? table_ : segs_[si_].from_table; }
    std::string_view stored_key() const { return state_ == state::own ? own_->key() : src_->key(); }

private:
    enum class state { between, own, segment, end };

    void open_source(std::uint64_t t) {
        if (!src_ || src_table_ != t) {
            src_ = db_.scan(rec::table_prefix(t));
            src_table_ = t;
        }
    }

    void start_segment() {
        const auto& s = segs_[si_];
        std::string target = rec::table_prefix(s.from_table);
        key::be64(target, s.from);
        open_source(s.from_table);
        // Consecutive segments of one table usually continue where the last
        // one stopped: no seek then.
        if (!(src_->valid() && src_->key().size() >= 17 && key::read_be64(src_->key(), 9) == s.from))
            src_->seek(target);
        state_ = state::segment;
        seen_ = 0;
        checked_ = true;
    }

    void settle() {
        for (;;) {
            if (state_ == state::segment) {
                const auto& s = segs_[si_];
                if (src_->valid() && src_->key().size() >= 17) {
                    const auto o = key::read_be64(src_->key(), 9);
                    if (o >= s.from && o < s.from + s.count) {
                        key_ready_ = false;
                        return;
                    }
                }
                if (checked_ && seen_ != s.rows)
                    throw damaged_segments(db_, table_,
                                           "its rows at ordinals " + std::to_string(s.at) + ".." +
                                               std::to_string(s.at + s.count - 1) + " are " + std::to_string(s.rows) +
                                               " rows of table " + std::to_string(s.from_table) + ", which holds " +
                                               std::to_string(seen_) + " of them (removed or damaged)");
                ++si_;
                state_ = state::between;
            }
            const bool own = own_->valid();
            const std::uint64_t o = own && own_->key().size() >= 17 ? key::read_be64(own_->key(), 9) : 0;
            if (si_ < segs_.size() && (!own || segs_[si_].at <= o)) {
                start_segment();
                continue;
            }
            state_ = own ? state::own : state::end;
            return;
        }
    }

    const store& db_;
    std::uint64_t table_;
    std::string prefix_;
    std::unique_ptr<cursor> own_;
    std::vector<segment> segs_;
    std::size_t si_ = 0;
    std::unique_ptr<cursor> src_;
    std::uint64_t src_table_ = 0;
    std::uint64_t seen_ = 0;
    bool checked_ = true;
    mutable std::string key_;
    mutable bool key_ready_ = false;
    state state_ = state::between;
};

// The rows of `table` in key order, following its segments: a plain scan
// when it has none.
inline std::unique_ptr<cursor> scan_table(const store& db, std::uint64_t table) {
    auto segs = load_segments(db, table);
    if (segs.empty()) return db.scan(rec::table_prefix(table));
    return std::make_unique<table_cursor>(db, table, std::move(segs));
}

// The rows of `table` in key order, following its segments (if any), as a
// table_cursor: stored_table() / stored_key() say where each row is stored
// (the memo index records that).
inline std::unique_ptr<table_cursor> open_table_cursor(const store& db, std::uint64_t table) {
    return std::make_unique<table_cursor>(db, table, load_segments(db, table));
}

// Whether `table` holds a row at `ordinal` (sub-index 0), stored or through
// a segment; `segs` = load_segments(db, table).
inline bool table_has(const store& db, std::uint64_t table, const std::vector<segment>& segs, std::uint64_t ordinal) {
    auto it = std::upper_bound(segs.begin(), segs.end(), ordinal,
                               [](std::uint64_t v, const segment& s) { return v < s.at + s.count; });
    if (it != segs.end() && it->at <= ordinal) return true;
    return db.get(rec::row_key(table, ordinal, 0)).has_value();
}

} // namespace datachain::detail
