// What recomputes and what does not, in one program whose "edits" are macros.
//
//   recompute_cases <dir>
//
// Three independent chains over the same files:
//   "filtered"   files larger than THRESHOLD bytes (default 10000)
//   "scores"     a score per file, from the UDF `score`
//   "all_paths"  every path, from the UDF `path`
//
// `score` comes in three versions, chosen at build time:
//   (default)    the file's size in bytes
//   -DSCORE_BUG  the same, but it throws on the first dog file (the sample
//                lists the 200 cat files first, so those are done by then)
//   -DSCORE_KB   the size in KiB: different code, same output type
//
// A sequence that shows every case (each line is a rebuild at the same path,
// then a run against the same store):
//   -DSCORE_BUG              "scores" fails after 200 cats (exit 1); the other
//                            two chains are saved anyway (they are independent)
//   (no macro)               bug fixed, same output type: score CONTINUES and
//                            runs for the 200 dogs only; the others are skipped
//   -DSCORE_KB               code changed after a successful run: score runs
//                            FROM SCRATCH (400 calls), "scores" gets 1.0.1
//   -DSCORE_KB -DTHRESHOLD=20000
//                            the filter changed: "filtered" RECOMPUTES (1.0.1);
//                            "scores" and "all_paths" are untouched: reused
//   DATACHAIN_IGNORE_CHECKPOINTS=1 (no rebuild)
//                            everything recomputes and gets a new version
#include <datachain/datachain.hpp>

#include "report.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#ifndef THRESHOLD
#define THRESHOLD 10000
#endif

namespace dc = datachain;

inline example::call_counter score_calls{"score"};
inline example::call_counter path_calls{"path"};

#if defined(SCORE_BUG)
DC_DEF(score, (const dc::File& file) -> double {
    ++score_calls;
    if (file.path.starts_with("dog")) throw std::runtime_error("bug: dogs are not scored yet");
    return static_cast<double>(file.size);
});
#elif defined(SCORE_KB)
DC_DEF(score, (const dc::File& file) -> double {
    ++score_calls;
    return static_cast<double>(file.size) / 1024;
});
#else
DC_DEF(score, (const dc::File& file) -> double {
    ++score_calls;
    return static_cast<double>(file.size);
});
#endif

DC_DEF(path, (const dc::File& file) -> std::string {
    ++path_calls;
    return file.path;
});

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    int status = 0;

    auto filtered = (dc::read_storage(dir) | dc::filter(dc::C<"file.size"> > THRESHOLD) | dc::save("filtered")).run();
    std::printf("filtered  %s: %llu files larger than %d bytes\n", filtered.version().c_str(),
                static_cast<unsigned long long>(filtered.size()), THRESHOLD);
    example::print_rows(filtered);

    try {
        auto scores = (dc::read_storage(dir) | dc::map<"score">(score) | dc::save("scores")).run();
        std::printf("scores    %s: %llu scores\n", scores.version().c_str(),
                    static_cast<unsigned long long>(scores.size()));
        example::print_rows(scores);
    } catch (const dc::udf_error& e) {
        // The scores done so far are kept; the next chain runs regardless.
        std::fprintf(stderr, "error: %s\n", e.what());
        std::printf("scores    failed on %s\n", e.path().c_str());
        status = 1;
    }

    auto paths = (dc::read_storage(dir) | dc::map<"path">(path) | dc::save("all_paths")).run();
    std::printf("all_paths %s: %llu paths\n", paths.version().c_str(), static_cast<unsigned long long>(paths.size()));
    example::print_rows(paths);

    // Why did each step run (or not)? One line per decision of this run.
    for (const auto& e : dc::default_session().events())
        std::printf("  %-16s %-28s %s\n", e.kind.c_str(), e.step.c_str(), e.why.c_str());

    example::print_calls();
    example::print_events();
    return status;
}
