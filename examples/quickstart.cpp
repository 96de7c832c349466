// The README's quick example: a checked pipeline, its compile-time hash, a run.
//
//   example_quickstart <dir>
//
// Run it twice: the second run finds the checkpoint of "processed_files" and
// computes nothing. Edit `process` (or the threshold), rebuild, run again:
// that chain recomputes.
#include <datachain/datachain.hpp>

#include <cctype>
#include <cstdio>
#include <string>

namespace dc = datachain;

// A UDF whose identity is its token text: comments and layout do not count.
DC_DEF(process, (const dc::File& file) -> std::string {
    std::string s = file.path;
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
});

// A fragment: steps without a source yet. Its structural hash is a
// compile-time constant (pinned here, so any change to the pipeline or to the
// hash format shows up as a build error).
constexpr auto processed = dc::filter(dc::C<"file.size"> > 15000)
                         | dc::map<"result">(process)
                         | dc::save("processed_files");
static_assert(processed.hash() == dc::hash128{0xdf7d74eb8d9b08c7, 0x25547cf4152a2eb4});

int main(int argc, char** argv) {
    auto ds = (dc::read_storage(argc > 1 ? argv[1] : "data/") | processed).run();
    std::printf("%s@%s: %llu rows\n", ds.name().c_str(), ds.version().c_str(),
                static_cast<unsigned long long>(ds.size()));
    for (const auto& row : ds) {
        std::printf("  %-14s %6llu bytes -> %s\n", row.get<"file.path">().c_str(),
                    static_cast<unsigned long long>(row.get<"file.size">()), row.get<"result">().c_str());
        break;
    }
}
