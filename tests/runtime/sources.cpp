// Sources at run time: read_storage lists a directory recursively, sorted by
// path, with the right File fields; its hash follows the files (observed
// through checkpoint decisions). read_values hashes its contents
// deterministically. read_dataset reads the latest or an explicit version
// and refuses a schema that is not the stored one.
#include "support.hpp"

#include <thread>

namespace {

std::atomic<int> size_calls{0};

DC_DEF(rt_src_size, (const dc::File& f) -> std::uint64_t {
    ++size_calls;
    return f.read().size();
});

DC_DEF(rt_src_double, (std::int64_t n) -> std::int64_t { return 2 * n; });

// A directory tree whose listing order differs from path order.
void make_tree(const fs::path& dir) {
    rt::write_file(dir / "b.txt", "bb");
    rt::write_file(dir / "a.txt", "a");
    rt::write_file(dir / "sub" / "z.bin", std::string("\0\1\2", 3));
    rt::write_file(dir / "sub" / "deeper" / "c.txt", "cccc");
    rt::write_file(dir / "a0" / "x", "");
    fs::create_directories(dir / "empty_dir");
}

auto storage_pipeline(const std::string& dir) {
    return dc::read_storage(dir) | dc::map<"bytes">(rt_src_size) | dc::save("sizes");
}

} // namespace

TEST_CASE("read_storage: recursive, sorted by path, File fields, file:// URI", "[runtime][sources]") {
    rt::temp_dir d;
    auto data = d / "data";
    make_tree(data);
    dc::session s{rt::cfg(d.store())};

    auto check = [&](const std::vector<dc::row<dc::schema<dc::column<"file", dc::File>>>>& rows) {
        std::vector<std::string> paths;
        for (auto& r : rows) paths.push_back(r.get<"file">().path);
        CHECK(paths == std::vector<std::string>{"a.txt", "a0/x", "b.txt", "sub/deeper/c.txt", "sub/z.bin"});
        const std::string uri = "file://" + fs::canonical(data).string();
        for (auto& r : rows) {
            const dc::File& f = r.get<"file">();
            CHECK(f.source == uri);
            CHECK(f.size == fs::file_size(data / f.path));
            // Nanoseconds since the Unix epoch, as object storage gives them.
            auto mt = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::file_clock::to_sys(fs::last_write_time(data / f.path)).time_since_epoch())
                          .count();
            CHECK(f.mtime == mt);
            CHECK(f.mtime > 1'600'000'000'000'000'000);  // after 2020
            CHECK(f.full_path() == fs::canonical(data) / f.path);
            CHECK(f.read() == rt::read_file(data / f.path));
        }
        REQUIRE(rows.size() == 5);
        CHECK(rows[4].get<"file">().read() == std::string("\0\1\2", 3));
        CHECK(rows[3].get<"file">().name() == "c.txt");
        CHECK(rows[3].get<"file">().parent() == "sub/deeper");
        CHECK(rows[3].get<"file">().suffix() == "txt");
        CHECK(rows[1].get<"file">().read().empty());
    };
    // A plain path, a path with a trailing slash, a relative path and a file:// URI.
    check(dc::collect(dc::read_storage(data.string()), s));
    check(dc::collect(dc::read_storage(data.string() + "/"), s));
    check(dc::collect(dc::read_storage("file://" + data.string()), s));
    {
        auto cwd = fs::current_path();
        fs::current_path(d.path);
        struct back {
            fs::path p;
            ~back() { fs::current_path(p); }
        } restore{cwd};
        check(dc::collect(dc::read_storage("data"), s));
        check(dc::collect(dc::read_storage(std::string("./data/sub/..")), s));
    }
    // An empty directory is an empty source.
    fs::create_directories(d / "nothing");
    CHECK(dc::collect(dc::read_storage((d / "nothing").string()), s).empty());
    // Filters on File members.
    auto big = dc::collect(dc::read_storage(data.string()) | dc::filter(dc::C<"file.size"> >= 2) |
                               dc::filter(dc::C<"file.path">.starts_with("sub/")),
                           s);
    REQUIRE(big.size() == 2);
    CHECK(big[0].get<"file.path">() == "sub/deeper/c.txt");
    // Other schemes are refused with a usage error.
    CHECK(rt::catch_error([&] { (void)dc::collect(dc::read_storage("s3://bucket/x"), s); }).kind() ==
          dc::error_kind::usage);
}

