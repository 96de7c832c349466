// How to reach a bucket, per "scheme://bucket": remembered by the last
// listing in this process, and recorded in the store the listing ran for
// (<store>/object-sources/<sha256 of the source and endpoint>.src), so that a dc::File
// read in another process (read_dataset, then file.read()) reaches the
// bucket the way its listing did, and uses that store's download cache,
// without AWS_ENDPOINT_URL.
//
//   remember_bucket(cfg, store_dir);                          // list_objects, after a listing
//   if (auto ctx = find_bucket("s3://b")) ctx->apply(cfg);     // read_object
//
// read_object lets AWS_ENDPOINT_URL(_S3) of the reading process win over a
// record (not over this process's own listing); an error against a recorded
// endpoint names the record file (origin "the record <path> ...").
// find_bucket looks at this process's listings first, then at the records
// of the stores this process opened, the most recently opened first (a
// record is the last listing of that bucket for that store). A record holds
// the resolved endpoint, its addressing style and where it came from, the
// region, anon, the cache switch, retries and timeouts; never credentials
// (a reader takes those from its own environment). Records are text, 0600
// in a 0700 directory, written under a temporary name and renamed into
// place, and only when they change; one that does not parse is ignored.
// Thread-safe.
#pragma once

#include <datachain/runtime/object_cache_files.hpp>
#include <datachain/runtime/object_store/s3_client.hpp>
#include <datachain/runtime/store_open.hpp>
#include <datachain/sources/read_storage.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace datachain::detail::objstore {

struct bucket_context {
    storage_options options;          // .endpoint and .region: as resolved for the listing
    bool path_style = true;
    std::string origin;               // where the endpoint came from, for messages
    std::filesystem::path cache_dir;  // the download cache; empty: none
    bool recorded = false;            // read from a store's record, not this process's listing

    // Points `c` (resolved from `options`) where the listing went.
    void apply(s3_config& c) const {
        c.endpoint = options.endpoint;
        c.path_style = path_style;
        c.origin = origin;
        c.region = options.region;
    }
};

struct context_registry {
    std::mutex m;
    std::map<std::string, bucket_context> by_source;
    // Records read from stores, by "<store>\n<source>": read once per
    // process (a listing of this process clears it), not once per file read.
    std::map<std::string, std::vector<bucket_context>> records;
};
inline context_registry& contexts() {
    static context_registry r;
    return r;
}

inline constexpr std::string_view source_record_magic = "datachain-object-source 1";

// One record per (bucket, endpoint): a dataset version listed at another
// endpoint than the bucket's latest listing stays readable.
inline std::filesystem::path source_record_path(const std::filesystem::path& store_dir, std::string_view source,
                                                std::string_view endpoint) {
    return object_sources_dir(store_dir) / (sha256_hex(std::string(source) + "\n" + std::string(endpoint)) + ".src");
}

inline std::string source_record_text(std::string_view source, const bucket_context& b) {
    const auto& o = b.options;
    return std::string(source_record_magic) + "\nsource " + std::string(source) + "\nendpoint " + o.endpoint +
           "\npath_style " + (b.path_style ? "1" : "0") + "\norigin " + b.origin + "\nregion " + o.region +
           "\nanon " + (o.anon ? "1" : "0") + "\ncache " + (o.cache ? "1" : "0") + "\nretries " +
           std::to_string(o.retries) + "\nretry_delay_ms " + std::to_string(o.retry_delay_ms) + "\ntimeout_ms " +
           std::to_string(o.timeout_ms) + "\n";
}

// The record of `source` in the store at `store_dir`, if there is a valid one.
inline std::optional<bucket_context> load_source_record(const std::string& store_dir, std::string_view source,
                                                       const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line) || line != source_record_magic) return std::nullopt;
    std::map<std::string, std::string> f;
    while (std::getline(in, line))
        if (auto sp = line.find(' '); sp != std::string::npos) f[line.substr(0, sp)] = line.substr(sp + 1);
    if (f["source"] != source || f["endpoint"].empty()) return std::nullopt;
    bucket_context b;
    try {
        b.options.endpoint = f["endpoint"];
        b.options.region = f["region"];
        b.options.anon = f["anon"] == "1";
        b.options.cache = f["cache"] == "1";
        b.options.retries = static_cast<unsigned>(std::stoul(f["retries"]));
        b.options.retry_delay_ms = static_cast<unsigned>(std::stoul(f["retry_delay_ms"]));
        b.options.timeout_ms = std::stol(f["timeout_ms"]);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    b.path_style = f["path_style"] != "0";
    b.origin = "the record " + file.string() + " (left by a listing in the store "
               "at '" + store_dir + "'; that listing's endpoint came from " + f["origin"] + ")";
    b.recorded = true;
    if (b.options.cache) b.cache_dir = object_cache_dir(store_dir);
    return b;
}

