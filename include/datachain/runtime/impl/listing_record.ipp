// Definitions for listing_record.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

DATACHAIN_INLINE std::string encode_listing(const listing_entries& files) {
    std::string v(1, '\1');
    for (const auto& [path, id] : files) {
        key::be64(v, path.size());
        v += path;
        key::be64(v, id);
    }
    return v;
}

DATACHAIN_INLINE std::optional<listing_entries> parse_listing(std::string_view v) {
    if (v.empty() || v[0] != '\1') return std::nullopt;
    listing_entries out;
    std::size_t at = 1;
    while (at < v.size()) {
        if (v.size() - at < 8) return std::nullopt;
        auto n = key::read_be64(v, at);
        at += 8;
        if (n > v.size() - at || v.size() - at - n < 8) return std::nullopt;
        std::string path(v.substr(at, static_cast<std::size_t>(n)));
        at += static_cast<std::size_t>(n);
        out.emplace_back(std::move(path), key::read_be64(v, at));
        at += 8;
    }
    std::sort(out.begin(), out.end());
    return out;
}

DATACHAIN_INLINE void record_listing(store& db, const hash128& source, const std::vector<File>& files) {
    if (files.size() > listing_record_max_files) return;
    auto k = listing_key(source);
    if (db.get(k)) return;  // the same listing, already kept
    db.put(k, encode_listing(entries_of(files)));
}

DATACHAIN_INLINE std::optional<listing_entries> read_listing(const store& db, const hash128& source) {
    try {
        auto v = db.get(listing_key(source));
        return v ? parse_listing(*v) : std::nullopt;
    } catch (const error&) {
        return std::nullopt;
    }
}

} // namespace datachain::detail
namespace datachain::detail {

DATACHAIN_INLINE std::optional<std::string> describe_listing_change(const listing_entries& before,
                                                                    const listing_entries& now) {
    std::vector<std::string> added, modified, removed;
    std::size_t i = 0, j = 0;
    while (i < before.size() || j < now.size()) {
        if (j == now.size() || (i < before.size() && before[i].first < now[j].first)) {
            removed.push_back(before[i++].first);
        } else if (i == before.size() || now[j].first < before[i].first) {
            added.push_back(now[j++].first);
        } else {
            if (before[i].second != now[j].second) modified.push_back(now[j].first);
            ++i;
            ++j;
        }
    }
    auto part = [](const std::vector<std::string>& names, const char* what) {
        if (names.empty()) return std::string{};
        std::string s = std::to_string(names.size()) + " " + what + " (";
        for (std::size_t k = 0; k < names.size() && k < 2; ++k) s += (k ? ", " : "") + names[k];
        if (names.size() > 2) s += ", +" + std::to_string(names.size() - 2) + " more";
        return s + ")";
    };
    std::string text;
    for (auto p : {part(added, "added"), part(modified, "modified"), part(removed, "removed")})
        if (!p.empty()) text += (text.empty() ? "" : ", ") + p;
    if (text.empty()) return std::nullopt;  // same files: the change is elsewhere (e.g. the source's options)
    return text;
}

DATACHAIN_INLINE std::optional<std::string> describe_listing_change(const store& db, const hash128& old_source,
                                                                    const hash128& new_source) {
    auto before = read_listing(db, old_source);
    if (!before) return std::nullopt;
    auto now = read_listing(db, new_source);
    if (!now) return std::nullopt;
    return describe_listing_change(*before, *now);
}

} // namespace datachain::detail
