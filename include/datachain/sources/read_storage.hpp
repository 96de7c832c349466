// read_storage(uri): every file under a directory, recursively, as rows with
// one column "file" of type dc::File, ordered by relative path.
//
//   auto files = dc::read_storage("data/images/");        // or "file:///abs/dir"
//   auto big   = files | dc::filter(dc::C<"file.size"> > 15000);
//
// Declaration hash: kind "read_storage" and the URI as written. At run time
// the source hash adds the canonical absolute URI and an order-independent
// fingerprint of the listing (relative path, size and mtime of every file):
// adding, removing or changing a file changes it. Only local paths and
// file:// URIs are implemented; other schemes (s3://, gs://) are refused with
// a clear error so the interface stays open for them.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/schema.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

namespace datachain {

template <class Str>
struct storage_source {
    using datachain_source_tag = void;
    using schema = datachain::schema<column<"file", File>>;
    Str uri;

    constexpr hash128 decl_hash() const {
        hasher h;
        h.tag("read_storage").str(uri);
        return h.finish();
    }
    std::string describe() const { return "read_storage(\"" + std::string(uri) + "\")"; }
};

// A literal path: usable in constexpr pipelines.
template <std::size_t N>
constexpr storage_source<std::string_view> read_storage(const char (&uri)[N]) {
    return {std::string_view(uri, N - 1)};
}

// A run-time path (std::string, std::filesystem::path::string(), ...).
template <class S>
    requires(std::convertible_to<S, std::string> && !std::is_array_v<std::remove_cvref_t<S>>)
storage_source<std::string> read_storage(S&& uri) {
    return {std::string(std::forward<S>(uri))};
}

} // namespace datachain
