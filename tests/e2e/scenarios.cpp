// End-to-end scenarios: the seed's checkpoint stories, played by running the
// examples, "editing" them (replacing the program at the same path by a
// variant built with other -D macros; the build made every variant, see
// tests/e2e/CMakeLists.txt) and running them again against the same store.
//
// Every run is checked on four things:
//   - how many times each UDF was called (the CALLS line),
//   - which checkpoint decisions were recorded (the EVENT lines),
//   - which dataset versions the store holds afterwards,
//   - that the final rows equal those of one clean, uninterrupted run in a
//     fresh store (the ROWS line: count and XXH64 of the encoded rows).
#include "e2e_support.hpp"

#include <fstream>

#include <algorithm>
#include <string>
#include <vector>

using namespace e2e;
using strings = std::vector<std::string>;

namespace {

// Number of sample files whose size is above `threshold`, from the directory.
std::uint64_t larger_than(const workspace& ws, std::uintmax_t threshold) {
    std::uint64_t n = 0;
    for (const auto& [path, size] : ws.listing()) n += size > threshold;
    return n;
}

void same_rows(const rows_line& a, const rows_line& b) {
    CHECK(a.count == b.count);
    CHECK(a.hash == b.hash);
}

dc::job_status status_of_job(const fs::path& store, std::size_t nth_of_lineage, const std::string& program) {
    std::vector<dc::job_record> mine;
    for (auto& j : jobs(store))
        if (j.name == fs::canonical(program).string()) mine.push_back(j);
    REQUIRE(nth_of_lineage < mine.size());
    return mine[nth_of_lineage].state();
}

} // namespace

TEST_CASE("walkthrough: the first run crashes after the dogs, the fixed one continues, the third skips") {
    workspace ws("walkthrough");
    const auto exe = ws.program("walkthrough").string();

    // Run 1: the buggy version does the 200 dog files, then throws on a cat.
    ws.install("walkthrough", {"DATACHAIN_EXAMPLE_BUG"});
    auto r1 = ws.run("walkthrough");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 1);
    CHECK(r1.proc.err.find("can't handle cats") != std::string::npos);
    CHECK(r1.calls_of("process") == 201);  // 200 dogs + the cat that threw
    // What the run did (from scratch), then the failure.
    CHECK(r1.kinds() == strings{"udf_from_scratch", "udf_failed"});
    CHECK(r1.the("udf_failed", "process").rows_now == 200);
    CHECK(versions(ws.store(), "processed_files").empty());
    CHECK(status_of_job(ws.store(), 0, exe) == dc::job_status::failed);

    // Run 2: the bug is fixed (rebuilt at the same path): only the cats run.
    ws.install("walkthrough");
    auto r2 = ws.run("walkthrough");
    INFO(describe(r2));
    REQUIRE(r2.proc.status == 0);
    CHECK(r2.calls_of("process") == 200);
    CHECK(r2.kinds() == strings{"udf_continued", "save_completed"});
    CHECK(r2.the("udf_continued", "process").rows_before == 200);
    CHECK(r2.the("udf_continued", "process").rows_now == 200);
    CHECK(r2.the("save_completed", "processed_files").version == "1.0.0");
    CHECK(r2.proc.out.find("continued: 200 rows were already done by an earlier run; computed 200") !=
          std::string::npos);
    CHECK(versions(ws.store(), "processed_files") == strings{"1.0.0"});

    // Run 3: nothing changed: no UDF call, no new version.
    auto r3 = ws.run("walkthrough");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.calls_of("process") == 0);
    CHECK(r3.kinds() == strings{"save_skipped"});
    CHECK(r3.the("save_skipped", "processed_files").version == "1.0.0");
    CHECK(r3.proc.out.find("skipped: nothing changed") != std::string::npos);
    CHECK(versions(ws.store(), "processed_files") == strings{"1.0.0"});
    same_rows(r3.rows.at("processed_files"), r2.rows.at("processed_files"));

    // The rows equal those of one clean run of the fixed program.
    auto clean = ws.run("walkthrough", {}, "clean");
    INFO(describe(clean));
    REQUIRE(clean.proc.status == 0);
    CHECK(clean.calls_of("process") == 400);
    CHECK(clean.kinds() == strings{"udf_from_scratch", "save_completed"});
    REQUIRE(r2.rows.count("processed_files"));
    same_rows(r2.rows.at("processed_files"), clean.rows.at("processed_files"));
    CHECK(clean.rows.at("processed_files").count == 400);

    // A documented limitation: runs are linked by the executable's path. The
    // same program at another path starts a new lineage: its save finds no
    // checkpoint and makes a new version, but row-level reuse is not tied to
    // a lineage, so no input is computed again.
    fs::create_directories(ws.dir() / "moved");
    fs::copy_file(exe, ws.dir() / "moved" / "walkthrough");
    auto moved = ws.run_program(ws.dir() / "moved" / "walkthrough", {{"DATACHAIN_ROOT", ws.store().string()}});
    INFO(describe(moved));
    REQUIRE(moved.proc.status == 0);
    CHECK(moved.calls_of("process") == 0);
    CHECK(moved.kinds() == strings{"udf_reused", "save_completed"});
    CHECK(versions(ws.store(), "processed_files") == strings{"1.0.0", "1.0.1"});
    same_rows(moved.rows.at("processed_files"), clean.rows.at("processed_files"));
}

