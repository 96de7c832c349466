// The content digest of a saved version: its row count and an XXH3-128 over
// its rows in key order. Written at save, checked when a version is read in
// full and by `datachain verify`, so damage that passes LevelDB's own checks
// (a row deleted, a value rewritten) is still caught. Two kinds, the
// version record says which (dataset_record::digest_kind):
//   2 (saved by this build): per row u32 key length, key, u64 XXH3-64 of the
//     value, little-endian; so that a save whose rows are mostly an earlier
//     table's (segments.hpp) takes the digest from the hashes the run's row
//     memo read, without reading those rows again.
//   1 (record versions 1 and 2): per row u32 key length, key, u32 value
//     length, value.
//
//   row_digest d; d.add(key, value); hash128 h = d.finish();
//   auto [rows, digest] = detail::table_digest(db, table);
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/segments.hpp>
#include <datachain/runtime/store.hpp>

#include <xxhash.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace datachain::detail {

// The digest kind this build writes.
inline constexpr std::uint8_t digest_kind_current = 2;

class row_digest {
public:
    explicit row_digest(std::uint8_t kind = digest_kind_current) : st_(XXH3_createState(), &XXH3_freeState), kind_(kind) {
        if (!st_) throw std::bad_alloc();
        XXH3_128bits_reset(st_.get());
    }
    static std::uint64_t value_hash(std::string_view value) noexcept { return XXH3_64bits(value.data(), value.size()); }
    void add(std::string_view key, std::string_view value) {
        if (kind_ == 1) {
            part(key);
            part(value);
            ++rows_;
        } else {
            add_hashed(key, value_hash(value));
        }
    }
    // Kind 2: a row whose value hash (value_hash) is known.
    void add_hashed(std::string_view key, std::uint64_t value_hash) {
        part(key);
        unsigned char h[8];
        store_le(h, value_hash);
        XXH3_128bits_update(st_.get(), h, 8);
        ++rows_;
    }
    std::uint64_t rows() const noexcept { return rows_; }
    hash128 finish() const {
        auto h = XXH3_128bits_digest(st_.get());
        return {h.high64, h.low64};
    }

private:
    void part(std::string_view s) {
        const auto n = static_cast<std::uint32_t>(s.size());
        unsigned char len[4];
        store_le(len, n);
        XXH3_128bits_update(st_.get(), len, 4);
        XXH3_128bits_update(st_.get(), s.data(), s.size());
    }
    std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> st_;
    std::uint8_t kind_;
    std::uint64_t rows_ = 0;
};

// Rows and digest of a whole table, read in key order (through its
// segments: the rows it refers to count as its own, under its own keys).
inline std::pair<std::uint64_t, hash128> table_digest(const store& db, std::uint64_t table,
                                                      std::uint8_t kind = digest_kind_current) {
    row_digest d(kind);
    for (auto c = scan_table(db, table); c->valid(); c->next()) d.add(c->key(), c->value());
    return {d.rows(), d.finish()};
}

// Checks what was read of a version in full against its record.
inline void check_version_content(const store& db, const dataset_record& r, std::uint64_t rows, const hash128& digest) {
    const bool digest_known = r.digest_hi != 0 || r.digest_lo != 0;
    if (rows == r.rows && (!digest_known || digest == hash128{r.digest_hi, r.digest_lo})) return;
    throw error(error_kind::store_corrupt,
                "datachain: dataset '" + r.name + "' version " + r.version + " in the store at " +
                    detail::quoted_value(db.location()) + " is damaged: " +
                    (rows != r.rows
                         ? "it holds " + std::to_string(rows) + " rows, " + std::to_string(r.rows) + " were saved"
                         : std::string("its rows differ from the saved content digest")) +
                    "; remove that version and run its chain again, or restore the store from a backup");
}

// Reads a version in full and checks it (datachain verify).
inline void verify_version(const store& db, const dataset_record& r) {
    auto [rows, digest] = table_digest(db, r.table, r.digest_kind);
    check_version_content(db, r, rows, digest);
}

} // namespace datachain::detail
