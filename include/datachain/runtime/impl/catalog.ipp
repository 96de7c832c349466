// Definitions for catalog.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::catalog {

DATACHAIN_INLINE std::vector<job_record> jobs(const store& db, std::vector<std::string>* damaged) {
    std::vector<job_record> out;
    for (auto c = db.scan("J"); c->valid(); c->next()) {
        try {
            out.push_back(detail::rec::unpack<job_record>(c->value(), db.location(), c->key()));
        } catch (const error& e) {
            if (!damaged || e.kind() != error_kind::store_corrupt) throw;
            const auto id = c->key().size() == 9 ? std::to_string(key::read_be64(c->key(), 1)) : std::string("?");
            damaged->push_back("job " + id + " cannot be read, skipped: 'datachain rm --job " + id +
                               "' removes its record (" + e.what() + ")");
        }
    }
    return out;
}

DATACHAIN_INLINE std::optional<job_record> job(const store& db, std::uint64_t id) {
    auto k = detail::rec::job_key(id);
    auto v = db.get(k);
    if (!v) return std::nullopt;
    return detail::rec::unpack<job_record>(*v, db.location(), k);
}

DATACHAIN_INLINE std::vector<event_record> events(const store& db, std::uint64_t job) {
    std::vector<event_record> out;
    for (auto c = db.scan(detail::rec::event_prefix(job)); c->valid(); c->next())
        out.push_back(detail::rec::unpack<event_record>(c->value(), db.location(), c->key()));
    return out;
}

DATACHAIN_INLINE std::vector<dataset_record> datasets(const store& db, std::string_view name) {
    std::vector<dataset_record> out;
    std::string prefix = name.empty() ? std::string("D") : detail::rec::dataset_prefix(name);
    for (auto c = db.scan(prefix); c->valid(); c->next())
        out.push_back(detail::rec::unpack<dataset_record>(c->value(), db.location(), c->key()));
    return out;
}

DATACHAIN_INLINE std::optional<chain_record> chain(const store& db, std::uint64_t job, std::string_view dataset) {
    auto k = detail::rec::chain_key(job, dataset);
    auto v = db.get(k);
    if (!v) return std::nullopt;
    return detail::rec::unpack<chain_record>(*v, db.location(), k);
}

DATACHAIN_INLINE std::vector<std::pair<std::uint64_t, chain_record>> chains(const store& db, std::string_view dataset) {
    std::vector<std::pair<std::uint64_t, chain_record>> out;
    for (auto c = db.scan("J"); c->valid(); c->next())  // job ids from the keys: a damaged job record is not read
        if (c->key().size() == 9)
            if (auto ch = chain(db, key::read_be64(c->key(), 1), dataset))
                out.emplace_back(key::read_be64(c->key(), 1), std::move(*ch));
    return out;
}

DATACHAIN_INLINE std::optional<checkpoint_record> checkpoint(const store& db, std::uint64_t job, const hash128& key) {
    auto k = detail::rec::checkpoint_key(job, key);
    auto v = db.get(k);
    if (!v) return std::nullopt;
    return detail::rec::unpack<checkpoint_record>(*v, db.location(), k);
}

DATACHAIN_INLINE std::vector<std::uint64_t> ancestry(const store& db, std::uint64_t job, unsigned max_depth) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t p = job; p && out.size() < max_depth;) {
        // A job with no record (removed by `datachain rm --job`) ends the
        // lineage: its checkpoints are not looked up, and the job whose
        // parent it was starts a lineage of its own.
        auto j = catalog::job(db, p);
        if (!j) break;
        out.push_back(p);
        p = j->parent;
    }
    return out;
}

} // namespace datachain::catalog
namespace datachain::catalog {

DATACHAIN_INLINE std::string explain_change(const chain_record& old, const chain_record& now,
                                            std::string_view source_files) {
    auto hash_at = [](const chain_record& c, std::size_t i) {
        return 2 * i + 1 < c.hashes.size() ? hash128{c.hashes[2 * i], c.hashes[2 * i + 1]} : hash128{};
    };
    if (old.steps.empty() || now.steps.empty()) return "no earlier description";
    if (old.steps[0] != now.steps[0]) return "source: " + old.steps[0] + " became " + now.steps[0];
    if (hash_at(old, 0) != hash_at(now, 0)) {
        // An object storage summary ends in " at <endpoint>" (sources.hpp).
        auto endpoint = [](const std::string& data) {
            auto at = data.rfind(" at ");
            return at == std::string::npos ? std::string() : data.substr(at + 4);
        };
        if (auto a = endpoint(old.source_data), b = endpoint(now.source_data); !a.empty() && !b.empty() && a != b)
            return "source: endpoint " + a + " became " + b + " (" + old.source_data + " -> " + now.source_data + ")";
        std::string s = "source: ";
        if (!source_files.empty()) return s.append(source_files) + "; " + old.source_data + " -> " + now.source_data;
        // Without a file list only the counts are known: a difference of
        // counts is not what was added or removed (2 removed and 3 added is
        // "1 more").
        s += "contents changed";
        if (now.source_count > old.source_count)
            s += ", " + std::to_string(now.source_count - old.source_count) + " more";
        else if (now.source_count < old.source_count)
            s += ", " + std::to_string(old.source_count - now.source_count) + " fewer";
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
