// A dc::File read in another process than the one that listed it: the
// program that reads a saved dataset (read_dataset, then file.read()) finds
// how to reach the bucket in the store (runtime/object_store/source_record.hpp)
// and uses the store's download cache, without AWS_ENDPOINT_URL.
//
// The other process is this test binary run again (rt::spawn_child) on its
// hidden test case "runtime child helper", mode "read_saved".
#include "fixture.hpp"

#include <cstdlib>
#include <string>
#include <string_view>

using objstore_test::server;

namespace {

using file_rows = dc::schema<dc::column<"file", dc::File>>;

// Runs the child on the store at `root`; returns what it wrote: "ok\n" and
// the contents of every file of dataset "files" each followed by '|', or
// "error\n" and the message.
std::string read_in_child(const fs::path& root, const fs::path& out) {
    fs::remove(out);
    rt::child c;
    rt::spawn_child(c, "read_saved", root, out.string());
    c.close_input();
    c.wait();
    return rt::read_file(out);
}

} // namespace

TEST_CASE("runtime child helper", "[.][child]") {
    const char* mode = std::getenv("DC_RT_MODE");
    if (!mode || std::string_view(mode) != "read_saved") return;
    std::string result;
    try {
        dc::session s{rt::cfg(std::getenv("DC_RT_ROOT"), "reader")};
        for (auto& r : dc::collect(dc::read_dataset<file_rows>("files"), s)) result += r.get<"file">().read() + "|";
        result = "ok\n" + result;
    } catch (const std::exception& e) {
        result = std::string("error\n") + e.what();
    }
    rt::write_file(std::getenv("DC_RT_ARG"), result);
}

TEST_CASE("objstore: a File from a saved dataset is read in a new process through the listing's endpoint "
          "and the store's download cache",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("keep");
    srv.put("keep", "p/a.txt", "alpha");
    srv.put("keep", "p/b.txt", "beta");
    {
        dc::session s{srv.settings()};
        (void)(dc::read_storage("s3://keep/p/", srv.opts()) | dc::save("files")).run(s);
    }
    const auto out = srv.tmp / "child.txt";
    // A new process without AWS_ENDPOINT_URL: the endpoint recorded with the listing.
    CHECK(read_in_child(srv.tmp.store(), out) == "ok\nalpha|beta|");
    // ... and the store's download cache: the server is gone, the contents are not.
    srv.p->stop();
    CHECK(read_in_child(srv.tmp.store(), out) == "ok\nalpha|beta|");
}

TEST_CASE("objstore: AWS_ENDPOINT_URL in the reading process wins over a store's record, and a failure against "
          "a recorded endpoint names the record and how to override it",
          "[objstore]") {
    server srv;
    if (!srv.p) DC_SKIP(srv.skip);
    srv.make_bucket("moved");
    srv.put("moved", "p/a.txt", "alpha");
    auto o = srv.opts();
    o.cache = false;
    {
        dc::session s{srv.settings()};
        (void)(dc::read_storage("s3://moved/p/", o) | dc::save("files")).run(s);
    }
    const auto out = srv.tmp / "child.txt";
    ::setenv("AWS_ENDPOINT_URL", "http://no-such-host.invalid:9000", 1);
    std::string got = read_in_child(srv.tmp.store(), out);
    ::unsetenv("AWS_ENDPOINT_URL");
    INFO(got);
    CHECK(got.starts_with("error\n"));  // the set endpoint was used, not the record's
    CHECK(got.find("no-such-host.invalid") != std::string::npos);
    CHECK(got.find("(from AWS_ENDPOINT_URL)") != std::string::npos);
    // The server is gone: the recorded endpoint fails, and the error says where it came from.
    srv.p->stop();
    got = read_in_child(srv.tmp.store(), out);
    CHECK(got.starts_with("error\n"));
    CHECK(got.find("the record ") != std::string::npos);
    CHECK(got.find("object-sources") != std::string::npos);
    CHECK(got.find("AWS_ENDPOINT_URL") != std::string::npos);
    CHECK(got.find("(from storage_options::endpoint)") == std::string::npos);
}

TEST_CASE("objstore: a dataset listed at an older endpoint is read through that endpoint's record",
          "[objstore]") {
    server one, two;
    if (!one.p || !two.p) DC_SKIP(one.skip + two.skip);
    for (auto* srv : {&one, &two}) srv->make_bucket("same");
    one.put("same", "p/a.txt", "from one");
    two.put("same", "p/a.txt", "from two, another etag");
    auto o1 = one.opts(), o2 = two.opts();
    o1.cache = o2.cache = false;
    {
        dc::session s{one.settings()};
        (void)(dc::read_storage("s3://same/p/", o1) | dc::save("files")).run(s);
        (void)(dc::read_storage("s3://same/p/", o2) | dc::save("later")).run(s);  // the bucket's latest listing
    }
    const auto out = one.tmp / "child.txt";
    std::string got = read_in_child(one.tmp.store(), out);
    INFO(got);
    CHECK(got == "ok\nfrom one|");
    // Neither endpoint has it as listed: the error names both.
    one.put("same", "p/a.txt", "rewritten");
    got = read_in_child(one.tmp.store(), out);
    CHECK(got.starts_with("error\n"));
    CHECK(got.find(one.p->endpoint()) != std::string::npos);
    CHECK(got.find(two.p->endpoint()) != std::string::npos);
}
