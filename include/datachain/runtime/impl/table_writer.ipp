// Definitions for stages/table_writer.hpp: inline (header-only), or compiled
// once with DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail::exec {

DATACHAIN_INLINE bool table_writer::digest(std::uint64_t& hi, std::uint64_t& lo) const {
    if (!dg_ || dg_->rows() != produced_) return false;
    auto h = dg_->finish();
    hi = h.hi;
    lo = h.lo;
    return true;
}

DATACHAIN_INLINE const std::string& table_writer::row_key(std::uint64_t ordinal, std::uint32_t sub) {
    key_.assign(1, 'T');
    key::be64(key_, table_);
    key::be64(key_, ordinal);
    key::be32(key_, sub);
    return key_;
}

DATACHAIN_INLINE void table_writer::put_row(write_batch& b, std::uint64_t ordinal, std::string_view enc) {
    const auto& k = row_key(ordinal, 0);
    if (dg_ || sum_) add_row(k, row_digest::value_hash(enc));
    b.put(k, enc);
    ++produced_;
}

DATACHAIN_INLINE void table_writer::put_outputs(write_batch& b, std::uint64_t ordinal,
                                                const std::vector<std::string>& enc, const hash128& id) {
    for (std::size_t j = 0; j < enc.size(); ++j) {
        const auto& k = row_key(ordinal, static_cast<std::uint32_t>(j));
        if (dg_ || sum_) add_row(k, row_digest::value_hash(enc[j]));
        b.put(k, enc[j]);
    }
    mark_done(b, ordinal, id);
    produced_ += enc.size();
}

DATACHAIN_INLINE void table_writer::mark_done(write_batch& b, std::uint64_t ordinal, const hash128& id) {
    const auto k = rec::done_key(table_, ordinal);
    const auto v = hash_bytes(id);
    add_mark(k, v);
    b.put(k, v);
}

DATACHAIN_INLINE void table_writer::add_mark(std::string_view key, std::string_view id) {
    if (!sum_) return;
    sum_->add_mark(key, row_digest::value_hash(id));
    sum_changed_ = true;
}

DATACHAIN_INLINE bool table_writer::refer(write_batch& b, std::uint64_t ordinal, const memo_loc& at,
                                          std::uint64_t rows, const std::uint64_t* hashes, const hash128* id) {
    auto& s = seg_;
    const bool continues =
        s.count && s.from_table == at.table && s.from + s.count == at.ordinal && s.at + s.count == ordinal;
    if (!continues) {
        close_segment(b);
        if (rows == 0) return false;  // nothing to refer to
        s = segment{ordinal, at.table, at.ordinal, 0, 0};
    }
    if (dg_ || sum_)
        for (std::uint64_t j = 0; j < rows; ++j) add_row(row_key(ordinal, static_cast<std::uint32_t>(j)), hashes[j]);
    ++s.count;
    s.rows += rows;
    seg_written_ = false;
    produced_ += rows;
    if (id) add_mark(rec::done_key(table_, ordinal), hash_bytes(*id));  // the mark `at` holds (add_done_marks)
    return true;
}

DATACHAIN_INLINE void table_writer::close_segment(write_batch& b) {
    commit(b);
    seg_ = segment{};
}

DATACHAIN_INLINE void table_writer::commit(write_batch& b) {
    if (sum_ && sum_changed_) {
        b.put(table_sum_key(table_), pack_table_sum(*sum_));
        sum_changed_ = false;
    }
    if (!seg_.count || seg_written_) return;
    b.put(rec::segment_key(table_, seg_.at), pack_segment(seg_));
    seg_written_ = true;
}

} // namespace datachain::detail::exec
