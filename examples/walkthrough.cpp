// The checkpoint walkthrough: crash, fix the bug, run again, run once more.
//
//   walkthrough <dir>
//
// reads every file under <dir>, upper-cases its path with `process`, and saves
// the result as the dataset "processed_files". Try it on the dogs-and-cats
// sample (tools/make_sample) with a store of your own:
//
//   make_sample sample
//   CXX="c++ -std=c++20 -O2 -Iinclude"; LIBS="-lleveldb -lxxhash -pthread"
//   $CXX -DDATACHAIN_EXAMPLE_BUG examples/walkthrough.cpp -o walkthrough $LIBS
//   ./walkthrough sample      # run 1: does the dogs, then fails on the first cat (exit 1)
//
//   # "fix the bug": rebuild the same program at the same path without the macro
//   $CXX examples/walkthrough.cpp -o walkthrough $LIBS
//   ./walkthrough sample      # run 2: continues; only the 200 cats are processed
//   ./walkthrough sample      # run 3: nothing changed, nothing runs, same version
//
// What to expect on each run:
//   run 1  process is called for the 200 dog files, which are kept, then it
//          throws on the first cat: the program prints the error and exits 1.
//   run 2  "continued: 200 rows were already done by an earlier run; computed
//          200": the fixed process only sees the cats. Version 1.0.0 is saved.
//   run 3  "skipped: nothing changed": process is not called at all and no new
//          version is made; the program gets version 1.0.0 again.
//
// Runs are linked by the path of the executable: rebuilding it in place keeps
// the link, moving it elsewhere starts afresh. DATACHAIN_ROOT chooses the
// store (default ./.datachain); DATACHAIN_IGNORE_CHECKPOINTS=1 recomputes all.
#include <datachain/datachain.hpp>
// With datachain::object_storage (examples/CMakeLists.txt defines the macro),
// <dir> may also be s3://bucket/prefix/ or gs://bucket/prefix/: scripts/demo.sh
// passes DATACHAIN_DEMO_BUCKET, e.g. gs://datachain-demo/dogs-and-cats/.
#ifdef DATACHAIN_EXAMPLE_OBJECT_STORAGE
#include <datachain/object_storage.hpp>
#endif

#include "report.hpp"

#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace dc = datachain;

// Counts calls, to show how much work each run really did.
inline example::call_counter process_calls{"process"};

// The UDF's identity is its token text: the two versions below differ, but
// they have the same name and output type, so the fixed one may continue from
// the outputs the buggy one left behind.
#ifdef DATACHAIN_EXAMPLE_BUG
// First version: it cannot handle cats.
DC_DEF(process, (const dc::File& file) -> std::string {
    ++process_calls;
    if (file.path.find("cat") != std::string::npos) throw std::runtime_error("can't handle cats");
    std::string s = file.path;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
});
#else
// Fixed version.
DC_DEF(process, (const dc::File& file) -> std::string {
    ++process_calls;
    std::string s = file.path;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
});
#endif

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    // Newest path first: in the sample, every dog.* sorts after every cat.*,
    // so the descending order puts the dogs first and the buggy version does
    // real work (200 dog files) before it meets a cat.
    auto pipeline = dc::read_storage(std::string(argv[1]))
                  | dc::order_by(dc::C<"file.path">.desc())
                  | dc::map<"result">(process)
                  | dc::save("processed_files");
    try {
        auto ds = pipeline.run();

        // What kind of run was this? The session's events say.
        for (const auto& e : dc::default_session().events()) {
            if (e.kind == "udf_continued")
                std::printf("continued: %llu rows were already done by an earlier run; computed %llu\n",
                            static_cast<unsigned long long>(e.rows_before),
                            static_cast<unsigned long long>(e.rows_now));
            else if (e.kind == "udf_from_scratch")
                std::printf("computed from scratch: %llu rows\n", static_cast<unsigned long long>(e.rows_now));
            else if (e.kind == "save_skipped")
                std::printf("skipped: nothing changed (%s)\n", e.why.c_str());
        }
        std::printf("dataset %s version %s, %llu rows\n", ds.name().c_str(), ds.version().c_str(),
                    static_cast<unsigned long long>(ds.size()));
        int shown = 0;
        for (const auto& r : ds) {
            if (shown++ == 3) break;
            std::printf("  %-14s -> %s\n", r.get<"file.path">().c_str(), r.get<"result">().c_str());
        }
        example::print_calls();
        example::print_events();
        example::print_rows(ds);
    } catch (const dc::udf_error& e) {
        // The rows done before the failure are kept: fix the bug, run again.
        std::fprintf(stderr, "error: %s\n", e.what());
        std::printf("failed in %s at row %llu (file %s)\n", e.step().c_str(),
                    static_cast<unsigned long long>(e.row()), e.path().c_str());
        example::print_calls();
        example::print_events();
        return 1;
    }
    return 0;
}
