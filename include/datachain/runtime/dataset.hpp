// dataset<S>: a saved dataset version, read as typed rows.
//
// ```cpp
// dc::dataset<S> ds = (src | dc::map<"result">(process) | dc::save("processed_files")).run(s);
// use(ds.name()); use(ds.version()); use(ds.size());
// for (const dc::row<S>& r : ds) use(r.get<"result">());   // streams from the store
// std::vector<dc::row<S>> all = ds.to_vector();
//
// auto again = dc::open_dataset<S>(s, "processed_files");          // latest
// auto older = dc::open_dataset<S>(s, "processed_files", "1.0.0");
// ```
//
// Iteration is an input range (single pass per begin()); rows are decoded on
// the fly, so a large dataset does not have to fit in memory. The stored
// schema signature must equal S's, otherwise error(schema_mismatch).
//
// A dataset is a range-v3 view (ranges::view_ and ranges::input_range; also a
// std::ranges::input_range): cheap to copy (a store handle and the version's
// record), each begin() starts a new pass from the store, end() is a
// sentinel. It composes with range-v3's adaptors; include the ones you use
// (this header includes only range/v3/range_fwd.hpp):
//
// ```cpp
// #include <datachain/datachain.hpp>
// #include <range/v3/range/conversion.hpp>
// #include <range/v3/view/filter.hpp>
// #include <range/v3/view/transform.hpp>
// namespace dc = datachain;
// using S = dc::schema<dc::column<"n", std::int64_t>, dc::column<"t", std::int64_t>>;
// inline std::vector<std::int64_t> odd_t(const dc::dataset<S>& ds) {
//     return ds | ranges::views::filter([](const dc::row<S>& r) { return r.get<"n">() % 2 == 1; })
//               | ranges::views::transform([](const dc::row<S>& r) { return r.get<"t">(); })
//               | ranges::to<std::vector>();
// }
// ```
#pragma once

#include <datachain/core/schema.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/session.hpp>
#include <datachain/runtime/version_rows.hpp>

#include <range/v3/range_fwd.hpp>  // ranges::view_base only: the adaptors are the user's to include

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

namespace detail {
template <class S>
void check_schema(const dataset_record& r, const std::string& where) {
    if (r.schema_sig() != S::signature())
        throw error(error_kind::schema_mismatch,
                    "datachain: " + where + ": dataset '" + r.name + "' version " + r.version +
                        " has columns " + r.schema_text + ", but the program expects " + schema_text<S>() +
                        "; read it with the schema it was saved with (decltype(pipeline)::schema)");
}
} // namespace detail

template <class S>
class dataset : public ranges::view_base {
public:
    using schema_type = S;
    using value_type = row<S>;

    // An empty handle (no store): a view must be default-constructible; use
    // it only to assign a dataset to.
    dataset() = default;
    dataset(std::shared_ptr<store> db, dataset_record rec) : db_(std::move(db)), rec_(std::move(rec)) {}

    const std::string& name() const noexcept { return rec_.name; }
    const std::string& version() const noexcept { return rec_.version; }
    hash128 uid() const noexcept { return rec_.uid(); }
    std::uint64_t size() const noexcept { return rec_.rows; }
    std::uint64_t job() const noexcept { return rec_.job; }
    const dataset_record& record() const noexcept { return rec_; }

    // Reading to the end checks the rows against the version's row count and
    // content digest: damage is error(store_corrupt), never fewer rows.
    struct decode_typed {
        void operator()(std::string_view bytes, row<S>& r) const { r.values = decode<typename S::tuple_type>(bytes); }
    };
    using iterator = detail::version_iterator<row<S>, decode_typed>;

    iterator begin() const { return iterator{db_, rec_}; }
    std::default_sentinel_t end() const noexcept { return {}; }

    std::vector<row<S>> to_vector() const {
        std::vector<row<S>> out;
        out.reserve(static_cast<std::size_t>(rec_.rows));
        for (const auto& r : *this) out.push_back(r);
        return out;
    }

private:
    std::shared_ptr<store> db_;
    dataset_record rec_{};
};

// Opens a saved version ("" = latest). Throws error(not_found / schema_mismatch / invalid_name).
template <class S>
dataset<S> open_dataset(session& s, std::string_view name, std::string_view version = {}) {
    auto r = s.find_dataset(name, version);
    if (!r) throw detail::no_version_error(name, version, s.db().location());
    detail::check_schema<S>(*r, "open_dataset");
    return dataset<S>{s.shared_store(), std::move(*r)};
}

} // namespace datachain
