// read_storage(uri): every file under a directory, recursively, as rows with
// one column "file" of type dc::File, ordered by relative path.
//
// ```cpp
// auto files = dc::read_storage("data/images/");        // or "file:///abs/dir"
// auto big   = files | dc::filter(dc::C<"file.size"> > 15000);
// auto objs  = dc::read_storage("gs://datachain-demo/dogs-and-cats/", {.anon = true});
// ```
//
// s3:// and gs:// URIs list every object under the prefix (with
// <datachain/object_storage.hpp> included and datachain::object_storage
// linked; docs/object_storage.md): `storage_options` says how to reach them.
// The options are not part of the declaration hash: what they reach is (the
// endpoint and every object's etag are in the listing's fingerprint).
//
// Declaration hash: kind "read_storage" and the URI as written (an s3:// or
// gs:// one in its canonical form: leading slashes of the prefix dropped, a
// trailing '/' added if it has none; describe() shows the same form). At run time
// the source hash adds the canonical absolute URI and an order-independent
// fingerprint of the listing (relative path, size and mtime of every file):
// adding, removing or changing a file changes it. Only local paths and
// file:// URIs are local; s3:// and gs:// are object storage; other schemes
// are refused with a clear error.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/schema.hpp>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace datachain {

// How to reach object storage (s3://, gs://); ignored for local paths.
struct storage_options {
    bool anon = false;         // unsigned requests (public buckets), as the seed's anon=True
    std::string endpoint = {}; // "http://127.0.0.1:9000": an S3-compatible server, path-style
    std::string region = {};   // empty: AWS_REGION, AWS_DEFAULT_REGION, us-east-1
    bool cache = true;         // keep downloaded contents under the store (by bucket, key, etag)
    unsigned retries = 4;      // after the first attempt: network errors, 429, 5xx, SlowDown
    unsigned retry_delay_ms = 200;  // first backoff; doubles each retry
    long timeout_ms = 60000;   // one request, whole transfer
};

// read_storage(uri) without options (a literal one stays constexpr).
struct default_storage_options {
    storage_options get() const { return {}; }
};
struct given_storage_options {
    storage_options value;
    const storage_options& get() const { return value; }
};

namespace detail {

constexpr bool object_storage_uri(std::string_view u) { return u.starts_with("s3://") || u.starts_with("gs://"); }

// The canonical form of an s3:// or gs:// URI: "scheme://bucket/" then the
// prefix without its leading slashes (the listing ignores them: no key is
// listed under "s3://b//" that "s3://b/" does not list) and with a trailing
// '/' (a prefix names a directory). Slashes inside or at the end of the
// prefix are kept: S3 keys may contain "//", so "s3://b/a//c/" lists
// "a//c/..." and is another source than "s3://b/a/c/".
// Changing this changes declaration hashes: a persisted identity.
struct object_uri_view {
    std::string_view head;    // "scheme://bucket"
    std::string_view prefix;  // without leading '/'
    bool slash = false;       // a '/' is added after the prefix
    constexpr std::size_t size() const { return head.size() + 1 + prefix.size() + (slash ? 1 : 0); }
};
constexpr object_uri_view object_uri_parts(std::string_view u) {
    const auto b = u.find('/', 5);  // after "s3://"
    object_uri_view v{u.substr(0, b), {}, false};
    if (b != std::string_view::npos) {
        auto p = u.substr(b + 1);
        while (p.starts_with('/')) p.remove_prefix(1);
        v.prefix = p;
    }
    v.slash = !v.prefix.empty() && !v.prefix.ends_with('/');
    return v;
}
inline std::string object_uri_canonical(std::string_view u) {
    const auto v = object_uri_parts(u);
    return std::string(v.head) + "/" + std::string(v.prefix) + (v.slash ? "/" : "");
}

} // namespace detail

template <class Str, class Opt = default_storage_options>
struct storage_source {
    using datachain_source_tag = void;
    using schema = datachain::schema<column<"file", File>>;
    Str uri;
    [[no_unique_address]] Opt options{};

    // An s3:// or gs:// URI hashes and describes as its canonical form
    // (object_uri_canonical): "s3://b/p", "s3://b/p/" and "s3://b//p/" list
    // the same objects, so they are one source. Local paths hash as written.
    constexpr hash128 decl_hash() const {
        hasher h;
        h.tag("read_storage");
        const std::string_view u = uri;
        if (detail::object_storage_uri(u)) {
            const auto c = detail::object_uri_parts(u);
            h.u64(c.size());  // as str(canonical): the length, then the bytes
            for (char ch : c.head) h.u8(static_cast<std::uint8_t>(ch));
            h.u8('/');
            for (char ch : c.prefix) h.u8(static_cast<std::uint8_t>(ch));
            if (c.slash) h.u8('/');
        } else {
            h.str(u);
        }
        return h.finish();
    }
    // The text chain records and explanations show: the canonical URI for
    // object storage, so sources that hash alike describe alike.
    std::string describe() const {
        const std::string_view u = uri;
        return "read_storage(\"" + (detail::object_storage_uri(u) ? detail::object_uri_canonical(u) : std::string(u)) +
               "\")";
    }
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

// With options: read_storage("s3://bucket/photos/", {.endpoint = "http://127.0.0.1:9000"}).
template <class S>
    requires std::convertible_to<S, std::string>
storage_source<std::string, given_storage_options> read_storage(S&& uri, storage_options opts) {
    return {std::string(std::forward<S>(uri)), {std::move(opts)}};
}

} // namespace datachain
