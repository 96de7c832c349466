// Rows sorted by a byte key, in memory while small, through a temporary
// file of sorted runs (spill.hpp) past a byte limit: the sort of order_by and
// of a large agg's partitions. Past the limit, each `limit` bytes of rows are
// sorted in memory and written as one run; finish() opens a reader per run
// and next() merges them.
//
//   detail::sorted_rows<Row> s(db.location(), cfg.spill_bytes);
//   for (...) s.add(key, std::move(row));   // key: sort_key.hpp encoding (copied)
//   s.finish();
//   while (s.next(out, 4096)) use(out);
//
// add() appends a be64 sequence number to each key, so equal keys keep their
// input order (the sort is stable) and both paths give exactly the same
// order: memory sorts and merges the same byte strings (compared as unsigned
// bytes). Until the first run is written rows are held as they came; after
// it, encoded (codec.hpp) in one buffer with their keys, which is what a run
// stores, so a row is encoded once and decoded once on its way through the
// file.
// Memory: the rows of one run (about `limit` bytes: their estimated size in
// memory, then their encoded size) while adding; a read buffer per run while
// reading (together about max(limit, 16 MiB), each 16 KiB to 1 MiB). The
// file is closed (and so freed) when the rows have been read or the object
// is destroyed. Not thread-safe.
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/spill.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail {

template <class Row>
class sorted_rows {
public:
    // `location`: the store's (store::location()); spill files are made in
    // its directory, or the OS temporary directory if it has none.
    sorted_rows(std::string location, std::size_t limit) : where_(std::move(location)), limit_(limit) {}

    void add(std::string_view key, Row&& row) {
        if (spill_) {
            // Spilling: the key and the encoded row go straight into the
            // buffer of the next run.
            ent e{0, arena_.size(), static_cast<std::uint32_t>(key.size() + 8), 0};
            arena_.append(key);
            append_be(arena_, seq_++);
            e.pre = key_prefix(std::string_view(arena_).substr(e.off, e.klen));
            encode(arena_, row);
            e.vlen = static_cast<std::uint32_t>(arena_.size() - e.off - e.klen);
            ents_.push_back(e);
            if (arena_.size() + ents_.size() * sizeof(ent) > std::max(limit_, min_run)) write_arena_run();
            return;
        }
        std::string k;
        k.reserve(key.size() + 8);
        k.append(key);
        append_be(k, seq_++);
        enc_.clear();
        encode(enc_, row);
        // What holding it costs, roughly: the pair, the key's and the row's
        // heap bytes (about its codec size).
        held_ += sizeof(std::pair<std::string, Row>) + k.size() + enc_.size();
        mem_.emplace_back(std::move(k), std::move(row));
        if (held_ > limit_) write_first_run();
    }
    // Writes what is held as a run now, so later rows go straight to the
    // next run's buffer (for a caller that knows its input is large).
    void spill_now() {
        if (!spill_) write_first_run();
    }
    std::uint64_t size() const noexcept { return seq_; }
    bool spilled() const noexcept { return !runs_.empty(); }
    // After finish(), when spilled(): the runs written and their bytes in
    // the file (records with their keys, as encoded), for the report line.
    std::size_t runs() const noexcept { return runs_.size(); }
    std::uint64_t file_bytes() const noexcept { return file_bytes_; }

    // No add() after this.
    void finish() {
        if (!spill_) {
            sort_held();
            return;
        }
        if (!ents_.empty()) write_arena_run();
        file_bytes_ = spill_->bytes();
        std::string().swap(arena_);
        std::vector<ent>().swap(ents_);
        const std::size_t per =
            std::clamp<std::size_t>(std::max<std::size_t>(limit_, 16u << 20) / std::max<std::size_t>(runs_.size(), 1),
                                    16u << 10, 1u << 20);
        heads_.reserve(runs_.size());
        for (auto r : runs_) {
            heads_.emplace_back(*spill_, r, per);
            if (!heads_.back().valid()) heads_.pop_back();
        }
        order_.resize(heads_.size());
        for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<std::uint32_t>(i);
        std::make_heap(order_.begin(), order_.end(), later());
    }

    // Up to n rows in order into `out` (cleared); false at the end. With
    // `lead`, also the first 8 bytes of each row's key (as given to add())
    // read as a big-endian u64, in the same order.
    bool next(std::vector<Row>& out, std::size_t n, std::vector<std::uint64_t>* lead = nullptr) {
        out.clear();
        if (lead) lead->clear();
        if (!spill_) {
            for (; at_ < mem_.size() && out.size() < n; ++at_) {
                if (lead) lead->push_back(load_be<std::uint64_t>(mem_[at_].first, 0));
                out.push_back(std::move(mem_[at_].second));
            }
            if (at_ == mem_.size()) std::vector<std::pair<std::string, Row>>().swap(mem_), at_ = 0;
            return !out.empty();
        }
        const auto cmp = later();
        while (!order_.empty() && out.size() < n) {
            std::pop_heap(order_.begin(), order_.end(), cmp);
            auto& h = heads_[order_.back()];
            if (lead) lead->push_back(load_be<std::uint64_t>(h.key(), 0));
            out.push_back(decode<Row>(h.value()));
            h.next();
            if (h.valid()) {
                std::push_heap(order_.begin(), order_.end(), cmp);
            } else {
                order_.pop_back();
            }
        }
        if (order_.empty() && !heads_.empty()) {
            heads_.clear();
            spill_.reset();  // frees the file
        }
        return !out.empty();
    }

private:
    // A row held encoded: key at arena_[off, off+klen), row after it; `pre`
    // is the key's first 8 bytes (zero-padded) as a big-endian number, so
    // most comparisons of the sort are one integer comparison.
    struct ent {
        std::uint64_t pre;
        std::size_t off;
        std::uint32_t klen, vlen;
    };

    // Heap order over heads_ by current key: the smallest on top.
    auto later() const {
        return [this](std::uint32_t a, std::uint32_t b) {
            const auto &x = heads_[a], &y = heads_[b];
            if (x.prefix() != y.prefix()) return x.prefix() > y.prefix();
            return x.key() > y.key();
        };
    }
    void sort_held() {
        std::sort(mem_.begin(), mem_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    // The rows held as they came, sorted, as the first run.
    void write_first_run() {
        spill_ = std::make_unique<spill_file>(where_);
        arena_.reserve(std::max(limit_, min_run) + (64u << 10));  // address space: pages come as written
        sort_held();
        for (auto& [key, r] : mem_) {
            enc_.clear();
            encode(enc_, r);
            spill_->append(key, enc_);
        }
        runs_.push_back(spill_->end_run());
        std::vector<std::pair<std::string, Row>>().swap(mem_);
        std::string().swap(enc_);
        held_ = 0;
    }
    // The rows held encoded, sorted by key, as a run.
    void write_arena_run() {
        const char* a = arena_.data();
        std::sort(ents_.begin(), ents_.end(), [a](const ent& x, const ent& y) {
            if (x.pre != y.pre) return x.pre < y.pre;
            return std::string_view(a + x.off, x.klen) < std::string_view(a + y.off, y.klen);
        });
        for (const auto& e : ents_)
            spill_->append(std::string_view(a + e.off, e.klen), std::string_view(a + e.off + e.klen, e.vlen));
        runs_.push_back(spill_->end_run());
        arena_.clear();
        ents_.clear();
    }

    // Once spilling, runs are at least min_run bytes (limit 0 or a tiny
    // limit would make a run of every row, and a reader for each).
    static constexpr std::size_t min_run = 64u << 10;
    std::string where_;
    std::size_t limit_;
    std::uint64_t seq_ = 0;
    std::size_t held_ = 0;
    std::string enc_;
    std::vector<std::pair<std::string, Row>> mem_;
    std::size_t at_ = 0;
    std::string arena_;
    std::vector<ent> ents_;
    std::vector<spill_file::run> runs_;
    std::uint64_t file_bytes_ = 0;
    std::unique_ptr<spill_file> spill_;
    std::vector<spill_run> heads_;      // destroyed before spill_
    std::vector<std::uint32_t> order_;  // a heap of indices into heads_
};

} // namespace datachain::detail
