// read_storage's walk compares each directory's mtime and ctime (besides its
// device, inode and names) when it reads the tree again after the walk
// (issue 9, outside review: a file moved from a directory not yet read into
// one already read, and back, during a listing was missed in 1 listing of
// 15). The moves happen at fixed points (listing_test_hook); the
// directory's mtime is first set far in the past, so the change is seen
// whatever the granularity of the kernel's clock.
#include "support.hpp"

#include <datachain/runtime/listing.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

namespace {

std::function<void(const std::string&, unsigned)> t_hook_action;
unsigned t_hook_attempts = 0;
struct times_hook {
    explicit times_hook(std::function<void(const std::string&, unsigned)> f) {
        t_hook_action = std::move(f);
        t_hook_attempts = 0;
        dc::detail::listing_test_hook() = [](const std::string& rel, unsigned attempt) {
            t_hook_attempts = std::max(t_hook_attempts, attempt);
            t_hook_action(rel, attempt);
        };
    }
    ~times_hook() {
        dc::detail::listing_test_hook() = nullptr;
        t_hook_action = nullptr;
    }
};

void set_mtime(const fs::path& p, long seconds) {
    timespec t[2] = {{seconds, 0}, {seconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), t, 0) == 0);
}

std::vector<std::string> paths_of(const dc::detail::storage_listing& l) {
    std::vector<std::string> out;
    for (auto& f : l.files) out.push_back(f.path);
    return out;
}

} // namespace

TEST_CASE("listing: a file moved into a directory already read and back is a change, the tree listed again",
          "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a" / "f", "f");
    rt::write_file(data / "b" / "g", "g");
    set_mtime(data / "a", 946684800);  // 2000-01-01
    // Once 'a' is read, b/g moves into it and back: every name is as it was
    // when the walk ends, but 'a' was modified after it was read. A loop of
    // such moves can have b/g away just when 'b' is read.
    times_hook g([&](const std::string& rel, unsigned attempt) {
        if (rel != "a" || attempt != 1) return;
        fs::rename(data / "b" / "g", data / "a" / "g");
        fs::rename(data / "a" / "g", data / "b" / "g");
    });
    CHECK(paths_of(dc::detail::list_storage(data.string())) == std::vector<std::string>{"a/f", "b/g"});
    CHECK(t_hook_attempts == 2);  // before: 1, the change unseen
}

TEST_CASE("listing: a directory modified after it was read on every walk is an error naming it",
          "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a" / "f", "f");
    // Each walk, once 'a' is read, its mtime moves (to a time of its own:
    // no two walks see the same).
    times_hook g([&](const std::string& rel, unsigned attempt) {
        if (rel == "a") set_mtime(data / "a", 1000000L * attempt);
    });
    auto e = rt::catch_error([&] { (void)dc::detail::list_storage(data.string()); });
    CHECK(e.kind() == dc::error_kind::io);
    INFO(e.what());
    CHECK(std::string(e.what()).find("changed while it was listed, 3 times in a row") != std::string::npos);
    CHECK(std::string(e.what()).find("was modified (its mtime or ctime changed") != std::string::npos);
    CHECK(t_hook_attempts == 3);
}
