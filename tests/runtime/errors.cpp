// SPEC section 9: every error is clear and loses nothing already done. One
// test per case: the store held by another process, an unknown or newer
// store format, a corrupted store, a missing source directory, an
// unreadable file, an invalid dataset name or version, a UDF that throws,
// and a full disk. Each checks the error's kind and that a dataset saved
// before it still reads back (and is still a checkpoint hit).
#include "support.hpp"

#include <map>

namespace {

DC_DEF(rt_err_inc, (std::int64_t n) -> std::int64_t { return n + 1; });

auto baseline_pipeline() {
    return dc::read_values<"n">(rt::iota64(50)) | dc::map<"m">(rt_err_inc) | dc::save("kept");
}
using KS = decltype(baseline_pipeline())::schema;

// Saves the dataset "kept" (50 rows) as job "baseline".
void save_baseline(const fs::path& root) {
    dc::session s{rt::cfg(root, "baseline")};
    auto ds = baseline_pipeline().run(s);
    REQUIRE(ds.version() == "1.0.0");
    REQUIRE(ds.size() == 50);
}

// "kept" still reads back, row for row, and its chain is still skipped.
void check_baseline(const fs::path& root) {
    INFO("checking the dataset saved before the error");
    {
        dc::session s{rt::cfg(root, "check")};
        auto v = dc::open_dataset<KS>(s, "kept").to_vector();
        REQUIRE(v.size() == 50);
        bool ok = true;
        for (std::int64_t i = 0; i < 50; ++i)
            ok = ok && v[static_cast<std::size_t>(i)].get<"n">() == i &&
                 v[static_cast<std::size_t>(i)].get<"m">() == i + 1;
        CHECK(ok);
        CHECK(rt::versions(s, "kept") == std::vector<std::string>{"1.0.0"});
    }
    {
        dc::session s{rt::cfg(root, "baseline")};
        CHECK(baseline_pipeline().run(s).version() == "1.0.0");
        CHECK(rt::event_kinds(s) == std::vector<std::string>{"save_skipped"});
    }
}

// Every key and value of a store, read directly through the adapter.
std::map<std::string, std::string> dump(const fs::path& root) {
    std::map<std::string, std::string> m;
    auto st = dc::open_leveldb_store(root, {.any_database = true});
    for (auto c = st->scan(""); c->valid(); c->next()) m.emplace(std::string(c->key()), std::string(c->value()));
    return m;
}

// The bytes of LevelDB's data files (not its info log or lock).
std::map<std::string, std::string> data_files(const fs::path& root) {
    std::map<std::string, std::string> m;
    for (auto& e : fs::directory_iterator(root)) {
        auto n = e.path().filename().string();
        if (n == "CURRENT" || n.starts_with("MANIFEST-") || n.ends_with(".ldb") || n.ends_with(".log"))
            m[n] = rt::read_file(e.path());
    }
    return m;
}

std::vector<fs::path> files_ending(const fs::path& root, std::string_view suffix) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(root))
        if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path());
    return out;
}

std::string format_value(std::uint32_t version, std::string_view magic = dc::store_magic) {
    std::string v(magic);
    dc::key::be32(v, version);
    return v;
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

} // namespace

TEST_CASE("errors: a store held by another process fails at once with store_locked", "[runtime][errors][process]") {
    rt::temp_dir d;
    save_baseline(d.store());
    {
        rt::child c;
        rt::spawn_child(c, "hold", d.store());
        REQUIRE(c.read_byte() == 'r');  // the child has the store open

        auto t0 = std::chrono::steady_clock::now();
        auto e = rt::catch_error([&] { dc::session s{rt::cfg(d.store())}; });
        auto took = std::chrono::steady_clock::now() - t0;
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_locked);
        CHECK(took < std::chrono::seconds(2));
        // The message names the store and says what to do.
        CHECK(contains(e.what(), d.store().string()));
        CHECK(contains(e.what(), "another process"));
        // The adapter alone says the same.
        CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(d.store()); }).kind() ==
              dc::error_kind::store_locked);

        c.close_input();  // the child finishes normally
        int st = c.wait();
        CHECK(WIFEXITED(st));
        CHECK(WEXITSTATUS(st) == 0);
    }
    check_baseline(d.store());
    // The holder's job finished normally.
    dc::session s{rt::cfg(d.store(), "holder")};
    CHECK(s.job(s.parent_job_id())->state() == dc::job_status::complete);
}

