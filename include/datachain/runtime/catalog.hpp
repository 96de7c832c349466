// Read-only queries over a store: jobs, events, dataset versions, saved chain
// descriptions. Used by session and by the command-line tool (tools/datachain_cli.cpp),
// which must not start a job just to look.
//
//   auto db = datachain::open_store(".datachain");
//   for (auto& j : datachain::catalog::jobs(*db)) ...
#pragma once

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

// All jobs, oldest first.
inline std::vector<job_record> jobs(const store& db) {
    std::vector<job_record> out;
    for (auto c = db.scan("J"); c->valid(); c->next())
        out.push_back(detail::rec::unpack<job_record>(c->value(), db.location()));
    return out;
}

inline std::optional<job_record> job(const store& db, std::uint64_t id) {
    auto v = db.get(detail::rec::job_key(id));
    if (!v) return std::nullopt;
    return detail::rec::unpack<job_record>(*v, db.location());
}

// The events a job recorded, in order.
inline std::vector<event_record> events(const store& db, std::uint64_t job) {
    std::vector<event_record> out;
    for (auto c = db.scan(detail::rec::event_prefix(job)); c->valid(); c->next())
        out.push_back(detail::rec::unpack<event_record>(c->value(), db.location()));
    return out;
}

// Every version of every dataset (or of `name`), by name then version.
inline std::vector<dataset_record> datasets(const store& db, std::string_view name = {}) {
    std::vector<dataset_record> out;
    std::string prefix = name.empty() ? std::string("D") : detail::rec::dataset_prefix(name);
    for (auto c = db.scan(prefix); c->valid(); c->next())
        out.push_back(detail::rec::unpack<dataset_record>(c->value(), db.location()));
    return out;
}

// The chain description saved as `dataset` by `job`, if any.
inline std::optional<chain_record> chain(const store& db, std::uint64_t job, std::string_view dataset) {
    auto v = db.get(detail::rec::chain_key(job, dataset));
    if (!v) return std::nullopt;
    return detail::rec::unpack<chain_record>(*v, db.location());
}

// Every (job, description) recorded for `dataset`, oldest job first.
inline std::vector<std::pair<std::uint64_t, chain_record>> chains(const store& db, std::string_view dataset) {
    std::vector<std::pair<std::uint64_t, chain_record>> out;
    for (auto& j : jobs(db))
        if (auto c = chain(db, j.id, dataset)) out.emplace_back(j.id, std::move(*c));
    return out;
}

// Explains, in words, the first difference between two chain descriptions.
inline std::string explain_change(const chain_record& old, const chain_record& now) {
    auto hash_at = [](const chain_record& c, std::size_t i) {
        return 2 * i + 1 < c.hashes.size() ? hash128{c.hashes[2 * i], c.hashes[2 * i + 1]} : hash128{};
    };
    if (old.steps.empty() || now.steps.empty()) return "no earlier description";
    if (old.steps[0] != now.steps[0]) return "source: " + old.steps[0] + " became " + now.steps[0];
    if (hash_at(old, 0) != hash_at(now, 0)) {
        std::string s = "source: ";
        if (now.source_count > old.source_count)
            s += std::to_string(now.source_count - old.source_count) + " added";
        else if (now.source_count < old.source_count)
            s += std::to_string(old.source_count - now.source_count) + " removed";
        else
            s += "contents changed";
        return s + " (" + old.source_data + " -> " + now.source_data + ")";
    }
    std::size_t n = std::min(old.steps.size(), now.steps.size());
    for (std::size_t i = 1; i < n; ++i) {
        if (old.steps[i] != now.steps[i]) {
            if (i + 1 < now.steps.size() && now.steps[i + 1] == old.steps[i]) return "step added: " + now.steps[i];
            if (i + 1 < old.steps.size() && old.steps[i + 1] == now.steps[i]) return "step removed: " + old.steps[i];
            return old.steps[i] + " became " + now.steps[i];
        }
        if (hash_at(old, i) != hash_at(now, i)) return now.steps[i] + ": code changed";
    }
    if (now.steps.size() > old.steps.size()) return "step added: " + now.steps[n];
    if (now.steps.size() < old.steps.size()) return "step removed: " + old.steps[n];
    return "the chain is unchanged";
}

} // namespace datachain::catalog
