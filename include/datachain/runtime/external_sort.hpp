// Rows sorted by a byte key, in memory while small, through a temporary
// table of the store (spill.hpp) past a byte limit: the sort of order_by.
//
//   detail::sorted_rows<Row> s(db, cfg.spill_bytes, [&] { return a.new_table(); });
//   for (...) s.add(key, std::move(row));   // key: sort_key.hpp encoding
//   s.finish();
//   while (s.next(out, 4096)) use(out);
//
// add() appends a be64 sequence number to each key, so equal keys keep their
// input order (the sort is stable) and both paths give exactly the same
// order: memory sorts the same byte strings LevelDB's comparator sorts.
// Memory: the rows held (about `limit` bytes: their estimated in-memory size)
// until the limit is passed; after that a batch of rows at a time.
// The temporary table is dropped when the rows have been read or the object
// is destroyed. Not thread-safe.
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/spill.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace datachain::detail {

template <class Row>
class sorted_rows {
public:
    sorted_rows(store& db, std::size_t limit, std::function<std::uint64_t()> new_table)
        : db_(db), limit_(limit), new_table_(std::move(new_table)) {}

    void add(std::string key, Row&& row) {
        append_be(key, seq_++);
        enc_.clear();
        encode(enc_, row);
        if (!spill_) {
            // What holding it costs, roughly: the pair, the key's and the
            // row's heap bytes (about its codec size).
            held_ += sizeof(std::pair<std::string, Row>) + key.size() + enc_.size();
            mem_.emplace_back(std::move(key), std::move(row));
            if (held_ > limit_) spill_all();
            return;
        }
        spill_->put(key, enc_);
    }
    std::uint64_t size() const noexcept { return seq_; }
    bool spilled() const noexcept { return spill_.has_value(); }

    // No add() after this.
    void finish() {
        if (spill_) {
            spill_->flush();
            cur_ = spill_->scan();
        } else {
            std::sort(mem_.begin(), mem_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        }
    }

    // Up to n rows in order into `out` (cleared); false at the end.
    bool next(std::vector<Row>& out, std::size_t n) {
        out.clear();
        if (!spill_) {
            for (; at_ < mem_.size() && out.size() < n; ++at_) out.push_back(std::move(mem_[at_].second));
            if (at_ == mem_.size()) std::vector<std::pair<std::string, Row>>().swap(mem_), at_ = 0;
            return !out.empty();
        }
        for (; cur_ && cur_->valid() && out.size() < n; cur_->next()) {
            out.push_back(decode<Row>(cur_->value()));
            spill_->erase(cur_->key());
        }
        if (cur_ && !cur_->valid()) {
            cur_.reset();
            spill_->drop();
        }
        return !out.empty();
    }

private:
    void spill_all() {
        spill_.emplace(db_, new_table_());
        std::string e;
        for (auto& [k, r] : mem_) {
            e.clear();
            encode(e, r);
            spill_->put(k, e);
        }
        std::vector<std::pair<std::string, Row>>().swap(mem_);
    }

    store& db_;
    std::size_t limit_;
    std::function<std::uint64_t()> new_table_;
    std::uint64_t seq_ = 0;
    std::size_t held_ = 0;
    std::string enc_;
    std::vector<std::pair<std::string, Row>> mem_;
    std::size_t at_ = 0;
    std::optional<spill_table> spill_;
    std::unique_ptr<cursor> cur_;
};

} // namespace datachain::detail
