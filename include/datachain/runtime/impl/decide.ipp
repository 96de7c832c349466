// Definitions for decide.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain {

DATACHAIN_INLINE save_decision decide_save(const save_state& st) {
    save_decision d;
    if (!st.checkpoints) {
        d.why = {change_kind::off, "checkpoints are off"};
        return d;
    }
    if (!st.resume) {
        d.why = {change_kind::ignored, "checkpoints ignored: DATACHAIN_IGNORE_CHECKPOINTS or settings"};
        return d;
    }
    // The nearest save checkpoint decides: its version still complete means
    // nothing runs; removed means recompute.
    for (const auto& s : st.seen) {
        if (s.checkpoint.kind != static_cast<std::uint8_t>(checkpoint_kind::save)) continue;
        if (s.version && s.version->complete) {
            d.action = save_action::skip;
            d.from_job = s.checkpoint.job ? s.checkpoint.job : s.job;
            d.version = s.version;
            d.why = {change_kind::none, "chain unchanged since job " + std::to_string(d.from_job)};
            return d;
        }
        d.why = {change_kind::version_removed,
                 "version " + s.checkpoint.version + " of \"" + st.name + "\" was removed"};
        return d;
    }
    if (!st.previous) {
        d.why = {change_kind::first_run, "no earlier run of this chain"};
        return d;
    }
    d.why = explain_chain_change(st.previous->second, st.current, st.source_files);
    if (d.why.kind != change_kind::none) return d;
    if (st.previous_status && *st.previous_status != job_status::complete) {
        d.why = {change_kind::unfinished, "the earlier run (job " + std::to_string(st.previous->first) + ", " +
                                              to_string(*st.previous_status) + ") did not finish"};
        return d;
    }
    d.why = {change_kind::version_removed, "its saved version is gone"};
    return d;
}

DATACHAIN_INLINE udf_decision decide_udf(const udf_state& st) {
    udf_decision d;
    if (!st.checkpoints) {
        d.action = udf_action::direct;
        d.why = {change_kind::off, "checkpoints are off"};
        return d;
    }
    if (!st.resume) {
        d.why = {change_kind::ignored, "checkpoints ignored"};
        return d;
    }
    for (const auto& s : st.seen) {
        const auto& cp = s.checkpoint;
        if (cp.complete && cp.full() == st.full) {
            d.action = udf_action::skip;
            d.table = cp.table;
            d.rows = cp.rows;
            d.from_job = cp.job ? cp.job : s.job;
            d.why = {change_kind::none, "a complete run with the same code in job " + std::to_string(d.from_job)};
            return d;
        }
    }
    if (st.seen.empty()) {
        d.why = st.upstream.kind == change_kind::none ? reason{change_kind::first_run, "no earlier run of this step"}
                                                      : st.upstream;
        return d;
    }
    const auto& s = st.seen.front();
    const auto& cp = s.checkpoint;
    const auto job = std::to_string(cp.job ? cp.job : s.job);
    if (cp.complete) {
        d.why = {change_kind::code_changed, "code changed after a successful run in job " + job};
        return d;
    }
    if (cp.discarded()) {
        d.why = {change_kind::discarded, "computed anew: the outputs of job " + job +
                                             " were discarded as damaged (their table failed its content check)"};
        return d;
    }
    if (cp.full() == st.full) {
        d.action = udf_action::resume;
        d.table = cp.table;
        d.from_job = cp.job ? cp.job : s.job;
        d.why = {change_kind::continuing, "continuing the partial outputs of job " + job};
        return d;
    }
    if (s.udf_was_running) {
        d.action = udf_action::resume;
        d.table = cp.table;
        d.from_job = cp.job ? cp.job : s.job;
        d.why = {change_kind::continuing,
                 "continuing the partial outputs of job " + job + " with changed code (its UDF failed there)"};
        return d;
    }
    d.why = {change_kind::code_changed, "code changed; the partial outputs of job " + job +
                                            " were cut short by another step or a kill outside this UDF"};
    return d;
}

} // namespace datachain
