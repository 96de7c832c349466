// Object storage where it goes wrong: an empty prefix, a path naming one
// object, configuration errors, a damaged or stale download cache, the
// temporaries of a killed download, gc and the cache, and what counts as
// the same source (a trailing slash, an endpoint change).
#include "fixture.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace os = datachain::detail::objstore;
using objstore_test::clear_env;
using objstore_test::server;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<fs::path> cache_entries(const fs::path& cache) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(cache))
        if (e.path().extension() == ".obj") out.push_back(e.path());
    return out;
}

// A pid no process has: a child that has exited and been reaped.
pid_t dead_pid() {
    pid_t p = ::fork();
    REQUIRE(p >= 0);
    if (p == 0) ::_exit(0);
    ::waitpid(p, nullptr, 0);
    return p;
}

} // namespace

TEST_CASE("objstore: no objects under a prefix is an error naming bucket and prefix, a path naming one object "
          "lists that object",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("one");
    srv.put("one", "dir/x.txt", "x");
    srv.put("one", "dir/y.txt", "yy");
    srv.put("one", "single.txt", "s");
    dc::session s{srv.settings()};
    for (std::string uri : {"s3://one/nothing/", "s3://one/nothing", "s3://one/single.txt/"}) {
        auto e = rt::catch_error([&] { (void)dc::collect(dc::read_storage(uri, srv.opts()), s); });
        const std::string m = e.what();
        INFO(m);
        CHECK(e.kind() == dc::error_kind::not_found);
        CHECK(has(m, "no objects"));
        CHECK(has(m, "bucket 's3://one'"));
        CHECK(has(m, "prefix '" + uri.substr(9) + (uri.ends_with('/') ? "" : "/") + "'"));
    }
    srv.make_bucket("empty");
    auto e = rt::catch_error([&] { (void)dc::collect(dc::read_storage("s3://empty", srv.opts()), s); });
    CHECK(e.kind() == dc::error_kind::not_found);
    CHECK(has(e.what(), "bucket 's3://empty'"));

    // A path naming one object (no trailing slash) lists that object.
    auto one = dc::collect(dc::read_storage("s3://one/single.txt", srv.opts()), s);
    REQUIRE(one.size() == 1);
    CHECK(one[0].get<"file">().path == "single.txt");
    CHECK(one[0].get<"file">().read() == "s");
    // A prefix without a slash names a directory: "s3://one/dir" is dir/..., not a key "dir2/...".
    srv.put("one", "dir2/z.txt", "z");
    CHECK(dc::collect(dc::read_storage("s3://one/dir", srv.opts()), s).size() == 2);
}

TEST_CASE("objstore: configuration errors are not retried and name the setting", "[objstore]") {
    clear_env();
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store())};
    auto fail = [&](const dc::storage_options& o) {
        return rt::catch_error([&] { (void)dc::collect(dc::read_storage("s3://bkt/p/", o), s); });
    };
    // A scheme curl would refuse: a usage error before any request.
    auto e = fail({.endpoint = "ftp://127.0.0.1:21", .retries = 3, .retry_delay_ms = 1});
    std::string m = e.what();
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK(has(m, "storage_options::endpoint"));
    CHECK(has(m, "'ftp://127.0.0.1:21'"));
    CHECK(has(m, "http:// or https://"));
    CHECK(!has(m, "attempts"));
    ::setenv("AWS_ENDPOINT_URL", "ftp://127.0.0.1:21", 1);
    e = fail({.retries = 3, .retry_delay_ms = 1});
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK(has(e.what(), "AWS_ENDPOINT_URL"));
    clear_env();
    // A host that cannot be resolved (.invalid never is, RFC 6761): one
    // attempt, worded as a setting to check, not as network trouble.
    e = fail({.endpoint = "http://no-such-host.invalid:9000", .retries = 3, .retry_delay_ms = 1});
    m = e.what();
    CHECK(e.kind() == dc::error_kind::usage);  // a configuration error, as ftp:// is
    CHECK(has(m, "cannot resolve the host 'no-such-host.invalid'"));
    CHECK(has(m, "storage_options::endpoint"));
    CHECK(!has(m, "attempts"));
    CHECK(!has(m, "retry later"));
}