TEST_CASE("errors: one process opening the same store twice through the adapter", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    {
        auto first = dc::open_leveldb_store(d.store());
        auto e = rt::catch_error([&] { (void)dc::open_leveldb_store(d.store()); });
        CHECK(e.kind() == dc::error_kind::store_locked);
        // Sessions share one open store per directory, so they do not collide.
    }
    {
        dc::session a{rt::cfg(d.store(), "a")};
        dc::session b{rt::cfg(fs::path(d.store().string() + "/"), "b")};
        CHECK(&a.db() == &b.db());
    }
    check_baseline(d.store());
}

TEST_CASE("errors: a newer or unknown store format is refused, nothing is written", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    const auto good = format_value(dc::store_format_version);
    REQUIRE(dump(d.store()).at("F") == good);

    auto refuse = [&](const std::string& expect_in_message) {
        auto before = dump(d.store());
        auto e = rt::catch_error([&] { dc::session s{rt::cfg(d.store())}; });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_format);
        CHECK(contains(e.what(), d.store().string()));
        CHECK(contains(e.what(), expect_in_message));
        // (a database without one is refused before LevelDB opens it: leveldb_probe.hpp)
        CHECK((contains(e.what(), "nothing was written") || contains(e.what(), "nothing in it was touched")));
        CHECK(dump(d.store()) == before);  // not one key changed
    };
    SECTION("a newer format") {
        dc::open_leveldb_store(d.store())->put("F", format_value(dc::store_format_version + 1));
        refuse("newer than this build supports");
    }
    SECTION("a much newer format") {
        dc::open_leveldb_store(d.store())->put("F", format_value(0xFFFFFFFFu));
        refuse("4294967295");
    }
    SECTION("another program's format record") {
        dc::open_leveldb_store(d.store())->put("F", format_value(1, "something-else!"));
        refuse("unknown format");
    }
    SECTION("a format record of the wrong length") {
        dc::open_leveldb_store(d.store())->put("F", good + "x");
        refuse("unknown format");
    }
    SECTION("data without a format record") {
        dc::open_leveldb_store(d.store())->del("F");
        refuse("not a datachain store");
    }
    // Putting the right record back: everything is there.
    dc::open_leveldb_store(d.store(), {.any_database = true})->put("F", good);
    check_baseline(d.store());
}

