// The records the runtime keeps in the store, and their keys. Each record is
// a Hana-reflected struct written with the row codec after a one-byte record
// version; docs/storage.md describes the layout.
#pragma once

#include <datachain/core/hash.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/store.hpp>

#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

enum class job_status : std::uint8_t { running = 1, complete = 2, failed = 3, crashed = 4 };

inline const char* to_string(job_status s) {
    switch (s) {
    case job_status::running: return "running";
    case job_status::complete: return "complete";
    case job_status::failed: return "failed";
    case job_status::crashed: return "crashed";
    }
    return "unknown";
}

struct job_record {
    BOOST_HANA_DEFINE_STRUCT(job_record,
        (std::uint64_t, id),
        (std::string, name),
        (std::uint64_t, parent),     // 0 = none
        (std::uint8_t, status),
        (std::int64_t, started),     // ns since epoch
        (std::int64_t, finished),
        (std::int64_t, pid),
        (std::string, error));
    job_status state() const { return static_cast<job_status>(status); }
};

enum class checkpoint_kind : std::uint8_t { save = 1, udf = 2 };

struct checkpoint_record {
    BOOST_HANA_DEFINE_STRUCT(checkpoint_record,
        (std::uint8_t, kind),
        (std::string, step),          // the step's description
        // save checkpoints
        (std::string, dataset),
        (std::string, version),
        // udf checkpoints
        (std::uint64_t, table),
        (std::uint64_t, full_hi),
        (std::uint64_t, full_lo),
        (bool, complete),
        (std::uint64_t, rows),
        (std::uint64_t, job));        // the job that recorded it
    hash128 full() const { return {full_hi, full_lo}; }
};

// The canonical description of a saved chain, kept per (job, dataset name)
// so that a later run can explain what changed.
struct chain_record {
    BOOST_HANA_DEFINE_STRUCT(chain_record,
        (std::vector<std::string>, steps),        // source first, then each step
        (std::vector<std::uint64_t>, hashes),     // per entry: hi, lo
        (std::string, source_data),               // e.g. "400 files, 7.5 MB"
        (std::uint64_t, source_count));
};

struct dataset_record {
    BOOST_HANA_DEFINE_STRUCT(dataset_record,
        (std::string, name),
        (std::string, version),
        (std::uint64_t, uid_hi),
        (std::uint64_t, uid_lo),
        (std::uint64_t, table),
        (std::uint64_t, rows),
        (std::uint64_t, schema_hi),
        (std::uint64_t, schema_lo),
        (std::string, schema_text),
        (std::uint64_t, job),
        (std::int64_t, created),
        (bool, complete));
    hash128 uid() const { return {uid_hi, uid_lo}; }
    hash128 schema_sig() const { return {schema_hi, schema_lo}; }
};

struct event_record {
    BOOST_HANA_DEFINE_STRUCT(event_record,
        (std::string, kind),          // save_skipped, save_completed, udf_skipped, udf_continued, udf_from_scratch
        (std::string, step),
        (std::string, dataset),
        (std::string, version),
        (std::string, chain_hash),
        (std::string, step_hash),
        (std::uint64_t, rows_before), // done by earlier runs
        (std::uint64_t, rows_now),    // processed in this run
        (double, seconds),
        (std::int64_t, time),
        (std::string, why));
};

namespace detail::rec {

inline constexpr std::uint8_t record_version = 1;

template <class T>
std::string pack(const T& r) {
    std::string s(1, static_cast<char>(record_version));
    encode(s, r);
    return s;
}
template <class T>
T unpack(std::string_view s, const std::string& where) {
    if (s.empty() || static_cast<std::uint8_t>(s[0]) != record_version)
        throw error(error_kind::store_format, "datachain: a record in the store at '" + where +
                                                  "' has an unknown version; was it written by a newer datachain?");
    try {
        return decode<T>(s.substr(1));
    } catch (const error& e) {
        throw error(error_kind::store_corrupt, std::string(e.what()) + " (store at '" + where + "')");
    }
}

// Keys (see docs/storage.md).
inline std::string format_key() { return "F"; }
inline std::string counter_key(std::string_view which) { return "C" + std::string(which); }
inline std::string job_key(std::uint64_t id) { std::string k = "J"; key::be64(k, id); return k; }
inline std::string latest_key(std::string_view name) { std::string k = "L"; k += name; return k; }
inline std::string checkpoint_key(std::uint64_t job, const hash128& h) {
    std::string k = "K"; key::be64(k, job); key::h128(k, h); return k;
}
inline std::string chain_key(std::uint64_t job, std::string_view dataset) {
    std::string k = "P"; key::be64(k, job); key::name(k, dataset); return k;
}
inline std::string event_prefix(std::uint64_t job) { std::string k = "E"; key::be64(k, job); return k; }
inline std::string event_key(std::uint64_t job, std::uint64_t seq) { auto k = event_prefix(job); key::be64(k, seq); return k; }
inline std::string dataset_prefix(std::string_view name) { std::string k = "D"; key::name(k, name); return k; }
inline std::string dataset_key(std::string_view name, std::uint32_t major, std::uint32_t minor, std::uint32_t patch) {
    auto k = dataset_prefix(name); key::be32(k, major); key::be32(k, minor); key::be32(k, patch); return k;
}
inline std::string dataset_meta_key(std::string_view name) { std::string k = "M"; k += name; return k; }
inline std::string table_prefix(std::uint64_t table) { std::string k = "T"; key::be64(k, table); return k; }
inline std::string row_key(std::uint64_t table, std::uint64_t ordinal, std::uint32_t sub) {
    auto k = table_prefix(table); key::be64(k, ordinal); key::be32(k, sub); return k;
}
inline std::string done_prefix(std::uint64_t table) { std::string k = "X"; key::be64(k, table); return k; }
inline std::string done_key(std::uint64_t table, std::uint64_t ordinal) {
    auto k = done_prefix(table); key::be64(k, ordinal); return k;
}

} // namespace detail::rec
} // namespace datachain