TEST_CASE("objstore: a damaged or stale cache entry is never returned, the object is downloaded again",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("cache");
    srv.put("cache", "c/1.txt", "one");
    srv.put("cache", "c/2.txt", "two");
    dc::session s{srv.settings()};
    auto rows = dc::collect(dc::read_storage("s3://cache/c/", srv.opts()), s);
    REQUIRE(rows.size() == 2);
    const dc::File f1 = rows[0].get<"file">(), f2 = rows[1].get<"file">();
    CHECK(f1.read() == "one");
    CHECK(f2.read() == "two");
    const os::object_cache cache{srv.tmp.store() / "object-cache"};
    const auto e1 = cache.entry(srv.p->endpoint(), "cache", f1.path, f1.etag);
    const auto e2 = cache.entry(srv.p->endpoint(), "cache", f2.path, f2.etag);
    REQUIRE(fs::exists(e1));
    REQUIRE(fs::exists(e2));
    auto flip_last_byte = [](const fs::path& p) {
        std::string data = rt::read_file(p);
        data.back() ^= 1;
        rt::write_file(p, data);
    };
    // Damaged in place, same size.
    flip_last_byte(e1);
    CHECK(f1.read() == "one");
    CHECK(f1.read(1, 2) == "ne");
    // Stale: another object's entry (same size) under this name.
    fs::copy_file(e2, e1, fs::copy_options::overwrite_existing);
    CHECK(f1.read() == "one");
    // Cut short.
    fs::resize_file(e1, 1);
    CHECK(f1.read() == "one");
    // Downloaded again, the entry is good: served with the server gone.
    srv.p->stop();
    CHECK(f1.read() == "one");
}

TEST_CASE("objstore: temporaries left by a killed download are removed on the next use, and nothing else",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("tmp");
    srv.put("tmp", "t/1.txt", "one");
    { dc::session s{srv.settings()}; }  // the store exists
    const fs::path cache = srv.tmp.store() / "object-cache";
    const fs::path sources = srv.tmp.store() / "object-sources";
    const std::string hex(64, 'a'), dead = std::to_string(dead_pid()), me = std::to_string(::getpid());
    const fs::path stale = cache / (hex + ".obj.tmp." + dead + ".0");
    const fs::path stale_src = sources / (hex + ".src.tmp." + dead + ".3");
    const fs::path in_flight = cache / (hex + ".obj.tmp." + me + ".777");  // a live writer's
    const std::vector<fs::path> users = {cache / "notes.tmp", cache / ("short.obj.tmp." + dead + ".0"),
                                         cache / (hex + ".obj.tmp.x.0"), sources / "mine.src.tmp.1"};
    for (auto& p : {stale, stale_src, in_flight}) rt::write_file(p, "half a download");
    for (auto& p : users) rt::write_file(p, "a user's file");
    {
        dc::session s{srv.settings()};
        auto rows = dc::collect(dc::read_storage("s3://tmp/t/", srv.opts()), s);
        CHECK(rows[0].get<"file">().read() == "one");
    }
    CHECK(!fs::exists(stale));
    CHECK(!fs::exists(stale_src));
    CHECK(fs::exists(in_flight));
    for (auto& p : users) CHECK(rt::read_file(p) == "a user's file");
    CHECK(cache_entries(cache).size() == 1);
}

TEST_CASE("objstore: gc drops the download-cache entries that no run it keeps has used", "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("gcb");
    srv.put("gcb", "g/1.txt", "one");
    srv.put("gcb", "g/2.txt", "two");
    const fs::path cache = srv.tmp.store() / "object-cache";
    {
        dc::session s{srv.settings()};
        for (auto& r : dc::collect(dc::read_storage("s3://gcb/g/", srv.opts()), s)) (void)r.get<"file">().read();
    }
    auto entries = cache_entries(cache);
    REQUIRE(entries.size() == 2);
    // Both last used two days ago; then a run uses 1.txt (a cache hit).
    const std::time_t two_days_ago = std::time(nullptr) - 2 * 86400;
    const timespec old[2] = {{two_days_ago, 0}, {two_days_ago, 0}};
    for (auto& e : entries) REQUIRE(::utimensat(AT_FDCWD, e.c_str(), old, 0) == 0);
    rt::write_file(cache / "notes.txt", "not the cache's");
    dc::session s{srv.settings()};
    auto rows = dc::collect(dc::read_storage("s3://gcb/g/", srv.opts()), s);
    CHECK(rows[0].get<"file">().read() == "one");
    auto st = s.gc(std::chrono::hours(1));
    CHECK(st.cache_entries == 1);
    entries = cache_entries(cache);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0] == os::object_cache{cache}.entry(srv.p->endpoint(), "gcb", "g/1.txt",
                                                      rows[0].get<"file">().etag));
    CHECK(rt::read_file(cache / "notes.txt") == "not the cache's");
}