TEST_CASE("errors: a record of an unknown version is store_format", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    // A dataset record written by a "newer" datachain.
    const auto k = dc::detail::rec::dataset_key("kept", 1, 0, 0);
    std::string original;
    {
        auto st = dc::open_leveldb_store(d.store());
        auto v = st->get(k);
        REQUIRE(v);
        original = *v;
        auto w = original;
        w[0] = static_cast<char>(dc::detail::rec::record_traits<dc::dataset_record>::version + 1);
        st->put(k, w);
    }
    {
        dc::session s{rt::cfg(d.store())};
        auto e = rt::catch_error([&] { (void)dc::open_dataset<KS>(s, "kept"); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_format);
        CHECK(contains(e.what(), "newer datachain"));
    }
    dc::open_leveldb_store(d.store())->put(k, original);
    check_baseline(d.store());
}

TEST_CASE("errors: a corrupted store gives store_corrupt and nothing crashes", "[runtime][errors]") {
    rt::temp_dir d;
    const auto root = d.store();
    save_baseline(root);
    // Reopening moves the log into a table file (.ldb); a second dataset then
    // leaves data in the log, so both kinds of files hold records. The log
    // must span more than one 32 KB block: LevelDB takes damage in the last
    // block of a log for a write cut short by a crash and drops it silently.
    (void)dc::open_leveldb_store(root);
    {
        dc::session s{rt::cfg(root, "second")};
        (void)(dc::read_values<"x">(rt::iota64(20000)) | dc::limit(1000000) | dc::save("second")).run(s);
    }
    REQUIRE(!files_ending(root, ".ldb").empty());
    REQUIRE(!files_ending(root, ".log").empty());
    REQUIRE(fs::file_size(files_ending(root, ".log").front()) > 100000);
    const auto backup = d / "backup";
    fs::copy(root, backup, fs::copy_options::recursive);

    // open_fails: LevelDB refuses to open, so not one byte may change.
    auto expect_corrupt = [&](bool open_fails, bool read_everything = false,
                              dc::error_kind kind = dc::error_kind::store_corrupt) {
        auto before = data_files(root);
        auto e = rt::catch_error([&] {
            dc::session s{rt::cfg(root)};
            if (read_everything) {
                (void)s.jobs();
                (void)s.datasets();
                (void)dc::open_dataset<KS>(s, "kept").to_vector();
            }
        });
        INFO("error: " << e.what());
        CHECK(e.kind() == kind);
        CHECK(contains(e.what(), root.string()));
        if (open_fails) CHECK(data_files(root) == before);  // the failed open wrote nothing
    };

    SECTION("CURRENT is garbage") {
        rt::write_file(root / "CURRENT", "garbage, not a manifest name");
        expect_corrupt(true);
    }
    SECTION("CURRENT names a manifest that does not exist") {
        rt::write_file(root / "CURRENT", "MANIFEST-999999\n");
        expect_corrupt(true);
    }
    SECTION("the manifest is garbage") {
        for (auto& p : files_ending(root, "")) {
            if (!p.filename().string().starts_with("MANIFEST-")) continue;
            rt::write_file(p, std::string(fs::file_size(p), '\x5a'));
        }
        expect_corrupt(true);
    }
    SECTION("every table file is garbage") {
        for (auto& p : files_ending(root, ".ldb")) rt::write_file(p, std::string(fs::file_size(p), '\xa5'));
        expect_corrupt(false, true);
    }
    SECTION("a table file is truncated") {
        // Table files are read with pread (not mmap), so LevelDB sees the
        // short file and reports "not an sstable": store_corrupt.
        for (auto& p : files_ending(root, ".ldb")) fs::resize_file(p, fs::file_size(p) / 2);
        expect_corrupt(false, true, dc::error_kind::store_corrupt);
    }
    SECTION("the log is garbage") {
        for (auto& p : files_ending(root, ".log"))
            if (fs::file_size(p) > 0) rt::write_file(p, std::string(fs::file_size(p), '\x33'));
        expect_corrupt(true);
    }
    // Nothing of the above touched the backup: restored, the store is whole.
    fs::remove_all(root);
    fs::copy(backup, root, fs::copy_options::recursive);
    check_baseline(root);
}

// A few bytes damaged inside a table's data block, away from the block
// that holds the format record. LevelDB reports the damage through the
// iterator's status(); leveldb_cursor::valid() looks only at Valid(), so a
// scan just ends early and the dataset reads back short, without an error.
// Reading the dataset must give all rows or an error.
TEST_CASE("errors: a damaged data block is an error, not missing rows", "[runtime][errors]") {
    rt::temp_dir d;
    const auto root = d.store();
    auto many = dc::read_values<"n">(rt::iota64(3000)) | dc::map<"m">(rt_err_inc) | dc::save("many");
    {
        dc::session s{rt::cfg(root)};
        REQUIRE(many.run(s).size() == 3000);
    }
    (void)dc::open_leveldb_store(root);  // the rows go into a table file
    auto tables = files_ending(root, ".ldb");
    REQUIRE(tables.size() == 1);
    {
        std::string bytes = rt::read_file(tables[0]);
        REQUIRE(bytes.size() > 20000);
        for (std::size_t i = bytes.size() / 2 - 100; i < bytes.size() / 2 + 100; ++i)
            bytes[i] = static_cast<char>(bytes[i] ^ 0xFF);
        rt::write_file(tables[0], bytes);
    }
    std::size_t rows = 0;
    std::string error;
    try {
        dc::session s{rt::cfg(root)};
        auto v = dc::open_dataset<decltype(many)::schema>(s, "many").to_vector();
        rows = v.size();
        bool ok = true;
        for (std::size_t i = 0; i < v.size(); ++i)
            ok = ok && v[i].get<"n">() == static_cast<std::int64_t>(i) && v[i].get<"m">() == v[i].get<"n">() + 1;
        CHECK(ok);
    } catch (const dc::error& e) {
        error = e.what();
        CHECK((e.kind() == dc::error_kind::store_corrupt || e.kind() == dc::error_kind::decode));
    }
    INFO("rows read: " << rows << " of 3000; error: " << error);
    CHECK((rows == 3000 || !error.empty()));
}

TEST_CASE("errors: a missing source directory is error(io)", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    {
        dc::session s{rt::cfg(d.store(), "missing")};
        const auto missing = (d / "no" / "such" / "dir").string();
        auto e = rt::catch_error([&] {
            (void)(dc::read_storage(missing) | dc::map<"m">(DC_UDF([](const dc::File& f) { return f.size; })) |
                   dc::save("from_missing"))
                .run(s);
        });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::io);
        CHECK(contains(e.what(), missing));
        CHECK(contains(e.what(), "does not exist"));
        CHECK(s.datasets("from_missing").empty());
        // file:// too, and collect
        CHECK(rt::catch_error([&] { (void)dc::collect(dc::read_storage("file://" + missing), s); }).kind() ==
              dc::error_kind::io);
        // A regular file is not a directory.
        rt::write_file(d / "plain.txt", "x");
        auto e2 = rt::catch_error([&] { (void)dc::collect(dc::read_storage((d / "plain.txt").string()), s); });
        CHECK(e2.kind() == dc::error_kind::io);
        CHECK(contains(e2.what(), "not a directory"));
    }
    // A store root that cannot be a directory: store_io, naming it.
    {
        auto e = rt::catch_error([&] { dc::session s{rt::cfg(d / "plain.txt" / "store")}; });
        CHECK(e.kind() == dc::error_kind::store_io);
        CHECK(contains(e.what(), "plain.txt"));
    }
    check_baseline(d.store());
}

