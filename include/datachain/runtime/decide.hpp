// Checkpoint decisions (README: "Checkpoints") as pure functions over an explicit
// state of the lineage. The runner reads the state from the store, asks, and
// executes the answer; nothing else decides.
//
//   save_state st{...};                        // what the ancestry holds for this save's key
//   save_decision d = decide_save(st);         // skip (reuse a version) or compute, and why
//   udf_decision u = decide_udf(udf_state{...});   // skip, resume, scratch or direct, and why
//
// The rules, in order, for a UDF step (key: the chain before the step plus
// the step's partial identity; full: the step's full hash):
//  1. checkpoints off: direct (no records, no reuse);
//  2. checkpoints ignored: from scratch, recorded anew;
//  3. a complete record with the same full hash anywhere in the ancestry: skip;
//  4. otherwise the nearest record decides:
//     - discarded (its table failed a content check, table_checks.hpp):
//       from scratch, saying so;
//     - partial, same full hash: resume;
//     - partial, code changed, and the step's own UDF was running when its
//       job ended (it threw, or the process died inside a call): resume (the
//       "fix the bug and continue" of the README);
//     - partial, code changed, cut short by another step or outside any UDF
//       call: from scratch (its outputs came from code that is gone);
//     - complete, code changed: from scratch;
//  5. no record: from scratch.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/records.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace datachain {

// Why a decision was taken: a typed kind and a sentence.
struct reason {
    change_kind kind = change_kind::none;
    std::string text;
};

// ---- save ---------------------------------------------------------------------

// A save checkpoint with the save's key found in the ancestry, and the
// dataset version it names as the store has it now (nullopt: removed).
struct save_seen {
    std::uint64_t job = 0;
    checkpoint_record checkpoint;
    std::optional<dataset_record> version;
};

struct save_state {
    bool checkpoints = true;               // off: compute, record nothing
    bool resume = true;                    // false: checkpoints ignored
    std::string name;                      // the dataset
    std::vector<save_seen> seen;           // nearest job first
    // For the explanation: the chain saved as `name` by the nearest earlier
    // job of the lineage, and that job's status.
    std::optional<std::pair<std::uint64_t, chain_record>> previous;
    std::optional<job_status> previous_status;
    chain_record current;
    std::string source_files;  // the source's files that changed since `previous`, named (or empty)
};

enum class save_action : std::uint8_t { skip, compute };

struct save_decision {
    save_action action = save_action::compute;
    std::uint64_t from_job = 0;            // skip: the job that saved the version
    std::optional<dataset_record> version; // skip: the version reused
    reason why;
};

// Classifies the first difference between two chain descriptions.
inline reason explain_chain_change(const chain_record& old, const chain_record& now,
                                   std::string_view source_files = {}) {
    auto text = catalog::explain_change(old, now, source_files);
    change_kind k = change_kind::chain_changed;
    if (text.starts_with("source:")) k = change_kind::source_changed;
    else if (text.ends_with(": code changed")) k = change_kind::code_changed;
    else if (text == "the chain is unchanged") k = change_kind::none;
    return {k, std::move(text)};
}

DATACHAIN_INLINE save_decision decide_save(const save_state& st);

// ---- UDF steps ------------------------------------------------------------------

// A UDF checkpoint with the step's partial key found in the ancestry.
struct udf_seen {
    std::uint64_t job = 0;          // the job whose record this is
    checkpoint_record checkpoint;
    bool udf_was_running = false;   // the step's own UDF was in a call when that job ended
};

struct udf_state {
    bool checkpoints = true;
    bool resume = true;
    hash128 full;                   // the step's full hash now
    std::vector<udf_seen> seen;     // nearest job first
    reason upstream;                // why the chain computes (used when nothing earlier exists)
};

enum class udf_action : std::uint8_t {
    skip,     // reuse a complete table; the UDF is not called
    resume,   // continue a partial table: call the UDF for inputs not done
    scratch,  // a new table: call the UDF for every input
    direct,   // checkpoints off: no records
};

inline const char* to_string(udf_action a) {
    switch (a) {
    case udf_action::skip: return "skipped";
    case udf_action::resume: return "continued";
    case udf_action::scratch: return "from scratch";
    case udf_action::direct: return "computed (checkpoints off)";
    }
    return "";
}

struct udf_decision {
    udf_action action = udf_action::scratch;
    std::uint64_t table = 0;     // skip/resume: the table reused; 0: a new one
    std::uint64_t rows = 0;      // skip: rows in that table
    std::uint64_t from_job = 0;  // skip/resume: the job whose outputs are reused
    reason why;
    bool record() const noexcept { return action != udf_action::direct; }
};

DATACHAIN_INLINE udf_decision decide_udf(const udf_state& st);

} // namespace datachain

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/decide.ipp>
#endif
