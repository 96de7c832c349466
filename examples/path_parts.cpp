// A generator UDF: several output rows per input, and how it recovers.
//
//   path_parts <dir>
//
// yields every part of every file's path, split on '/' and '.' ("cat.7.jpg"
// gives "cat", "7", "jpg"), and saves them as the dataset "path_parts".
//
// Build with -DDATACHAIN_EXAMPLE_BUG for a version that crashes midway: on
// dog.50.jpg it yields "dog", then throws. What to expect:
//   run 1 (bug)     the inputs before dog.50.jpg in path order (byte by
//                   byte: the 200 cat files and the 92 dog files that sort
//                   before it, dog.1.jpg ... dog.5.json) are done and kept;
//                   the program prints the error and exits 1. The "dog" already
//                   yielded for dog.50.jpg is not kept: an input's outputs are
//                   committed together with its "done" mark, or not at all.
//   run 2 (fixed)   continues: the UDF runs only for dog.50.jpg and the inputs
//                   after it; the dataset equals the one a run without the
//                   bug would have made. Version 1.0.0.
//   run 3           nothing changed: skipped, the UDF is not called.
#include <datachain/datachain.hpp>

#include "report.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace dc = datachain;

inline example::call_counter parts_calls{"extract_parts"};

#ifdef DATACHAIN_EXAMPLE_BUG
DC_DEF(extract_parts, (const dc::File& file) -> dc::generator<std::string> {
    ++parts_calls;
    std::string part;
    for (char c : file.path) {
        if (c != '/' && c != '.') {
            part += c;
            continue;
        }
        if (!part.empty()) co_yield part;
        part.clear();
        // The bug: something in here cannot cope with dog number 50.
        if (file.path.starts_with("dog.50.")) throw std::runtime_error("lost track of dog 50");
    }
    if (!part.empty()) co_yield part;
});
#else
DC_DEF(extract_parts, (const dc::File& file) -> dc::generator<std::string> {
    ++parts_calls;
    std::string part;
    for (char c : file.path) {
        if (c != '/' && c != '.') {
            part += c;
            continue;
        }
        if (!part.empty()) co_yield part;
        part.clear();
    }
    if (!part.empty()) co_yield part;
});
#endif

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    try {
        auto ds = (dc::read_storage(std::string(argv[1])) | dc::gen<"part">(extract_parts) | dc::save("path_parts"))
                      .run();
        for (const auto& e : dc::default_session().events())
            if (e.kind == "udf_continued")
                std::printf("continued: %llu inputs were done by an earlier run; processed %llu now\n",
                            static_cast<unsigned long long>(e.rows_before),
                            static_cast<unsigned long long>(e.rows_now));
        std::printf("dataset %s version %s: %llu parts; the first ones:", ds.name().c_str(), ds.version().c_str(),
                    static_cast<unsigned long long>(ds.size()));
        int shown = 0;
        for (const auto& r : ds) {
            if (shown++ == 6) break;
            std::printf(" %s", r.get<"part">().c_str());
        }
        std::printf("\n");
        example::print_calls();
        example::print_events();
        example::print_rows(ds);
    } catch (const dc::udf_error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        std::printf("failed on %s (input row %llu)\n", e.path().c_str(), static_cast<unsigned long long>(e.row()));
        example::print_calls();
        example::print_events();
        return 1;
    }
    return 0;
}
