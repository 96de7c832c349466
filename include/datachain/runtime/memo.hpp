// The row memo: a UDF step reuses the outputs of every input it has seen
// before with the same code, whatever else changed in the source (rows
// added, removed, reordered or modified elsewhere). See docs/storage.md,
// "Row-level reuse".
//
// Nothing is written twice for it: the memo is the step's earlier tables of
// outputs, found by the step's memo id and indexed by input id when a run
// needs them.
//
//   memo id    = the step's full hash (code, parameters, outputs), the column
//                paths its parameters resolve to, and the stored type
//   input id   = XXH3-128 of the codec encoding of the values the UDF reads:
//                its bound columns (map, gen), or the partition key, the row
//                count and every row's bound columns in order (agg). For
//                read_storage the bound File carries source, path, size,
//                mtime, etag and version: a rewritten file is a new input.
//   Q key      = 'Q', u64 table  ->  memo id (16 bytes), complete (1 byte):
//                the table holds outputs of the step with this memo id
//
// map tables hold input row + outputs, so the input id of a stored row is
// recomputed from the row; gen and agg store each input's id as the value of
// its done mark ('X'). A run whose step computes (not a skip) looks for the
// tables with its memo id, newest first, down to the third-newest complete
// one (partial tables of failed runs in between add their progress), scans
// them once into a sorted index of (input id -> table, ordinal), and takes
// the outputs of every input found there instead of calling the UDF. A
// first run finds no table and pays nothing. A step that writes a table
// refers to reused outputs through a segment of it (segments.hpp) instead
// of copying them (map: when the stored row's input columns are this
// input's); for gen and agg the segment marks those inputs done, and their
// ids are the done marks of the table that stores their rows.
#pragma once

#include <datachain/core/hash.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/store.hpp>

#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail::exec {

namespace memo_key {
inline std::string table(std::uint64_t t) {
    std::string k = "Q";
    key::be64(k, t);
    return k;
}
} // namespace memo_key

inline hash128 xxh3_128(std::string_view bytes) noexcept {
    auto h = XXH3_128bits(bytes.data(), bytes.size());
    return {h.high64, h.low64};
}

inline std::string hash_bytes(const hash128& h) {
    std::string s;
    key::h128(s, h);
    return s;
}
inline hash128 read_hash(std::string_view s) { return {key::read_be64(s, 0), key::read_be64(s, 8)}; }

// Encodes the values the UDF reads from row `r` (through binder B) into buf.
// For map, `r` may also be an output row: its input columns come first.
template <class B, class Row>
void encode_bound(std::string& buf, const Row& r) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (encode(buf, B::template one<I>::get(r)), ...);
    }(std::make_index_sequence<B::arity>{});
}

// The identity of one input row of a map or gen step.
template <class B, class Row>
hash128 row_input_id(const Row& r) {
    thread_local std::string buf;  // once per input: no allocation each time
    buf.clear();
    encode_bound<B>(buf, r);
    return xxh3_128(buf);
}

// How many complete earlier tables a run indexes (with the partial ones newer
// than the last of them): the same step over another source in between (a
// small test run, another chain) does not hide the big earlier run.
inline constexpr int max_complete_sources = 3;

// Where the outputs of an input are stored: table and ordinal (always the
// table that stores the rows itself, never one that refers to them through
// a segment, segments.hpp; for gen and agg that table holds the input's
// done mark too). map: `whole` is the XXH3-64 of the stored row's
// input columns (their encoding), so that a row whose columns the UDF does
// not read are equal too can be referred to instead of copied.
struct memo_loc {
    std::uint64_t table = 0;
    std::uint64_t ordinal = 0;
    std::uint64_t whole = 0;
    std::uint64_t value = 0;  // map: row_digest::value_hash of the stored row
};

// The memo of one UDF step in one run.
class row_memo {
public:
    row_memo() = default;
    // read: look inputs up (checkpoints on and not ignored); own: the table
    // this run writes (registered under `id`; 0: none).
    row_memo(store& db, const hash128& id, bool read, std::uint64_t own) : db_(&db), id_(id), own_(own) {
        if (own_) db.put(memo_key::table(own_), hash_bytes(id_) + std::string(1, '\0'));
        if (!read) return;
        std::vector<std::pair<std::uint64_t, bool>> mine;  // (table, complete)
        for (auto c = db.scan("Q"); c->valid(); c->next()) {
            auto k = c->key();
            auto v = c->value();
            if (k.size() != 9 || v.size() != 17) continue;
            auto t = key::read_be64(k, 1);
            if (t != own_ && read_hash(v) == id_) mine.emplace_back(t, v[16] != '\0');
        }
        std::sort(mine.begin(), mine.end(), [](auto& a, auto& b) { return a.first > b.first; });
        int complete_seen = 0;
        for (auto& [t, complete] : mine) {
            sources_.push_back(t);
            if (complete && ++complete_seen == max_complete_sources) break;
        }
    }

    const hash128& id() const noexcept { return id_; }
    // The tables to index, newest first.
    const std::vector<std::uint64_t>& sources() const noexcept { return sources_; }
    bool reads() const noexcept { return !sources_.empty(); }

    // Builds the index: `scan(table, add)` calls add(input id, location) for
    // every input `table` holds (stored, or through a segment), and returns
    // false when the table proved unusable (what it added is dropped).
    // Newer tables win.
    template <class Scan>
    void build(Scan&& scan) {
        for (auto t : sources_) {
            const auto before = index_.size();
            if (!scan(t, [&](const hash128& input, const memo_loc& at) { index_.push_back({input, at}); }))
                index_.resize(before);
        }
        sort_index();
    }

    std::optional<memo_loc> find(const hash128& input) const {
        auto it = std::lower_bound(index_.begin(), index_.end(), input,
                                   [](const auto& e, const hash128& h) { return e.first < h; });
        if (it == index_.end() || !(it->first == input)) return std::nullopt;
        return it->second;
    }
    std::size_t size() const noexcept { return index_.size(); }
    // Stops reuse for this run (an earlier table cannot be read).
    void disable() noexcept {
        sources_.clear();
        index_.clear();
    }

    // The step ran to its end: its table is a complete memo source.
    void complete() const {
        if (own_) db_->put(memo_key::table(own_), hash_bytes(id_) + std::string(1, '\1'));
    }

private:
    // Not in build(): one sort per program, not one per step type.
    void sort_index() {
        // Stable: for equal ids the newest table (scanned first) comes first.
        std::stable_sort(index_.begin(), index_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
    }

    store* db_ = nullptr;
    hash128 id_{};
    std::uint64_t own_ = 0;
    std::vector<std::uint64_t> sources_;
    std::vector<std::pair<hash128, memo_loc>> index_;
};

} // namespace datachain::detail::exec
