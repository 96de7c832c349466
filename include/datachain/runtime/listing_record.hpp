// What a read_storage source listed, kept so that an explanation can name
// the files that changed: "source: 3 added (cats/c1.jpg, cats/c2.jpg, +1
// more), 1 modified (dogs/d7.jpg); 400 files, 7.5 MB -> 402 files, 7.6 MB".
//
//   detail::record_listing(db, source_hash, listing.files);      // a run with checkpoints
//   auto text = detail::describe_listing_change(db, old_source, new_source);  // both kept
//   auto now  = detail::describe_listing_change(*detail::read_listing(db, old_source),
//                                               detail::entries_of(listing.files));
//
// Record `G` + the source's hash (as the chain record holds it): the path
// and an 8-byte identity (XXH3-64 of size, mtime, etag, version) of every
// file, in listing order. Written once per distinct listing, by runs with
// checkpoints on; listings of more than listing_record_max_files files are
// not kept (the explanation then gives counts). gc removes a record once no
// chain record refers to it. An unreadable record only makes the
// explanation less precise: it is never an error.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store.hpp>

#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain::detail {

inline constexpr std::size_t listing_record_max_files = 100'000;

inline std::string listing_key(const hash128& source) {
    std::string k = "G";
    key::h128(k, source);
    return k;
}

// What makes a file "modified" when its path is unchanged.
inline std::uint64_t file_identity(const File& f) {
    std::string b;
    key::be64(b, f.size);
    key::be64(b, static_cast<std::uint64_t>(f.mtime));
    key::be64(b, f.etag.size());
    b += f.etag;
    b += f.version;
    return XXH3_64bits(b.data(), b.size());
}

using listing_entries = std::vector<std::pair<std::string, std::uint64_t>>;  // (path, identity)

// The value of a `G` record.
DATACHAIN_INLINE std::string encode_listing(const listing_entries& files);

// The entries of a `G` value, sorted by path; nullopt for any other bytes.
DATACHAIN_INLINE std::optional<listing_entries> parse_listing(std::string_view v);

// The entries of a listing, sorted by path.
inline listing_entries entries_of(const std::vector<File>& files) {
    listing_entries e;
    e.reserve(files.size());
    for (const auto& f : files) e.emplace_back(f.path, file_identity(f));
    std::sort(e.begin(), e.end());
    return e;
}

DATACHAIN_INLINE void record_listing(store& db, const hash128& source, const std::vector<File>& files);

// A kept listing; nullopt when there is none or it cannot be read.
DATACHAIN_INLINE std::optional<listing_entries> read_listing(const store& db, const hash128& source);

// "2 added (a, b), 1 modified (c), 1 removed (d)", naming at most two files
// of each kind (both lists sorted by path); nullopt when nothing differs.
DATACHAIN_INLINE std::optional<std::string> describe_listing_change(const listing_entries& before,
                                                                    const listing_entries& now);

// The same between two kept listings; nullopt when either is not kept.
DATACHAIN_INLINE std::optional<std::string> describe_listing_change(const store& db, const hash128& old_source,
                                                                    const hash128& new_source);

// The source hash a chain record holds (its first step).
inline std::optional<hash128> chain_source_hash(const chain_record& c) {
    if (c.hashes.size() < 2) return std::nullopt;
    return hash128{c.hashes[0], c.hashes[1]};
}

} // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/listing_record.ipp>
#endif
