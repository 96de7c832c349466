// A store that cannot be written (a read-only mount; a directory this user
// may not write) cannot be opened, even to list it: LevelDB writes its LOCK
// and LOG files to open a database. The error says so and what to do
// (issue 9, outside review: 'datachain ls' on a read-only store said only
// "store error ... Read-only file system (is the disk full or read-only, or
// a store file damaged?)"). The store is bind-mounted read-only; the test
// skips itself where mounting is not permitted.
#include "support.hpp"

#include <cstdlib>
#include <string>

namespace {

class readonly_bind {
public:
    readonly_bind(const fs::path& from, const fs::path& at) : at_(at) {
        fs::create_directories(at);
        const std::string a = "'" + at.string() + "'";
        mounted = std::system(("mount --bind '" + from.string() + "' " + a + " 2>/dev/null").c_str()) == 0;
        if (mounted && std::system(("mount -o remount,ro,bind " + a + " 2>/dev/null").c_str()) != 0) {
            (void)std::system(("umount " + a + " 2>/dev/null").c_str());
            mounted = false;
        }
    }
    readonly_bind(const readonly_bind&) = delete;
    readonly_bind& operator=(const readonly_bind&) = delete;
    ~readonly_bind() {
        if (mounted) (void)std::system(("umount '" + at_.string() + "' 2>/dev/null").c_str());
    }
    bool mounted = false;

private:
    fs::path at_;
};

DC_DEF(ro_plus_one, (std::int64_t x) -> std::int64_t { return x + 1; });

} // namespace

TEST_CASE("read-only store: opening it is an error that says the store is not writable and what to do",
          "[runtime][integrity][readonly]") {
    rt::temp_dir d;
    {
        dc::session s{rt::cfg(d.store(), "ro")};
        (dc::read_values<"x">(rt::iota64(5)) | dc::map<"y">(ro_plus_one) | dc::save("ro")).run(s);
    }
    const auto ro = d / "ro-view";
    readonly_bind bind(d.store(), ro);
    if (!bind.mounted) DC_SKIP("cannot bind-mount read-only here (needs root / CAP_SYS_ADMIN)");
    std::vector<std::string> before;
    for (auto& e : fs::directory_iterator(ro)) before.push_back(e.path().filename().string());
    auto e = rt::catch_error([&] { (void)dc::open_leveldb_store(ro, {.create_if_missing = false}); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::store_io);
    const std::string w = e.what();
    CHECK(w.find("'" + ro.string() + "' cannot be opened: its directory is not writable") != std::string::npos);
    CHECK(w.find("Read-only stores are not supported") != std::string::npos);
    CHECK(w.find("cp -a") != std::string::npos);
    // A program gets the same.
    auto e2 = rt::catch_error([&] { dc::session s{rt::cfg(ro, "reader")}; });
    CHECK(std::string(e2.what()).find("Read-only stores are not supported") != std::string::npos);
    std::vector<std::string> after;
    for (auto& f : fs::directory_iterator(ro)) after.push_back(f.path().filename().string());
    CHECK(after == before);
}
