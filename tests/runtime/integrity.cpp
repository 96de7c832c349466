// The store never serves fewer or other rows than were written, and never
// destroys files it did not create (SPEC sections 9 and 10, issue 9):
// - one flipped byte in a table file is store_corrupt (naming the store, the
//   record and the key), for a read of the dataset and for a pipeline that
//   reads it: never a shorter dataset;
// - a directory that is not a store (user files, some named like LevelDB's)
//   is refused as a store root with every file intact, and so is another
//   program's LevelDB database; a store whose CURRENT
//   is missing is reported damaged and not re-created;
// - the read-only open mode creates nothing;
// - the store directory is 0700 and its files are private to the owner.
#include "support.hpp"

#include <datachain/runtime/key_names.hpp>

#include <leveldb/db.h>

#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>

namespace {

DC_DEF(rt_int_inc, (std::int64_t n) -> std::int64_t { return n + 1; });

auto many_pipeline() { return dc::read_values<"n">(rt::iota64(3000)) | dc::map<"m">(rt_int_inc) | dc::save("many"); }
using MS = decltype(many_pipeline())::schema;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Every file under `dir` (relative path -> bytes).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
    std::map<std::string, std::string> m;
    for (auto& e : fs::recursive_directory_iterator(dir))
        m[e.path().lexically_relative(dir).string()] = e.is_regular_file() ? rt::read_file(e.path()) : "<dir>";
    return m;
}

std::vector<fs::path> tables_of(const fs::path& root) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(root))
        if (e.path().extension() == ".ldb") out.push_back(e.path());
    return out;
}

// A store with "many" (3000 rows) in one table file, and a copy of it.
struct damaged_store_fixture {
    rt::temp_dir d;
    fs::path root = d.store();
    fs::path pristine = d / "pristine";
    fs::path table;
    damaged_store_fixture() {
        {
            dc::session s{rt::cfg(root)};
            REQUIRE(many_pipeline().run(s).size() == 3000);
        }
        (void)dc::open_leveldb_store(root);  // the log goes into a table file
        auto t = tables_of(root);
        REQUIRE(t.size() == 1);
        table = t[0];
        REQUIRE(fs::file_size(table) > 20000);
        fs::copy(root, pristine, fs::copy_options::recursive);
    }
    void restore() {
        fs::remove_all(root);
        fs::copy(pristine, root, fs::copy_options::recursive);
    }
    void flip(std::size_t at) {
        std::string bytes = rt::read_file(table);
        REQUIRE(at < bytes.size());
        bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
        rt::write_file(table, bytes);
    }
};

} // namespace

TEST_CASE("integrity: one flipped byte in a table file is store_corrupt, never fewer rows", "[runtime][integrity]") {
    damaged_store_fixture f;
    const auto size = fs::file_size(f.table);
    // Offsets inside the data blocks (the index and footer are the last few
    // hundred bytes): each damaged copy must fail as a whole.
    for (std::size_t at : {size / 10, size / 4, size / 2, size * 3 / 4}) {
        f.restore();
        f.flip(at);
        INFO("flipped the byte at offset " << at << " of " << size);
        std::size_t rows = 0;
        auto e = rt::catch_error([&] {
            dc::session s{rt::cfg(f.root)};
            rows = dc::open_dataset<MS>(s, "many").to_vector().size();
        });
        INFO("rows read: " << rows << "; error: " << e.what());
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), f.root.string()));
        CHECK(contains(e.what(), "key "));
    }
    // Undamaged, the same store reads back whole.
    f.restore();
    dc::session s{rt::cfg(f.root)};
    auto v = dc::open_dataset<MS>(s, "many").to_vector();
    REQUIRE(v.size() == 3000);
    CHECK(v[2999].get<"m">() == 3000);
}

