// bench_peers: the library next to its peers, on the same rows and the same
// output bytes (issue 11, item 5).
//
//   build/bench/benchmarks/bench_peers                      # 1M rows, 5 repetitions, CSV to ./peers.csv
//   build/bench/benchmarks/bench_peers --rows 1000000 --reps 5 --csv benchmarks/results/peers.csv
//   benchmarks/plot.sh                                      # docs/benchmarks.svg from that CSV
//
// Input: N rows {g, path}, g = i * 7919 % 10000 (10k partitions), path like
// "dogs-and-cats/cat.123.jpg" (bench::make_path). Three operations:
//
//   map   map<"up">(upper): N rows {g, path, up}
//   gen   gen<"part">(parts): 2N rows {part}, the path's '/'-parts upper-cased
//   agg   agg<"up">(sorted_upper, partition_by<"g">, params<"path">): N rows
//         {g, up}, each partition's paths upper-cased and sorted, partitions
//         in order of first appearance (as the library emits them)
//
// and, for each, six ways to produce and keep the same output rows:
//
//   ckpt    read_values | op | save("out"), checkpoints on (the default)
//   off     the same with settings{.checkpoints = false}
//   raw     the output rows by hand into LevelDB: key T + table + ordinal + 0,
//           value encode(row), a WriteBatch every 2000 rows, the store
//           adapter's Options (raw_leveldb.hpp)
//   sqlite  SQLite (DataChain's local engine), WAL journal, synchronous=NORMAL,
//           one table with an INTEGER PRIMARY KEY and a column per output
//           column, a prepared INSERT, a transaction every 2000 rows
//   files   one file per output row (what persisted-result caches do): a
//           directory, file "<ordinal>" holding encode(row). Only the first
//           --file-rows output rows are written (default 20k: 75-400 us a file
//           here, 1M files would take minutes a repetition); the time of those
//           writes is scaled by (output rows / rows written), the setup (agg's
//           grouping) is not scaled
//   loop    the same computation appending encode(row) to a std::string in
//           memory: no storage
//
// The peers compute what the library computes (upper, parts, group by g and
// sorted_upper) inside their timed region. Timed: the library's
// pipeline.run(session) (session and source made before); the peers' compute
// and writes (opening the database excluded). Per repetition every variant
// runs on a fresh directory after sync(), in an order that rotates by one per
// repetition; ratios are medians of per-repetition ratios.
//
// Correctness (the only reason for a non-zero exit): every variant's rows,
// read back after the timed run (the saved dataset, the LevelDB values in key
// order, the SQLite table by id, the files, the string), have the expected
// count and their encode(row) bytes the same XXH64 as the reference pass. For
// files, the first --file-rows rows.
//
// Stores live under $DATACHAIN_BENCH_DIR (default /tmp/datachain-bench)/peers.
#include "bench_util.hpp"
#include "raw_leveldb.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cinttypes>
#include <cstring>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace dc = datachain;
namespace fs = std::filesystem;
using bench::upper;

// "dogs-and-cats/cat.123.jpg" -> "DOGS-AND-CATS", "CAT.123.JPG"
DC_DEF(parts, (const std::string& p) -> std::vector<std::string> {
    std::vector<std::string> v;
    for (std::size_t at = 0;;) {
        const auto slash = p.find('/', at);
        std::string w = p.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
        for (auto& c : w) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
        v.push_back(std::move(w));
        if (slash == std::string::npos) break;
        at = slash + 1;
    }
    return v;
});

