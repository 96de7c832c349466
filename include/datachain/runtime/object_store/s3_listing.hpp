// Listing and reading objects: read_storage("s3://bucket/prefix/") and
// File::read() for the files it lists.
//
//   storage_listing l = list_objects("s3://bucket/photos/", opts, store_dir);
//   std::string bytes = read_object(l.files[0], 0, UINT64_MAX);
//
// The listing is every object under the prefix (recursively; ListObjectsV2,
// 1,000 keys a page, following continuation tokens), sorted by key. A
// prefix names a directory: "s3://b/photos" and "s3://b/photos/" both list
// "photos/..." and not "photos2/...". A URI without a trailing slash under
// which nothing is listed names one object: "s3://b/photos/cat.jpg" lists
// that object alone. No objects at all is error_kind::not_found naming the
// bucket and the prefix (as a missing local directory is an error). Keys
// ending in '/' (folder markers) are not files. Each File has source
// "s3://bucket", path = the key, size, mtime (LastModified, ns since the Unix
// epoch), etag (without quotes) and version (VersionId or GCS Generation
// when the listing has them). The fingerprint hashes the endpoint and (key,
// size, mtime, etag, version) of every object, so an object rewritten with
// the same size and time still changes it.
//
// A read sends If-Match with the listed etag and checks the etag of the
// answer: an object changed since the listing is an error (run again), never
// contents that do not belong to the row. Whole reads go through the
// download cache (object_cache.hpp) unless storage_options::cache is false.
// How to reach a bucket (endpoint, options, cache directory) comes from the
// last listing of this process or, for a File read in another process (from
// a saved dataset), from the record that listing left in the store
// (source_record.hpp); without either, from the environment.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/runtime/listing.hpp>
#include <datachain/runtime/object_store/object_cache.hpp>
#include <datachain/runtime/object_store/s3_client.hpp>
#include <datachain/runtime/object_store/source_record.hpp>
#include <datachain/sources/read_storage.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail::objstore {

struct object_uri {
    std::string scheme, bucket, prefix;  // prefix "" or ending in '/'
    bool directory = true;               // false: "s3://b/p" without the slash (may name one object)
};

inline object_uri parse_object_uri(std::string_view uri) {
    object_uri u;
    auto p = uri.find("://");
    u.scheme = std::string(uri.substr(0, p));
    auto rest = uri.substr(p + 3);
    auto slash = rest.find('/');
    u.bucket = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) u.prefix = std::string(rest.substr(slash + 1));
    while (u.prefix.starts_with('/')) u.prefix.erase(0, 1);
    if (!u.prefix.empty() && !u.prefix.ends_with('/')) {
        u.prefix += '/';
        u.directory = false;
    }
    if (u.bucket.empty())
        throw error(error_kind::usage, "datachain: read_storage(\"" + std::string(uri) +
                                           "\"): no bucket name; write " + u.scheme + "://<bucket>/<prefix>/");
    return u;
}

// %XY decoding; '+' is a space (ListObjectsV2 with encoding-type=url).
inline std::string url_decode_plus(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') out.push_back(' ');
        else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else out.push_back(s[i]);
    }
    return out;
}

// "2024-01-02T03:04:05.678Z" -> ns since the Unix epoch (0 if unparsable).
inline std::int64_t parse_iso8601_ns(const std::string& t) {
    std::tm tm{};
    int ms = 0;
    int n = std::sscanf(t.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec, &ms);
    if (n < 6) return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(::timegm(&tm)) * 1'000'000'000 + static_cast<std::int64_t>(ms) * 1'000'000;
}

inline std::string unquote_etag(std::string e) {
    if (e.starts_with("W/")) e.erase(0, 2);
    if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
    return e;
}

