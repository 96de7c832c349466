// Garbage collection of checkpoints and unreferenced outputs.
//
//   auto st = session.gc(std::chrono::hours(24));   // see session::gc
//
// Drops, for finished jobs (complete, failed, crashed) that ended more than
// `ttl` ago: their UDF checkpoints, "UDF running" marks and chain
// descriptions, then every table of outputs that no remaining checkpoint and
// no dataset version refers to, directly or through the segments of a table
// that stays (segments.hpp), with its row memo record (memo.hpp; a table
// that stays, such as a saved version's, keeps serving row-level reuse) and
// its segment records.
// What skipping needs stays: a save checkpoint whose dataset version still
// exists (and that save's chain description), so
// an unchanged chain never recomputes or saves a duplicate version after gc.
// Never touches a running job's data or a saved dataset version; job records
// and events stay as history.
//
// The object storage download cache (<store>/object-cache/,
// object_cache_files.hpp) is keyed by object, not by checkpoint: which
// entries a checkpoint or a dataset version "needs" would take decoding
// every stored row. gc goes by last use instead: it drops the entries no run
// has used since the oldest job it keeps began (running, or finished within
// `ttl`) and not within `ttl` either, so what the kept jobs read stays.
#pragma once

#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/jobs.hpp>
#include <datachain/runtime/object_cache_files.hpp>
#include <datachain/runtime/listing_record.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/store_open.hpp>
#include <datachain/runtime/versions.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>
#include <string>

namespace datachain {

struct gc_stats {
    std::uint64_t jobs = 0;         // finished jobs whose checkpoints were dropped
    std::uint64_t checkpoints = 0;  // checkpoint, mark and chain records removed
    std::uint64_t tables = 0;       // unreferenced tables removed
    std::uint64_t rows = 0;         // their rows and done marks
    std::uint64_t cache_entries = 0;// object storage download-cache entries removed
};

namespace detail {

// now - ttl in ns since the epoch, saturating (a huge ttl keeps everything;
// a negative one is an error).
inline std::int64_t gc_cutoff(std::chrono::seconds ttl) {
    if (ttl.count() < 0)
        throw error(error_kind::usage, "datachain: gc: the age must not be negative (got " +
                                           std::to_string(ttl.count()) + " s)");
    constexpr auto max_s = std::numeric_limits<std::int64_t>::max() / 1'000'000'000;
    const std::int64_t now = now_ns();
    if (ttl.count() >= max_s) return std::numeric_limits<std::int64_t>::min();
    const std::int64_t t = ttl.count() * 1'000'000'000;
    return now - t;  // no overflow: now >= 0 and t < 2^63
}

inline bool version_exists(const store& db, const std::string& name, const std::string& version) {
    try {
        auto v = find_version(db, name, version);
        return v && v->complete;
    } catch (const error& e) {
        if (e.kind() == error_kind::invalid_name) return false;
        throw;
    }
}

inline gc_stats collect_garbage(store_handle& h, std::chrono::seconds ttl) {
    gc_stats st;
    const std::int64_t cutoff = gc_cutoff(ttl);
    auto& db = h.db();
    const auto live = h.live_jobs();
    std::int64_t cache_cutoff = cutoff;  // the start of the oldest job kept, if earlier
    for (const auto& j : catalog::jobs(db)) {
        std::int64_t end = j.finished ? j.finished : j.started;
        if (j.state() == job_status::running || live.count(j.id) || end > cutoff) {
            cache_cutoff = std::min(cache_cutoff, j.started);
            continue;
        }
        std::uint64_t removed = 0;
        std::set<std::string> kept_chains;  // datasets whose save checkpoint stays
        auto b = db.batch();
        std::string k(1, 'K');
        key::be64(k, j.id);
        for (auto c = db.scan(k); c->valid(); c->next()) {
            auto r = rec::unpack<checkpoint_record>(c->value(), db.location(), c->key());
            if (r.kind == static_cast<std::uint8_t>(checkpoint_kind::save) && version_exists(db, r.dataset, r.version)) {
                kept_chains.insert(r.dataset);
                continue;
            }
            b->del(c->key());
            ++removed;
        }
        for (char prefix : {'A', 'P'}) {
            std::string p(1, prefix);
            key::be64(p, j.id);
            for (auto c = db.scan(p); c->valid(); c->next()) {
                if (prefix == 'P') {
                    auto name = c->key().substr(9);
                    if (!name.empty() && name.back() == '\0') name.remove_suffix(1);
                    if (kept_chains.count(std::string(name))) continue;
                }
                b->del(c->key());
                ++removed;
            }
        }
        db.write(*b);
        if (removed) ++st.jobs;
        st.checkpoints += removed;
    }
    // Kept listings (listing_record.hpp) that no chain record names any more.
    std::set<std::string> sources;
    for (auto c = db.scan("P"); c->valid(); c->next())
        if (auto h = chain_source_hash(rec::unpack<chain_record>(c->value(), db.location(), c->key())))
            sources.insert(listing_key(*h));
    {
        auto b = db.batch();
        for (auto c = db.scan("G"); c->valid(); c->next())
            if (!sources.count(std::string(c->key()))) b->del(c->key());
        db.write(*b);
    }
    // Under the handle's lock: a step that is about to refer to an earlier
    // table's rows (segments) registers that table as live under the same
    // lock (udf_stage_base), so it is either kept here or not yet chosen.
    h.locked([&] {
        std::set<std::uint64_t> keep;
        for (auto c = db.scan("K"); c->valid(); c->next()) {
            auto r = rec::unpack<checkpoint_record>(c->value(), db.location(), c->key());
            if (r.kind == static_cast<std::uint8_t>(checkpoint_kind::udf)) keep.insert(r.table);
        }
        for (const auto& d : catalog::datasets(db)) keep.insert(d.table);
        auto mine = h.live_tables();
        keep.insert(mine.begin(), mine.end());
        // A kept table keeps the tables its segments refer to (segments.hpp).
        for (std::vector<std::uint64_t> todo(keep.begin(), keep.end()); !todo.empty();) {
            auto t = todo.back();
            todo.pop_back();
            for (auto r : segment_tables(db, t))
                if (keep.insert(r).second) todo.push_back(r);
        }
        for (char prefix : {'T', 'X', 'Q', 'R', 'H', 'V'}) {
            std::uint64_t current = 0;
            bool counted = false;
            auto b = db.batch();
            for (auto c = db.scan(std::string(1, prefix)); c->valid(); c->next()) {
                if (c->key().size() < 9) continue;
                auto t = key::read_be64(c->key(), 1);
                if (keep.count(t)) continue;
                if (!counted || t != current) {
                    current = t;
                    counted = true;
                    if (prefix == 'T') ++st.tables;
                }
                b->del(c->key());
                if (prefix == 'T' || prefix == 'X') ++st.rows;
                if (b->bytes() > (4u << 20)) {
                    db.write(*b);
                    b->clear();
                }
            }
            db.write(*b);
        }
        return 0;
    });
    if (!is_memory_root(db.location()))
        st.cache_entries = prune_object_cache_dir(object_cache_dir(db.location()), cache_cutoff);
    return st;
}

} // namespace detail
} // namespace datachain