TEST_CASE("errors: an unreadable file is error(io)", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "aaa");
    fs::create_directories(data / "sub");
    const std::string uri = "file://" + data.string();

    SECTION("File::read of a missing file") {
        dc::File f{uri, "gone.txt", 3, 0, "", ""};
        auto e = rt::catch_error([&] { (void)f.read(); });
        CHECK(e.kind() == dc::error_kind::io);
        CHECK(contains(e.what(), (data / "gone.txt").string()));
    }
    SECTION("a file deleted after listing: the UDF's error is nested in a udf_error") {
        auto chain = dc::read_storage(data.string()) |
                     dc::map<"text">(DC_UDF([](const dc::File& f) -> std::string {
                         if (f.path == "a.txt") std::filesystem::remove(f.full_path());
                         return f.read();
                     }));
        dc::session s{rt::cfg(d.store(), "deleted")};
        try {
            (void)dc::collect(chain, s);
            FAIL("no exception");
        } catch (const dc::udf_error& e) {
            CHECK(e.path() == "a.txt");
            CHECK(e.row() == 0);
            try {
                std::rethrow_if_nested(e);
                FAIL("not nested");
            } catch (const dc::error& inner) {
                CHECK(inner.kind() == dc::error_kind::io);
            }
        }
    }
    SECTION("a broken symbolic link in a listed directory") {
        fs::create_symlink(data / "nowhere.txt", data / "broken.txt");
        dc::session s{rt::cfg(d.store(), "symlink")};
        auto e = rt::catch_error([&] { (void)dc::collect(dc::read_storage(data.string()), s); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::io);
        CHECK(contains(e.what(), "broken.txt"));
        CHECK(contains(e.what(), "broken symbolic link"));
    }
    check_baseline(d.store());
}

