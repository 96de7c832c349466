// read_dataset<Schema>(name[, version]): the rows of a saved dataset version
// (the latest when no version is given), typed by Schema.
//
// ```cpp
// auto p = dc::read_storage("data/") | dc::map<"r">(f) | dc::save("results");
// std::vector<dc::row<decltype(p)::schema>> rows =
//     (dc::read_dataset<decltype(p)::schema>("results") | dc::limit(10)).collect(s);
// ```
//
// At run time the stored schema signature must equal Schema's; otherwise a
// datachain::error (schema_mismatch) says which dataset and what differs.
// Declaration hash: kind "read_dataset", the name and the requested version
// ("" for latest). At run time the source hash is the resolved version's
// unique id, so a new version means a new hash.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/schema.hpp>

#include <string>
#include <string_view>

namespace datachain {

template <class S, class Str>
struct dataset_source {
    static_assert(is_schema<S>::value, "datachain: read_dataset<Schema>: Schema must be a dc::schema<...>");
    using datachain_source_tag = void;
    using schema = S;
    Str name;
    Str version;  // "" = latest

    constexpr hash128 decl_hash() const {
        hasher h;
        h.tag("read_dataset").str(name).str(version);
        return h.finish();
    }
    std::string describe() const {
        return "read_dataset(\"" + std::string(name) + "\"" +
               (std::string_view(version).empty() ? std::string{} : ", \"" + std::string(version) + "\"") + ")";
    }
};

template <class S, std::size_t N>
constexpr dataset_source<S, std::string_view> read_dataset(const char (&name)[N]) {
    return {std::string_view(name, N - 1), {}};
}
template <class S, std::size_t N, std::size_t M>
constexpr dataset_source<S, std::string_view> read_dataset(const char (&name)[N], const char (&version)[M]) {
    return {std::string_view(name, N - 1), std::string_view(version, M - 1)};
}
template <class S>
dataset_source<S, std::string> read_dataset(std::string name, std::string version = {}) {
    return {std::move(name), std::move(version)};
}

} // namespace datachain
