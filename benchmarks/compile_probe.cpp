// compile_probe: a minimal, fixed pipeline whose compile time
// benchmarks/compile_time.sh measures beside examples/walkthrough.cpp (which
// may change as the example grows; this file should not).
//
//   bench_compile_probe <dir>     # runs it: store in $DATACHAIN_ROOT or ./.datachain
//
// The pipeline: read_storage | filter | map<"result">(process) | save.
#include <datachain/datachain.hpp>

#include <cstdio>
#include <string>

namespace dc = datachain;

DC_DEF(process, (const dc::File& file) -> std::string {
    std::string s = file.path;
    for (auto& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    return s;
});

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s <dir>\n", argv[0]);
        return 2;
    }
    auto ds = (dc::read_storage(std::string(argv[1]))
               | dc::filter(dc::C<"file.size"> > 1000)
               | dc::map<"result">(process)
               | dc::save("processed_files")).run();
    std::printf("%s %s: %llu rows\n", ds.name().c_str(), ds.version().c_str(),
                static_cast<unsigned long long>(ds.size()));
    return 0;
}
