// Definitions for jobs.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain::detail {

DATACHAIN_INLINE std::string executable_path() {
    std::error_code ec;
    auto p = std::filesystem::canonical("/proc/self/exe", ec);
    return ec ? std::string("unknown-program") : p.string();
}

DATACHAIN_INLINE std::vector<std::string> steps_in_udf(const store& db, std::uint64_t job) {
    std::vector<std::string> out;
    std::string prefix = "A";
    key::be64(prefix, job);
    for (auto c = db.scan(prefix); c->valid(); c->next()) {
        std::string k(c->key());
        k[0] = 'K';  // the step's checkpoint record: the same job and partial key
        if (auto v = db.get(k)) out.push_back(rec::unpack<checkpoint_record>(*v, db.location(), k).step);
    }
    return out;
}

DATACHAIN_INLINE std::optional<status_info> last_report(const store& db, std::uint64_t job) {
    auto st = try_read_status(db.location());
    if (!st || st->job != job || st->state != "running") return std::nullopt;
    return st;
}

DATACHAIN_INLINE std::string crash_text(const store& db, const job_record& j, const std::optional<status_info>& last) {
    std::string s = "its process (pid " + std::to_string(j.pid) + ") ended before the job finished";
    auto steps = steps_in_udf(db, j.id);
    // The steps and the report as text of a message: control characters escaped.
    for (std::size_t i = 0; i < steps.size(); ++i) s += (i ? "; " : ", inside the UDF of ") + escaped(steps[i]);
    if (last && !last->step.empty()) {
        char when[32] = "-";
        const auto t = static_cast<std::time_t>(last->updated / 1000000000);
        std::tm tm{};
        if (last->updated > 0 && ::gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        s += "; it last reported step " + escaped(last->step) + " at " + std::to_string(last->done) +
             (last->total ? "/" + std::to_string(*last->total) : "") + " " + escaped(last->unit) + " (" + when + ")";
    }
    // Only that no end was recorded is known: not that the process crashed.
    return s + "; no end was recorded (the program crashed, was killed, or could not write its failure)";
}

DATACHAIN_INLINE event_record crash_event(const store& db, const job_record& j, const std::optional<status_info>& last) {
    event_record e{};
    e.kind = to_string(event_kind::crashed);
    e.why = j.error.empty() ? crash_text(db, j, last) : j.error;
    e.change = to_string(change_kind::unfinished);
    if (last && !last->step.empty()) {
        // The status file's done counts the units earlier runs did too.
        e.step = last->step;
        e.rows_before = last->earlier;
        e.rows_now = last->done > last->earlier ? last->done - last->earlier : 0;
        e.time = last->updated;
    } else {
        auto steps = steps_in_udf(db, j.id);
        e.step = steps.empty() ? "-" : steps.front();
    }
    return e;
}

DATACHAIN_INLINE void mark_crashed_jobs(store_handle& h, std::vector<std::string>* damaged) {
    auto live = h.live_jobs();
    std::vector<job_record> crashed;
    for (auto& j : catalog::jobs(h.db(), damaged))
        if (j.state() == job_status::running && !live.count(j.id)) crashed.push_back(j);
    for (auto& j : crashed) {
        const auto last = last_report(h.db(), j.id);
        j.status = static_cast<std::uint8_t>(job_status::crashed);
        if (j.error.empty()) j.error = crash_text(h.db(), j, last);
        // The crashed event goes after the job's last event.
        std::uint64_t seq = 0;
        for (auto c = h.db().scan(rec::event_prefix(j.id)); c->valid(); c->next())
            if (c->key().size() == 17) seq = key::read_be64(c->key(), 9);
        auto b = h.db().batch();
        b->put(rec::job_key(j.id), rec::pack(j));
        b->put(rec::event_key(j.id, seq + 1), rec::pack(crash_event(h.db(), j, last)));
        h.db().write(*b);
    }
}

DATACHAIN_INLINE job_record start_job(store_handle& h, const std::string& name, std::vector<std::string>* damaged) {
    return h.locked([&] {
        mark_crashed_jobs(h, damaged);
        job_record j{};
        j.id = h.next_id("job");
        j.name = name;
        if (auto latest = h.db().get(rec::latest_key(name)); latest && latest->size() == 8)
            j.parent = key::read_be64(*latest, 0);
        j.status = static_cast<std::uint8_t>(job_status::running);
        j.started = now_ns();
        j.pid = static_cast<std::int64_t>(::getpid());
        h.add_live_job(j.id);
        auto b = h.db().batch();
        b->put(rec::job_key(j.id), rec::pack(j));
        std::string id;
        key::be64(id, j.id);
        b->put(rec::latest_key(name), id);
        h.db().write(*b);
        return j;
    });
}

DATACHAIN_INLINE void finish_job(store_handle& h, job_record& j) {
    if (j.state() == job_status::running) j.status = static_cast<std::uint8_t>(job_status::complete);
    j.finished = now_ns();
    h.db().put(rec::job_key(j.id), rec::pack(j));
    h.remove_live_job(j.id);
}

} // namespace datachain::detail
