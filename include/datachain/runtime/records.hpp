// The records the runtime keeps in the store, and their keys. Each record is
// a reflected struct (DATACHAIN_FIELDS, core/reflect.hpp) written with the
// row codec after a one-byte record version; docs/storage.md describes the
// layout.
#pragma once

#include <datachain/core/hash.hpp>
#include <datachain/core/reflect.hpp>
#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/store.hpp>

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
    DATACHAIN_FIELDS(job_record,
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
    DATACHAIN_FIELDS(checkpoint_record,
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
    // A UDF checkpoint whose table was discarded as damaged (table_checks.hpp):
    // partial, with the reserved full hash 0 that no step has. Every build
    // since discarding began writes and reads it so (no new record version).
    bool discarded() const {
        return kind == static_cast<std::uint8_t>(checkpoint_kind::udf) && !complete && full_hi == 0 && full_lo == 0;
    }
};

// The canonical description of a saved chain, kept per (job, dataset name)
// so that a later run can explain what changed.
struct chain_record {
    DATACHAIN_FIELDS(chain_record,
        (std::vector<std::string>, steps),        // source first, then each step
        (std::vector<std::uint64_t>, hashes),     // per entry: hi, lo
        (std::string, source_data),               // e.g. "400 files, 7.5 MB"
        (std::uint64_t, source_count));
};

struct dataset_record {
    DATACHAIN_FIELDS(dataset_record,
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
        (bool, complete),
        (std::uint64_t, digest_hi),   // content digest (digest.hpp); 0, 0: unknown (record version 1)
        (std::uint64_t, digest_lo),
        (std::uint8_t, digest_kind)); // how the digest is taken (digest.hpp); 1 in record versions 1 and 2
    hash128 uid() const { return {uid_hi, uid_lo}; }
    hash128 schema_sig() const { return {schema_hi, schema_lo}; }
};

// What a recorded event says happened (event_record::kind holds its name).
enum class event_kind : std::uint8_t {
    save_skipped = 1,   // a saved version was reused: nothing ran
    save_completed,     // a new version was saved
    udf_skipped,        // every output of a UDF step was reused
    udf_continued,      // a UDF step continued partial outputs of an earlier run
    udf_from_scratch,   // a UDF step computed every input
    udf_failed,         // a UDF threw; the outputs so far are kept
    udf_reused,         // a UDF step reused the outputs of inputs seen before (row memo), computed the rest
    crashed,            // the job's process died; recorded by the next process to open the store (jobs.hpp)
    unknown = 255,      // a name this build does not know (a newer writer)
};

inline const char* to_string(event_kind k) {
    switch (k) {
    case event_kind::save_skipped: return "save_skipped";
    case event_kind::save_completed: return "save_completed";
    case event_kind::udf_skipped: return "udf_skipped";
    case event_kind::udf_continued: return "udf_continued";
    case event_kind::udf_from_scratch: return "udf_from_scratch";
    case event_kind::udf_failed: return "udf_failed";
    case event_kind::udf_reused: return "udf_reused";
    case event_kind::crashed: return "crashed";
    case event_kind::unknown: break;
    }
    return "unknown";
}

// Why a step or a save computed (or not): the kind of change, with text.
enum class change_kind : std::uint8_t {
    none = 0,            // nothing changed (a skip)
    first_run,           // no earlier run of this chain or step
    source_changed,      // the source's data changed
    chain_changed,       // a step was added, removed or changed
    code_changed,        // a UDF's code changed
    version_removed,     // the saved version an earlier run made is gone
    unfinished,          // the earlier run did not finish (failed, crashed)
    continuing,          // partial outputs of an earlier run are continued
    ignored,             // checkpoints ignored by a setting
    off,                 // checkpoints are off
    discarded,           // the earlier outputs were discarded as damaged
    unknown = 255,
};

inline const char* to_string(change_kind k) {
    switch (k) {
    case change_kind::none: return "none";
    case change_kind::first_run: return "first_run";
    case change_kind::source_changed: return "source_changed";
    case change_kind::chain_changed: return "chain_changed";
    case change_kind::code_changed: return "code_changed";
    case change_kind::version_removed: return "version_removed";
    case change_kind::unfinished: return "unfinished";
    case change_kind::continuing: return "continuing";
    case change_kind::ignored: return "ignored";
    case change_kind::off: return "off";
    case change_kind::discarded: return "discarded";
    case change_kind::unknown: break;
    }
    return "unknown";
}

namespace detail {
template <class E>
E enum_from_name(std::string_view n, E first, E last) {
    for (auto i = static_cast<unsigned>(first); i <= static_cast<unsigned>(last); ++i)
        if (n == to_string(static_cast<E>(i))) return static_cast<E>(i);
    return E::unknown;
}
} // namespace detail

// Dataset versions written by record version 2 (digest of the row bytes).
struct dataset_record_v2 {
    DATACHAIN_FIELDS(dataset_record_v2,
        (std::string, name), (std::string, version), (std::uint64_t, uid_hi), (std::uint64_t, uid_lo),
        (std::uint64_t, table), (std::uint64_t, rows), (std::uint64_t, schema_hi), (std::uint64_t, schema_lo),
        (std::string, schema_text), (std::uint64_t, job), (std::int64_t, created), (bool, complete),
        (std::uint64_t, digest_hi), (std::uint64_t, digest_lo));
};

// Dataset versions written by record version 1 (before the content digest).
struct dataset_record_v1 {
    DATACHAIN_FIELDS(dataset_record_v1,
        (std::string, name), (std::string, version), (std::uint64_t, uid_hi), (std::uint64_t, uid_lo),
        (std::uint64_t, table), (std::uint64_t, rows), (std::uint64_t, schema_hi), (std::uint64_t, schema_lo),
        (std::string, schema_text), (std::uint64_t, job), (std::int64_t, created), (bool, complete));
};

// One node of a stored column type (version_schema_record), in pre-order:
// a column or struct member carries its name; list/optional/tuple elements
// have none. kind: schema_kind (dynamic_schema.hpp); bits: integer width.
struct schema_node {
    DATACHAIN_FIELDS(schema_node,
        (std::string, name),
        (std::uint8_t, kind),
        (std::uint8_t, bits),
        (std::uint32_t, children));
};

// The schema of a saved version (key `S`, written in the batch that writes
// its dataset record): its columns and their types, so that the rows can be
// read without the C++ type (open_dataset_dynamic). The signature equals the
// dataset record's; recomputing it from `nodes` checks the record.
struct version_schema_record {
    DATACHAIN_FIELDS(version_schema_record,
        (std::uint32_t, codec),        // codec_version the rows were written with
        (std::uint64_t, schema_hi),
        (std::uint64_t, schema_lo),
        (std::uint32_t, columns),      // the first `columns` top-level nodes are the columns
        (std::vector<schema_node>, nodes));
};

struct event_record {
    DATACHAIN_FIELDS(event_record,
        (std::string, kind),          // to_string(event_kind)
        (std::string, step),
        (std::string, dataset),
        (std::string, version),
        (std::string, chain_hash),
        (std::string, step_hash),
        (std::uint64_t, rows_before), // done by earlier runs
        (std::uint64_t, rows_now),    // processed in this run
        (double, seconds),
        (std::int64_t, time),
        (std::string, why),
        (std::string, change),        // to_string(change_kind)
        (std::uint64_t, from_job));   // the job whose outputs or version were reused, 0 = none
    event_kind type() const { return detail::enum_from_name(kind, event_kind::save_skipped, event_kind::crashed); }
    change_kind change_type() const { return detail::enum_from_name(change, change_kind::none, change_kind::discarded); }
    // What rows_before and rows_now count, plural: "rows" for a save, a map,
    // and a skipped UDF step (the rows of the table it reuses, as its
    // report line says); else the step's unit, as its progress counts:
    // "inputs" for a gen, "partitions" for an agg.
    const char* unit() const {
        const auto k = type();
        if (k == event_kind::udf_skipped || k == event_kind::save_skipped || k == event_kind::save_completed)
            return "rows";
        if (step.starts_with("gen<")) return "inputs";
        if (step.starts_with("agg<")) return "partitions";
        return "rows";
    }
};

// Events written by format 1 (before change and from_job), read as events.
struct event_record_v1 {
    DATACHAIN_FIELDS(event_record_v1,
        (std::string, kind), (std::string, step), (std::string, dataset), (std::string, version),
        (std::string, chain_hash), (std::string, step_hash), (std::uint64_t, rows_before),
        (std::uint64_t, rows_now), (double, seconds), (std::int64_t, time), (std::string, why));
};

namespace detail::rec {

inline constexpr std::uint8_t record_version = 1;

// Each record type: its name in messages, the version it is written with,
// and how older versions read (event records gained fields in version 2).
template <class T> struct record_traits { static constexpr std::uint8_t version = 1; };
template <> struct record_traits<job_record> { static constexpr const char* name = "job"; static constexpr std::uint8_t version = 1; };
template <> struct record_traits<checkpoint_record> { static constexpr const char* name = "checkpoint"; static constexpr std::uint8_t version = 1; };
template <> struct record_traits<chain_record> { static constexpr const char* name = "chain description"; static constexpr std::uint8_t version = 1; };
template <> struct record_traits<dataset_record> {
    static constexpr const char* name = "dataset version";
    static constexpr std::uint8_t version = 3;
    using v1 = dataset_record_v1;
    using v2 = dataset_record_v2;
    static dataset_record from_v1(const dataset_record_v1& o) {
        dataset_record r{};
        r.name = o.name; r.version = o.version; r.uid_hi = o.uid_hi; r.uid_lo = o.uid_lo; r.table = o.table;
        r.rows = o.rows; r.schema_hi = o.schema_hi; r.schema_lo = o.schema_lo; r.schema_text = o.schema_text;
        r.job = o.job; r.created = o.created; r.complete = o.complete;
        r.digest_kind = 1;
        return r;
    }
    static dataset_record from_v2(const dataset_record_v2& o) {
        dataset_record r{};
        r.name = o.name; r.version = o.version; r.uid_hi = o.uid_hi; r.uid_lo = o.uid_lo; r.table = o.table;
        r.rows = o.rows; r.schema_hi = o.schema_hi; r.schema_lo = o.schema_lo; r.schema_text = o.schema_text;
        r.job = o.job; r.created = o.created; r.complete = o.complete;
        r.digest_hi = o.digest_hi; r.digest_lo = o.digest_lo; r.digest_kind = 1;
        return r;
    }
};
template <> struct record_traits<version_schema_record> { static constexpr const char* name = "version schema"; static constexpr std::uint8_t version = 1; };
template <> struct record_traits<event_record> {
    static constexpr const char* name = "event";
    static constexpr std::uint8_t version = 2;
    using v1 = event_record_v1;
    static event_record from_v1(const event_record_v1& o) {
        event_record e{};
        e.kind = o.kind; e.step = o.step; e.dataset = o.dataset; e.version = o.version;
        e.chain_hash = o.chain_hash; e.step_hash = o.step_hash; e.rows_before = o.rows_before;
        e.rows_now = o.rows_now; e.seconds = o.seconds; e.time = o.time; e.why = o.why;
        e.change = "unknown";
        return e;
    }
};

inline std::string hex(std::string_view bytes) {
    static constexpr char d[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(d[c >> 4]);
        out.push_back(d[c & 15]);
    }
    return out;
}

template <class T>
std::string pack(const T& r) {
    std::string s(1, static_cast<char>(record_traits<T>::version));
    encode(s, r);
    return s;
}

// "an event", "a job".
inline std::string article(std::string_view name) {
    const bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + std::string(name);
}

// Decodes a record read at `key` from the store at `where`; a record that
// does not decode is error(store_corrupt) naming the record kind and key.
template <class T>
T unpack(std::string_view s, const std::string& where, std::string_view key = {}) {
    auto damaged = [&](const std::string &what) {
        return error(error_kind::store_corrupt,
                     "datachain: " + article(record_traits<T>::name) + " record" +
                         (key.empty() ? std::string{} : " (key " + hex(key) + ")") + " in the store at " +
                         detail::quoted_value(where) + " is damaged: " + what +
                         "; restore the store from a backup or remove it (the record cannot be trusted)");
    };
    const auto v = s.empty() ? 0 : static_cast<std::uint8_t>(s[0]);
    if (v > record_traits<T>::version)
        throw error(error_kind::store_format, "datachain: " + article(record_traits<T>::name) +
                                                  " record in the store at " + detail::quoted_value(where) +
                                                  " has an unknown version; was it written by a newer datachain?");
    try {
        if (v == record_traits<T>::version) return decode<T>(s.substr(1));
        if constexpr (requires { &record_traits<T>::from_v1; })
            if (v == 1) return record_traits<T>::from_v1(decode<typename record_traits<T>::v1>(s.substr(1)));
        if constexpr (requires { &record_traits<T>::from_v2; })
            if (v == 2) return record_traits<T>::from_v2(decode<typename record_traits<T>::v2>(s.substr(1)));
    } catch (const error& e) {
        throw damaged(e.what());
    }
    throw damaged("record version " + std::to_string(v) + " is not one this build reads");
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
// The schema of a version: "S" + the dataset key after its "D".
inline std::string version_schema_key(std::string_view name, std::uint32_t major, std::uint32_t minor, std::uint32_t patch) {
    auto k = dataset_key(name, major, minor, patch); k[0] = 'S'; return k;
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
// Present while a UDF step of `job` with partial key `h` is calling its UDF
// (set before a batch's calls, removed with the batch's outputs): left behind
// when the UDF threw or the process died inside a call.
inline std::string active_key(std::uint64_t job, const hash128& h) {
    std::string k = "A"; key::be64(k, job); key::h128(k, h); return k;
}

// Compiled once (runtime/compiled.hpp): the record codecs are instantiated in
// the runtime library, not in every translation unit that runs a pipeline.
#if defined(DATACHAIN_SEPARATE_COMPILATION)
#if DATACHAIN_RUNTIME_DEFINITIONS
#define DATACHAIN_RECORD_CODEC(T)                                                                  \
    template std::string pack<T>(const T&);                                                        \
    template T unpack<T>(std::string_view, const std::string&, std::string_view);
#else
#define DATACHAIN_RECORD_CODEC(T)                                                                  \
    extern template std::string pack<T>(const T&);                                                 \
    extern template T unpack<T>(std::string_view, const std::string&, std::string_view);
#endif
DATACHAIN_RECORD_CODEC(job_record)
DATACHAIN_RECORD_CODEC(checkpoint_record)
DATACHAIN_RECORD_CODEC(chain_record)
DATACHAIN_RECORD_CODEC(dataset_record)
DATACHAIN_RECORD_CODEC(version_schema_record)
DATACHAIN_RECORD_CODEC(event_record)
#undef DATACHAIN_RECORD_CODEC
#endif

} // namespace detail::rec
} // namespace datachain