TEST_CASE("integrity: a pipeline reading a damaged dataset fails and saves nothing", "[runtime][integrity]") {
    damaged_store_fixture f;
    f.flip(fs::file_size(f.table) / 2);
    auto downstream = dc::read_dataset<MS>("many") | dc::map<"k">(rt_int_inc, dc::params<"m">) | dc::save("downstream");
    {
        dc::session s{rt::cfg(f.root, "downstream")};
        auto e = rt::catch_error([&] { (void)downstream.run(s); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_corrupt);
    }
    // Nothing short was saved or checkpointed: with the table repaired, the
    // downstream chain computes all 3000 rows.
    fs::copy_file(f.pristine / f.table.filename(), f.table, fs::copy_options::overwrite_existing);
    dc::session s{rt::cfg(f.root, "downstream")};
    CHECK(s.datasets("downstream").empty());
    auto ds = downstream.run(s);
    CHECK(ds.size() == 3000);
    CHECK(ds.to_vector().size() == 3000);
}

TEST_CASE("integrity: a damaged record read by key names the record and its key in hex", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto root = d.store();
    const std::string k = dc::detail::rec::row_key(7, 1, 0);
    {
        auto st = dc::open_leveldb_store(root);
        std::mt19937 g(42);  // incompressible bytes: the record fills most of the file
        std::string v(40000, '\0');
        for (auto& c : v) c = static_cast<char>(g());
        st->put(k, v);
    }
    // Raw records (no format record): opened as a plain LevelDB database.
    (void)dc::open_leveldb_store(root, {.any_database = true});  // into a table file
    auto t = tables_of(root);
    REQUIRE(t.size() == 1);
    std::string bytes = rt::read_file(t[0]);
    bytes[bytes.size() / 3] = static_cast<char>(bytes[bytes.size() / 3] ^ 0x10);
    rt::write_file(t[0], bytes);
    auto st = dc::open_leveldb_store(root, {.any_database = true});
    auto e = rt::catch_error([&] { (void)st->get(k); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK(contains(e.what(), root.string()));
    CHECK(contains(e.what(), "row 1 of table 7"));
    std::string hex;
    for (unsigned char c : k) {
        char b[3];
        std::snprintf(b, sizeof b, "%02x", c);
        hex += b;
    }
    CHECK(hex == "54" "0000000000000007" "0000000000000001" "00000000");
    CHECK(contains(e.what(), "key " + hex));
    // A scan over it fails the same way instead of ending early.
    auto e2 = rt::catch_error([&] {
        for (auto c = st->scan("T"); c->valid(); c->next()) (void)c->value();
    });
    CHECK(e2.kind() == dc::error_kind::store_corrupt);
}

TEST_CASE("integrity: a key is named by its record kind, dataset version or table", "[runtime][integrity]") {
    namespace rec = dc::detail::rec;
    using dc::detail::describe_key;
    CHECK(contains(describe_key(rec::dataset_key("cats", 1, 0, 3)), "the record of dataset version cats@1.0.3 (key 44"));
    CHECK(contains(describe_key(rec::version_schema_key("cats", 1, 0, 3)),
                   "the schema record of dataset version cats@1.0.3 (key 53"));
    CHECK(contains(describe_key(rec::row_key(7, 1, 0)), "row 1 of table 7"));
    CHECK(contains(describe_key("S"), "a dataset schema record"));
    CHECK(contains(describe_key(""), "empty key"));
}

// ---- safe opening ---------------------------------------------------------

TEST_CASE("store root: a user directory is refused and every file survives byte for byte", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto dir = d / "mine";
    rt::write_file(dir / "000005.log", std::string(5000, 'L'));
    rt::write_file(dir / "foo.ldb", "not a table");
    rt::write_file(dir / "notes.txt", "my notes\n");
    const auto before = snapshot(dir);
    auto check = [&](dc::error e) {
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_format);
        CHECK(contains(e.what(), dir.string()));
        CHECK(contains(e.what(), "not a datachain store"));
        CHECK(contains(e.what(), "notes.txt"));
        CHECK(snapshot(dir) == before);
    };
    check(rt::catch_error([&] { dc::session s{rt::cfg(dir)}; }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(dir); }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(dir, {.create_if_missing = false}); }));
    // A hidden file alone is enough to refuse the directory.
    const auto hidden = d / "hidden";
    rt::write_file(hidden / ".keep", "");
    CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(hidden); }).kind() == dc::error_kind::store_format);
    CHECK(snapshot(hidden).size() == 1);
    // A file as the store root.
    rt::write_file(d / "plain", "x");
    CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(d / "plain"); }).kind() == dc::error_kind::store_format);
    CHECK(rt::read_file(d / "plain") == "x");
}

// Every file under `dir` with its mode (relative path -> bytes|mode).
std::map<std::string, std::string> files_and_modes(const fs::path& dir) {
    auto m = snapshot(dir);
    for (auto& [name, bytes] : m) {
        struct stat st{};
        REQUIRE(::stat((dir / name).c_str(), &st) == 0);
        bytes += "|mode " + std::to_string(st.st_mode & 0777);
    }
    return m;
}

