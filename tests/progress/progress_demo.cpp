// Runs a small pipeline with progress on, as a user's program would: list a
// directory of <files> files, map a slow-ish UDF over the rows, sort, save.
//   progress_demo <store dir> <data dir> <files>
// The tests (progress.cpp) run it under a pseudo-terminal and read what it
// draws; the numbers in its summary lines are what they check.
#include <datachain/datachain.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace dc = datachain;

DC_DEF(slow_kb, (const dc::File& f) -> std::uint64_t {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));   // so that redraws happen mid-step
    return f.size / 1024;
});

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: progress_demo <store dir> <data dir> <files>\n");
        return 2;
    }
    const std::filesystem::path data = argv[2];
    const int files = std::atoi(argv[3]);
    if (!std::filesystem::exists(data) && std::filesystem::create_directories(data))  // the same data on a rerun
        for (int i = 0; i < files; ++i) std::ofstream(data / ("f" + std::to_string(i) + ".bin")) << std::string(i * 7, 'x');

    dc::settings cfg;
    cfg.root = argv[1];
    cfg.job_name = "progress_demo";
    cfg.batch_size = 16;
    cfg.progress = true;
    cfg.report = true;
    dc::session s(cfg);
    auto ds = (dc::read_storage(data.string()) | dc::map<"kb">(slow_kb) |
               dc::order_by(dc::C<"file.path">) | dc::save("kbs"))
                  .run(s);
    std::printf("saved %s rows=%zu\n", ds.version().c_str(), static_cast<std::size_t>(ds.size()));
    return 0;
}
