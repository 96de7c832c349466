// Rows sorted by a byte key, in memory while small, through a temporary
// table of the store (spill.hpp) past a byte limit: the sort of order_by and
// of a large agg's partitions. Past the limit, each `limit` bytes of rows are
// sorted in memory and written as one run (keys: be32 run, key, be64
// position); finish() opens a cursor per run and next() merges them.
//
//   detail::sorted_rows<Row> s(db, cfg.spill_bytes, [&] { return a.new_table(); });
//   for (...) s.add(key, std::move(row));   // key: sort_key.hpp encoding
//   s.finish();
//   while (s.next(out, 4096)) use(out);
//
// add() appends a be64 sequence number to each key, so equal keys keep their
// input order (the sort is stable) and both paths give exactly the same
// order: memory sorts and merges the same byte strings LevelDB's
// comparator sorts. Writing whole sorted runs (not rows in random key order)
// keeps LevelDB from rewriting the table in compactions while it is filled.
// Memory: the rows of one run (about `limit` bytes, their estimated size in
// memory) while adding; one cursor per run and a batch of rows while reading.
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
        // What holding it costs, roughly: the pair, the key's and the row's
        // heap bytes (about its codec size).
        held_ += sizeof(std::pair<std::string, Row>) + key.size() + enc_.size();
        mem_.emplace_back(std::move(key), std::move(row));
        // Once spilling, runs are at least min_run bytes (limit 0 or a tiny
        // limit would make a run of every row, and a cursor for each).
        if (held_ > (spill_ ? std::max(limit_, min_run) : limit_)) write_run();
    }
    std::uint64_t size() const noexcept { return seq_; }
    bool spilled() const noexcept { return spill_.has_value(); }

    // No add() after this.
    void finish() {
        if (!spill_) {
            sort_held();
            return;
        }
        if (!mem_.empty()) write_run();
        spill_->flush();
        for (std::uint32_t r = 0; r < runs_; ++r) {
            std::string p;
            append_be(p, r);
            auto c = spill_->scan(p);
            if (c->valid()) heads_.push_back({std::move(c)});
        }
        heapify();
    }

    // Up to n rows in order into `out` (cleared); false at the end.
    bool next(std::vector<Row>& out, std::size_t n) {
        out.clear();
        if (!spill_) {
            for (; at_ < mem_.size() && out.size() < n; ++at_) out.push_back(std::move(mem_[at_].second));
            if (at_ == mem_.size()) std::vector<std::pair<std::string, Row>>().swap(mem_), at_ = 0;
            return !out.empty();
        }
        while (!heads_.empty() && out.size() < n) {
            std::pop_heap(heads_.begin(), heads_.end(), later_);
            auto& c = heads_.back().c;
            out.push_back(decode<Row>(c->value()));
            spill_->erase(c->key());
            c->next();
            if (c->valid()) {
                std::push_heap(heads_.begin(), heads_.end(), later_);
            } else {
                heads_.pop_back();
            }
        }
        if (heads_.empty() && !dropped_) {
            spill_->drop();
            dropped_ = true;
        }
        return !out.empty();
    }

private:
    struct head {
        std::unique_ptr<cursor> c;
    };
    // Run prefix (4 bytes) then the caller's key: heads compare by the key.
    std::size_t skip() const { return spill_->prefix_size() + 4; }
    void heapify() {
        later_ = [k = skip()](const head& a, const head& b) { return a.c->key().substr(k) > b.c->key().substr(k); };
        std::make_heap(heads_.begin(), heads_.end(), later_);
    }
    void sort_held() {
        std::sort(mem_.begin(), mem_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    // One sorted run: its keys are contiguous and written in order, so
    // LevelDB stores the runs side by side without rewriting them; next()
    // merges the runs.
    void write_run() {
        if (!spill_) spill_.emplace(db_, new_table_());
        sort_held();
        std::string k, e;
        for (auto& [key, r] : mem_) {
            k.clear();
            append_be(k, runs_);
            k.append(key);
            e.clear();
            encode(e, r);
            spill_->put(k, e);
        }
        ++runs_;
        std::vector<std::pair<std::string, Row>>().swap(mem_);
        held_ = 0;
    }

    static constexpr std::size_t min_run = 64u << 10;
    store& db_;
    std::size_t limit_;
    std::function<std::uint64_t()> new_table_;
    std::uint64_t seq_ = 0;
    std::size_t held_ = 0;
    std::string enc_;
    std::vector<std::pair<std::string, Row>> mem_;
    std::size_t at_ = 0;
    std::uint32_t runs_ = 0;
    bool dropped_ = false;
    std::optional<spill_table> spill_;
    std::vector<head> heads_;  // destroyed before spill_
    std::function<bool(const head&, const head&)> later_;
};

} // namespace datachain::detail
