// Read-only queries over a store: jobs, events, dataset versions, saved chain
// descriptions. Used by session and by the command-line tool (tools/datachain_cli.cpp),
// which must not start a job just to look.
//
//   auto db = datachain::open_store(".datachain");
//   for (auto& j : datachain::catalog::jobs(*db)) ...
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::catalog {

// All jobs, oldest first. A job record that does not decode is
// error(store_corrupt), unless `damaged` is given: then it is skipped and
// one line naming its job id and key is appended there (the listing is
// complete only when `damaged` stays empty). `datachain rm --job ID`
// removes such a record.
DATACHAIN_INLINE std::vector<job_record> jobs(const store& db, std::vector<std::string>* damaged = nullptr);

DATACHAIN_INLINE std::optional<job_record> job(const store& db, std::uint64_t id);

// The events a job recorded, in order.
DATACHAIN_INLINE std::vector<event_record> events(const store& db, std::uint64_t job);

// Every version of every dataset (or of `name`), by name then version.
DATACHAIN_INLINE std::vector<dataset_record> datasets(const store& db, std::string_view name = {});

// The chain description saved as `dataset` by `job`, if any.
DATACHAIN_INLINE std::optional<chain_record> chain(const store& db, std::uint64_t job, std::string_view dataset);

// Every (job, description) recorded for `dataset`, oldest job first.
DATACHAIN_INLINE std::vector<std::pair<std::uint64_t, chain_record>> chains(const store& db, std::string_view dataset);

// A checkpoint recorded by `job` under `key`, if any.
DATACHAIN_INLINE std::optional<checkpoint_record> checkpoint(const store& db, std::uint64_t job, const hash128& key);

// `job`, then its parents, at most `max_depth` jobs; a job with no record
// (removed by `datachain rm --job`) ends it, itself not included.
DATACHAIN_INLINE std::vector<std::uint64_t> ancestry(const store& db, std::uint64_t job, unsigned max_depth);

// The chain description saved as `dataset` by the nearest job of `job`'s
// lineage before `job` (its parents, not `job` itself), with that job's id.
inline std::optional<std::pair<std::uint64_t, chain_record>> previous_chain(const store& db, std::uint64_t job,
                                                                             std::string_view dataset,
                                                                             unsigned max_depth = 100) {
    auto anc = ancestry(db, job, max_depth + 1);
    for (std::size_t i = 1; i < anc.size(); ++i)
        if (auto c = chain(db, anc[i], dataset)) return std::pair{anc[i], std::move(*c)};
    return std::nullopt;
}

// Explains, in words, the first difference between two chain descriptions.
// `source_files`: what changed in a listed source, by file name
// (listing_record.hpp), when known; otherwise the source change is counted.
DATACHAIN_INLINE std::string explain_change(const chain_record& old, const chain_record& now,
                                            std::string_view source_files = {});

} // namespace datachain::catalog

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/catalog.ipp>
#endif