TEST_CASE("read_storage: the source hash follows added, removed and touched files", "[runtime][sources]") {
    rt::temp_dir d;
    auto data = d / "data";
    rt::write_file(data / "one.txt", "1");
    rt::write_file(data / "two.txt", "22");
    const auto dir = data.string();
    size_calls = 0;

    auto run = [&](const char* expect_event, const char* expect_version, int expect_calls) {
        size_calls = 0;
        dc::session s{rt::cfg(d.store(), "storage-hash")};
        auto ds = storage_pipeline(dir).run(s);
        auto ev = rt::event_kinds(s);
        INFO("events: " << ::Catch::Detail::stringify(ev));
        REQUIRE(!ev.empty());
        CHECK(ev.back() == expect_event);
        CHECK(ds.version() == expect_version);
        CHECK(size_calls == expect_calls);
        return ds.to_vector().size();
    };

    CHECK(run("save_completed", "1.0.0", 2) == 2);
    CHECK(run("save_skipped", "1.0.0", 0) == 2);   // nothing changed
    rt::write_file(data / "three.txt", "333");     // added: only it is computed (row-level reuse)
    CHECK(run("save_completed", "1.0.1", 1) == 3);
    CHECK(run("save_skipped", "1.0.1", 0) == 3);
    fs::remove(data / "one.txt");                  // removed: nothing to compute
    CHECK(run("save_completed", "1.0.2", 0) == 2);
    // touched: same bytes, another modification time
    fs::last_write_time(data / "two.txt", fs::last_write_time(data / "two.txt") - std::chrono::hours(1));
    CHECK(run("save_completed", "1.0.3", 1) == 2);  // two.txt is a new input
    CHECK(run("save_skipped", "1.0.3", 0) == 2);
    // changed contents of the same size: the mtime moves
    fs::last_write_time(data / "two.txt", fs::last_write_time(data / "two.txt") - std::chrono::hours(1));
    rt::write_file(data / "two.txt", "XY");
    CHECK(run("save_completed", "1.0.4", 1) == 2);
    // renaming the directory's path: another URI
    fs::rename(data, d / "moved");
    {
        dc::session s{rt::cfg(d.store(), "storage-hash")};
        auto ds = storage_pipeline((d / "moved").string()).run(s);
        CHECK(ds.version() == "1.0.5");
    }
}

TEST_CASE("read_values: the content hash is deterministic", "[runtime][sources]") {
    std::vector<std::int64_t> v{5, 1, 4};
    auto a = dc::read_values<"n">(v);
    auto b = dc::read_values<"n">(std::vector<std::int64_t>{5, 1, 4});
    CHECK(a.decl_hash() == b.decl_hash());
    CHECK(a.decl_hash() != dc::read_values<"n">(std::vector<std::int64_t>{5, 1, 3}).decl_hash());
    CHECK(a.decl_hash() != dc::read_values<"n">(std::vector<std::int64_t>{1, 4, 5}).decl_hash());
    CHECK(a.decl_hash() != dc::read_values<"m">(v).decl_hash());
    CHECK(a.decl_hash() != dc::read_values<"n">(std::vector<std::int32_t>{5, 1, 4}).decl_hash());
    CHECK(a.decl_hash() != dc::read_values<"n">(std::vector<std::int64_t>{}).decl_hash());
    auto c2 = dc::read_values<"n", "s">(v, std::vector<std::string>{"x", "y", "z"});
    CHECK(c2.decl_hash() == dc::read_values<"n", "s">(v, std::vector<std::string>{"x", "y", "z"}).decl_hash());
    CHECK(c2.decl_hash() != dc::read_values<"n", "s">(v, std::vector<std::string>{"x", "yz", ""}).decl_hash());
    // Columns of different lengths are a usage error.
    CHECK(rt::catch_error([&] { (void)dc::read_values<"n", "s">(v, std::vector<std::string>{"x"}); }).kind() ==
          dc::error_kind::usage);

    // Observed through checkpoints: the same values skip, other values compute.
    rt::temp_dir d;
    auto pipe = [](std::vector<std::int64_t> vals) {
        return dc::read_values<"n">(std::move(vals)) | dc::map<"d">(rt_src_double) | dc::save("doubled");
    };
    {
        dc::session s{rt::cfg(d.store(), "values")};
        CHECK(pipe(v).run(s).version() == "1.0.0");
    }
    {
        dc::session s{rt::cfg(d.store(), "values")};
        CHECK(pipe({5, 1, 4}).run(s).version() == "1.0.0");
        CHECK(rt::event_kinds(s) == std::vector<std::string>{"save_skipped"});
    }
    {
        dc::session s{rt::cfg(d.store(), "values")};
        auto ds = pipe({5, 1, 4, 7}).run(s);
        CHECK(ds.version() == "1.0.1");
        CHECK(ds.size() == 4);
        CHECK(ds.to_vector()[3].get<"d">() == 14);
    }
}