// Writes the record unless it is there already; best effort (a store that
// cannot take it only loses the shortcut for other processes).
inline void write_source_record(const std::filesystem::path& store_dir, std::string_view source,
                                const bucket_context& b) {
    const auto dir = object_sources_dir(store_dir);
    const auto path = source_record_path(store_dir, source, b.options.endpoint);
    const std::string text = source_record_text(source, b);
    if (text.find('\0') != std::string::npos || std::count(text.begin(), text.end(), '\n') != 11) return;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return;
    remove_stale_temporaries_once(dir, "src");
    {
        std::ifstream in(path, std::ios::binary);
        std::string old((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (old == text) {  // the same: mark it as the latest listing (records are tried newest first)
            std::error_code ec;
            std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);
            return;
        }
    }
    static std::atomic<unsigned> counter{0};
    const std::string tmp = object_temp_name(path, counter++);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

// After a listing: how it reached the bucket, for reads in this process and
// (recorded in the store at `store_dir`, when there is one) in others.
inline void remember_bucket(const s3_config& cfg, const std::filesystem::path& store_dir) {
    bucket_context b;
    b.options = cfg.opts;
    b.options.endpoint = cfg.endpoint;
    b.options.region = cfg.region;
    b.path_style = cfg.path_style;
    b.origin = cfg.origin;
    if (cfg.opts.cache && !store_dir.empty()) b.cache_dir = object_cache_dir(store_dir);
    const std::string source = cfg.where();
    {
        std::lock_guard lock(contexts().m);
        contexts().by_source[source] = b;
        contexts().records.clear();
    }
    if (!store_dir.empty()) write_source_record(store_dir, source, b);
}

// The records of `source` in the store at `store_dir`, the most recently
// written (or confirmed by a listing) first.
inline std::vector<bucket_context> load_source_records(const std::string& store_dir, std::string_view source) {
    std::vector<std::pair<std::filesystem::file_time_type, bucket_context>> found;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(object_sources_dir(store_dir), ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->path().extension() != ".src") continue;
        if (auto b = load_source_record(store_dir, source, it->path()))
            found.emplace_back(std::filesystem::last_write_time(it->path(), ec), std::move(*b));
    }
    std::stable_sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::vector<bucket_context> out;
    for (auto& f : found) out.push_back(std::move(f.second));
    return out;
}

// Every way to reach `source` known here: this process's listing first,
// then the records of the stores it opened (most recently opened store
// first; within a store, the newest record first). read_object tries them
// in order until one serves the object with its listed etag.
inline std::vector<bucket_context> find_buckets(const std::string& source) {
    std::vector<bucket_context> out;
    {
        std::lock_guard lock(contexts().m);
        if (auto it = contexts().by_source.find(source); it != contexts().by_source.end()) out.push_back(it->second);
    }
    for (const auto& loc : opened_store_locations()) {
        const std::string key = loc + "\n" + source;
        std::vector<bucket_context> recs;
        {
            std::lock_guard lock(contexts().m);
            if (auto it = contexts().records.find(key); it != contexts().records.end()) recs = it->second;
        }
        if (recs.empty()) {
            recs = load_source_records(loc, source);
            std::lock_guard lock(contexts().m);
            contexts().records[key] = recs;
        }
        for (auto& b : recs)
            if (std::none_of(out.begin(), out.end(), [&](const bucket_context& o) {
                    return o.options.endpoint == b.options.endpoint && o.cache_dir == b.cache_dir;
                }))
                out.push_back(std::move(b));
    }
    return out;
}

// How to reach `source` ("s3://bucket"), if a listing of this process or a
// record in a store it opened says.
inline std::optional<bucket_context> find_bucket(const std::string& source) {
    {
        std::lock_guard lock(contexts().m);
        if (auto it = contexts().by_source.find(source); it != contexts().by_source.end()) return it->second;
    }
    auto all = find_buckets(source);
    if (all.empty()) return std::nullopt;
    return all.front();
}

} // namespace datachain::detail::objstore