// A partition's paths, upper-cased and sorted.
DC_DEF(sorted_upper, (const std::vector<std::string>& paths) -> std::vector<std::string> {
    std::vector<std::string> v = paths;
    for (auto& s : v)
        for (auto& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    std::sort(v.begin(), v.end());
    return v;
});

namespace {

struct input {
    std::vector<std::int64_t> g;
    std::vector<std::string> path;
};

// The output rows of each operation, in the library's order, one at a time:
// start() (timed: agg groups its input there), then next() total() times.
struct map_rows {
    using row = std::tuple<std::int64_t, std::string, std::string>;
    static constexpr std::array<const char*, 3> columns{"g", "path", "up"};
    explicit map_rows(const input& i) : in(i) {}
    const input& in;
    std::size_t i = 0;
    void start() { i = 0; }
    row next() {
        const auto& p = in.path[i];
        row r{in.g[i], p, upper(p)};
        ++i;
        return r;
    }
};

struct gen_rows {
    using row = std::tuple<std::string>;
    static constexpr std::array<const char*, 1> columns{"part"};
    explicit gen_rows(const input& i) : in(i) {}
    const input& in;
    std::size_t i = 0, j = 0;
    std::vector<std::string> cur;
    void start() { i = j = 0, cur.clear(); }
    row next() {
        while (j >= cur.size()) cur = parts(in.path[i++]), j = 0;
        return row{std::move(cur[j++])};
    }
};

struct agg_rows {
    using row = std::tuple<std::int64_t, std::string>;
    static constexpr std::array<const char*, 2> columns{"g", "up"};
    explicit agg_rows(const input& i) : in(i) {}
    const input& in;
    std::vector<std::vector<std::uint32_t>> groups;  // input ordinals by partition, in order of first appearance
    std::size_t at = 0, j = 0;
    std::int64_t key = 0;
    std::vector<std::string> cur, members;
    void start() {
        std::unordered_map<std::int64_t, std::uint32_t> number;
        groups.clear();
        for (std::size_t i = 0; i < in.g.size(); ++i) {
            auto [it, added] = number.try_emplace(in.g[i], static_cast<std::uint32_t>(groups.size()));
            if (added) groups.emplace_back();
            groups[it->second].push_back(static_cast<std::uint32_t>(i));
        }
        at = j = 0, cur.clear();
    }
    row next() {
        while (j >= cur.size()) {
            const auto& grp = groups[at++];
            key = in.g[grp.front()];
            members.clear();
            for (auto i : grp) members.push_back(in.path[i]);
            cur = sorted_upper(members), j = 0;
        }
        return row{key, std::move(cur[j++])};
    }
};

// XXH64 of the encoded rows, in order, and their count.
struct digest {
    dc::xxh64_stream h;
    std::uint64_t rows = 0, bytes = 0;
    std::string buf;
    template <class Row>
    void add(const Row& r) {
        buf.clear();
        dc::encode(buf, r);
        add_bytes(buf);
    }
    void add_bytes(std::string_view b) {
        h.update(b);
        ++rows, bytes += b.size();
    }
    std::uint64_t value() const { return h.digest(); }
};

// ---- SQLite --------------------------------------------------------------------

void sq_check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        throw std::runtime_error(std::string("sqlite: ") + what + ": " + (db ? sqlite3_errmsg(db) : "?"));
}

struct sqlite_db {
    sqlite3* db = nullptr;
    explicit sqlite_db(const fs::path& file) { sq_check(sqlite3_open(file.c_str(), &db), db, "open"); }
    ~sqlite_db() { sqlite3_close(db); }
    void exec(const std::string& sql) { sq_check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str()); }
};

template <class T>
constexpr const char* sql_type() {
    return std::is_same_v<T, std::string> ? "TEXT" : "INTEGER";
}

template <class Rows, std::size_t... I>
std::string sql_create(std::index_sequence<I...>) {
    std::string s = "CREATE TABLE out (id INTEGER PRIMARY KEY";
    ((s += std::string(", ") + Rows::columns[I] + " " + sql_type<std::tuple_element_t<I, typename Rows::row>>()), ...);
    return s + ")";
}

template <class Row, std::size_t... I>
void sql_bind(sqlite3_stmt* st, const Row& r, std::index_sequence<I...>) {
    auto one = [&](int at, const auto& v) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, std::string>)
            sqlite3_bind_text(st, at, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, at, v);
    };
    (one(static_cast<int>(I) + 2, std::get<I>(r)), ...);
}