TEST_CASE("read_dataset: latest and explicit version, schema mismatch", "[runtime][sources]") {
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store())};
    auto p1 = dc::read_values<"n">(std::vector<std::int64_t>{1, 2, 3}) | dc::map<"d">(rt_src_double) |
              dc::save("nums");
    auto p2 = dc::read_values<"n">(std::vector<std::int64_t>{10, 20}) | dc::map<"d">(rt_src_double) |
              dc::save("nums");
    using S = decltype(p1)::schema;
    auto v0 = p1.run(s);
    auto v1 = p2.run(s);
    REQUIRE(v0.version() == "1.0.0");
    REQUIRE(v1.version() == "1.0.1");
    CHECK(v0.uid() != v1.uid());

    auto latest = dc::collect(dc::read_dataset<S>("nums"), s);
    REQUIRE(latest.size() == 2);
    CHECK(latest[0].get<"n">() == 10);
    CHECK(latest[1].get<"d">() == 40);
    auto first = dc::collect(dc::read_dataset<S>("nums", "1.0.0"), s);
    REQUIRE(first.size() == 3);
    CHECK(first[2].get<"d">() == 6);
    // Run-time strings too.
    auto first_rt = dc::collect(dc::read_dataset<S>(std::string("nums"), std::string("1.0.0")), s);
    CHECK(first_rt == first);

    // A chain over a dataset: its hash follows the resolved version.
    auto over = [](auto src) {
        return src | dc::filter(dc::C<"d"> > 5) | dc::save("big_nums");
    };
    auto b0 = over(dc::read_dataset<S>("nums")).run(s);
    CHECK(b0.size() == 2);
    CHECK(over(dc::read_dataset<S>("nums")).run(s).version() == b0.version());  // unchanged: skipped
    (void)(dc::read_values<"n">(std::vector<std::int64_t>{7}) | dc::map<"d">(rt_src_double) | dc::save("nums"))
        .run(s);  // a new latest version, 1.0.2
    auto b1 = over(dc::read_dataset<S>("nums")).run(s);
    CHECK(b1.version() == "1.0.1");
    REQUIRE(b1.size() == 1);
    CHECK(b1.to_vector()[0].get<"d">() == 14);
    // the explicit version still gives the old rows
    CHECK(over(dc::read_dataset<S>("nums", "1.0.1")).run(s).version() == b0.version());

    // A schema that is not the stored one.
    using Wrong = dc::schema<dc::column<"n", std::int64_t>, dc::column<"d", std::int32_t>>;
    auto e = rt::catch_error([&] { (void)dc::collect(dc::read_dataset<Wrong>("nums"), s); });
    CHECK(e.kind() == dc::error_kind::schema_mismatch);
    CHECK(std::string(e.what()).find("nums") != std::string::npos);
    using Renamed = dc::schema<dc::column<"n", std::int64_t>, dc::column<"e", std::int64_t>>;
    CHECK(rt::catch_error([&] { (void)dc::collect(dc::read_dataset<Renamed>("nums", "1.0.0"), s); }).kind() ==
          dc::error_kind::schema_mismatch);
    CHECK(rt::catch_error([&] { (void)dc::open_dataset<Wrong>(s, "nums"); }).kind() ==
          dc::error_kind::schema_mismatch);
    // Missing dataset / version.
    CHECK(rt::catch_error([&] { (void)dc::collect(dc::read_dataset<S>("nope"), s); }).kind() ==
          dc::error_kind::not_found);
    CHECK(rt::catch_error([&] { (void)dc::collect(dc::read_dataset<S>("nums", "1.0.9"), s); }).kind() ==
          dc::error_kind::not_found);
}

// list_storage() names files with fs::relative(), which resolves symbolic
// links: a link is listed under its target's path ("a.txt" twice, or
// "../elsewhere/x" for a target outside the directory) instead of its own.
TEST_CASE("read_storage: a symbolic link to a file is listed under its own name", "[runtime][sources]") {
    rt::temp_dir d;
    auto data = d / "data";
    rt::write_file(data / "a.txt", "aaa");
    rt::write_file(d / "elsewhere" / "x.txt", "xx");
    fs::create_symlink(data / "a.txt", data / "link.txt");
    fs::create_symlink(d / "elsewhere" / "x.txt", data / "outside.txt");
    dc::session s{rt::cfg(d.store())};
    auto rows = dc::collect(dc::read_storage(data.string()), s);
    std::vector<std::string> paths;
    for (auto& r : rows) paths.push_back(r.get<"file">().path);
    CHECK(paths == std::vector<std::string>{"a.txt", "link.txt", "outside.txt"});
    for (auto& r : rows) {
        INFO(r.get<"file">().path);
        CHECK_NOTHROW(r.get<"file">().read());
    }
}
