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

DATACHAIN_INLINE void udf_memo::index_marked() {
    guard([&] {
        memo_.build([&](std::uint64_t t, auto&& add) {
            const auto segs = load_segments(a_.db(), t);
            for (auto c = a_.db().scan(rec::done_prefix(t)); c->valid(); c->next())
                if (c->key().size() == 17 && c->value().size() == 16) {
                    const auto [table, ordinal] = stored_at(t, segs, key::read_be64(c->key(), 9));
                    add(read_hash(c->value()), memo_loc{table, ordinal, 0});
                }
        });
    });
}

} // namespace datachain::detail::exec