// Every object of one ListObjectsV2 request sequence under `prefix`
// (`max_keys`: 0 for all, else stop after the first page of that many).
inline std::vector<File> list_pages(const s3_config& cfg, const std::string& prefix, const std::string& what,
                                    unsigned max_keys = 0) {
    std::vector<File> files;
    std::string token;
    for (;;) {
        s3_call_spec s;
        s.query = {{"list-type", "2"}, {"encoding-type", "url"}};
        if (max_keys) s.query.emplace_back("max-keys", std::to_string(max_keys));
        if (!prefix.empty()) s.query.emplace_back("prefix", prefix);
        if (!token.empty()) s.query.emplace_back("continuation-token", token);
        auto r = s3_call(cfg, s, what);
        const bool encoded = xml_text(r.body, "EncodingType") == "url";
        std::size_t pos = 0;
        for (;;) {
            std::size_t end = 0;
            std::string c = xml_text(r.body, "Contents", pos, &end);
            if (end == 0) break;
            pos = end;
            File f;
            f.source = cfg.where();
            f.path = xml_unescape(xml_text(c, "Key"));
            if (encoded) f.path = url_decode_plus(f.path);
            if (f.path.empty() || f.path.ends_with('/')) continue;
            f.size = std::strtoull(xml_text(c, "Size").c_str(), nullptr, 10);
            f.mtime = parse_iso8601_ns(xml_text(c, "LastModified"));
            f.etag = unquote_etag(xml_unescape(xml_text(c, "ETag")));
            f.version = xml_unescape(xml_text(c, "VersionId"));
            if (f.version.empty()) f.version = xml_text(c, "Generation");
            files.push_back(std::move(f));
        }
        if (max_keys || xml_text(r.body, "IsTruncated") != "true") break;
        token = xml_unescape(xml_text(r.body, "NextContinuationToken"));
        if (token.empty())
            throw error(error_kind::io, "datachain: " + what + ": the server said the listing is truncated but "
                                        "gave no continuation token; the endpoint " + cfg.endpoint +
                                        " does not implement ListObjectsV2 fully");
    }
    return files;
}

inline storage_listing list_objects(std::string_view uri, const storage_options& o,
                                    const std::filesystem::path& store_dir) {
    const auto u = parse_object_uri(uri);
    const auto cfg = s3_config::resolve(u.scheme, u.bucket, o);
    if (o.cache && !store_dir.empty()) object_cache{object_cache_dir(store_dir)}.sweep();
    storage_listing out;
    out.uri = u.scheme + "://" + u.bucket + "/" + u.prefix;
    out.endpoint = cfg.endpoint;
    const std::string what = "read_storage(\"" + std::string(uri) + "\"): listing " + out.uri;
    out.files = list_pages(cfg, u.prefix, what);
    if (out.files.empty() && !u.directory) {
        // "s3://b/p" with nothing under "p/": the object "p" itself, if there is one.
        const std::string key = u.prefix.substr(0, u.prefix.size() - 1);
        auto one = list_pages(cfg, key, what, 1);
        if (!one.empty() && one.front().path == key) {
            out.uri = u.scheme + "://" + u.bucket + "/" + key;
            out.files = std::move(one);
        }
    }
    if (out.files.empty())
        throw error(error_kind::not_found,
                    "datachain: read_storage(\"" + std::string(uri) + "\"): no objects in bucket '" + cfg.where() +
                        "'" + (u.prefix.empty() ? std::string() : " under prefix '" + u.prefix + "'") +
                        (u.directory ? std::string() : " (and no object named '" + u.prefix.substr(0, u.prefix.size() - 1) + "')") +
                        " at " + cfg.endpoint + "; check the bucket and the path. Nothing was computed from it "
                        "(a listing with no objects is an error, as a missing local directory is)");
    std::sort(out.files.begin(), out.files.end(), [](const File& a, const File& b) { return a.path < b.path; });
    for (const auto& f : out.files) out.total_bytes += f.size;
    hasher h;
    h.tag("listing.object").str(cfg.endpoint).u64(out.files.size());
    for (const auto& f : out.files) h.str(f.path).u64(f.size).i64(f.mtime).str(f.etag).str(f.version);
    out.fingerprint = h.finish();
    remember_bucket(cfg, store_dir);
    return out;
}