std::unique_ptr<leveldb::DB> open_plain_leveldb(const fs::path& dir, bool create = false) {
    leveldb::Options o;
    o.create_if_missing = create;
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(o, dir.string(), &raw).ok());
    return std::unique_ptr<leveldb::DB>(raw);
}

// Another program's LevelDB database: opening it with LevelDB would replay
// its log into a new table and delete the log, the old manifest and any
// file it takes for obsolete (found by an outside review, through the
// read-only `datachain ls`). It is looked at through a copy-on-write Env
// first (leveldb_probe.hpp) and refused, every byte and mode as it was:
// with its rows in its log, drained of every row (a second review: it was
// taken for an empty store), or held open by its program (the real open
// rotated its LOG before failing on the lock).
TEST_CASE("store root: another program's LevelDB database is refused, untouched", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto dir = d / "theirs";
    bool drained = false;
    SECTION("rows in its log") {}
    SECTION("every row deleted, a stray table file") { drained = true; }
    {
        auto db = open_plain_leveldb(dir, true);
        for (int i = 0; i < 100; ++i) REQUIRE(db->Put({}, "key" + std::to_string(i), std::string(100, 'v')).ok());
        if (drained)
            for (int i = 0; i < 100; ++i) REQUIRE(db->Delete({}, "key" + std::to_string(i)).ok());
    }  // closed with its rows in the log, as LevelDB leaves them
    rt::write_file(dir / (drained ? "000099.ldb" : "notes.txt"), "mine\n");
    const auto before = files_and_modes(dir);
    REQUIRE(before.size() >= 5);  // CURRENT, LOCK, LOG, MANIFEST, the log, the user's file
    auto check = [&](dc::error e) {
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_format);
        CHECK(contains(e.what(), dir.string()));
        CHECK(contains(e.what(), "not a datachain store"));
        CHECK(contains(e.what(), "nothing in it was touched"));
        CHECK(files_and_modes(dir) == before);
    };
    check(rt::catch_error([&] { dc::session s{rt::cfg(dir)}; }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(dir); }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(dir, {.create_if_missing = false}); }));
    // Held open by its program: store_locked, and its LOG is not rotated.
    {
        auto held = open_plain_leveldb(dir);
        const auto during = files_and_modes(dir);
        auto e = rt::catch_error([&] { (void)dc::open_leveldb_store(dir, {.create_if_missing = false}); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_locked);
        CHECK(files_and_modes(dir) == during);
    }
    if (!drained) {  // still theirs, whole
        auto db = open_plain_leveldb(dir);
        std::string v;
        CHECK(db->Get({}, "key99", &v).ok());
        CHECK(v == std::string(100, 'v'));
    }
}

// Another program's database that never held a record (LevelDB's creation
// alone: CURRENT, LOCK, LOG, a manifest, an empty log). A read-only open
// (the datachain tool's) opened it for real after the look, found no
// format record and refused, but LevelDB's open had already written a new
// log and manifest, rewritten CURRENT, moved LOG to LOG.old and left the
// new files 0600 (an outside review, through `datachain ls`). It is refused
// from the look alone now, every byte and mode as it was. A writable open
// adopts it: its files are those of a store whose creation was cut short
// before its first record, which a program's next run must be able to use
// (docs/storage.md).
TEST_CASE("store root: a read-only open leaves an empty LevelDB database untouched", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto dir = d / "theirs";
    (void)open_plain_leveldb(dir, true);  // created, never written to
    for (auto& e : fs::directory_iterator(dir)) fs::permissions(e.path(), fs::perms(0644));
    const auto before = files_and_modes(dir);
    REQUIRE(before.size() >= 5);  // CURRENT, LOCK, LOG, MANIFEST, the empty log
    for (int round = 0; round < 2; ++round) {  // and again: nothing was left half-done
        auto e = rt::catch_error([&] { (void)dc::open_leveldb_store(dir, {.create_if_missing = false}); });
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_format);
        CHECK(contains(e.what(), dir.string()));
        CHECK(contains(e.what(), "not a datachain store"));
        CHECK(contains(e.what(), "empty LevelDB database"));
        CHECK(contains(e.what(), "nothing in it was touched"));
        CHECK(files_and_modes(dir) == before);
    }
    // A writable open cannot tell it from a creation cut short: it becomes a store.
    {
        dc::session s{rt::cfg(dir)};
        CHECK(many_pipeline().run(s).size() == 3000);
    }
    CHECK(dc::open_leveldb_store(dir, {.create_if_missing = false})->get(dc::detail::rec::format_key()));
}

