// read_storage("s3://...") and ("gs://...") against a real S3-compatible
// server (s3rver, started per test case by s3rver.hpp on a free port), and
// the parts of the client that need no server. A test case that needs
// s3rver and cannot find it skips itself (DC_SKIP); scripts/test.sh
// installs it, so CI runs them.
//
// s3rver checks the access key id of a signed request (InvalidAccessKeyId,
// 403) but not the V4 signature itself; sigv4.cpp checks the signing
// against AWS's published examples.
#include "fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace os = datachain::detail::objstore;
using objstore_test::clear_env;
using objstore_test::server;

namespace {

std::atomic<int> reads{0};
std::function<void(int)> after_read;  // called with the read count

DC_DEF(objstore_content, (const dc::File& f) -> std::string {
    auto data = f.read();
    int n = ++reads;
    if (after_read) after_read(n);
    return data;
});

} // namespace

TEST_CASE("objstore: URIs, key decoding, XML, times and endpoints (no server)", "[objstore]") {
    clear_env();
    auto u = os::parse_object_uri("s3://bucket/photos");
    CHECK(u.bucket == "bucket");
    CHECK(u.prefix == "photos/");
    CHECK(os::parse_object_uri("gs://b").prefix.empty());
    CHECK(rt::catch_error([] { (void)os::parse_object_uri("s3:///x"); }).kind() == dc::error_kind::usage);
    CHECK(os::url_decode_plus("a+b%2Bc%25d%E2%82%AC") == "a b+c%d\xe2\x82\xac");
    CHECK(os::xml_unescape("&quot;e&quot; &amp;&lt;&#233;&#x41;") == "\"e\" &<\xc3\xa9" "A");
    CHECK(os::parse_iso8601_ns("2024-01-02T03:04:05.678Z") == 1704164645678000000);
    CHECK(os::unquote_etag("\"abc\"") == "abc");

    auto aws = os::s3_config::resolve("s3", "bucket", {});
    CHECK(aws.endpoint == "https://bucket.s3.us-east-1.amazonaws.com");
    CHECK(aws.path("a b/c") == "/a%20b/c");
    CHECK(aws.creds.empty());
    ::setenv("AWS_REGION", "eu-west-3", 1);
    ::setenv("AWS_ACCESS_KEY_ID", "AK", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
    auto dotted = os::s3_config::resolve("s3", "my.bucket", {});
    CHECK(dotted.endpoint == "https://s3.eu-west-3.amazonaws.com");
    CHECK(dotted.path("k") == "/my.bucket/k");
    CHECK(dotted.creds.access_key == "AK");
    CHECK(os::s3_config::resolve("s3", "b", {.anon = true}).creds.empty());
    auto gcs = os::s3_config::resolve("gs", "datachain-demo", {});
    CHECK(gcs.endpoint == "https://storage.googleapis.com");
    CHECK(gcs.path("dogs-and-cats/cat.1.jpg") == "/datachain-demo/dogs-and-cats/cat.1.jpg");
    CHECK(gcs.creds.empty());  // AWS keys are never sent to Google
    ::setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/", 1);
    CHECK(os::s3_config::resolve("s3", "b", {}).endpoint == "http://127.0.0.1:9");
    clear_env();
}

TEST_CASE("objstore: a server that does not answer is a clear error after the retries", "[objstore]") {
    clear_env();
    rt::temp_dir d;
    // A port nothing listens on: bound, then closed.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    ::close(fd);
    dc::session s{rt::cfg(d.store())};
    auto e = rt::catch_error([&] {
        (void)dc::collect(dc::read_storage("s3://bkt/p/", {.endpoint = "http://127.0.0.1:" + std::to_string(port),
                                                           .retries = 2, .retry_delay_ms = 1}),
                          s);
    });
    CHECK(e.kind() == dc::error_kind::io);
    const std::string m = e.what();
    CHECK(m.find("s3://bkt/p/") != std::string::npos);
    CHECK(m.find("no response") != std::string::npos);
    CHECK(m.find("after 3 attempts") != std::string::npos);
    CHECK(m.find("retry later") != std::string::npos);
}

TEST_CASE("objstore: listing pages past 1,000 keys, nested prefixes, odd keys, whole and ranged reads",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("pages");
    const int n = 1100;
    for (int i = 0; i < n; ++i) {
        char key[32];
        std::snprintf(key, sizeof key, "many/%04d.txt", i);
        srv.put("pages", key, "object " + std::to_string(i));
    }
    const std::vector<std::string> odd = {"a/b/c/deep.txt", "a/plus+sign.txt", "a/per%25cent%.txt",
                                          "a/with space.txt", "a/\xc3\xbcnic\xc3\xb8" "de.txt", "a/folder/"};
    for (auto& k : odd) srv.put("pages", k, k.ends_with('/') ? "" : "content of " + k);
    srv.put("pages", "a.txt", "outside the prefix");
    srv.put("pages", "ab/x.txt", "a sibling prefix");

    dc::session s{srv.settings()};
    auto many = dc::collect(dc::read_storage("s3://pages/many", srv.opts()), s);
    REQUIRE(many.size() == static_cast<std::size_t>(n));
    bool in_order = true;
    for (int i = 0; i < n; ++i) {
        char key[32];
        std::snprintf(key, sizeof key, "many/%04d.txt", i);
        in_order = in_order && many[static_cast<std::size_t>(i)].get<"file">().path == key;
    }
    CHECK(in_order);
    const dc::File& f0 = many[0].get<"file">();
    CHECK(f0.source == "s3://pages");
    CHECK(f0.size == 8);
    CHECK(f0.etag.size() == 32);  // MD5 hex, quotes removed
    CHECK(f0.mtime > 1'600'000'000'000'000'000);
    CHECK(f0.read() == "object 0");
    CHECK(many[1099].get<"file">().read() == "object 1099");

    auto a = dc::collect(dc::read_storage("s3://pages/a/", srv.opts()), s);
    std::vector<std::string> paths;
    for (auto& r : a) paths.push_back(r.get<"file">().path);
    // Sorted by key bytes; the folder marker "a/folder/" is not a file.
    CHECK(paths == std::vector<std::string>{"a/b/c/deep.txt", "a/per%25cent%.txt", "a/plus+sign.txt",
                                            "a/with space.txt", "a/\xc3\xbcnic\xc3\xb8" "de.txt"});
    for (auto& r : a) CHECK(r.get<"file">().read() == "content of " + r.get<"file">().path);
    const dc::File& plus = a[2].get<"file">();
    CHECK(plus.read(3, 4) == "tent");
    CHECK(plus.read(plus.size - 2, 100) == "xt");
    CHECK(plus.read(plus.size + 5, 10).empty());
    CHECK(plus.read(0, 0).empty());

    // gs:// through the same S3-compatible API (the endpoint given).
    auto gs = dc::collect(dc::read_storage("gs://pages/a/b/", srv.opts()), s);
    REQUIRE(gs.size() == 1);
    CHECK(gs[0].get<"file">().source == "gs://pages");
    CHECK(gs[0].get<"file">().read() == "content of a/b/c/deep.txt");
}

TEST_CASE("objstore: an object rewritten with the same size is recomputed, a deleted one drops out, "
          "downloads are cached under the store",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("data");
    srv.put("data", "img/1.txt", "one");
    srv.put("data", "img/2.txt", "two");
    srv.put("data", "img/3.txt", "six");
    auto chain = [&] {
        return dc::read_storage("s3://data/img/", srv.opts()) | dc::map<"content">(objstore_content) |
               dc::save("contents");
    };
    auto contents = [](const auto& ds) {
        std::vector<std::string> out;
        for (auto& r : ds) out.push_back(r.template get<"content">());
        return out;
    };
    reads = 0;
    {
        dc::session s{srv.settings()};
        CHECK(contents(chain().run(s)) == std::vector<std::string>{"one", "two", "six"});
    }
    CHECK(reads == 3);
    // The cache: one 0600 file per object in a 0700 directory inside the store.
    const fs::path cache = srv.tmp.store() / "object-cache";
    std::size_t entries = 0;
    for (auto& e : fs::directory_iterator(cache)) {
        ++entries;
        struct stat st{};
        REQUIRE(::stat(e.path().c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    CHECK(entries == 3);
    struct stat dst{};
    REQUIRE(::stat(cache.c_str(), &dst) == 0);
    CHECK((dst.st_mode & 0777) == 0700);

    // Pruning: entries unused for a day go, a cache hit is a use, and files
    // the cache did not make stay.
    {
        std::vector<fs::path> es;
        for (auto& e : fs::directory_iterator(cache)) es.push_back(e.path());
        const std::time_t two_days_ago = std::time(nullptr) - 2 * 86400;
        const timespec old[2] = {{two_days_ago, 0}, {two_days_ago, 0}};
        for (auto& e : es) REQUIRE(::utimensat(AT_FDCWD, e.c_str(), old, 0) == 0);
        rt::write_file(cache / "notes.txt", "not the cache's");
        dc::session s{srv.settings()};
        auto rows = dc::collect(dc::read_storage("s3://data/img/", srv.opts()), s);
        CHECK(rows[0].get<"file">().read() == "one");  // served by the cache: used now
        CHECK(dc::prune_object_cache(srv.tmp.store(), std::chrono::hours(24)) == 2);
        CHECK(rt::read_file(cache / "notes.txt") == "not the cache's");
        std::size_t left = 0;
        for (auto& e : fs::directory_iterator(cache)) left += e.path().extension() == ".obj";
        CHECK(left == 1);
        fs::remove(cache / "notes.txt");
    }

    // Unchanged: nothing is read again.
    reads = 0;
    {
        dc::session s{srv.settings()};
        (void)chain().run(s);
    }
    CHECK(reads == 0);

    // Same size, new contents (and maybe the same LastModified second): the
    // etag changes the source's fingerprint, so the step recomputes (the
    // changed row at least: rows whose File is unchanged may be reused).
    srv.put("data", "img/3.txt", "SIX");
    reads = 0;
    {
        dc::session s{srv.settings()};
        CHECK(contents(chain().run(s)) == std::vector<std::string>{"one", "two", "SIX"});
    }
    CHECK(reads >= 1);

    // A deleted object is not a row any more.
    srv.remove("data", "img/2.txt");
    {
        dc::session s{srv.settings()};
        CHECK(contents(chain().run(s)) == std::vector<std::string>{"one", "SIX"});
    }

    // An object changed after the listing is an error, never other contents.
    {
        dc::session s{srv.settings()};
        auto rows = dc::collect(dc::read_storage("s3://data/img/", srv.opts()), s);
        srv.put("data", "img/1.txt", "ONE!");
        dc::File f = rows[0].get<"file">();
        auto opts = srv.opts();
        opts.cache = false;
        (void)dc::collect(dc::read_storage("s3://data/img/", opts), s);  // the bucket's options: no cache
        auto e = rt::catch_error([&] { (void)f.read(); });
        CHECK(std::string(e.what()).find("changed since it was listed") != std::string::npos);
        // Deleted after the listing: not_found naming the key.
        srv.remove("data", "img/3.txt");
        auto gone = rows[1].get<"file">();
        auto e2 = rt::catch_error([&] { (void)gone.read(); });
        CHECK(e2.kind() == dc::error_kind::not_found);
        CHECK(std::string(e2.what()).find("s3://data/img/3.txt") != std::string::npos);
        CHECK(std::string(e2.what()).find("404") != std::string::npos);
    }
}

TEST_CASE("objstore: a server stopped midway is a clear error, nothing stored is lost, the rerun continues",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("mid");
    for (int i = 0; i < 6; ++i) srv.put("mid", "f/" + std::to_string(i), "data " + std::to_string(i));
    auto settings = srv.settings();
    settings.batch_size = 1;
    auto opts = srv.opts();
    opts.cache = false;  // every row reads from the server
    auto chain = [&] {
        return dc::read_storage("s3://mid/f/", opts) | dc::map<"content">(objstore_content) | dc::save("mid");
    };
    reads = 0;
    after_read = [&](int n) {
        if (n == 3) srv.p->stop();
    };
    {
        dc::session s{settings};
        auto e = rt::catch_error([&] { (void)chain().run(s); });
        const std::string m = e.what();
        CHECK(m.find("reading s3://mid/f/3") != std::string::npos);
        CHECK(m.find("no response") != std::string::npos);
        CHECK(m.find("retry later") != std::string::npos);
    }
    after_read = nullptr;
    CHECK(reads == 3);
    srv.p->start();  // same port, same data
    reads = 0;
    dc::session s{settings};
    auto ds = chain().run(s);
    CHECK(reads == 3);  // rows 0..2 were durable; only 3..5 are read
    std::vector<std::string> got;
    for (auto& r : ds) got.push_back(r.get<"content">());
    CHECK(got == std::vector<std::string>{"data 0", "data 1", "data 2", "data 3", "data 4", "data 5"});
}

TEST_CASE("objstore: signed and anonymous access, wrong credentials (403), a missing bucket (404)",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("auth");
    srv.put("auth", "k.txt", "secret");
    dc::session s{srv.settings()};
    // Anonymous.
    CHECK(dc::collect(dc::read_storage("s3://auth/", srv.opts()), s).size() == 1);
    // Signed with s3rver's key pair.
    ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    auto rows = dc::collect(dc::read_storage("s3://auth/", srv.opts()), s);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].get<"file">().read() == "secret");
    // A key the server does not know: 403, naming the bucket and what to do.
    ::setenv("AWS_ACCESS_KEY_ID", "NOT-A-KEY", 1);
    auto e = rt::catch_error([&] { (void)dc::collect(dc::read_storage("s3://auth/", srv.opts()), s); });
    std::string m = e.what();
    CHECK(e.kind() == dc::error_kind::usage);  // credentials to change
    CHECK(m.find("s3://auth/") != std::string::npos);
    CHECK(m.find("HTTP 403 InvalidAccessKeyId") != std::string::npos);
    CHECK(m.find("check the credentials") != std::string::npos);
    // .anon ignores the credentials of the environment.
    auto anon = srv.opts();
    anon.anon = true;
    CHECK(dc::collect(dc::read_storage("s3://auth/", anon), s).size() == 1);
    clear_env();
    // A bucket that does not exist.
    auto e404 = rt::catch_error([&] { (void)dc::collect(dc::read_storage("s3://nope/x/", srv.opts()), s); });
    m = e404.what();
    CHECK(e404.kind() == dc::error_kind::not_found);
    CHECK(m.find("s3://nope/x/") != std::string::npos);
    CHECK(m.find("HTTP 404 NoSuchBucket") != std::string::npos);
    CHECK(m.find("check the bucket name") != std::string::npos);
}
