// A store held in memory, behind the same interface as the LevelDB adapter:
// for tests that do not test LevelDB itself, and the proof that the store
// interface is a real seam.
//
//   dc::session s(dc::settings{.root = "memory:my-test"});   // see open_store()
//   auto db = datachain::make_memory_store("scratch");         // or directly
//
// Ordered keys (std::map), atomic batches, cursors over a snapshot taken at
// scan() (as a LevelDB iterator sees the database as of its creation).
// Thread-safe. Nothing is written to disk; the contents live as long as the
// store object.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/store.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain {

namespace detail {

class memory_batch final : public write_batch {
public:
    void put(std::string_view k, std::string_view v) override {
        ops_.push_back({std::string(k), std::string(v), false});
        bytes_ += k.size() + v.size();
    }
    void del(std::string_view k) override {
        ops_.push_back({std::string(k), {}, true});
        bytes_ += k.size();
    }
    std::size_t bytes() const override { return bytes_; }
    void clear() override {
        ops_.clear();
        bytes_ = 0;
    }
    struct op {
        std::string key, value;
        bool erase;
    };
    std::vector<op> ops_;
    std::size_t bytes_ = 0;
};

class memory_cursor final : public cursor {
public:
    memory_cursor(std::vector<std::pair<std::string, std::string>> rows, std::string prefix)
        : rows_(std::move(rows)), prefix_(std::move(prefix)) {}
    bool valid() const override { return at_ < rows_.size(); }
    std::string_view key() const override { return rows_[at_].first; }
    std::string_view value() const override { return rows_[at_].second; }
    void next() override { ++at_; }
    void seek(std::string_view k) override {
        std::string_view target = k < std::string_view(prefix_) ? std::string_view(prefix_) : k;
        at_ = 0;
        std::size_t lo = 0, hi = rows_.size();
        while (lo < hi) {
            std::size_t mid = lo + (hi - lo) / 2;
            if (std::string_view(rows_[mid].first) < target) lo = mid + 1;
            else hi = mid;
        }
        at_ = lo;
    }

private:
    std::vector<std::pair<std::string, std::string>> rows_;
    std::string prefix_;
    std::size_t at_ = 0;
};

class memory_store final : public store {
public:
    explicit memory_store(std::string name) : name_(std::move(name)) {}

    std::optional<std::string> get(std::string_view k) const override {
        std::shared_lock l(m_);
        auto it = data_.find(k);
        if (it == data_.end()) return std::nullopt;
        return it->second;
    }
    void put(std::string_view k, std::string_view v) override {
        std::unique_lock l(m_);
        data_.insert_or_assign(std::string(k), std::string(v));
    }
    void del(std::string_view k) override {
        std::unique_lock l(m_);
        if (auto it = data_.find(k); it != data_.end()) data_.erase(it);
    }
    std::unique_ptr<write_batch> batch() const override { return std::make_unique<memory_batch>(); }
    void write(write_batch& b) override {
        auto& mb = dynamic_cast<memory_batch&>(b);
        std::unique_lock l(m_);
        for (auto& o : mb.ops_) {
            if (o.erase) {
                if (auto it = data_.find(o.key); it != data_.end()) data_.erase(it);
            } else {
                data_.insert_or_assign(o.key, o.value);
            }
        }
    }
    std::unique_ptr<cursor> scan(std::string_view prefix) const override {
        std::vector<std::pair<std::string, std::string>> rows;
        {
            std::shared_lock l(m_);
            for (auto it = data_.lower_bound(prefix); it != data_.end() && std::string_view(it->first).starts_with(prefix);
                 ++it)
                rows.emplace_back(it->first, it->second);
        }
        return std::make_unique<memory_cursor>(std::move(rows), std::string(prefix));
    }
    const std::string& location() const override { return name_; }

private:
    std::string name_;
    mutable std::shared_mutex m_;
    std::map<std::string, std::string, std::less<>> data_;
};

} // namespace detail

DATACHAIN_INLINE std::shared_ptr<store> make_memory_store(std::string name);

} // namespace datachain

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/memory_store.ipp>
#endif