// File::read() opens a directory without complaint (fopen succeeds on
// Linux); the read then fails inside std::filebuf::underflow, which throws
// std::ios_base::failure straight through istreambuf_iterator instead of a
// datachain::error.
TEST_CASE("errors: File::read of a directory is error(io)", "[runtime][errors]") {
    rt::temp_dir d;
    fs::create_directories(d / "data" / "sub");
    dc::File f{"file://" + (d / "data").string(), "sub", 0, 0, "", ""};
    auto e = rt::catch_error([&] { (void)f.read(); });
    CHECK(e.kind() == dc::error_kind::io);
    CHECK(contains(e.what(), (d / "data" / "sub").string()));
}

TEST_CASE("errors: an invalid dataset name or version is error(invalid_name)", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    {
        dc::session s{rt::cfg(d.store(), "names")};
        auto kind = [](auto f) { return rt::catch_error(f).kind(); };
        const auto invalid = dc::error_kind::invalid_name;

        for (const std::string& bad : std::vector<std::string>{"bad name!", "", ".hidden", "/abs", "tab\there",
                                                               "semi;colon", "\xc3\xbcmlaut", std::string(201, 'a')}) {
            INFO("name: '" << bad << "'");
            auto e = rt::catch_error([&] { (void)dc::save(std::string(bad)); });
            CHECK(e.kind() == invalid);
            CHECK(contains(e.what(), "invalid dataset name"));
            CHECK(kind([&] { (void)s.find_dataset(bad); }) == invalid);
            CHECK(kind([&] { (void)dc::open_dataset<KS>(s, bad); }) == invalid);
            CHECK(kind([&] { (void)dc::collect(dc::read_dataset<KS>(bad), s); }) == invalid);
            CHECK(kind([&] { s.remove_dataset(bad, "1.0.0"); }) == invalid);
        }
        // Valid names, for contrast.
        CHECK_NOTHROW(dc::save(std::string(200, 'a')));
        CHECK_NOTHROW(dc::save(std::string("a.b-c_d/e")));
        STATIC_REQUIRE(dc::valid_dataset_name("kept"));
        STATIC_REQUIRE_FALSE(dc::valid_dataset_name("bad name!"));

        for (const std::string& bad : std::vector<std::string>{"1.0", "1.0.0.0", "a.b.c", "1..0", "1.0.x", "v1.0.0", " 1.0.0", "1.0.0 ", "-1.0.0",
                                "4294967296.0.0", "1.0.99999999999"}) {
            INFO("version: '" << bad << "'");
            CHECK(kind([&] { (void)dc::open_dataset<KS>(s, "kept", bad); }) == invalid);
            CHECK(kind([&] { (void)dc::collect(dc::read_dataset<KS>(std::string("kept"), bad), s); }) == invalid);
            CHECK(kind([&] { s.remove_dataset("kept", bad); }) == invalid);
            CHECK(kind([&] { (void)dc::session::parse_version(bad); }) == invalid);
        }
        auto e = rt::catch_error([&] { (void)dc::open_dataset<KS>(s, "kept", "1.0"); });
        CHECK(contains(e.what(), "major.minor.patch"));
        // Well-formed but absent: not_found.
        CHECK(kind([&] { (void)dc::open_dataset<KS>(s, "kept", "1.0.1"); }) == dc::error_kind::not_found);
        CHECK(dc::session::parse_version("4294967295.0.12") == std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>{4294967295u, 0, 12});
        CHECK(s.datasets().size() == 1);  // nothing was created
    }
    check_baseline(d.store());
}

namespace {
std::atomic<int> fail_at{-1};
std::atomic<int> read_calls{0};
DC_DEF(rt_err_read, (const dc::File& f) -> std::string {
    ++read_calls;
    if (f.name() == "f" + std::to_string(fail_at.load()) + ".txt") throw std::runtime_error("cannot decode " + f.path);
    return f.read() + "!";
});
DC_DEF(rt_err_split, (const dc::File& f) -> dc::generator<std::string> {
    ++read_calls;
    auto text = f.read();
    for (std::size_t i = 0; i < text.size(); i += 2) {
        if (f.name() == "f" + std::to_string(fail_at.load()) + ".txt" && i >= 2) throw 42;  // not a std::exception
        co_yield text.substr(i, 2);
    }
});
} // namespace

