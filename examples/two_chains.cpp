// Two chains in one program are independent: changing one does not
// recompute the other.
//
//   two_chains <dir>
//
//   chain 1: the files larger than THRESHOLD bytes      -> dataset "large_files"
//   chain 2: every file's path, through a UDF           -> dataset "all_paths"
//
// THRESHOLD is a macro (default 15000) so that "editing the filter" is a
// rebuild with -DTHRESHOLD=20000. What to expect:
//   run 1                      both chains compute (path is called 400 times
//                              on the sample); versions 1.0.0 of both.
//   run 2 (nothing changed)    both are skipped; path is not called.
//   rebuild -DTHRESHOLD=20000  chain 1 computes a new version 1.0.1 of
//                              "large_files" (the filter's constant is in its
//                              hash); chain 2 is skipped: its chain is
//                              untouched, so path is still not called.
#include <datachain/datachain.hpp>

#include "report.hpp"

#include <cstdio>
#include <string>

#ifndef THRESHOLD
#define THRESHOLD 15000
#endif

namespace dc = datachain;

inline example::call_counter path_calls{"path"};

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

    // Chain 1: filter by size.
    auto large = (dc::read_storage(dir) | dc::filter(dc::C<"file.size"> > THRESHOLD) | dc::save("large_files")).run();

    // Chain 2: all paths.
    auto paths = (dc::read_storage(dir) | dc::map<"path">(path) | dc::save("all_paths")).run();

    std::printf("large_files %s: %llu files larger than %d bytes\n", large.version().c_str(),
                static_cast<unsigned long long>(large.size()), THRESHOLD);
    std::printf("all_paths   %s: %llu paths\n", paths.version().c_str(),
                static_cast<unsigned long long>(paths.size()));
    std::printf("this run: %zu dataset(s) saved, %zu reused\n", example::count_events("save_completed"),
                example::count_events("save_skipped"));

    example::print_calls();
    example::print_events();
    example::print_rows(large);
    example::print_rows(paths);
    return 0;
}