template <class Row, std::size_t... I>
Row sql_read(sqlite3_stmt* st, std::index_sequence<I...>) {
    auto one = [&]<class T>(int at, std::type_identity<T>) -> T {
        if constexpr (std::is_same_v<T, std::string>)
            return T(reinterpret_cast<const char*>(sqlite3_column_text(st, at)),
                     static_cast<std::size_t>(sqlite3_column_bytes(st, at)));
        else
            return sqlite3_column_int64(st, at);
    };
    return Row{one(static_cast<int>(I) + 1, std::type_identity<std::tuple_element_t<I, Row>>{})...};  // 0: id
}

// Inserts `total` rows from `rows` into a new database in `dir`; returns the
// seconds of start() and the inserts (opening, PRAGMAs and CREATE excluded).
template <class Rows>
double sqlite_writes(const fs::path& dir, Rows& rows, std::size_t total) {
    using row = typename Rows::row;
    constexpr auto idx = std::make_index_sequence<std::tuple_size_v<row>>{};
    fs::create_directories(dir);
    sqlite_db d(dir / "out.db");
    d.exec("PRAGMA journal_mode=WAL");
    d.exec("PRAGMA synchronous=NORMAL");
    d.exec(sql_create<Rows>(idx));
    std::string ins = "INSERT INTO out VALUES (?";
    for (std::size_t c = 0; c < Rows::columns.size(); ++c) ins += ", ?";
    ins += ")";
    sqlite3_stmt* st = nullptr;
    sq_check(sqlite3_prepare_v2(d.db, ins.c_str(), -1, &st, nullptr), d.db, "prepare");
    const double t = bench::time_s([&] {
        rows.start();
        d.exec("BEGIN");
        for (std::size_t i = 0; i < total; ++i) {
            const row r = rows.next();
            sqlite3_bind_int64(st, 1, static_cast<sqlite3_int64>(i));
            sql_bind(st, r, idx);
            sq_check(sqlite3_step(st), d.db, "insert");
            sqlite3_reset(st);
            if ((i + 1) % 2000 == 0) d.exec("COMMIT"), d.exec("BEGIN");
        }
        d.exec("COMMIT");
    });
    sqlite3_finalize(st);
    return t;
}

template <class Row>
digest sqlite_digest(const fs::path& dir) {
    sqlite_db d(dir / "out.db");
    sqlite3_stmt* st = nullptr;
    sq_check(sqlite3_prepare_v2(d.db, "SELECT * FROM out ORDER BY id", -1, &st, nullptr), d.db, "select");
    digest h;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const auto r = sql_read<Row>(st, std::make_index_sequence<std::tuple_size_v<Row>>{});
        h.add(r);
    }
    sq_check(rc, d.db, "select");
    sqlite3_finalize(st);
    return h;
}

// ---- a file per result ---------------------------------------------------------------

// Writes the first `count` rows, one file each; returns {seconds of start(),
// seconds of the writes}.
template <class Rows>
std::pair<double, double> file_writes(const fs::path& dir, Rows& rows, std::size_t count) {
    fs::create_directories(dir);
    const double t0 = bench::time_s([&] { rows.start(); });
    const double t1 = bench::time_s([&] {
        std::string v, name;
        for (std::size_t i = 0; i < count; ++i) {
            v.clear();
            dc::encode(v, rows.next());
            name = (dir / std::to_string(i)).string();
            const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || ::write(fd, v.data(), v.size()) != static_cast<ssize_t>(v.size()) || ::close(fd) != 0)
                throw std::runtime_error("cannot write " + name);
        }
    });
    return {t0, t1};
}

digest file_digest(const fs::path& dir, std::size_t count) {
    digest h;
    for (std::size_t i = 0; i < count; ++i) {
        std::ifstream f(dir / std::to_string(i), std::ios::binary);
        std::string b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        h.add_bytes(b);
    }
    return h;
}

// ---- raw LevelDB -----------------------------------------------------------------------

