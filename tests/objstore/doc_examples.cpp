// The code examples of the object storage header comments and of
// docs/object_storage.md, compiled (never run: they would need a network).
// A change that breaks one breaks this build.
#include <datachain/datachain.hpp>
#include <datachain/object_storage.hpp>

#include <cstdint>
#include <string>

namespace dc = datachain;

namespace doc_examples {

using namespace datachain::detail::objstore;
using datachain::detail::storage_listing;
namespace fs = std::filesystem;

inline void use(const std::string&) {}
inline std::string download() { return {}; }

// include/datachain/object_storage.hpp
[[maybe_unused]] void object_storage_hpp() {
    auto files = dc::read_storage("gs://datachain-demo/dogs-and-cats/", {.anon = true});
    auto rows = (files | dc::filter(dc::C<"file.size"> > 15000)).collect();
    (void)rows;
    dc::prune_object_cache(".datachain", std::chrono::hours(24 * 7));
}

// docs/object_storage.md
[[maybe_unused]] void object_storage_md() {
    auto files = dc::read_storage("gs://datachain-demo/dogs-and-cats/", {.anon = true});
    auto mine  = dc::read_storage("s3://my-bucket/photos/");
    auto local = dc::read_storage("s3://bucket/x/", {.endpoint = "http://127.0.0.1:9000"});
    (void)files, (void)mine, (void)local;
}

// runtime/object_store/sigv4.hpp
[[maybe_unused]] void sigv4_hpp(const credentials& creds) {
    sigv4_request r{.method = "GET", .path = "/bucket/a%20b.jpg"};
    r.headers = {{"host", "127.0.0.1:4568"}, {"x-amz-date", "20130524T000000Z"},
                 {"x-amz-content-sha256", sha256_hex("")}};
    std::string auth = sigv4_authorization(r, creds, "us-east-1", "s3");
    use(auth);
}

// runtime/object_store/http.hpp
[[maybe_unused]] void http_hpp() {
    http_response r = http_request({.method = "GET", .url = "http://127.0.0.1:4568/b/k"});
    if (r.status == 200) use(r.body);
}

// runtime/object_store/s3_client.hpp
[[maybe_unused]] void s3_client_hpp(const dc::storage_options& opts) {
    auto cfg = s3_config::resolve("s3", "my-bucket", opts);
    auto r = s3_call(cfg, {.method = "GET", .key = "a/b.jpg"}, "reading s3://my-bucket/a/b.jpg");
    use(r.body);
}

// runtime/object_store/object_cache.hpp
[[maybe_unused]] void object_cache_hpp(const fs::path& store_dir, std::uint64_t size) {
    object_cache c{store_dir / "object-cache"};
    auto e = c.entry("http://127.0.0.1:4568", "bucket", "a/b.jpg", "9a0364b9e99bb480dd25e1f0284c8555");
    const std::string etag = "9a0364b9e99bb480dd25e1f0284c8555";
    if (auto data = c.get(e, size, etag)) use(*data); else c.put(e, download(), etag);
}

// runtime/object_store/source_record.hpp
[[maybe_unused]] void source_record_hpp(const s3_config& cfg, const fs::path& store_dir) {
    remember_bucket(cfg, store_dir);
    auto c = cfg;
    if (auto ctx = find_bucket("s3://b")) ctx->apply(c);
}

// runtime/object_cache_files.hpp
[[maybe_unused]] void object_cache_files_hpp(const fs::path& store_dir, std::int64_t cutoff_ns) {
    using namespace datachain::detail;
    auto dir = object_cache_dir(store_dir);
    remove_stale_temporaries(dir, "obj");
    prune_object_cache_dir(dir, cutoff_ns);
}

// runtime/object_store/s3_listing.hpp
[[maybe_unused]] void s3_listing_hpp(const dc::storage_options& opts, const fs::path& store_dir) {
    storage_listing l = list_objects("s3://bucket/photos/", opts, store_dir);
    std::string bytes = read_object(l.files[0], 0, UINT64_MAX);
    use(bytes);
}

} // namespace doc_examples