TEST_CASE("errors: a UDF that throws: udf_error, failed job, durable outputs, the rerun continues", "[runtime][errors]") {
    rt::temp_dir d;
    save_baseline(d.store());
    const auto data = d / "data";
    for (int i = 10; i < 40; ++i) rt::write_file(data / ("f" + std::to_string(i) + ".txt"), std::string(i % 7 + 1, 'a' + i % 26));
    auto map_chain = dc::read_storage(data.string()) | dc::map<"text">(rt_err_read) | dc::save("texts");
    auto gen_chain = dc::read_storage(data.string()) | dc::gen<"pair">(rt_err_split) | dc::save("pairs");
    // The failing map followed by another step: a resumed run hands the
    // stored outputs downstream.
    auto then_chain = dc::read_storage(data.string()) | dc::map<"text">(rt_err_read) |
                      dc::map<"len">(DC_UDF([](const std::string& t) -> std::uint64_t { return t.size(); })) |
                      dc::save("lens");

    // What an uninterrupted run gives.
    fail_at = -1;
    std::vector<dc::row<decltype(map_chain)::schema>> expect_map;
    std::vector<dc::row<decltype(gen_chain)::schema>> expect_gen;
    std::vector<dc::row<decltype(then_chain)::schema>> expect_then;
    {
        rt::temp_dir other;
        dc::session s{rt::cfg(other.store())};
        expect_map = map_chain.run(s).to_vector();
        expect_gen = gen_chain.run(s).to_vector();
        expect_then = then_chain.run(s).to_vector();
    }
    REQUIRE(expect_map.size() == 30);

    const dc::run_options small{.batch_size = 5};
    std::uint64_t failed_job = 0;
    {
        dc::session s{rt::cfg(d.store(), "udf-fails")};
        failed_job = s.job_id();
        fail_at = 27;  // input row 17
        read_calls = 0;
        try {
            (void)map_chain.run(s, small);
            FAIL("no exception");
        } catch (const dc::udf_error& e) {
            CHECK(e.kind() == dc::error_kind::udf);
            CHECK(e.step() == "map<text>(rt_err_read) -> str");
            CHECK(e.row() == 17);
            CHECK(e.path() == "f27.txt");
            std::string what = e.what();
            INFO(what);
            CHECK(contains(what, "map<text>"));
            CHECK(contains(what, "row 17"));
            CHECK(contains(what, "f27.txt"));
            CHECK(contains(what, "cannot decode f27.txt"));
            CHECK(contains(what, "17 inputs are done and saved"));
            CHECK(contains(what, "run again"));
        }
        CHECK(read_calls == 18);
        auto j = s.job(failed_job);
        CHECK(j->state() == dc::job_status::failed);
        CHECK(contains(j->error, "f27.txt"));
        auto ev = s.events();
        REQUIRE(!ev.empty());
        CHECK(ev.back().kind == "udf_failed");
        CHECK(ev.back().rows_now == 17);
        CHECK(s.datasets("texts").empty());
        // The same map inside a longer chain shares the partial outputs: it
        // continues them in this job and fails again at the same input.
        read_calls = 0;
        CHECK_THROWS_AS(then_chain.run(s, small), dc::udf_error);
        CHECK(read_calls == 1);

        // gen: a non-standard exception at input 3, after the first pair of that input.
        fail_at = 13;
        try {
            (void)gen_chain.run(s, small);
            FAIL("no exception");
        } catch (const dc::udf_error& e) {
            CHECK(e.row() == 3);
            CHECK(e.path() == "f13.txt");
            CHECK(contains(e.what(), "unknown exception"));
            try {
                std::rethrow_if_nested(e);
            } catch (int x) {
                CHECK(x == 42);
            }
        }
    }
    check_baseline(d.store());
    {
        // Fixed: the same code, the fault gone. The map continues from input
        // 17, inside the longer chain first, its stored outputs flowing on.
        fail_at = -1;
        read_calls = 0;
        dc::session s{rt::cfg(d.store(), "udf-fails")};
        CHECK(s.parent_job_id() == failed_job);
        auto then = then_chain.run(s, small);
        CHECK(read_calls == 13);
        auto ev = s.events();
        REQUIRE(ev.size() == 3);
        CHECK(ev[0].kind == "udf_continued");
        CHECK(ev[0].rows_before == 17);
        CHECK(ev[0].rows_now == 13);
        // The second map had done the 15 inputs of the three batches that
        // reached it before the failure.
        CHECK(ev[1].kind == "udf_continued");
        CHECK(ev[1].rows_before == 15);
        CHECK(ev[1].rows_now == 15);
        CHECK(ev[2].kind == "save_completed");
        CHECK(then.to_vector() == expect_then);
        // The map alone: its outputs are complete now, the UDF is skipped.
        read_calls = 0;
        auto ds = map_chain.run(s, small);
        CHECK(read_calls == 0);
        CHECK(s.events()[3].kind == "udf_skipped");
        CHECK(ds.version() == "1.0.0");
        CHECK(ds.to_vector() == expect_map);
        // gen: 3 inputs were done (the first pair of input 3 was not kept).
        read_calls = 0;
        auto g = gen_chain.run(s, small);
        CHECK(read_calls == 27);
        CHECK(s.events()[5].kind == "udf_continued");
        CHECK(s.events()[5].rows_before == 3);
        CHECK(g.to_vector() == expect_gen);
        CHECK(s.job(failed_job)->state() == dc::job_status::failed);
    }
    check_baseline(d.store());
}

