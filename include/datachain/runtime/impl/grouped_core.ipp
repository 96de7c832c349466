// Definitions for stages/grouped_core.hpp: inline (header-only), or compiled
// once with DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail::exec {

DATACHAIN_INLINE void grouped_core::run_groups(std::uint64_t base, std::size_t count) {
    begin_groups(count);
    std::vector<std::vector<std::string>> enc(count);
    const bool write = table_ != 0;
    std::vector<hash128> ids(count);
    std::vector<char> hit(count, 0);  // from the memo: 1, read (no table written); 2, referred to
    std::vector<memo_loc> hit_at(count);
    std::vector<std::uint64_t> hit_rows(count, 0);
    std::vector<std::uint64_t> hashes;  // the value hashes of the rows referred to, in order
    const bool digest = out_.digesting();
    for (std::size_t k = 0; k < count; ++k) {
        if (is_done(base + k)) {
            // Kept by an earlier run (continued): computed from this input?
            if (auto kept = ctx_.check_kept_inputs ? kept_id(base + k) : std::nullopt; kept && !(*kept == group_id(k)))
                kept_input_differs(base + k, where(base + k));
            continue;
        }
        if (!write && !memo().reads()) continue;
        ids[k] = group_id(k);
        if (!memo().reads()) continue;
        auto at = memo().find(ids[k]);
        if (!at) continue;
        if (!write) {
            if (load_group(k, *at)) hit[k] = 1;
            continue;
        }
        const auto h0 = hashes.size();
        std::uint64_t n = 0;
        start_group(k);
        const bool ok = memo().visit(*at, [&](std::string_view key, std::string_view v) {
            ++n;
            if (digest) hashes.push_back(row_digest::value_hash(v));
            if (emit()) add_to_group(k, at->table, key, v);
        });
        if (!ok) {
            hashes.resize(h0);
            drop_group(k);
            continue;
        }
        hit_at[k] = *at;
        hit_rows[k] = n;
        hit[k] = 2;
    }
    first_error err;
    std::size_t h = 0;
    // Computed and committed in parts of about a second of calls
    // (stages/udf_parts.hpp): a kill loses at most that much work.
    run_in_parts(
        pool(), count, err, [&] { begin_calls(); }, [&](std::size_t k) { return hit[k] || is_done(base + k); },
        [&](std::size_t k) {
            compute_group(k, write ? &enc[k] : nullptr);
            row_done();
        },
        [&](std::size_t from, std::size_t to) {
            std::uint64_t now = 0, part_hits = 0;
            auto b = ctx_.a.db().batch();
            for (std::size_t k = from; k < to; ++k)
                if (hit[k] == 2) {
                    if (!out_.refer(*b, base + k, hit_at[k], hit_rows[k], hashes.data() + h, &ids[k]))
                        out_.mark_done(*b, base + k, ids[k]);
                    if (digest) h += static_cast<std::size_t>(hit_rows[k]);
                    ++part_hits;
                } else if (has_group(k)) {
                    if (write) out_.put_outputs(*b, base + k, enc[k], ids[k]);
                    now += !hit[k];
                    part_hits += hit[k] != 0;
                }
            commit(*b, err.ep != nullptr, now, part_hits);
        });
    std::uint64_t reused = 0;
    if (err.ep) fail(err.ep, base + err.at, row_of(err.at), where(base + err.at));
    for (std::size_t k = 0; k < count; ++k) {
        if (has_group(k)) {
            if (emit()) pass_group(k);
        } else {
            ++reused;
            if (emit()) visit_stored(base + k, [&](std::string_view key, std::string_view v) { pass_stored(key, v); });
        }
    }
    count_continued(reused);
}

} // namespace datachain::detail::exec