TEST_CASE("two chains: changing the filter of one recomputes it and reuses the other") {
    workspace ws("two_chains");

    ws.install("two_chains");
    auto r1 = ws.run("two_chains");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 0);
    CHECK(r1.calls_of("path") == 400);
    CHECK(r1.kinds() == strings{"save_completed", "udf_from_scratch", "save_completed"});
    CHECK(r1.rows.at("large_files").count == larger_than(ws, 15000));
    CHECK(r1.rows.at("all_paths").count == 400);

    // Run 2, unchanged: both reused.
    auto r2 = ws.run("two_chains");
    INFO(describe(r2));
    REQUIRE(r2.proc.status == 0);
    CHECK(r2.calls_of("path") == 0);
    CHECK(r2.kinds() == strings{"save_skipped", "save_skipped"});
    same_rows(r2.rows.at("large_files"), r1.rows.at("large_files"));
    same_rows(r2.rows.at("all_paths"), r1.rows.at("all_paths"));

    // Edit chain 1 (threshold 15000 -> 20000): it recomputes; chain 2 is reused.
    ws.install("two_chains", {"THRESHOLD=20000"});
    auto r3 = ws.run("two_chains");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.calls_of("path") == 0);
    CHECK(r3.kinds() == strings{"save_completed", "save_skipped"});
    CHECK(r3.the("save_completed", "large_files").version == "1.0.1");
    CHECK(r3.the("save_skipped", "all_paths").version == "1.0.0");
    CHECK(r3.rows.at("large_files").count == larger_than(ws, 20000));
    CHECK(larger_than(ws, 20000) < larger_than(ws, 15000));
    same_rows(r3.rows.at("all_paths"), r1.rows.at("all_paths"));
    CHECK(versions(ws.store(), "large_files") == strings{"1.0.0", "1.0.1"});
    CHECK(versions(ws.store(), "all_paths") == strings{"1.0.0"});

    auto clean = ws.run("two_chains", {}, "clean");
    INFO(describe(clean));
    REQUIRE(clean.proc.status == 0);
    same_rows(r3.rows.at("large_files"), clean.rows.at("large_files"));
    same_rows(r3.rows.at("all_paths"), clean.rows.at("all_paths"));
}

