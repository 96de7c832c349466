// Definitions for stages/udf_memo.hpp: inline (header-only), or compiled
// once with DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail::exec {

DATACHAIN_INLINE void udf_memo::open(const hash128& id, bool read, std::uint64_t own) {
    memo_ = row_memo(a_.db(), id, false, own);
    if (read)
        guard([&] {
            a_.handle().locked([&] {
                memo_ = row_memo(a_.db(), id, true, own);
                for (auto t : memo_.sources()) a_.handle().add_live_table(t);
                return 0;
            });
        });
}

DATACHAIN_INLINE void udf_memo::index_map(
    const std::function<hash128(std::string_view value, std::size_t& n)>& decode) {
    auto& db = a_.db();
    guard([&] {
        memo_.build([&](std::uint64_t t, auto&& add) {
            // The table is read in full here anyway: checked against what was
            // recorded when it was finished, or by its commits when it was
            // left partial (table_checks.hpp), at the cost of hashing each
            // row's key.
            const auto recorded = recorded_table_content(db, t);
            const auto running = recorded ? std::nullopt : recorded_table_sum(db, t);
            row_digest digest;
            table_sum seen;
            for (auto c = open_table_cursor(db, t); c->valid(); c->next()) {
                auto v = c->value();
                std::size_t n = 0;
                hash128 id;
                try {
                    id = decode(v, n);
                } catch (const error& e) {
                    throw damaged_row(db, earlier(t), c->key(), e.what());
                }
                const auto vh = row_digest::value_hash(v);
                if (recorded) digest.add_hashed(c->key(), vh);
                if (running) seen.add(c->key(), vh);
                add(id, memo_loc{c->stored_table(), key::read_be64(c->stored_key(), 9), XXH3_64bits(v.data(), n), vh});
            }
            if (recorded) return usable(t, table_content_difference(*recorded, digest.rows(), digest.finish()));
            return !running || usable(t, table_sum_difference(*running, seen));
        });
    });
}

DATACHAIN_INLINE bool udf_memo::usable(std::uint64_t t, const std::string& diff) {
    if (diff.empty()) return true;
    try {
        discard_table(a_.db(), t);
    } catch (const error&) {  // a store that no longer takes writes: this run still leaves the table alone
    }
    a_.log().warning(step_ + ": " + earlier(t) + " in the store at " + detail::quoted_value(a_.db().location()) +
                     " are damaged (" + diff + "): they are not reused, now or later, and their inputs are computed");
    return false;
}

DATACHAIN_INLINE void udf_memo::index_marked() {
    auto& db = a_.db();
    guard([&] {
        memo_.build([&](std::uint64_t t, auto&& add) {
            // The index reads done marks, not rows: a table with a record of
            // what its commits wrote (rows and done marks: table_checks.hpp)
            // has its rows (through its segments) and marks read once first
            // and checked, so that no damaged row or mark is reused; one with
            // only a record of its rows when finished has those checked. A
            // table with neither (written by an earlier build) is indexed
            // unchecked.
            if (const auto running = recorded_table_sum(db, t)) {  // rows and done marks
                if (!usable(t, table_sum_difference(*running, held_table_sum(db, t, true)))) return false;
            } else if (const auto recorded = recorded_table_content(db, t)) {  // rows (a table of an earlier build)
                const auto [rows, digest] = table_digest(db, t);
                if (!usable(t, table_content_difference(*recorded, rows, digest))) return false;
            }
            // The inputs t computed (or took with no rows): its own done marks.
            for (auto c = db.scan(rec::done_prefix(t)); c->valid(); c->next())
                if (c->key().size() == 17 && c->value().size() == 16)
                    add(read_hash(c->value()), memo_loc{t, key::read_be64(c->key(), 9), 0});
            // The inputs t refers to: the done marks of the table that stores
            // their rows (a segment marks its ordinals done).
            for (const auto& s : load_segments(db, t)) {
                auto c = db.scan(rec::done_prefix(s.from_table));
                for (c->seek(rec::done_key(s.from_table, s.from)); c->valid(); c->next()) {
                    if (c->key().size() != 17) continue;
                    const auto o = key::read_be64(c->key(), 9);
                    if (o >= s.from + s.count) break;
                    if (c->value().size() == 16) add(read_hash(c->value()), memo_loc{s.from_table, o, 0});
                }
            }
            return true;
        });
    });
}

} // namespace datachain::detail::exec
