// Shared by the objstore tests that need a server: an s3rver with its own
// data directory and a store directory next to it, plus helpers to create
// buckets and objects through the library's own client.
//
//   server srv;                          // starts s3rver on a free port
//   if (!srv.p) DC_SKIP(srv.skip);       // no s3rver (or no node) here
//   srv.make_bucket("b");  srv.put("b", "k.txt", "data");
//   dc::session s{srv.settings()};
//   dc::collect(dc::read_storage("s3://b/", srv.opts()), s);
#pragma once

#include "s3rver.hpp"

#include "../runtime/support.hpp"

#include <cstdlib>
#include <memory>
#include <string>

namespace objstore_test {

namespace os = datachain::detail::objstore;

// No AWS or GCS settings from the environment of the test run.
inline void clear_env() {
    for (auto n : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                   "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "GS_ACCESS_KEY_ID",
                   "GS_SECRET_ACCESS_KEY"})
        ::unsetenv(n);
}

// One s3rver with its own data directory, and a store directory.
struct server {
    rt::temp_dir tmp;
    std::unique_ptr<s3rver_process> p;
    std::string skip;

    server() {
        clear_env();
        auto prog = find_s3rver(skip);
        if (!prog) return;
        fs::create_directories(tmp / "s3");
        p = std::make_unique<s3rver_process>(*prog, tmp / "s3");
        p->start();
    }
    dc::storage_options opts() const {
        return {.endpoint = p->endpoint(), .retries = 1, .retry_delay_ms = 10, .timeout_ms = 20000};
    }
    os::s3_config cfg(const std::string& bucket) const { return os::s3_config::resolve("s3", bucket, opts()); }
    void make_bucket(const std::string& b) const {
        os::s3_call_spec s;
        s.method = "PUT";
        os::s3_call(cfg(b), s, "creating bucket " + b);
    }
    void put(const std::string& b, const std::string& key, const std::string& body) const {
        os::s3_call_spec s;
        s.method = "PUT";
        s.key = key;
        s.body = body;
        os::s3_call(cfg(b), s, "putting " + key);
    }
    void remove(const std::string& b, const std::string& key) const {
        os::s3_call_spec s;
        s.method = "DELETE";
        s.key = key;
        os::s3_call(cfg(b), s, "deleting " + key);
    }
    dc::settings settings() const { return rt::cfg(tmp.store()); }
};

} // namespace objstore_test