TEST_CASE("generator: a crash midway, then the fix: only incomplete inputs run again") {
    workspace ws("path_parts");
    // Inputs are in path order; the buggy version throws on dog.50.jpg after
    // yielding its first part. Everything before it is done.
    std::uint64_t before = 0;
    for (const auto& [path, size] : ws.listing()) before += path < "dog.50.jpg";
    REQUIRE(before > 200);  // all 200 cat files and some dogs

    ws.install("path_parts", {"DATACHAIN_EXAMPLE_BUG"});
    auto r1 = ws.run("path_parts");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 1);
    CHECK(r1.calls_of("extract_parts") == static_cast<long>(before + 1));
    CHECK(r1.kinds() == strings{"udf_from_scratch", "udf_failed"});
    CHECK(r1.the("udf_failed", "extract_parts").rows_now == before);
    CHECK(r1.proc.out.find("failed on dog.50.jpg") != std::string::npos);
    CHECK(versions(ws.store(), "path_parts").empty());

    ws.install("path_parts");
    auto r2 = ws.run("path_parts");
    INFO(describe(r2));
    REQUIRE(r2.proc.status == 0);
    CHECK(r2.calls_of("extract_parts") == static_cast<long>(400 - before));
    CHECK(r2.kinds() == strings{"udf_continued", "save_completed"});
    CHECK(r2.the("udf_continued", "extract_parts").rows_before == before);
    CHECK(r2.the("udf_continued", "extract_parts").rows_now == 400 - before);
    CHECK(r2.rows.at("path_parts").count == 1200);  // name, number, extension
    CHECK(versions(ws.store(), "path_parts") == strings{"1.0.0"});

    auto r3 = ws.run("path_parts");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.calls_of("extract_parts") == 0);
    CHECK(r3.kinds() == strings{"save_skipped"});

    // The "dog" yielded by the crashing call was not kept: the rows equal a
    // clean run's, in the same order.
    auto clean = ws.run("path_parts", {}, "clean");
    INFO(describe(clean));
    REQUIRE(clean.proc.status == 0);
    CHECK(clean.calls_of("extract_parts") == 400);
    same_rows(r2.rows.at("path_parts"), clean.rows.at("path_parts"));
}

TEST_CASE("what recomputes and what does not: bug fix, code change, filter change, unrelated chains") {
    workspace ws("recompute_cases");
    const auto cats = 200;

    // Run 1: score has a bug and fails on the first dog; the other chains are saved.
    ws.install("recompute_cases", {"SCORE_BUG"});
    auto r1 = ws.run("recompute_cases");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 1);
    CHECK(r1.calls_of("score") == cats + 1);
    CHECK(r1.calls_of("path") == 400);
    CHECK(r1.kinds() ==
          strings{"save_completed", "udf_from_scratch", "udf_failed", "udf_from_scratch", "save_completed"});
    CHECK(r1.the("udf_failed", "score").rows_now == cats);
    CHECK(versions(ws.store(), "scores").empty());
    CHECK(versions(ws.store(), "filtered") == strings{"1.0.0"});
    CHECK(versions(ws.store(), "all_paths") == strings{"1.0.0"});

    // Run 2: bug fixed, same output type: score continues with the dogs only;
    // the unrelated chains are reused.
    ws.install("recompute_cases");
    auto r2 = ws.run("recompute_cases");
    INFO(describe(r2));
    REQUIRE(r2.proc.status == 0);
    CHECK(r2.calls_of("score") == 400 - cats);
    CHECK(r2.calls_of("path") == 0);
    CHECK(r2.kinds() == strings{"save_skipped", "udf_continued", "save_completed", "save_skipped"});
    CHECK(r2.the("udf_continued", "score").rows_before == cats);
    CHECK(r2.the("udf_continued", "score").rows_now == 400 - cats);
    CHECK(r2.the("save_completed", "scores").version == "1.0.0");
    {
        auto clean = ws.run("recompute_cases", {}, "clean_default");
        INFO(describe(clean));
        REQUIRE(clean.proc.status == 0);
        CHECK(clean.calls_of("score") == 400);
        for (const char* name : {"filtered", "scores", "all_paths"}) same_rows(r2.rows.at(name), clean.rows.at(name));
    }

    // Run 3: score's code changes after a successful run: from scratch.
    ws.install("recompute_cases", {"SCORE_KB"});
    auto r3 = ws.run("recompute_cases");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.calls_of("score") == 400);
    CHECK(r3.calls_of("path") == 0);
    CHECK(r3.kinds() == strings{"save_skipped", "udf_from_scratch", "save_completed", "save_skipped"});
    CHECK(r3.the("udf_from_scratch", "score").rows_before == 0);
    CHECK(r3.the("save_completed", "scores").version == "1.0.1");
    CHECK(r3.rows.at("scores").hash != r2.rows.at("scores").hash);
    CHECK(r3.proc.out.find("code changed after a successful run") != std::string::npos);

    // Run 4: the filter changes: "filtered" recomputes, the rest is reused.
    ws.install("recompute_cases", {"SCORE_KB", "THRESHOLD=20000"});
    auto r4 = ws.run("recompute_cases");
    INFO(describe(r4));
    REQUIRE(r4.proc.status == 0);
    CHECK(r4.calls_of("score") == 0);
    CHECK(r4.calls_of("path") == 0);
    CHECK(r4.kinds() == strings{"save_completed", "save_skipped", "save_skipped"});
    CHECK(r4.the("save_completed", "filtered").version == "1.0.1");
    CHECK(r4.rows.at("filtered").count == larger_than(ws, 20000));
    CHECK(r4.the("save_skipped", "scores").version == "1.0.1");
    CHECK(r4.proc.out.find("filter(file.size > 10000) became filter(file.size > 20000)") != std::string::npos);
    CHECK(versions(ws.store(), "filtered") == strings{"1.0.0", "1.0.1"});
    CHECK(versions(ws.store(), "scores") == strings{"1.0.0", "1.0.1"});
    CHECK(versions(ws.store(), "all_paths") == strings{"1.0.0"});

    auto clean = ws.run("recompute_cases", {}, "clean_final");
    INFO(describe(clean));
    REQUIRE(clean.proc.status == 0);
    for (const char* name : {"filtered", "scores", "all_paths"}) same_rows(r4.rows.at(name), clean.rows.at(name));
}