// One way to reach f's bucket (`ctx`: a listing's or a record's; none: the
// options' defaults and the environment). Throws on failure.
inline std::string read_object_at(const File& f, const object_uri& u, const bucket_context* ctx, bool env_wins,
                                  std::uint64_t offset, std::uint64_t length) {
    storage_options o = ctx ? ctx->options : storage_options{};
    if (env_wins) o.endpoint.clear();
    auto cfg = s3_config::resolve(u.scheme, u.bucket, o, ctx ? std::string_view(ctx->origin) : "storage_options::endpoint");
    if (ctx && !env_wins) ctx->apply(cfg);
    else if (!ctx && cfg.origin.starts_with("the "))
        cfg.origin += "; " + f.source + " was not listed by this process and no store it opened recorded "
                      "how its listing reached it";
    const bool whole = offset == 0 && length == std::numeric_limits<std::uint64_t>::max();
    const object_cache cache{f.etag.empty() || !ctx ? std::filesystem::path() : ctx->cache_dir};
    const auto entry = cache.enabled() ? cache.entry(cfg.endpoint, u.bucket, f.path, f.etag) : std::filesystem::path();
    if (cache.enabled())
        if (auto hit = cache.get(entry, f.size, f.etag)) {
            if (whole) return std::move(*hit);
            return offset >= hit->size() ? std::string() : hit->substr(offset, length);
        }
    const std::string what = "reading " + f.source + "/" + f.path + " at " + cfg.endpoint;
    s3_call_spec s;
    s.key = f.path;
    if (!f.etag.empty() && u.scheme == "s3") s.headers.emplace_back("If-Match", "\"" + f.etag + "\"");
    if (!whole) {
        const std::uint64_t last = length > std::numeric_limits<std::uint64_t>::max() - offset
                                       ? std::numeric_limits<std::uint64_t>::max() - 1
                                       : offset + length - 1;
        s.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    }
    auto r = s3_call(cfg, s, what, false);
    if (r.status == 416) return {};  // the range starts past the end
    if (r.status < 200 || r.status >= 300) throw_s3(cfg, what, r, r.attempts);
    if (auto it = r.headers.find("etag"); it != r.headers.end() && !f.etag.empty() &&
                                          unquote_etag(it->second) != f.etag)
        throw error(error_kind::io, "datachain: " + what + " (from " + cfg.origin + "): the object changed since "
                                        "it was listed (etag '" + f.etag + "', now '" + unquote_etag(it->second) +
                                        "'); run the chain again to list it anew");
    if (!whole && r.status == 200)  // the server ignored Range
        return offset >= r.body.size() ? std::string() : r.body.substr(offset, length);
    if (whole && cache.enabled() && r.body.size() == f.size) cache.put(entry, r.body, f.etag);
    return std::move(r.body);
}

// Tries every way to reach the bucket (find_buckets: this process's
// listing, then the stores' records, newest first) until one serves the
// object with its listed etag; an endpoint set in this process's
// environment (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL; s3:// only) wins over
// the records. When all fail, the error names every endpoint tried.
inline std::string read_object(const File& f, std::uint64_t offset, std::uint64_t length) {
    if (length == 0) return {};
    const auto u = parse_object_uri(f.source);
    auto ctxs = find_buckets(f.source);
    const char* env_ep = u.scheme == "s3" ? std::getenv("AWS_ENDPOINT_URL_S3") : nullptr;
    if (u.scheme == "s3" && (!env_ep || !*env_ep)) env_ep = std::getenv("AWS_ENDPOINT_URL");
    if (!ctxs.empty() && ctxs.front().recorded && env_ep && *env_ep)
        return read_object_at(f, u, &ctxs.front(), true, offset, length);
    if (ctxs.size() <= 1) return read_object_at(f, u, ctxs.empty() ? nullptr : &ctxs.front(), false, offset, length);
    std::string tried;
    error_kind kind = error_kind::io;
    for (std::size_t i = 0; i < ctxs.size(); ++i) {
        try {
            return read_object_at(f, u, &ctxs[i], false, offset, length);
        } catch (const error& e) {
            if (i == 0 || e.kind() != error_kind::not_found) kind = e.kind();
            tried += std::string(i ? "; " : "") + "[" + std::to_string(i + 1) + "] " + e.what();
        }
    }
    throw error(kind, "datachain: reading " + f.source + "/" + f.path + ": none of the " +
                          std::to_string(ctxs.size()) + " known endpoints served the object as listed (etag '" +
                          f.etag + "'): " + tried);
}

} // namespace datachain::detail::objstore