// A damaged block where opening looks first (the format record's): a clear
// store_corrupt, never a crash (a second review: LevelDB's assertion
// aborted every command when the look read it without checksums).
TEST_CASE("store root: a store whose first table block is damaged is store_corrupt when opened", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto root = d.store();
    {
        dc::session s{rt::cfg(root)};
        REQUIRE(many_pipeline().run(s).size() == 3000);
    }
    (void)dc::open_leveldb_store(root);  // the log goes into a table file
    auto t = tables_of(root);
    REQUIRE(t.size() == 1);
    std::string bytes = rt::read_file(t[0]);
    bytes[5] = static_cast<char>(bytes[5] ^ 0x20);
    rt::write_file(t[0], bytes);
    const auto before = files_and_modes(root);
    auto e = rt::catch_error([&] { dc::session s{rt::cfg(root)}; });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK(contains(e.what(), root.string()));
    CHECK(files_and_modes(root) == before);
}

TEST_CASE("store root: LevelDB-named files without CURRENT are a damaged store, never re-created", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto root = d.store();
    {
        dc::session s{rt::cfg(root)};
        REQUIRE(many_pipeline().run(s).size() == 3000);
    }
    (void)dc::open_leveldb_store(root);  // rows in a table file, a fresh log
    REQUIRE(tables_of(root).size() == 1);
    const std::string current = rt::read_file(root / "CURRENT");
    fs::remove(root / "CURRENT");
    const auto before = snapshot(root);
    auto check = [&](dc::error e) {
        INFO(e.what());
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), root.string()));
        CHECK(contains(e.what(), "CURRENT"));
        CHECK(snapshot(root) == before);
    };
    check(rt::catch_error([&] { dc::session s{rt::cfg(root)}; }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(root); }));
    check(rt::catch_error([&] { (void)dc::open_leveldb_store(root, {.create_if_missing = false}); }));
    // Put back, everything is there.
    rt::write_file(root / "CURRENT", current);
    dc::session s{rt::cfg(root)};
    CHECK(dc::open_dataset<MS>(s, "many").to_vector().size() == 3000);

    // Only a log file named like LevelDB's: damaged too, and untouched.
    const auto lone = d / "lone";
    rt::write_file(lone / "000005.log", std::string(100, 'x'));
    CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(lone); }).kind() == dc::error_kind::store_corrupt);
    CHECK(rt::read_file(lone / "000005.log") == std::string(100, 'x'));
    CHECK(snapshot(lone).size() == 1);
}

TEST_CASE("store root: the read-only mode creates nothing, and leftovers of a cut creation are reused", "[runtime][integrity]") {
    rt::temp_dir d;
    const auto missing = d / "nothing" / "here";
    auto e = rt::catch_error([&] { (void)dc::open_leveldb_store(missing, {.create_if_missing = false}); });
    INFO(e.what());
    CHECK(e.kind() == dc::error_kind::not_found);
    CHECK(contains(e.what(), missing.string()));
    CHECK(!fs::exists(d / "nothing"));
    fs::create_directories(d / "empty");
    CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(d / "empty", {.create_if_missing = false}); }).kind() ==
          dc::error_kind::not_found);
    CHECK(fs::is_empty(d / "empty"));
    // An existing store opens read-only-style (no creation needed).
    {
        dc::session s{rt::cfg(d.store())};
        (void)many_pipeline().run(s);
    }
    {
        auto st = dc::open_leveldb_store(d.store(), {.create_if_missing = false});
        CHECK(st->get(dc::detail::rec::format_key()).has_value());
    }
    // What a creation killed before CURRENT leaves: nothing to lose, and a
    // crash test killing a first run at any moment must find a usable store.
    const auto cut = d / "cut";
    rt::write_file(cut / "LOCK", "");
    rt::write_file(cut / "LOG", "2024/01/01-00:00:00.000000 1 Creating DB\n");
    rt::write_file(cut / "MANIFEST-000001", "partial");
    rt::write_file(cut / "000001.dbtmp", "MANIFEST-0");
    {
        auto st = dc::open_leveldb_store(cut);
        st->put("F", "x");
    }
    CHECK(fs::exists(cut / "CURRENT"));
    // Killed earlier still: LevelDB opens its info LOG before it takes the
    // LOCK, so only an empty LOG is left (and an empty LOG.old after a retry
    // killed as early). Found by the model test (tests/model) killing a first
    // run at a random moment: the store then refused to open for good.
    for (const char* name : {"early", "early-twice"}) {
        const auto early = d / name;
        rt::write_file(early / "LOG", "");
        if (std::string_view(name) == "early-twice") rt::write_file(early / "LOG.old", "");
        {
            dc::session s{rt::cfg(early)};
            CHECK(many_pipeline().run(s).size() == 3000);
        }
        CHECK(fs::exists(early / "CURRENT"));
    }
    // A LOG with text and no LOCK is not what a creation leaves: refused, untouched.
    const auto logged = d / "logged";
    rt::write_file(logged / "LOG", "2024/01/01-00:00:00.000000 1 Recovering log #5\n");
    CHECK(rt::catch_error([&] { (void)dc::open_leveldb_store(logged); }).kind() == dc::error_kind::store_corrupt);
    CHECK(snapshot(logged).size() == 1);
}