TEST_CASE("DATACHAIN_IGNORE_CHECKPOINTS=1 recomputes everything, makes new versions, and records for next time") {
    workspace ws("ignore_checkpoints");
    ws.install("recompute_cases");
    auto r1 = ws.run("recompute_cases");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 0);
    CHECK(r1.calls_of("score") == 400);

    for (const char* value : {"1", "true", "yes"}) {
        auto r = ws.run("recompute_cases", {{"DATACHAIN_IGNORE_CHECKPOINTS", value}});
        INFO("DATACHAIN_IGNORE_CHECKPOINTS=" << value << "\n" << describe(r));
        REQUIRE(r.proc.status == 0);
        CHECK(r.calls_of("score") == 400);
        CHECK(r.calls_of("path") == 400);
        CHECK(r.kinds() == strings{"save_completed", "udf_from_scratch", "save_completed", "udf_from_scratch",
                                   "save_completed"});
        for (const char* name : {"filtered", "scores", "all_paths"}) same_rows(r.rows.at(name), r1.rows.at(name));
    }
    CHECK(versions(ws.store(), "filtered") == strings{"1.0.0", "1.0.1", "1.0.2", "1.0.3"});
    CHECK(versions(ws.store(), "scores") == strings{"1.0.0", "1.0.1", "1.0.2", "1.0.3"});

    // The ignoring runs still recorded checkpoints: the next normal run skips,
    // and gets the latest versions.
    auto r5 = ws.run("recompute_cases");
    INFO(describe(r5));
    REQUIRE(r5.proc.status == 0);
    CHECK(r5.calls_of("score") == 0);
    CHECK(r5.kinds() == strings{"save_skipped", "save_skipped", "save_skipped"});
    CHECK(r5.the("save_skipped", "scores").version == "1.0.3");
    CHECK(r5.the("save_skipped", "filtered").version == "1.0.3");
}

TEST_CASE("deleting a dataset version makes the next run compute it again") {
    workspace ws("deleted_version");
    ws.install("recompute_cases");
    auto r1 = ws.run("recompute_cases");
    INFO(describe(r1));
    REQUIRE(r1.proc.status == 0);

    remove_version(ws.store(), "filtered", "1.0.0");
    remove_version(ws.store(), "scores", "1.0.0");
    CHECK(versions(ws.store(), "filtered").empty());

    auto r2 = ws.run("recompute_cases");
    INFO(describe(r2));
    REQUIRE(r2.proc.status == 0);
    // "filtered" is computed again; "scores" is saved again from the UDF's
    // outputs, which are still in the store (reused, not recomputed: the
    // UDF's own checkpoint is intact); "all_paths" is untouched.
    CHECK(r2.kinds() == strings{"save_completed", "udf_skipped", "save_completed", "save_skipped"});
    CHECK(r2.the("save_completed", "filtered").version == "1.0.1");  // 1.0.0 is never reused
    CHECK(r2.the("save_completed", "scores").version == "1.0.1");
    CHECK(r2.calls_of("score") == 0);
    CHECK(r2.proc.err.find("was removed") != std::string::npos);
    for (const char* name : {"filtered", "scores", "all_paths"}) same_rows(r2.rows.at(name), r1.rows.at(name));
    CHECK(versions(ws.store(), "filtered") == strings{"1.0.1"});
    CHECK(versions(ws.store(), "scores") == strings{"1.0.1"});

    auto r3 = ws.run("recompute_cases");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.kinds() == strings{"save_skipped", "save_skipped", "save_skipped"});
}

