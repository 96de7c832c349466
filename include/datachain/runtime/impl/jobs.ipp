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

DATACHAIN_INLINE std::string crash_text(const store& db, const job_record& j) {
    std::string s = "its process (pid " + std::to_string(j.pid) + ") ended before the job finished";
    auto steps = steps_in_udf(db, j.id);
    for (std::size_t i = 0; i < steps.size(); ++i) s += (i ? "; " : ", inside the UDF of ") + steps[i];
    return s;
}

DATACHAIN_INLINE void mark_crashed_jobs(store_handle& h, std::vector<std::string>* damaged) {
    auto live = h.live_jobs();
    std::vector<job_record> crashed;
    for (auto& j : catalog::jobs(h.db(), damaged))
        if (j.state() == job_status::running && !live.count(j.id)) crashed.push_back(j);
    for (auto& j : crashed) {
        j.status = static_cast<std::uint8_t>(job_status::crashed);
        if (j.error.empty()) j.error = crash_text(h.db(), j);
        h.db().put(rec::job_key(j.id), rec::pack(j));
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
