// The encoded rows of a saved version, in order: the one place that knows
// where a version's rows are and how a full read is checked. Both readers
// use it: dataset<S> (typed, dataset.hpp) and dynamic_dataset (the stored
// schema, dynamic_dataset.hpp).
//
//   detail::version_rows rows(db, record);
//   for (; !rows.done(); rows.next()) use(rows.value());   // the encoded row
//
// Reaching the end checks the rows read against the version's row count and
// content digest (digest.hpp): damage is error(store_corrupt), never fewer
// rows. damaged_row(e) is the error for a row that does not decode.
//
// version_iterator<Row, Decode> is both readers' input iterator over those
// rows: Decode (a default-constructible callable) turns the encoded row into
// the Row it holds; no_version_error is their "no such dataset" error.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/store.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace datachain::detail {

class version_rows {
public:
    version_rows(std::shared_ptr<store> db, dataset_record r)
        : db_(std::move(db)), rec_(std::move(r)), c_(scan_table(*db_, rec_.table)), digest_(rec_.digest_kind) {
        settle();
    }

    // True past the last row (the count and digest were then checked).
    bool done() const noexcept { return done_; }
    std::string_view key() const { return c_->key(); }
    std::string_view value() const { return c_->value(); }
    void next() {
        c_->next();
        settle();
    }

    const dataset_record& record() const noexcept { return rec_; }
    const store& db() const noexcept { return *db_; }

    // The error for the current row when it does not decode (`e` says why).
    error damaged_row(const error& e) const {
        return error(error_kind::store_corrupt,
                     "datachain: a stored row of dataset '" + rec_.name + "' version " + rec_.version + " (key " +
                         rec::hex(std::string(c_->key())) + ") in the store at " +
                         detail::quoted_value(db_->location()) + " is damaged: " + e.what() +
                         "; the rows cannot be trusted: remove that version (or the store) and run the chain again");
    }

private:
    void settle() {
        if (!c_->valid()) {
            done_ = true;
            check_version_content(*db_, rec_, digest_.rows(), digest_.finish());
            return;
        }
        digest_.add(c_->key(), c_->value());
    }

    std::shared_ptr<store> db_;
    dataset_record rec_;
    std::unique_ptr<cursor> c_;
    row_digest digest_;
    bool done_ = false;
};

// An input iterator over a version's rows; the end is std::default_sentinel.
// `first` is the row object the values are decoded into (a dynamic row
// carries its schema); an iterator made without a store has no rows.
template <class Row, class Decode>
class version_iterator {
public:
    using value_type = Row;
    using reference = const Row&;
    using pointer = const Row*;
    using difference_type = std::ptrdiff_t;
    // All four nested types, so std::iterator_traits has them (range-v3's
    // counted_iterator, used by views::take, reads its traits there).
    using iterator_category = std::input_iterator_tag;

    version_iterator() = default;
    version_iterator(std::shared_ptr<store> db, const dataset_record& r, Row first = {}) : cur_(std::move(first)) {
        if (!db) return;
        st_ = std::make_shared<version_rows>(std::move(db), r);
        load();
    }
    const Row& operator*() const { return cur_; }
    const Row* operator->() const { return &cur_; }
    version_iterator& operator++() {
        auto rows = std::move(st_);  // at the end (or on an error) while the rows are checked
        rows->next();
        st_ = std::move(rows);
        load();
        return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const version_iterator& a, std::default_sentinel_t) { return !a.st_; }

private:
    void load() {
        if (st_->done()) {
            st_.reset();
            return;
        }
        try {
            Decode{}(st_->value(), cur_);
        } catch (const error& e) {
            auto rows = std::move(st_);
            throw rows->damaged_row(e);
        }
    }
    std::shared_ptr<version_rows> st_;
    Row cur_{};
};

// error(not_found) for a dataset (version "" = any) missing from the store at `location`.
inline error no_version_error(std::string_view name, std::string_view version, const std::string& location) {
    return error(error_kind::not_found, "datachain: no dataset '" + std::string(name) + "'" +
                                            (version.empty() ? std::string{} : " version " + std::string(version)) +
                                            " in the store at " + detail::quoted_value(location));
}

} // namespace datachain::detail
