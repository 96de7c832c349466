// Reading a saved version without its C++ type: the columns and their types
// come from the schema stored with the version (dynamic_schema.hpp), the
// values are dc::value (value.hpp).
//
//   dc::session s;
//   dc::dynamic_dataset ds = dc::open_dataset_dynamic(s, "processed_files");   // latest
//   std::cout << ds.schema().text() << "\n";
//   for (const dc::dynamic_row& r : ds)
//       std::cout << r["file.path"].as_string() << " " << r["result"].as_string() << "\n";
//
// open_dataset_dynamic(std::shared_ptr<store>, ...) reads a store opened
// without a session (no job is started): that is what the datachain CLI does.
// Rows stream from the store and are checked like dataset<S>'s (the same
// detail::version_rows): a full read checks the row count and content digest.
// A version saved before schemas were stored is error(not_found) saying to
// save it again with this version of datachain-cpp.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/dynamic_schema.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/value.hpp>
#include <datachain/runtime/version_rows.hpp>
#include <datachain/runtime/versions.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

// One row: a value per column, reachable by column path.
struct dynamic_row {
    std::shared_ptr<const dataset_schema> schema;
    std::vector<value> values;  // one per schema->columns

    // A column ("result") or a member path inside one ("file.path", as
    // row<S>::get). A column's own name matches first. error(not_found)
    // listing the columns otherwise.
    const value& operator[](std::string_view path) const {
        const auto& cols = schema->columns;
        for (std::size_t i = 0; i < cols.size(); ++i)
            if (cols[i].name == path) return values[i];
        const auto dot = path.find('.');
        if (dot != std::string_view::npos)
            for (std::size_t i = 0; i < cols.size(); ++i)
                if (cols[i].name == path.substr(0, dot)) {
                    const value* v = &values[i];
                    std::string_view rest = path.substr(dot + 1);
                    while (true) {
                        const auto d = rest.find('.');
                        if (!v->is_record()) break;
                        v = &(*v)[rest.substr(0, d)];
                        if (d == std::string_view::npos) return *v;
                        rest = rest.substr(d + 1);
                    }
                }
        throw error(error_kind::not_found,
                    "datachain: no column '" + std::string(path) + "' in " + schema->text());
    }
};

class dynamic_dataset {
public:
    dynamic_dataset(std::shared_ptr<store> db, dataset_record rec, dataset_schema s)
        : db_(std::move(db)), rec_(std::move(rec)), schema_(std::make_shared<const dataset_schema>(std::move(s))) {}

    const std::string& name() const noexcept { return rec_.name; }
    const std::string& version() const noexcept { return rec_.version; }
    std::uint64_t size() const noexcept { return rec_.rows; }
    const dataset_schema& schema() const noexcept { return *schema_; }
    const dataset_record& record() const noexcept { return rec_; }

    struct decode_values {
        void operator()(std::string_view bytes, dynamic_row& r) const {
            r.values = detail::decode_row(bytes, *r.schema);
        }
    };
    using iterator = detail::version_iterator<dynamic_row, decode_values>;

    iterator begin() const { return iterator{db_, rec_, dynamic_row{schema_, {}}}; }
    std::default_sentinel_t end() const noexcept { return {}; }

    std::vector<dynamic_row> to_vector() const {
        std::vector<dynamic_row> out;
        for (const auto& r : *this) out.push_back(r);
        return out;
    }

private:
    std::shared_ptr<store> db_;
    dataset_record rec_;
    std::shared_ptr<const dataset_schema> schema_;
};

// A version ("" = the latest) of a store opened without a session.
// Throws error(not_found / invalid_name / store_corrupt).
inline dynamic_dataset open_dataset_dynamic(std::shared_ptr<store> db, std::string_view name,
                                            std::string_view version = {}) {
    auto r = detail::find_version(*db, name, version);
    if (!r) throw detail::no_version_error(name, version, db->location());
    auto s = detail::read_version_schema(*db, *r);
    if (!s)
        throw error(
            error_kind::not_found,
            "datachain: dataset '" + r->name + "' version " + r->version + " in the store at " +
                detail::quoted_value(db->location()) +
                " has no stored schema: it was saved by an earlier build of datachain-cpp, "
                "which did not store one. Read it with its C++ type (dc::open_dataset<S>), or save it again with "
                "this version (run its chain with DATACHAIN_IGNORE_CHECKPOINTS=1) to read it without one");
    return dynamic_dataset{std::move(db), std::move(*r), std::move(*s)};
}

inline dynamic_dataset open_dataset_dynamic(session& s, std::string_view name, std::string_view version = {}) {
    return open_dataset_dynamic(s.shared_store(), name, version);
}

} // namespace datachain