digest leveldb_digest(const fs::path& dir, std::uint64_t table) {
    leveldb::DB* p = nullptr;
    if (!leveldb::DB::Open({}, dir.string(), &p).ok()) throw std::runtime_error("cannot reopen raw LevelDB");
    std::unique_ptr<leveldb::DB> db(p);
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator({}));
    std::string prefix = "T";
    dc::key::be64(prefix, table);
    digest h;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
        h.add_bytes(std::string_view(it->value().data(), it->value().size()));
    return h;
}

// ---- the library -----------------------------------------------------------------------

template <class Chain, class ToRow>
double library_run(const Chain& chain, const fs::path& dir, bool checkpoints, ToRow to_row, digest& out) {
    auto cfg = bench::quiet(dir, checkpoints ? "ckpt" : "off");
    cfg.checkpoints = checkpoints;
    dc::session s(cfg);
    std::optional<decltype(chain.run(s))> ds;
    const double t = bench::time_s([&] { ds.emplace(chain.run(s)); });
    for (const auto& r : *ds) out.add(to_row(r));
    if (out.rows != ds->size()) out.rows = ~0ull;  // size() and the rows read disagree: a failure
    return t;
}

// The id of the first table the library wrote (a fresh store gives the same
// one every time): the raw variant writes under it too.
std::uint64_t first_table(const fs::path& dir) {
    dc::session s(bench::quiet(dir, "probe"));
    auto c = s.db().scan("T");
    if (!c->valid()) throw std::runtime_error("no table in the store");
    return dc::key::read_be64(c->key(), 1);
}

// ---- the measurement ---------------------------------------------------------------------

constexpr std::array<const char*, 6> variant_names{"ckpt", "off", "raw", "sqlite", "files", "loop"};
enum { v_ckpt, v_off, v_raw, v_sqlite, v_files, v_loop, n_variants };

struct expected {
    std::uint64_t rows = 0, bytes = 0, all = 0, prefix = 0;  // digests of all rows and of the first file_rows
};

struct op_result {
    std::string op;
    std::uint64_t rows = 0, file_rows = 0;
    std::array<std::vector<double>, n_variants> t, r_raw, r_loop;
};

struct context {
    fs::path root;
    std::size_t file_rows = 20000;
    int failures = 0;
};

// Runs the six variants of one operation once, in the order given by `rot`,
// and appends their times. Checks every variant's output against `want`.
template <class Rows, class Chain, class ToRow>
void measure(context& cx, const input& in, const Chain& chain, ToRow to_row, const expected& want,
             std::uint64_t table, int rot, op_result& res, bool record) {
    std::array<double, n_variants> t{};
    const std::size_t frows = std::min<std::size_t>(cx.file_rows, want.rows);
    auto check = [&](const char* v, const digest& d, std::uint64_t rows, std::uint64_t h) {
        if (d.rows == rows && d.value() == h) return;
        std::fprintf(stderr, "%s / %s: %" PRIu64 " rows (expected %" PRIu64 "), digest %016" PRIx64 " (expected %016" PRIx64 ")\n",
                     res.op.c_str(), v, d.rows, rows, d.value(), h);
        ++cx.failures;
    };
    for (int k = 0; k < n_variants; ++k) {
        const int v = (rot + k) % n_variants;
        const fs::path dir = cx.root / variant_names[v];
        bench::fresh(dir);
        ::sync();
        digest d;
        Rows rows{in};
        switch (v) {
        case v_ckpt:
        case v_off:
            t[v] = library_run(chain, dir, v == v_ckpt, to_row, d);
            check(variant_names[v], d, want.rows, want.all);
            break;
        case v_raw: {
            double t0 = bench::time_s([&] { rows.start(); });
            t[v] = t0 + bench::raw_leveldb_writes(dir, want.rows, table, [&](std::size_t) { return rows.next(); });
            check("raw", leveldb_digest(dir, table), want.rows, want.all);
            break;
        }
        case v_sqlite:
            t[v] = sqlite_writes(dir, rows, want.rows);
            check("sqlite", sqlite_digest<typename Rows::row>(dir), want.rows, want.all);
            break;
        case v_files: {
            auto [t0, t1] = file_writes(dir, rows, frows);
            t[v] = t0 + t1 * static_cast<double>(want.rows) / static_cast<double>(frows);
            check("files", file_digest(dir, frows), frows, want.prefix);
            break;
        }
        default: {
            std::string mem;
            t[v] = bench::time_s([&] {
                rows.start();
                for (std::size_t i = 0; i < want.rows; ++i) dc::encode(mem, rows.next());
            });
            // The rows' bytes concatenated: XXH64 of the whole equals the
            // streamed digest of the rows.
            dc::xxh64_stream h;
            h.update(mem);
            if (h.digest() != want.all || mem.size() != want.bytes) {
                std::fprintf(stderr, "%s / loop: %zu bytes (expected %" PRIu64 "), digest differs\n", res.op.c_str(),
                             mem.size(), want.bytes);
                ++cx.failures;
            }
        }
        }
        bench::fresh(dir);
    }
    if (!record) return;
    for (int v = 0; v < n_variants; ++v) {
        res.t[v].push_back(t[v]);
        res.r_raw[v].push_back(t[v] / t[v_raw]);
        res.r_loop[v].push_back(t[v] / t[v_loop]);
    }
}

