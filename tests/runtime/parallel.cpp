// parallel=N: UDFs run on N threads and the output order equals the serial
// order (map, gen, agg, saved or collected); a UDF exception reaches the
// caller as udf_error naming the step and the first failing row; pipelines
// run from several threads of the program on one session all succeed.
#include "support.hpp"

#include <thread>

namespace {

// Uneven work so that threads finish out of order.
std::uint64_t busy(std::int64_t n) {
    std::uint64_t x = static_cast<std::uint64_t>(n) * 0x9E3779B97F4A7C15ull;
    const int spins = static_cast<int>((x >> 58) * 40);
    for (int i = 0; i < spins; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

std::atomic<std::int64_t> fail_from{1 << 30};

DC_DEF(rt_par_mix, (std::int64_t n) -> std::tuple<std::int64_t, std::uint64_t> {
    return {n * 7 % 1000, busy(n)};
});
DC_DEF(rt_par_gen, (std::int64_t n) -> std::vector<std::int64_t> {
    std::vector<std::int64_t> out;
    for (std::int64_t i = 0; i < n % 5; ++i) out.push_back(n * 10 + i);
    return out;
});
DC_DEF(rt_par_sum, (const std::vector<std::int64_t>& v) -> std::vector<std::int64_t> {
    std::int64_t s = 0;
    for (auto x : v) s += x;
    return {s, static_cast<std::int64_t>(v.size())};
});
DC_DEF(rt_par_key, (std::int64_t n) -> std::int64_t { return n % 37; });
DC_DEF(rt_par_fail_from, (std::int64_t n) -> std::int64_t {
    if (n >= fail_from) throw std::runtime_error("bad input " + std::to_string(n));
    return n;
});
DC_DEF(rt_par_file, (const dc::File& f) -> std::size_t {
    if (f.path == "bad.txt") throw std::invalid_argument("cannot parse");
    return f.size;
});

auto mixed(std::int64_t n) {
    return dc::read_values<"n">(rt::iota64(n)) | dc::map<"m", "h">(rt_par_mix) |
           dc::gen<"g">(rt_par_gen, dc::params<"n">) | dc::map<"k">(rt_par_key, dc::params<"g">) |
           dc::agg<"s">(rt_par_sum, dc::partition_by<"k">, dc::params<"g">);
}

} // namespace

TEST_CASE("parallel: 2 and 4 threads give exactly the serial output", "[runtime][parallel]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store())};
    const auto n = 3000;
    const dc::run_options serial{.parallel = 1, .checkpoints = false, .batch_size = 97};
    auto expect_map = dc::collect(dc::read_values<"n">(rt::iota64(n)) | dc::map<"m", "h">(rt_par_mix), s, serial);
    auto expect_all = dc::collect(mixed(n), s, serial);
    REQUIRE(expect_map.size() == static_cast<std::size_t>(n));
    REQUIRE(expect_all.size() == 74);  // 37 partitions, 2 rows each
    for (unsigned threads : {2u, 4u}) {
        INFO("parallel = " << threads);
        // Without checkpoints, with checkpoints computed afresh, and saved.
        dc::run_options o{.parallel = threads, .checkpoints = false, .batch_size = 97};
        CHECK(dc::collect(dc::read_values<"n">(rt::iota64(n)) | dc::map<"m", "h">(rt_par_mix), s, o) == expect_map);
        CHECK(dc::collect(mixed(n), s, o) == expect_all);
        dc::run_options c{.parallel = threads, .ignore_checkpoints = true, .batch_size = 97};
        CHECK(dc::collect(mixed(n), s, c) == expect_all);
        auto ds = (mixed(n) | dc::save("par")).run(s, c);
        CHECK(ds.to_vector() == expect_all);
        // The session's default parallelism does the same.
        s.config().parallel = threads;
        CHECK(dc::collect(mixed(n), s, {.ignore_checkpoints = true}) == expect_all);
        s.config().parallel = 1;
    }
}

TEST_CASE("parallel: a UDF exception is a udf_error with the step and the first failing row", "[runtime][parallel]") {
    rt::memory_root d;
    dc::session s{rt::cfg(d.store(), "par-fail")};
    for (unsigned threads : {1u, 2u, 4u}) {
        INFO("parallel = " << threads);
        fail_from = 537;  // every row from 537 on throws
        auto p = dc::read_values<"n">(rt::iota64(2000)) | dc::map<"m">(rt_par_fail_from) | dc::save("fails");
        try {
            (void)p.run(s, dc::run_options{.parallel = threads, .ignore_checkpoints = true, .batch_size = 100});
            FAIL("no exception");
        } catch (const dc::udf_error& e) {
            CHECK(e.kind() == dc::error_kind::udf);
            CHECK(e.row() == 537);
            CHECK(e.step().find("map<m>") != std::string::npos);
            CHECK(e.path().empty());
            CHECK(std::string(e.what()).find("bad input 537") != std::string::npos);
            // the original exception is nested
            try {
                std::rethrow_if_nested(e);
                FAIL("not nested");
            } catch (const std::runtime_error& inner) {
                CHECK(std::string(inner.what()) == "bad input 537");
            }
        }
        CHECK(s.job(s.job_id())->state() == dc::job_status::failed);
    }

    // With a File column, the path is named.
    rt::temp_dir files;
    rt::write_file(files / "a.txt", "1");
    rt::write_file(files / "bad.txt", "22");
    rt::write_file(files / "c.txt", "333");
    try {
        (void)dc::collect(dc::read_storage(files.path.string()) | dc::map<"size">(rt_par_file), s, {.parallel = 4});
        FAIL("no exception");
    } catch (const dc::udf_error& e) {
        CHECK(e.row() == 1);
        CHECK(e.path() == "bad.txt");
        CHECK(std::string(e.what()).find("bad.txt") != std::string::npos);
        CHECK(std::string(e.what()).find("cannot parse") != std::string::npos);
    }
}

TEST_CASE("parallel: pipelines from 4 threads on one session", "[runtime][parallel]") {
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store(), "threads")};
    constexpr int T = 4;
    std::vector<std::thread> pool;
    std::vector<std::string> errors(T);
    std::vector<std::size_t> sizes(T);
    std::vector<std::string> version(T);
    // One byte per thread: std::vector<bool> packs the flags into shared words,
    // so writing ok[t] from several threads would be a data race.
    std::vector<unsigned char> ok(T, 0);
    for (int t = 0; t < T; ++t)
        pool.emplace_back([&, t] {
            try {
                const auto n = 500 + 100 * t;
                for (int round = 0; round < 2; ++round) {
                    // A saved chain per thread, run twice (the second run is skipped) ...
                    auto ds = (mixed(n) | dc::save("thread-" + std::to_string(t))).run(s, dc::run_options{.parallel = 2});
                    sizes[t] = ds.to_vector().size();
                    version[t] = ds.version();
                    // ... the same chain collected, and a chain that every thread shares.
                    auto serial = dc::collect(mixed(n), s, {.parallel = 1, .checkpoints = false});
                    ok[t] = ds.to_vector() == serial && dc::collect(mixed(1000), s).size() == 74;
                    if (!ok[t]) return;
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    for (auto& th : pool) th.join();
    for (int t = 0; t < T; ++t) {
        INFO("thread " << t);
        CHECK(errors[t].empty());
        CHECK(ok[t]);
        CHECK(sizes[t] == 74);
        CHECK(version[t] == "1.0.0");
    }
    CHECK(s.datasets().size() == T);
    CHECK(s.job(s.job_id())->state() == dc::job_status::running);
}

TEST_CASE("parallel: settings are in no hash: another parallelism or batch size still skips", "[runtime][parallel]") {
    rt::memory_root d;
    auto p = dc::read_values<"n">(rt::iota64(300)) | dc::map<"k">(rt_par_key) | dc::save("keys");
    {
        dc::session s{rt::cfg(d.store(), "settings")};
        CHECK(p.run(s, {.parallel = 1, .batch_size = 10}).version() == "1.0.0");
    }
    dc::session s{rt::cfg(d.store(), "settings")};
    s.config().progress = false;
    auto again = p.run(s, {.parallel = 3, .batch_size = 7});
    CHECK(again.version() == "1.0.0");
    CHECK(rt::event_kinds(s) == std::vector<std::string>{"save_skipped"});
}
