// read_storage lists every file or fails (SPEC section 9, issue 9): an
// unreadable directory (as a non-root user), running out of file
// descriptors, loops of symbolic links, links to directories, FIFOs,
// sockets and devices are errors naming the path; names with newlines, tabs
// and invalid UTF-8 are listed as they are; a tree that changes while it is
// listed is listed again (or an error), never shorter; the store's own
// directory is never listed.
//
// Cases that need another user or a lower descriptor limit run this binary
// again, on the hidden test case "listing child helper", in a child process
// (through setpriv or runuser to become `nobody`, or with RLIMIT_NOFILE
// lowered between fork and exec). The child reports through a pipe.
#include "support.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace {

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

std::vector<std::string> listed_paths(const fs::path& store, const fs::path& dir) {
    dc::session s{rt::cfg(store)};
    std::vector<std::string> out;
    for (auto& r : dc::collect(dc::read_storage(dir.string()), s)) out.push_back(r.get<"file">().path);
    return out;
}

struct helper_result {
    int status = -1;
    std::string out;
    bool ok() const { return out.starts_with("ok "); }
};

// Runs "listing child helper" in `mode` over `dir` with a store at `root`,
// behind `prefix` (e.g. setpriv ...), with RLIMIT_NOFILE = nofile if not 0.
helper_result run_helper(const std::vector<std::string>& prefix, const std::string& mode, const fs::path& dir,
                         const fs::path& root, rlim_t nofile = 0) {
    int up[2];
    REQUIRE(::pipe(up) == 0);
    std::vector<std::string> env_s;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "DC_LS_", 6) != 0) env_s.emplace_back(*e);
    env_s.push_back("DC_LS_MODE=" + mode);
    env_s.push_back("DC_LS_DIR=" + dir.string());
    env_s.push_back("DC_LS_ROOT=" + root.string());
    env_s.push_back("DC_LS_OUT=" + std::to_string(up[1]));
    std::vector<char*> envp;
    for (auto& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = prefix;
    for (std::string a : {fs::canonical("/proc/self/exe").string(), std::string("listing child helper"),
                          std::string("-o"), std::string("/dev/null")})
        args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(up[0]);
        if (nofile) {
            rlimit rl{nofile, nofile};
            if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(126);
        }
        ::execvpe(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(up[1]);
    helper_result r;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(up[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        r.out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(up[0]);
    while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
    return r;
}

// How to run a command as `nobody` here, or empty (with the reason) when
// this process cannot (not root, or neither tool works).
std::vector<std::string> as_nobody(std::string& why) {
    if (::geteuid() != 0) {
        why = "not running as root";
        return {};
    }
    if (std::system("setpriv --reuid=65534 --regid=65534 --clear-groups true >/dev/null 2>&1") == 0)
        return {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    if (std::system("runuser -u nobody -- true >/dev/null 2>&1") == 0) return {"runuser", "-u", "nobody", "--"};
    why = "neither setpriv nor runuser can run a command as nobody";
    return {};
}

} // namespace

TEST_CASE("listing child helper", "[.][child]") {
    const char* mode = std::getenv("DC_LS_MODE");
    if (!mode) return;
    const int out = std::atoi(std::getenv("DC_LS_OUT"));
    auto say = [&](const std::string& s) { (void)!::write(out, s.data(), s.size()); };
    try {
        dc::session s{rt::cfg(std::getenv("DC_LS_ROOT"), "lister")};
        if (std::string_view(mode) == "no_fds") {
            // Every descriptor taken: the listing cannot open a directory.
            while (::dup(out) >= 0) {
            }
        }
        auto rows = dc::collect(dc::read_storage(std::getenv("DC_LS_DIR")), s);
        std::string text = "ok " + std::to_string(rows.size()) + "\n";
        for (auto& r : rows) text += r.get<"file">().path + "\n";
        say(text);
    } catch (const dc::error& e) {
        say(std::string("error ") + rt::kind_name(e.kind()) + "\n" + e.what() + "\n");
    } catch (const std::exception& e) {
        say(std::string("exception\n") + e.what() + "\n");
    }
}

TEST_CASE("listing: an unreadable directory is an error naming it, never fewer files", "[runtime][listing][process]") {
    std::string why;
    auto nobody = as_nobody(why);
    rt::temp_dir d;
    fs::permissions(d.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "locked" / "b.txt", "b");
    rt::write_file(data / "z.txt", "z");
    const auto root = d / "store";
    fs::create_directories(root);
    if (::geteuid() == 0 && nobody.empty())
        DC_SKIP(why << "; the unreadable-directory cases need a non-root user");
    if (::geteuid() == 0) REQUIRE(::chown(root.c_str(), 65534, 65534) == 0);
    auto list = [&] {
        if (nobody.empty()) {
            // Not root: permissions apply to this process itself.
            helper_result r;
            try {
                auto p = listed_paths(root, data);
                r.out = "ok " + std::to_string(p.size()) + "\n";
            } catch (const dc::error& e) {
                r.out = std::string("error ") + rt::kind_name(e.kind()) + "\n" + e.what();
            }
            return r;
        }
        return run_helper(nobody, "list", data, root);
    };
    {
        auto r = list();
        INFO(r.out);
        REQUIRE(r.out.starts_with("ok 3\n"));  // the user can run the helper and list the tree
    }
    SECTION("no permission to read the directory") {
        fs::permissions(data / "locked", fs::perms::none);
        auto r = list();
        fs::permissions(data / "locked", fs::perms::owner_all);
        INFO(r.out);
        CHECK(r.out.starts_with("error io\n"));
        CHECK(contains(r.out, (data / "locked").string()));
        CHECK(contains(r.out, "Permission denied"));
        CHECK(contains(r.out, "make it readable"));
    }
    SECTION("permission to read the names but not to stat them") {
        fs::permissions(data / "locked", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        auto r = list();
        fs::permissions(data / "locked", fs::perms::owner_all);
        INFO(r.out);
        CHECK(r.out.starts_with("error io\n"));
        CHECK(contains(r.out, (data / "locked" / "b.txt").string()));
    }
}

TEST_CASE("listing: out of file descriptors is an error, and a deep tree needs one descriptor", "[runtime][listing][process]") {
    rt::temp_dir d;
    const auto data = d / "data";
    // 60 nested directories, a file in each: the old recursive iterator held
    // one descriptor per level and stopped silently at `ulimit -n 40`.
    fs::path p = data;
    for (int i = 0; i < 60; ++i) {
        rt::write_file(p / ("f" + std::to_string(i)), std::to_string(i));
        p /= "d" + std::to_string(i);
    }
    fs::create_directories(p);
    {
        auto r = run_helper({}, "list", data, d / "s1", 40);
        INFO(r.out);
        CHECK(r.out.starts_with("ok 60\n"));
    }
    // UBSan's vptr check probes memory through a pipe: with no descriptor
    // free it reports "invalid vptr" for sound objects (a suppression cannot
    // match an object it cannot read), so under UBSan this half is not run.
    if (::dlsym(RTLD_DEFAULT, "__ubsan_handle_dynamic_type_cache_miss")) {
        WARN("not checked under UBSan: running out of descriptors (its vptr check needs two)");
        return;
    }
    {
        auto r = run_helper({}, "no_fds", data, d / "s2");
        INFO(r.out);
        CHECK(r.out.starts_with("error io\n"));
        CHECK(contains(r.out, data.string()));
        CHECK(contains(r.out, "Too many open files"));
        CHECK(contains(r.out, "ulimit -n"));
    }
}

TEST_CASE("listing: a symbolic link to a directory is an error naming it, never dropped", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "sub" / "b.txt", "bb");
    rt::write_file(d / "outside" / "c.txt", "ccc");
    CHECK(listed_paths(d.store(), data) == std::vector<std::string>{"a.txt", "sub/b.txt"});
    // They were left out without a word: 2 rows for a tree holding 5 files
    // under their names (outside/c.txt, inside/b.txt, up/...).
    auto check_refused = [&](const fs::path& link, const fs::path& target) {
        auto e = rt::catch_error([&] { (void)listed_paths(d.store(), data); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::io);
        CHECK(contains(e.what(), link.string()));
        CHECK(contains(e.what(), "symbolic link to the directory '" + fs::canonical(target).string() + "'"));
        CHECK(contains(e.what(), "does not follow links to directories"));
        CHECK(contains(e.what(), "replace the link with the directory"));
        fs::remove(link);
    };
    SECTION("to a directory outside the tree") {
        fs::create_directory_symlink(d / "outside", data / "outside");
        check_refused(data / "outside", d / "outside");
    }
    SECTION("to a directory inside the tree") {
        fs::create_directory_symlink(data / "sub", data / "inside");
        check_refused(data / "inside", data / "sub");
    }
    SECTION("to an ancestor (a loop if followed), absolute or relative") {
        fs::create_directory_symlink(data, data / "sub" / "up");
        check_refused(data / "sub" / "up", data);
        fs::create_directory_symlink("..", data / "sub" / "parent");
        check_refused(data / "sub" / "parent", data);
    }
    CHECK(listed_paths(d.store(), data) == std::vector<std::string>{"a.txt", "sub/b.txt"});
}

TEST_CASE("listing: loops of symbolic links", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    // Two links pointing at each other cannot be stat'ed: an error naming one.
    fs::create_symlink("loop2", data / "loop1");
    fs::create_symlink("loop1", data / "loop2");
    auto e = rt::catch_error([&] { (void)listed_paths(d.store(), data); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::io);
    CHECK(contains(e.what(), (data / "loop1").string()));
    CHECK(contains(e.what(), "loop of symbolic links"));
}

TEST_CASE("listing: names with newlines, tabs and invalid UTF-8 are listed as they are", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    const std::vector<std::string> names{"bad\xff\xfe.bin", "new\nline.txt", "tab\there.txt", "x \\ y"};
    for (auto& n : names) rt::write_file(data / "dir\n2" / n, n);
    dc::session s{rt::cfg(d.store())};
    auto rows = dc::collect(dc::read_storage(data.string()), s);
    REQUIRE(rows.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto& f = rows[i].get<"file">();
        CHECK(f.path == "dir\n2/" + names[i]);
        CHECK(f.size == names[i].size());
        CHECK(f.read() == names[i]);
    }
    // An error about such a name shows it escaped, on one line.
    fs::create_symlink(d / "nowhere", data / "bro\nken");
    auto e = rt::catch_error([&] { (void)dc::collect(dc::read_storage(data.string()), s); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::io);
    CHECK(contains(e.what(), "bro\\nken"));
    CHECK(contains(e.what(), "broken symbolic link"));
    CHECK(!contains(e.what(), "\n"));
}

TEST_CASE("listing: FIFOs, sockets and devices are an error naming them, never opened", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "z.txt", "z");
    auto check_refused = [&](const fs::path& p, std::string_view is) {
        // Opening the FIFO would block this test for ever: the listing only stats it.
        auto e = rt::catch_error([&] { (void)listed_paths(d.store(), data); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::io);
        CHECK(contains(e.what(), "'" + p.string() + "' is " + std::string(is)));
        CHECK(contains(e.what(), "move it out of the source directory"));
        fs::remove(p);
        // Left out without a word, they were: 2 rows and no warning.
        CHECK(listed_paths(d.store(), data) == std::vector<std::string>{"a.txt", "z.txt"});
    };
    SECTION("a FIFO") {
        REQUIRE(::mkfifo((data / "pipe").c_str(), 0600) == 0);
        check_refused(data / "pipe", "a FIFO (named pipe)");
    }
    SECTION("a link to a FIFO") {
        REQUIRE(::mkfifo((d / "pipe").c_str(), 0600) == 0);
        fs::create_symlink(d / "pipe", data / "link-to-pipe");
        check_refused(data / "link-to-pipe", "a symbolic link to a FIFO (named pipe)");
    }
    SECTION("a socket") {
        int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(sock >= 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const std::string sp = (data / "sock").string();
        REQUIRE(sp.size() < sizeof addr.sun_path);
        std::memcpy(addr.sun_path, sp.c_str(), sp.size() + 1);
        REQUIRE(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        check_refused(data / "sock", "a socket");
        ::close(sock);
    }
    SECTION("a link to a device") {
        fs::create_symlink("/dev/null", data / "null");
        check_refused(data / "null", "a symbolic link to a character device");
    }
}

namespace {

// What the listing hook does, set by each test (the hook is a plain function).
std::function<void(const std::string&, unsigned)> g_hook_action;
unsigned g_hook_attempts = 0;
struct hook_guard {
    explicit hook_guard(std::function<void(const std::string&, unsigned)> f) {
        g_hook_action = std::move(f);
        g_hook_attempts = 0;
        dc::detail::listing_test_hook() = [](const std::string& rel, unsigned attempt) {
            g_hook_attempts = std::max(g_hook_attempts, attempt);
            g_hook_action(rel, attempt);
        };
    }
    ~hook_guard() {
        dc::detail::listing_test_hook() = nullptr;
        g_hook_action = nullptr;
    }
};

} // namespace

// The outside review: 'mv d30 x30; mv x30 d30' while 30 000 files were
// listed saved 29 500 rows with exit 0 in 8 of 15 runs. Here the rename
// happens at a fixed point: after the root's names are read.
TEST_CASE("listing: a directory renamed away and back while listed is listed again, in full", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    for (int i = 0; i < 3; ++i) rt::write_file(data / "d30" / ("f" + std::to_string(i)), "x");
    rt::write_file(data / "z.txt", "z");
    const std::vector<std::string> all{"a.txt", "d30/f0", "d30/f1", "d30/f2", "z.txt"};
    hook_guard g([&](const std::string& rel, unsigned attempt) {
        if (!rel.empty()) return;
        if (attempt == 1) fs::rename(data / "d30", data / "x30");  // 'd30' read, then gone when stat'ed
        if (attempt == 2) fs::rename(data / "x30", data / "d30");  // back, before it is stat'ed
    });
    // Walk 1 finds 'd30' gone when it stats it, walk 2 'x30' (moved back),
    // walk 3 is complete. Before: 2 rows (a.txt, z.txt) and no error.
    CHECK(listed_paths(d.store(), data) == all);
    CHECK(g_hook_attempts == 3);
}

TEST_CASE("listing: a file moved into a directory already read is seen, the tree listed again", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a" / "f", "f");
    rt::write_file(data / "b" / "g", "g");
    // Once 'a' is read (and before 'b' is), b/g moves to a/g: that walk saw
    // neither; only reading 'a' again shows it.
    hook_guard g([&](const std::string& rel, unsigned attempt) {
        if (rel == "a" && attempt == 1) fs::rename(data / "b" / "g", data / "a" / "g");
    });
    auto l = dc::detail::list_storage(data.string());
    std::vector<std::string> paths;
    for (auto& f : l.files) paths.push_back(f.path);
    CHECK(paths == std::vector<std::string>{"a/f", "a/g"});
    CHECK(g_hook_attempts == 2);
}

TEST_CASE("listing: a directory replaced by a link after it was stat'ed is a change, not a loop", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a" / "f", "f");
    rt::write_file(data / "b" / "g", "g");
    rt::write_file(d / "real-b" / "g", "g");
    // Once 'a' is read, 'b' (stat'ed as a directory) becomes a link; on the
    // next walk it is back. Opening it with O_NOFOLLOW gave ELOOP, reported
    // as "a loop of symbolic links".
    hook_guard g([&](const std::string& rel, unsigned attempt) {
        if (rel == "a" && attempt == 1) {
            fs::rename(data / "b", d / "old-b");
            fs::create_directory_symlink(d / "real-b", data / "b");
        }
        if (rel.empty() && attempt == 2) {
            fs::remove(data / "b");
            fs::rename(d / "old-b", data / "b");
            // The root was modified after walk 2 read it: its mtime, set
            // here to a time no walk saw (whatever the clock's granularity),
            // makes walk 2 a change too.
            timespec t[2] = {{946684800, 0}, {946684800, 0}};
            REQUIRE(::utimensat(AT_FDCWD, data.c_str(), t, 0) == 0);
        }
    });
    CHECK(listed_paths(d.store(), data) == std::vector<std::string>{"a/f", "b/g"});
    CHECK(g_hook_attempts == 3);
}

TEST_CASE("listing: a tree that keeps changing is an error, never fewer rows", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "x.txt", "x");
    // Every time the root is read, x.txt and y.txt swap names: the name
    // just read is gone when stat'ed.
    hook_guard g([&](const std::string& rel, unsigned) {
        if (!rel.empty()) return;
        if (fs::exists(data / "x.txt")) fs::rename(data / "x.txt", data / "y.txt");
        else fs::rename(data / "y.txt", data / "x.txt");
    });
    auto e = rt::catch_error([&] { (void)listed_paths(d.store(), data); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::io);
    CHECK(contains(e.what(), "the tree under '" + fs::canonical(data).string() + "' changed while it was listed"));
    CHECK(contains(e.what(), std::to_string(dc::detail::listing_attempts) + " times in a row"));
    CHECK(contains(e.what(), "was removed or renamed while it was listed"));
    CHECK(contains(e.what(), "rerun"));
    CHECK(g_hook_attempts == dc::detail::listing_attempts);
}

TEST_CASE("listing: a file deleted after the listing is a clear error when read", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "b.txt", "b");
    dc::session s{rt::cfg(d.store())};
    auto rows = dc::collect(dc::read_storage(data.string()), s);
    REQUIRE(rows.size() == 2);
    fs::remove(data / "b.txt");
    CHECK(rows[0].get<"file">().read() == "a");
    auto e = rt::catch_error([&] { (void)rows[1].get<"file">().read(); });
    CHECK(e.kind() == dc::error_kind::io);
    CHECK(contains(e.what(), (data / "b.txt").string()));
}

// The outside review: a file grown from 11 to 31 bytes between the listing
// and the UDF's read gave a row with file.size=11 and 31 bytes of content.
TEST_CASE("listing: a file changed after the listing is a clear error when read", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "hello world");  // 11 bytes
    rt::write_file(data / "b.txt", "bbb");
    dc::session s{rt::cfg(d.store())};
    auto rows = dc::collect(dc::read_storage(data.string()), s);
    REQUIRE(rows.size() == 2);
    const auto& a = rows[0].get<"file">();
    REQUIRE(a.size == 11);
    CHECK(a.read() == "hello world");
    auto check_changed = [&](const dc::File& f, std::string_view detail) {
        for (int range = 0; range < 2; ++range) {
            auto e = rt::catch_error([&] { (void)(range ? f.read(0, 5) : f.read()); });
            INFO(e.what());
            CHECK(e.kind() == dc::error_kind::io);
            CHECK(contains(e.what(), "'" + (data / f.path).string() + "' changed since it was listed"));
            CHECK(contains(e.what(), detail));
            CHECK(contains(e.what(), "rerun"));
        }
    };
    SECTION("grown") {
        rt::write_file(data / "a.txt", "hello world, and then some");
        check_changed(a, "listed with 11 bytes, it has 26 now");
    }
    SECTION("the same size, another mtime") {
        const auto t = fs::last_write_time(data / "b.txt");
        rt::write_file(data / "b.txt", "BBB");
        fs::last_write_time(data / "b.txt", t + std::chrono::seconds(5));
        check_changed(rows[1].get<"file">(), "modified at ");
    }
    SECTION("in a chain: grown between the listing and the UDF's read") {
        auto chain = dc::read_storage(data.string()) |
                     dc::map<"n">(DC_UDF([](const dc::File& f) {
                         if (f.path == "a.txt") rt::write_file(f.full_path(), "hello world, and then some");
                         return static_cast<std::int64_t>(f.read().size());
                     }));
        try {
            (void)dc::collect(chain, s);
            FAIL("no exception");
        } catch (const dc::udf_error& e) {
            CHECK(e.path() == "a.txt");
            try {
                std::rethrow_if_nested(e);
                FAIL("not nested");
            } catch (const dc::error& inner) {
                INFO(inner.what());
                CHECK(inner.kind() == dc::error_kind::io);
                CHECK(contains(inner.what(), "changed since it was listed"));
            }
        }
        // The next run lists it again: its row says 26 bytes, and it reads.
        auto again = dc::collect(dc::read_storage(data.string()), s);
        CHECK(again[0].get<"file">().size == 26);
        CHECK(again[0].get<"file">().read().size() == 26);
    }
    // A File made by hand (mtime 0) is not checked: it reads what is there.
    dc::File hand{"file://" + data.string(), "b.txt", 0, 0, "", ""};
    CHECK(hand.read().size() == 3);
}

TEST_CASE("listing: the excluded store directory is never listed, whatever path names it", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "sub" / "b.txt", "b");
    const auto store = data / ".datachain";
    {
        dc::session s{rt::cfg(store)};
        (void)s.jobs();
    }
    REQUIRE(fs::exists(store / "CURRENT"));
    auto paths = [](const dc::detail::storage_listing& l) {
        std::vector<std::string> out;
        for (auto& f : l.files) out.push_back(f.path);
        return out;
    };
    const std::vector<std::string> want{"a.txt", "sub/b.txt"};
    CHECK(paths(dc::detail::list_storage(data.string())).size() > want.size());  // without: the store's files
    CHECK(paths(dc::detail::list_storage(data.string(), {store})) == want);
    // Named through a symbolic link or a relative path: the same directory.
    fs::create_directory_symlink(store, d / "store-link");
    CHECK(paths(dc::detail::list_storage(data.string(), {d / "store-link"})) == want);
    CHECK(paths(dc::detail::list_storage(data.string(), {data / "sub" / ".." / ".datachain"})) == want);
    // A link inside the tree to a file in the store is left out too.
    fs::create_symlink(store / "CURRENT", data / "current-link");
    CHECK(paths(dc::detail::list_storage(data.string(), {store})) == want);
    const auto plain = d / "plain";
    fs::create_directories(plain);
    fs::copy(data / "a.txt", plain / "a.txt", fs::copy_options::copy_symlinks);
    // A source inside the store is refused.
    auto e = rt::catch_error([&] { (void)dc::detail::list_storage(store.string(), {store}); });
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK(contains(e.what(), "inside the datachain store"));
    // A store that does not exist (yet) excludes nothing and is no error.
    CHECK(paths(dc::detail::list_storage(plain.string(), {d / "no-store"})) == std::vector<std::string>{"a.txt"});
}

// The report: 8, 10, 11 rows on three runs over 3 files, each run
// recomputed, because the store's own files were listed.
TEST_CASE("listing: read_storage over a directory holding the store never lists the store", "[runtime][listing]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    rt::write_file(data / "b.txt", "bb");
    rt::write_file(data / "sub" / "c.txt", "ccc");
    const auto store = data / ".datachain";
    auto chain = dc::read_storage(data.string()) | dc::map<"n">(DC_UDF([](const dc::File& f) { return f.size; })) |
                 dc::save("files");
    for (int run = 0; run < 3; ++run) {
        dc::session s{rt::cfg(store, "lister")};
        auto ds = chain.run(s);
        INFO("run " << run);
        CHECK(ds.size() == 3);
        CHECK(ds.version() == "1.0.0");  // the same source every time: reused
    }
}
