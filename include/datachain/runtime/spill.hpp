// A temporary table of the store: where order_by and agg put their input
// when it is larger than settings::spill_bytes. LevelDB keeps keys sorted, so
// rows written under an order-preserving key (sort_key.hpp) come back sorted:
// an external sort without a merge step of our own.
//
//   detail::spill_table t(db, a.new_table());   // a fresh table id, kept from gc
//   t.put(sort_key + be64(seq), encoded_row);
//   t.flush();
//   for (auto c = t.scan(); c->valid(); c->next()) { ...; t.erase(c->key()); }
//   t.drop();                                   // also done by the destructor
//
// Keys are `T` + be64(table) + the caller's suffix, so the table looks like
// any table of outputs to the store's tools: no checkpoint or dataset record
// names it, so it is never listed, `datachain verify` never reads it, and
// gc() removes it if a crash left it behind (a live process's tables are
// kept, session_access::new_table). Rows are deleted as they are read
// (erase) and whatever is left by drop(); nothing outlives the run.
//
// Not thread-safe: one stage owns a spill_table. Writes go in batches of
// about 4 MiB, not fsync'ed (the store adapter's writes never are).
#pragma once

#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace datachain::detail {

class spill_table {
public:
    spill_table(store& db, std::uint64_t table)
        : db_(db), table_(table), prefix_(rec::table_prefix(table)), b_(db.batch()) {}
    spill_table(const spill_table&) = delete;
    spill_table& operator=(const spill_table&) = delete;
    ~spill_table() {
        try {
            drop();
        } catch (...) {
            // Left for gc(): the table is named by no record.
        }
    }

    std::uint64_t id() const noexcept { return table_; }
    // Bytes before the caller's suffix in every key.
    std::size_t prefix_size() const noexcept { return prefix_.size(); }

    void put(std::string_view suffix, std::string_view value) {
        key_.assign(prefix_);
        key_.append(suffix);
        b_->put(key_, value);
        written_ = true;
        if (b_->bytes() >= batch_bytes) flush();
    }
    // Removes a row by its full key (as a cursor of scan() gives it).
    void erase(std::string_view full_key) {
        b_->del(full_key);
        if (b_->bytes() >= batch_bytes) flush();
    }
    void flush() {
        if (b_->bytes() == 0) return;
        db_.write(*b_);
        b_->clear();
    }
    // The rows whose suffix starts with `sub`, in key order. Call flush()
    // first: rows still in the batch are not seen.
    std::unique_ptr<cursor> scan(std::string_view sub = {}) const {
        return db_.scan(sub.empty() ? prefix_ : prefix_ + std::string(sub));
    }
    // Deletes every row left. Idempotent.
    void drop() {
        if (!written_) return;
        flush();
        for (auto c = scan(); c->valid(); c->next()) erase(c->key());
        flush();
        written_ = false;
    }

private:
    static constexpr std::size_t batch_bytes = 4u << 20;
    store& db_;
    std::uint64_t table_;
    std::string prefix_;
    std::unique_ptr<write_batch> b_;
    std::string key_;
    bool written_ = false;
};

} // namespace datachain::detail