TEST_CASE("objstore: s3://b/p and s3://b/p/ are one source, an endpoint change is explained as one",
          "[objstore]") {
    STATIC_REQUIRE(dc::read_storage("s3://b/p").decl_hash() == dc::read_storage("s3://b/p/").decl_hash());
    STATIC_REQUIRE(dc::read_storage("gs://b").decl_hash() == dc::read_storage("gs://b/").decl_hash());
    STATIC_REQUIRE(dc::read_storage("s3://b/p/").decl_hash() != dc::read_storage("s3://b/q/").decl_hash());
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("slash");
    srv.put("slash", "p/1.txt", "one");
    auto chain = [](std::string uri, dc::storage_options o) {
        return dc::read_storage(uri, std::move(o)) | dc::save("slashed");
    };
    {
        dc::session s{srv.settings()};
        (void)chain("s3://slash/p", srv.opts()).run(s);
    }
    {
        dc::session s{srv.settings()};
        (void)chain("s3://slash/p/", srv.opts()).run(s);
        CHECK(rt::versions(s, "slashed").size() == 1);  // the same chain: skipped
    }
    // The same server under another name: a new endpoint, and said so.
    auto other = srv.opts();
    other.endpoint = "http://localhost:" + std::to_string(srv.p->port);
    dc::session s{srv.settings()};
    (void)chain("s3://slash/p/", other).run(s);
    std::string why;
    for (auto& e : s.events())
        if (!e.why.empty()) why += e.why + "\n";
    CHECK(has(why, "source: endpoint " + srv.p->endpoint() + " became " + other.endpoint));
    CHECK(!has(why, "contents changed"));
}

TEST_CASE("objstore: sources that hash alike describe alike, so a trailing slash does not hide a change",
          "[objstore]") {
    STATIC_REQUIRE(dc::read_storage("s3://b//").decl_hash() == dc::read_storage("s3://b/").decl_hash());
    STATIC_REQUIRE(dc::read_storage("s3://b//p").decl_hash() == dc::read_storage("s3://b/p/").decl_hash());
    // Keys may contain "//": a slash inside the prefix is kept.
    STATIC_REQUIRE(dc::read_storage("s3://b/a//c/").decl_hash() != dc::read_storage("s3://b/a/c/").decl_hash());
    CHECK(dc::read_storage("s3://b/p").describe() == "read_storage(\"s3://b/p/\")");
    CHECK(dc::read_storage("gs://b//p/").describe() == "read_storage(\"gs://b/p/\")");
    CHECK(dc::read_storage("s3://b").describe() == "read_storage(\"s3://b/\")");
    CHECK(dc::read_storage("data/x").describe() == "read_storage(\"data/x\")");
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("bkt");
    srv.put("bkt", "many/f1.txt", "one");
    auto run = [&](std::string uri) {
        dc::session s{srv.settings()};
        (void)(dc::read_storage(uri, srv.opts()) | dc::save("many")).run(s);
        std::string why;
        for (auto& e : s.events())
            if (!e.why.empty()) why += e.why + "\n";
        return why;
    };
    (void)run("s3://bkt/many");
    srv.put("bkt", "many/f2.txt", "two");
    std::string why = run("s3://bkt/many/");
    INFO(why);
    CHECK(has(why, "1 added (many/f2.txt)"));
    CHECK(!has(why, "became"));
    why = run("s3://bkt//many");  // the same source and listing: skipped, nothing "became"
    CHECK(!has(why, "became"));
}

TEST_CASE("objstore: a TLS handshake with a plain-HTTP server is a configuration error suggesting http://",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    dc::session s{srv.settings()};
    const std::string hostport = "127.0.0.1:" + std::to_string(srv.p->port);  // no scheme: https://
    auto e = rt::catch_error([&] {
        (void)dc::collect(dc::read_storage("s3://tls/p/", {.endpoint = hostport, .retries = 3, .retry_delay_ms = 1}), s);
    });
    const std::string m = e.what();
    INFO(m);
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK(has(m, "TLS handshake"));
    CHECK(has(m, "http://" + hostport));
    CHECK(has(m, "storage_options::endpoint"));
    CHECK(!has(m, "attempts"));
    CHECK(!has(m, "check the network"));
}

TEST_CASE("objstore: a gs:// host that does not resolve is not told to set AWS_ENDPOINT_URL", "[objstore]") {
    clear_env();
    os::http_response r;
    r.code = CURLE_COULDNT_RESOLVE_HOST;
    const auto gs = os::s3_config::resolve("gs", "b", {});
    std::string m = os::configuration_advice(r, gs);
    INFO(m);
    CHECK(has(m, "storage_options::endpoint"));
    CHECK(has(m, "gs:// does not read AWS_ENDPOINT_URL"));
    CHECK(!has(m, "check AWS_ENDPOINT_URL"));
    m = os::configuration_advice(r, os::s3_config::resolve("s3", "b", {}));
    CHECK(has(m, "AWS_ENDPOINT_URL"));
}