TEST_CASE("benchmark harness: killed with SIGKILL twice, then it measures only what is missing") {
    workspace ws("benchmark_harness");
    const auto exe = ws.program("benchmark_harness").string();
    ws.install("benchmark_harness");

    // Killed when starting input 76: results are durable every 10 inputs, so
    // 70 measurements survive and the 5 in flight are lost.
    auto r1 = ws.run("benchmark_harness", {{"CRASH_AFTER", "75"}});
    INFO(describe(r1));
    REQUIRE(r1.proc.signal == SIGKILL);
    CHECK(versions(ws.store(), "measurements").empty());

    // Killed again after 50 more: 70 + 50 are durable.
    auto r2 = ws.run("benchmark_harness", {{"CRASH_AFTER", "50"}});
    INFO(describe(r2));
    REQUIRE(r2.proc.signal == SIGKILL);

    auto r3 = ws.run("benchmark_harness");
    INFO(describe(r3));
    REQUIRE(r3.proc.status == 0);
    CHECK(r3.calls_of("measure") == 400 - 120);
    CHECK(r3.kinds() == strings{"udf_continued", "save_completed"});
    CHECK(r3.the("udf_continued", "measure").rows_before == 120);
    CHECK(r3.proc.out.find("measured 280 inputs in this run (120 were already measured)") != std::string::npos);
    CHECK(versions(ws.store(), "measurements") == strings{"1.0.0"});
    // The killed runs' jobs are recognised as crashed.
    CHECK(status_of_job(ws.store(), 0, exe) == dc::job_status::crashed);
    CHECK(status_of_job(ws.store(), 1, exe) == dc::job_status::crashed);
    CHECK(status_of_job(ws.store(), 2, exe) == dc::job_status::complete);

    auto r4 = ws.run("benchmark_harness");
    INFO(describe(r4));
    REQUIRE(r4.proc.status == 0);
    CHECK(r4.calls_of("measure") == 0);
    CHECK(r4.kinds() == strings{"save_skipped"});

    auto clean = ws.run("benchmark_harness", {}, "clean");
    INFO(describe(clean));
    REQUIRE(clean.proc.status == 0);
    CHECK(clean.calls_of("measure") == 400);
    same_rows(r3.rows.at("measurements"), clean.rows.at("measurements"));

    // Three new inputs: only they are measured; the 400 others are reused
    // input by input (the source changed, so the chain's checkpoints miss).
    for (auto name : {"added/a.bin", "added/b.bin", "cats/zz_new.jpg"}) {
        fs::create_directories((ws.sample() / name).parent_path());
        std::ofstream(ws.sample() / name) << "new input " << name;
    }
    auto r5 = ws.run("benchmark_harness");
    INFO(describe(r5));
    REQUIRE(r5.proc.status == 0);
    CHECK(r5.calls_of("measure") == 3);
    CHECK(r5.kinds() == strings{"udf_reused", "save_completed"});
    CHECK(r5.the("udf_reused", "measure").rows_before == 400);
    CHECK(r5.proc.out.find("measured 3 inputs in this run (400 were already measured)") != std::string::npos);
    CHECK(versions(ws.store(), "measurements") == strings{"1.0.0", "1.0.1"});

    // One input rewritten: exactly one measurement.
    std::ofstream(ws.sample() / "added/a.bin", std::ios::trunc) << "rewritten, longer than before";
    auto r6 = ws.run("benchmark_harness");
    INFO(describe(r6));
    REQUIRE(r6.proc.status == 0);
    CHECK(r6.calls_of("measure") == 1);

    auto clean2 = ws.run("benchmark_harness", {}, "clean2");
    REQUIRE(clean2.proc.status == 0);
    CHECK(clean2.calls_of("measure") == 403);
    same_rows(r6.rows.at("measurements"), clean2.rows.at("measurements"));
}
