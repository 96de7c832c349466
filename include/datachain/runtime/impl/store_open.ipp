// Definitions for store_open.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

#include <datachain/runtime/leveldb_store.hpp>

namespace datachain::detail {

DATACHAIN_INLINE void check_format(store& s) {
    auto f = s.get(rec::format_key());
    if (!f) {
        auto c = s.scan("");
        if (c->valid())
            throw error(error_kind::store_format, "datachain: " + detail::quoted_value(s.location()) +
                                                      " holds data but no datachain format record: it is not a "
                                                      "datachain store (or an unknown format); nothing was written by datachain (LevelDB's own "
                                                      "recovery may have compacted the database's log on opening it)");
        std::string v(store_magic);
        key::be32(v, store_format_version);
        s.put(rec::format_key(), v);
        return;
    }
    if (f->size() != store_magic.size() + 4 || std::string_view(*f).substr(0, store_magic.size()) != store_magic)
        throw error(error_kind::store_format, "datachain: " + detail::quoted_value(s.location()) +
                                                  " has an unknown format record; nothing was written");
    auto ver = key::read_be32(*f, store_magic.size());
    if (ver > store_format_version)
        throw error(error_kind::store_format,
                    "datachain: the store at " + detail::quoted_value(s.location()) + " has format " +
                        std::to_string(ver) + ", newer than this build supports (" +
                        std::to_string(store_format_version) +
                        "); upgrade datachain-cpp; nothing was written");
    if (ver < store_format_version) {  // older stores read as they are; from now on they may hold segments
        std::string v(store_magic);
        key::be32(v, store_format_version);
        s.put(rec::format_key(), v);
    }
}

DATACHAIN_INLINE std::uint64_t store_handle::next_id(std::string_view which) {
    std::lock_guard l(m_);
    auto k = rec::counter_key(which);
    std::uint64_t n = 0;
    if (auto v = db_->get(k); v && v->size() == 8) n = key::read_be64(*v, 0);
    ++n;
    // A counter behind its data (its record lost or rolled back) would
    // hand out an id in use and overwrite data: refuse instead.
    const bool taken = which == "job"     ? db_->get(rec::job_key(n)).has_value()
                       : which == "table" ? db_->scan(rec::table_prefix(n))->valid() ||
                                                db_->scan(rec::done_prefix(n))->valid() ||
                                                db_->scan(rec::segment_prefix(n))->valid()
                                          : false;
    if (taken)
        throw error(error_kind::store_corrupt,
                    "datachain: the store at " + detail::quoted_value(db_->location()) + " is damaged: its '" +
                        std::string(which) + "' counter would hand out " + std::to_string(n) +
                        ", which is in use (the counter record was lost or rolled back); restore the store "
                        "from a backup; nothing was written");
    std::string v;
    key::be64(v, n);
    db_->put(k, v);
    return n;
}

DATACHAIN_INLINE std::vector<std::string> opened_store_locations() {
    auto& reg = store_registry::get();
    std::lock_guard lock(reg.m);
    return {reg.seen.rbegin(), reg.seen.rend()};
}

DATACHAIN_INLINE std::string store_location(const std::filesystem::path& root) {
    if (is_memory_root(root)) return root.string();
    if (root.native().find("://") != std::string::npos)
        throw error(error_kind::usage, "datachain: the store root " + detail::quoted_value(root.string()) +
                                           " is a URI; give a local directory path (e.g. /data/.datachain)");
    if (root.empty())
        throw error(error_kind::usage, "datachain: the store root is empty; give a directory (default .datachain)");
    std::error_code ec;
    auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(root), ec).string();
    return ec ? root.string() : abs;
}

DATACHAIN_INLINE std::shared_ptr<store_handle> add_store_handle(store_registry& reg, const std::string& where,
                                                                std::shared_ptr<store> db) {
    check_format(*db);
    std::shared_ptr<store_handle> h(new store_handle(std::move(db)), [where](store_handle* p) {
        delete p;
        auto& r = store_registry::get();
        std::lock_guard l(r.m);
        if (auto e = r.open.find(where); e != r.open.end() && e->second.expired()) r.open.erase(e);
    });
    reg.open[where] = h;
    std::erase(reg.seen, where);
    reg.seen.push_back(where);
    return h;
}

DATACHAIN_INLINE std::shared_ptr<store_handle> register_store(const std::filesystem::path& root, std::shared_ptr<store> db) {
    const auto where = store_location(root);
    auto& reg = store_registry::get();
    std::lock_guard lock(reg.m);
    if (auto it = reg.open.find(where); it != reg.open.end())
        throw error(error_kind::usage,
                    "datachain: register_store: a store is already open at " + detail::quoted_value(where));
    return add_store_handle(reg, where, std::move(db));
}

DATACHAIN_INLINE std::shared_ptr<store_handle> open_store_handle(const std::filesystem::path& root) {
    const auto where = store_location(root);
    auto& reg = store_registry::get();
    for (;;) {
        {
            std::lock_guard lock(reg.m);
            if (is_memory_root(root)) {
                auto& h = reg.memory[where];
                if (!h) {
                    h = std::make_shared<store_handle>(make_memory_store(where));
                    check_format(h->db());
                }
                return h;
            }
            auto it = reg.open.find(where);
            if (it == reg.open.end()) return add_store_handle(reg, where, open_leveldb_store(where));
            if (auto h = it->second.lock()) return h;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

} // namespace datachain::detail
namespace datachain {

DATACHAIN_INLINE std::shared_ptr<store> open_store(const std::filesystem::path& root) {
    auto h = detail::open_store_handle(root);
    // The store stays open as long as the returned pointer: it shares the
    // handle's ownership.
    return std::shared_ptr<store>(h, &h->db());
}

} // namespace datachain