// ---- permissions ------------------------------------------------------------

TEST_CASE("store root: the directory is 0700 and its files are private to the owner", "[runtime][integrity]") {
    rt::temp_dir d;
    auto check = [](const fs::path& root) {
        struct stat st{};
        REQUIRE(::stat(root.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
        std::size_t files = 0;
        for (auto& e : fs::directory_iterator(root)) {
            REQUIRE(::stat(e.path().c_str(), &st) == 0);
            INFO(e.path() << " has mode " << std::oct << (st.st_mode & 0777));
            CHECK((st.st_mode & 077) == 0);
            ++files;
        }
        CHECK(files >= 5);  // CURRENT, LOCK, LOG, MANIFEST, log, table
    };
    const auto root = d / "new" / "store";
    {
        dc::session s{rt::cfg(root)};
        (void)many_pipeline().run(s);
    }
    (void)dc::open_leveldb_store(root);  // a table file, a new manifest, LOG.old
    check(root);
    // An empty directory made by the user becomes a private store too.
    const auto pre = d / "pre";
    fs::create_directories(pre);
    fs::permissions(pre, fs::perms::all);
    {
        dc::session s{rt::cfg(pre)};
        (void)many_pipeline().run(s);
    }
    check(pre);
}

// ---- reuse of a damaged table (outside review, findings 1 and 2) ------------------------
// Damage that passes LevelDB's checksums (a stored row rewritten with another
// valid value) never reaches a new version with a fresh valid digest: a
// reused table is checked against what was recorded when it was saved, and
// outputs computed from a read that then failed its check are not continued.

namespace {

std::atomic<int> reuse_calls{0};
std::int64_t ten_x_plus_7(std::int64_t x) {
    ++reuse_calls;
    return x * 10 + 7;
}
std::int64_t plus_one(std::int64_t y) {
    ++reuse_calls;
    return y + 1;
}
auto sq_chain(std::int64_t n) {
    return dc::read_values<"x">(rt::iota64(n)) | dc::map<"y">(dc::versioned("ten_x_plus_7", 1, &ten_x_plus_7)) |
           dc::save("sq");
}
using SQ = decltype(sq_chain(1))::schema;
auto down_chain() {
    return dc::read_dataset<SQ>("sq") | dc::map<"z">(dc::versioned("plus_one", 1, &plus_one), dc::params<"y">) | dc::save("down");
}

// Rewrites the stored row of x = 10 in sq's table: y 107 -> `y`; returns the old value.
std::string rewrite_row_10(dc::session& s, std::int64_t y, const char* version = "1.0.0") {
    auto r = s.find_dataset("sq", version);
    REQUIRE(r);
    const auto k = dc::detail::rec::row_key(r->table, 10, 0);
    auto old = s.db().get(k);
    REQUIRE(old);
    std::string v;
    dc::encode(v, std::tuple<std::int64_t, std::int64_t>{10, y});
    s.db().put(k, v);
    return *old;
}

template <class DS>
std::int64_t y_of_10(const DS& ds) {
    for (const auto& row : ds)
        if (row.template get<"x">() == 10) return row.template get<"y">();
    return -1;
}

} // namespace

TEST_CASE("integrity: a skipped step's damaged table is never saved as a new version",
          "[runtime][integrity][reuse]") {
    rt::memory_root root;
    std::uint64_t damaged_table = 0;
    {
        dc::session s{rt::cfg(root.store(), "sq")};
        sq_chain(50).run(s);
        (void)rewrite_row_10(s, 108);
        auto r = s.find_dataset("sq");
        damaged_table = r->table;
        CHECK(rt::catch_error([&] { dc::detail::verify_version(s.db(), *r); }).kind() == dc::error_kind::store_corrupt);
        s.remove_dataset("sq", "1.0.0");
    }
    {
        // The map step is skipped (its checkpoint is complete); save reads its
        // table back and finds it is not what was saved.
        dc::session s{rt::cfg(root.store(), "sq")};
        reuse_calls = 0;
        auto e = rt::catch_error([&] { sq_chain(50).run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(contains(e.what(), "table " + std::to_string(damaged_table)));
        CHECK(contains(e.what(), "map<y>"));
        CHECK(contains(e.what(), "run again"));
        CHECK(reuse_calls == 0);
        CHECK(s.datasets("sq").empty());
    }
    // The table was discarded: the next run computes the step anew.
    dc::session s{rt::cfg(root.store(), "sq")};
    reuse_calls = 0;
    auto ds = sq_chain(50).run(s);
    CHECK(reuse_calls == 50);
    CHECK(ds.version() == "1.0.1");
    CHECK(y_of_10(ds) == 107);
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

TEST_CASE("integrity: the row memo does not reuse the rows of a damaged earlier table",
          "[runtime][integrity][reuse]") {
    rt::memory_root root;
    {
        dc::session s{rt::cfg(root.store(), "sq")};
        sq_chain(50).run(s);
        (void)rewrite_row_10(s, 108);
    }
    std::vector<std::string> warnings;
    auto c = rt::cfg(root.store(), "sq");
    c.report = true;
    c.output = [&](const dc::output_line& l) {
        if (l.what == dc::output_line::kind::warning) warnings.push_back(l.text);
    };
    {
        // The input grew: the step computes, and its memo scans the earlier
        // table, which fails its recorded digest: none of its rows is reused.
        dc::session s{c};
        reuse_calls = 0;
        auto ds = sq_chain(60).run(s);
        CHECK(reuse_calls == 60);
        CHECK(y_of_10(ds) == 107);
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
        REQUIRE(warnings.size() == 1);
        CHECK(contains(warnings[0], "damaged"));
        CHECK(contains(warnings[0], "not reused"));
    }
    // The sound table of 1.0.1 serves the memo as before; the damaged one
    // is not scanned again.
    warnings.clear();
    dc::session s{c};
    reuse_calls = 0;
    auto ds = sq_chain(70).run(s);
    CHECK(reuse_calls == 10);
    CHECK(y_of_10(ds) == 107);
    CHECK(warnings.empty());
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}

TEST_CASE("integrity: outputs computed from a read that failed its content check are not continued",
          "[runtime][integrity][reuse]") {
    rt::memory_root root;
    std::string original;
    {
        dc::session s{rt::cfg(root.store(), "sq")};
        sq_chain(50).run(s);
        original = rewrite_row_10(s, 108);
    }
    {
        // Every map output is committed before the read of sq ends and fails
        // its check.
        dc::session s{rt::cfg(root.store(), "down")};
        auto e = rt::catch_error([&] { down_chain().run(s); });
        CHECK(e.kind() == dc::error_kind::store_corrupt);
        CHECK(s.datasets("down").empty());
    }
    {
        // Restored: sq verifies again.
        dc::session s{rt::cfg(root.store(), "sq")};
        s.db().put(dc::detail::rec::row_key(s.find_dataset("sq")->table, 10, 0), original);
        CHECK_NOTHROW(dc::detail::verify_version(s.db(), *s.find_dataset("sq")));
    }
    dc::session s{rt::cfg(root.store(), "down")};
    reuse_calls = 0;
    auto ds = down_chain().run(s);
    CHECK(reuse_calls == 50);  // computed anew, not continued from the failed run
    for (const auto& row : ds)
        if (row.get<"x">() == 10) {
            CHECK(row.get<"y">() == 107);
            CHECK(row.get<"z">() == 108);
        }
    CHECK_NOTHROW(dc::detail::verify_version(s.db(), ds.record()));
}