namespace {

DC_DEF(rt_err_big, (std::int64_t n) -> std::string { return std::string(8000, static_cast<char>('a' + n % 26)); });

auto big_pipeline() {
    return dc::read_values<"n">(rt::iota64(100)) | dc::map<"blob">(rt_err_big) | dc::save("blobs");
}

// Fills a small tmpfs under the store and checks store_io, then frees space
// and resumes. `store_name` is the store's directory name on the tmpfs.
void disk_full(const std::string& store_name) {
    rt::temp_dir d;
    const auto mnt = d / "mnt";
    rt::tmpfs_mount tmpfs(mnt, "4m");
    if (!tmpfs.mounted) DC_SKIP("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)");
    const auto root = mnt / store_name;
    save_baseline(root);

    // Leave about 300 KB; the pipeline needs about 800 KB.
    auto avail = fs::space(mnt).available;
    REQUIRE(avail > 1'000'000);
    rt::write_file(mnt / "filler", std::string(static_cast<std::size_t>(avail - 300'000), 'f'));

    const dc::run_options small{.batch_size = 10};
    {
        dc::session s{rt::cfg(root, "disk")};
        auto e = rt::catch_error([&] { (void)big_pipeline().run(s, small); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_io);
        CHECK(contains(e.what(), root.string()));
        CHECK(contains(e.what(), "disk full"));
    }
    fs::remove(mnt / "filler");  // space is back
    {
        dc::session s{rt::cfg(root, "disk")};
        auto ds = big_pipeline().run(s, small);
        auto ev = s.events();
        REQUIRE(!ev.empty());
        CHECK(ev[0].kind == "udf_continued");
        CHECK(ev[0].rows_before > 0);
        CHECK(ev[0].rows_before < 100);
        auto v = ds.to_vector();
        REQUIRE(v.size() == 100);
        bool ok = true;
        for (std::int64_t i = 0; i < 100; ++i)
            ok = ok && v[static_cast<std::size_t>(i)].get<"blob">() == std::string(8000, static_cast<char>('a' + i % 26));
        CHECK(ok);
    }
    check_baseline(root);
}

} // namespace

TEST_CASE("errors: a full disk is store_io, the store reopens and the run resumes", "[runtime][errors][disk]") {
    disk_full("store");
}

// LevelDB's status text includes file paths; a path that contains "lock"
// must not turn a full disk into "held by another process".
TEST_CASE("errors: a full disk under a path containing 'lock' is still store_io", "[runtime][errors][disk]") {
    disk_full("blocks-store");
}