// The reference pass: every output row once, untimed.
template <class Rows>
expected reference(const input& in, std::size_t file_rows) {
    Rows rows{in};
    rows.start();
    expected e;
    digest d;
    // Rows of gen: count them first (parts() of every path).
    std::uint64_t total = 0;
    if constexpr (std::is_same_v<Rows, gen_rows>) {
        for (const auto& p : in.path) total += parts(p).size();
    } else {
        total = in.path.size();
    }
    for (std::uint64_t i = 0; i < total; ++i) {
        d.add(rows.next());
        if (i + 1 == std::min<std::uint64_t>(file_rows, total)) e.prefix = d.value();
    }
    e.rows = d.rows, e.bytes = d.bytes, e.all = d.value();
    return e;
}

input make_input(std::size_t n) {
    input in;
    in.g.resize(n);
    in.path = bench::make_paths(n);
    for (std::size_t i = 0; i < n; ++i) in.g[i] = static_cast<std::int64_t>(i * 7919 % 10000);
    return in;
}

// One operation: warm-up on `warm` rows (also finds the table id), then
// `reps` rotated repetitions on `in`.
template <class Rows, class Steps, class ToRow>
op_result run_op(context& cx, const std::string& op, const input& warm, const input& in, const Steps& steps,
                 ToRow to_row, int reps) {
    op_result res;
    res.op = op;
    std::uint64_t table = 0;
    {
        auto src = dc::read_values<"g", "path">(warm.g, warm.path);
        auto chain = src | steps;
        const fs::path d = cx.root / "probe";
        bench::fresh(d);
        digest ignore;
        library_run(chain, d, true, to_row, ignore);
        table = first_table(d);
        bench::fresh(d);
        measure<Rows>(cx, warm, chain, to_row, reference<Rows>(warm, cx.file_rows), table, 0, res, false);
    }
    auto src = dc::read_values<"g", "path">(in.g, in.path);
    auto chain = src | steps;
    const expected want = reference<Rows>(in, cx.file_rows);
    res.rows = want.rows;
    res.file_rows = std::min<std::uint64_t>(cx.file_rows, want.rows);
    for (int r = 0; r < reps; ++r) {
        measure<Rows>(cx, in, chain, to_row, want, table, r, res, true);
        std::printf("  %s rep %d/%d done (load %s)\n", op.c_str(), r + 1, reps, bench::loadavg().c_str());
        std::fflush(stdout);
    }
    return res;
}

double min_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }

const char* label(int v) {
    switch (v) {
    case v_ckpt: return "datachain (checkpoints on)";
    case v_off: return "datachain (checkpoints off)";
    case v_raw: return "raw LevelDB WriteBatch";
    case v_sqlite: return "SQLite WAL (2000-row transactions)";
    case v_files: return "a file per result";
    default: return "plain loop (no storage)";
    }
}

} // namespace

