// Definitions for journal.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

// "1 row", "3 rows".
DATACHAIN_INLINE std::string rows_text(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

// "512 B", "4.9 KiB", "141.3 MiB", "2.0 GiB".
DATACHAIN_INLINE std::string binary_size_text(std::uint64_t b) {
    const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double v = static_cast<double>(b);
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    char buf[48];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    else std::snprintf(buf, sizeof buf, "%.1f %s", v, unit[u]);
    return buf;
}

DATACHAIN_INLINE void emit_line(const settings& cfg, const output_line& line) {
    if (cfg.output) {
        cfg.output(line);
        return;
    }
    // Above the progress status line when one is shown (terminal.hpp).
    status_line::get().print("datachain: " + line.text);
}

DATACHAIN_INLINE void journal::save_skipped(const std::string& step, const dataset_record& ds, const hash128& key, std::uint64_t from_job) {
    auto e = base(event_kind::save_skipped, step);
    e.dataset = ds.name;
    e.version = ds.version;
    e.chain_hash = key.hex();
    e.rows_before = ds.rows;
    e.why = "chain unchanged since job " + std::to_string(from_job);
    e.change = to_string(change_kind::none);
    e.from_job = from_job;
    record(std::move(e));
    report("save \"" + ds.name + "\": skipped, the chain is unchanged since job " + std::to_string(from_job) +
           "; using version " + ds.version + " (" + rows_text(ds.rows) + ")");
}

DATACHAIN_INLINE void journal::save_computing(const std::string& name, const reason& why) {
    report("save \"" + name + "\": computing (" + why.text + ")");
}

DATACHAIN_INLINE void journal::save_completed(const std::string& step, const dataset_record& ds, const hash128& key, double seconds,
                                              const reason& why) {
    auto e = base(event_kind::save_completed, step);
    e.dataset = ds.name;
    e.version = ds.version;
    e.chain_hash = key.hex();
    e.rows_now = ds.rows;
    e.seconds = seconds;
    e.why = why.text;
    e.change = to_string(why.kind);
    record(std::move(e));
    report("save \"" + ds.name + "\": saved version " + ds.version + " (" + rows_text(ds.rows) + ")");
}

DATACHAIN_INLINE void journal::udf_decided(const std::string& step, const udf_decision& d, bool memo) {
    if (d.action == udf_action::skip)
        report(step + ": skipped, reusing the " + rows_text(d.rows) + " it output in job " +
               std::to_string(d.from_job));
    else
        report(step + ": " +
               (memo && d.action == udf_action::scratch ? "computing inputs not seen before"
                                                         : std::string(to_string(d.action))) +
               (d.why.text.empty() || d.why.kind == change_kind::off ? std::string{} : " (" + d.why.text + ")"));
}

DATACHAIN_INLINE void journal::spilled(const std::string& step, std::uint64_t rows, std::uint64_t bytes,
                                       std::size_t runs, std::optional<std::uint64_t> partitions) const {
    report(step + ": input of " + rows_text(rows) +
           (partitions ? " in " + std::to_string(*partitions) + (*partitions == 1 ? " partition" : " partitions")
                       : std::string{}) +
           " sorted on disk in " + std::to_string(runs) + (runs == 1 ? " run" : " runs") + " (" +
           binary_size_text(bytes) + " written), as it took more memory than spill_bytes (" +
           binary_size_text(cfg_.spill_bytes) + "; settings::spill_bytes or DATACHAIN_SPILL_BYTES)");
}

DATACHAIN_INLINE std::string journal::reused_from(std::uint64_t continued, std::uint64_t memo) {
    return std::to_string(memo) + " by input from earlier runs" +
           (continued ? ", " + std::to_string(continued) + " continued" : std::string{});
}

DATACHAIN_INLINE void journal::udf_rows(const std::string& step, std::uint64_t computed, std::uint64_t continued, std::uint64_t memo) const {
    report(step + ": " + std::to_string(computed) + (computed == 1 ? " input" : " inputs") + " computed, " +
           std::to_string(continued + memo) + " reused (" + reused_from(continued, memo) + ")");
}

DATACHAIN_INLINE std::uint64_t journal::udf_ended(const std::string& step, event_kind kind, const hash128& full, std::uint64_t before,
        std::uint64_t now, double seconds, const reason& why, std::uint64_t from_job,
                                                  std::uint64_t seq) {
    return record(udf_event(step, kind, full, before, now, seconds, why, from_job), seq);
}

DATACHAIN_INLINE void journal::udf_progress(write_batch& b, const std::string& step, event_kind kind,
                                            const hash128& full, std::uint64_t before, std::uint64_t now,
                                            double seconds, const reason& why, std::uint64_t from_job,
                                            std::uint64_t seq) {
    record(udf_event(step, kind, full, before, now, seconds, why, from_job), seq, &b);
}

DATACHAIN_INLINE std::uint64_t journal::record(event_record e, std::uint64_t seq, write_batch* into) {
    std::lock_guard l(m_);
    e.time = now_ns();
    if (seq == 0) seq = ++seq_;
    if (into) into->put(rec::event_key(job_, seq), rec::pack(e));
    else h_.db().put(rec::event_key(job_, seq), rec::pack(e));
    return seq;
}

} // namespace datachain::detail
