// Definitions for session.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain {

DATACHAIN_INLINE session::session(settings cfg) : cfg_(std::move(cfg)) {
    if (detail::runtime_modes() == 3)  // runtime/compiled.hpp
        throw error(error_kind::usage,
                    "datachain: this program mixes translation units compiled with DATACHAIN_SEPARATE_COMPILATION "
                    "(the CMake target datachain::compiled) and without it (datachain::datachain): define it for all "
                    "of them or for none (link every target that uses datachain to datachain::compiled, or none); "
                    "nothing was written");
    cfg_.operator_switches();  // DATACHAIN_IGNORE_CHECKPOINTS=1, DATACHAIN_CHECKPOINTS=0 apply always
    handle_ = detail::open_store_handle(cfg_.root);
    if (cfg_.job_name.empty()) cfg_.job_name = detail::executable_path();
    std::vector<std::string> damaged;  // job records that do not decode: skipped, with a warning
    job_ = detail::start_job(*handle_, cfg_.job_name, &damaged);
    journal_ = std::make_unique<detail::journal>(*handle_, job_.id, cfg_);
    for (const auto& d : damaged) journal_->warning(d);
    status_ = std::make_unique<detail::status_file>(handle_->location(), job_.id);
}

DATACHAIN_INLINE session::~session() {
    try {
        std::lock_guard lock(m_);
        detail::finish_job(*handle_, job_);
        status_->finish(to_string(job_.state()));
    } catch (...) {
    }
}

DATACHAIN_INLINE void session::remove_dataset(std::string_view name, std::string_view version) {
    auto r = find_dataset(name, version);
    if (!r)
        throw error(error_kind::not_found, "datachain: dataset '" + std::string(name) + "' has no version '" +
                                               std::string(version) + "'; list versions with session::datasets()");
    auto [a, b, c] = parse_version(r->version);
    const auto dk = detail::rec::dataset_key(name, a, b, c);
    const auto sk = detail::rec::version_schema_key(name, a, b, c);
    handle_->locked([&] {
        auto w = db().batch();
        w->del(dk);
        w->del(sk);
        db().write(*w);
        return 0;
    });
}

namespace detail::exec {

DATACHAIN_INLINE void session_access::fail(const std::string& why) const {
    std::lock_guard lock(s.m_);
    s.job_.status = static_cast<std::uint8_t>(job_status::failed);
    s.job_.error = why;
    s.db().put(rec::job_key(s.job_.id), rec::pack(s.job_));
}

} // namespace detail::exec

} // namespace datachain
