// Dataset versions: 1.0.0, 1.0.1, ...; a number is never reused, even after
// its version is removed.
//
//   auto [major, minor, patch] = detail::parse_version("1.0.2");
//   std::optional<dataset_record> r = detail::find_version(db, "name", "");   // latest complete
//   dataset_record v = detail::new_version(handle, job, "name", table, rows, ...);
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/catalog.hpp>
#include <datachain/runtime/digest.hpp>
#include <datachain/runtime/jobs.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store_open.hpp>
#include <datachain/steps/save.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace datachain::detail {

// Parses "major.minor.patch". Throws error(invalid_name) otherwise.
inline std::tuple<std::uint32_t, std::uint32_t, std::uint32_t> parse_version(std::string_view v) {
    std::uint32_t parts[3]{};
    std::size_t i = 0, p = 0;
    auto bad = [&] {
        return error(error_kind::invalid_name, "datachain: invalid dataset version " + quoted_value(v) +
                                                   ": expected major.minor.patch, e.g. 1.0.2");
    };
    for (; p < 3; ++p) {
        if (i >= v.size() || v[i] < '0' || v[i] > '9') throw bad();
        std::uint64_t n = 0;
        while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
            n = n * 10 + static_cast<std::uint64_t>(v[i++] - '0');
            if (n > 0xFFFFFFFFu) throw bad();
        }
        parts[p] = static_cast<std::uint32_t>(n);
        if (p < 2) {
            if (i >= v.size() || v[i] != '.') throw bad();
            ++i;
        }
    }
    if (i != v.size()) throw bad();
    return {parts[0], parts[1], parts[2]};
}

// A version ("" = the latest complete one), or nullopt.
inline std::optional<dataset_record> find_version(const store& db, std::string_view name, std::string_view version) {
    check_dataset_name(name);
    if (!version.empty()) {
        auto [a, b, c] = parse_version(version);
        auto k = rec::dataset_key(name, a, b, c);
        auto v = db.get(k);
        if (!v) return std::nullopt;
        return rec::unpack<dataset_record>(*v, db.location(), k);
    }
    std::optional<dataset_record> best;
    for (auto& r : catalog::datasets(db, name))
        if (r.complete) best = r;
    return best;
}

// Records a new complete version of `name` whose rows are in `table`, with
// its schema record (dynamic_schema.hpp) in the same write.
inline dataset_record new_version(store_handle& h, std::uint64_t job, std::string_view name, std::uint64_t table,
                                  std::uint64_t rows, const hash128& schema_sig, std::string schema_text,
                                  const hash128& chain, const hash128& digest,
                                  std::string_view schema_record = {}) {
    check_dataset_name(name);
    return h.locked([&] {
        std::uint32_t patch = 0;
        if (auto m = h.db().get(rec::dataset_meta_key(name)); m && m->size() == 4) patch = key::read_be32(*m, 0) + 1;
        if (h.db().get(rec::dataset_key(name, 1, 0, patch)))
            throw error(error_kind::store_corrupt,
                        "datachain: the store at " + detail::quoted_value(h.location()) +
                            " is damaged: the version counter of '" + std::string(name) + "' would reuse version 1.0." +
                            std::to_string(patch) +
                            ", which exists (its record was lost or rolled back); restore the store from a "
                            "backup; nothing was written");
        dataset_record r;
        r.name = std::string(name);
        r.version = "1.0." + std::to_string(patch);
        hasher hs;
        hs.tag("dataset.uid").str(name).str(r.version).u64(job).i64(now_ns()).h(chain);
        auto uid = hs.finish();
        r.uid_hi = uid.hi;
        r.uid_lo = uid.lo;
        r.table = table;
        r.rows = rows;
        r.schema_hi = schema_sig.hi;
        r.schema_lo = schema_sig.lo;
        r.schema_text = std::move(schema_text);
        r.job = job;
        r.created = now_ns();
        r.complete = true;
        r.digest_hi = digest.hi;
        r.digest_lo = digest.lo;
        r.digest_kind = digest_kind_current;
        auto b = h.db().batch();
        std::string m;
        key::be32(m, patch);
        b->put(rec::dataset_meta_key(name), m);
        b->put(rec::dataset_key(name, 1, 0, patch), rec::pack(r));
        if (!schema_record.empty()) b->put(rec::version_schema_key(name, 1, 0, patch), schema_record);
        h.db().write(*b);
        return r;
    });
}

} // namespace datachain::detail