int main(int argc, char** argv) {
    std::size_t n = 1000000;
    int reps = 5;
    std::string csv = "peers.csv";
    context cx;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--rows" && i + 1 < argc) n = std::stoull(argv[++i]);
        else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (a == "--csv" && i + 1 < argc) csv = argv[++i];
        else if (a == "--file-rows" && i + 1 < argc) cx.file_rows = std::stoull(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--rows N] [--reps R] [--csv FILE] [--file-rows K]\n", argv[0]);
            return 2;
        }
    }
    if (n == 0 || reps < 1 || cx.file_rows == 0) {
        std::fprintf(stderr, "bench_peers: --rows, --reps and --file-rows must be positive\n");
        return 2;
    }
    cx.root = bench::work_dir("peers");
    const std::string load0 = bench::loadavg();
    std::printf("bench_peers: %zu input rows, %d repetitions, medians; file per result: first %zu output rows, "
                "time scaled; load average at start %s; stores in %s\n",
                n, reps, cx.file_rows, load0.c_str(), cx.root.c_str());

    const input warm = make_input(20000), in = make_input(n);
    std::vector<op_result> results;
    results.push_back(run_op<map_rows>(
        cx, "map", warm, in, dc::map<"up">(upper) | dc::save("out"),
        [](const auto& r) { return map_rows::row{r.template get<"g">(), r.template get<"path">(), r.template get<"up">()}; },
        reps));
    results.push_back(run_op<gen_rows>(
        cx, "gen", warm, in, dc::gen<"part">(parts) | dc::save("out"),
        [](const auto& r) { return gen_rows::row{r.template get<"part">()}; }, reps));
    results.push_back(run_op<agg_rows>(
        cx, "agg", warm, in, dc::agg<"up">(sorted_upper, dc::partition_by<"g">, dc::params<"path">) | dc::save("out"),
        [](const auto& r) { return agg_rows::row{r.template get<"g">(), r.template get<"up">()}; }, reps));

    // ---- the table and the CSV ----------------------------------------------------------
    std::printf("\n| op | variant | output rows | time (s) | min-max (s) | / raw LevelDB | min-max | / plain loop |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
    std::FILE* f = std::fopen(csv.c_str(), "w");
    if (!f) {
        std::fprintf(stderr, "bench_peers: cannot write %s\n", csv.c_str());
        return 1;
    }
    std::fprintf(f, "op,variant,label,output_rows,rows_written,seconds,seconds_min,seconds_max,ratio_raw,ratio_raw_min,"
                    "ratio_raw_max,ratio_loop,reps\n");
    for (const auto& res : results) {
        for (int v = 0; v < n_variants; ++v) {
            const std::uint64_t written = v == v_files ? res.file_rows : res.rows;
            std::string rows = std::to_string(res.rows);
            if (written != res.rows) rows += " (" + std::to_string(written) + " written, scaled)";
            std::printf("| %s | %s | %s | %.3f | %.3f-%.3f | %.2fx | %.2f-%.2fx | %.1fx |\n", res.op.c_str(), label(v),
                        rows.c_str(), bench::median(res.t[v]), min_of(res.t[v]), max_of(res.t[v]),
                        bench::median(res.r_raw[v]), min_of(res.r_raw[v]), max_of(res.r_raw[v]),
                        bench::median(res.r_loop[v]));
            std::fprintf(f, "%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%d\n", res.op.c_str(),
                         variant_names[v], label(v), res.rows, written, bench::median(res.t[v]), min_of(res.t[v]),
                         max_of(res.t[v]), bench::median(res.r_raw[v]), min_of(res.r_raw[v]), max_of(res.r_raw[v]),
                         bench::median(res.r_loop[v]), reps);
        }
    }
    std::fclose(f);
    std::printf("\nload average at start %s, at end %s; CSV: %s\n", load0.c_str(), bench::loadavg().c_str(),
                csv.c_str());
    bench::fresh(cx.root);
    if (cx.failures) {
        std::fprintf(stderr, "bench_peers: %d correctness check(s) failed\n", cx.failures);
        return 1;
    }
    return 0;
}
