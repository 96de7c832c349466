// make_corpus <dir>: writes the seed corpus of the fuzz targets,
// <dir>/<target>/<seed>, a handful of valid encodings (dc_fuzz::sample in
// three flavors: empty, small, extremes; older record versions this build
// still reads) and a few truncated ones. The committed tests/fuzz/corpus is
// its output; regenerate it after a codec or record change with
//   <build>/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
// (the old seeds stay useful inputs, so this is not a test).
#include "fuzz_support.hpp"

#include <datachain/runtime/listing_record.hpp>
#include <datachain/runtime/records.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
namespace dc = datachain;
namespace rec = datachain::detail::rec;

void write(const fs::path& dir, const std::string& name, const std::string& bytes) {
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
}

std::string half(const std::string& s) { return s.substr(0, s.size() / 2); }

template <std::size_t I>
void codec_seeds(const fs::path& dir) {
    using T = std::tuple_element_t<I, dc_fuzz::row_types>;
    const std::string selector(1, static_cast<char>(I));
    for (int flavor = 0; flavor < 3; ++flavor) {
        std::string bytes = selector;
        dc::encode(bytes, dc_fuzz::sample<T>(flavor));
        write(dir, "type" + std::to_string(I) + "-valid-" + std::to_string(flavor), bytes);
        if (flavor == 2) write(dir, "type" + std::to_string(I) + "-truncated", half(bytes));
    }
}

template <class T>
void record_seeds(const fs::path& dir) {
    for (int flavor = 0; flavor < 3; ++flavor) {
        auto bytes = rec::pack(dc_fuzz::sample<T>(flavor));
        write(dir, "valid-" + std::to_string(flavor), bytes);
        if (flavor > 0) write(dir, "truncated-" + std::to_string(flavor), half(bytes));
    }
    // Records written by an older version that this build still reads.
    if constexpr (requires { typename rec::record_traits<T>::v1; }) {
        using V1 = typename rec::record_traits<T>::v1;
        std::string bytes(1, '\1');
        dc::encode(bytes, dc_fuzz::sample<V1>(1));
        write(dir, "valid-v1", bytes);
    }
}

// Kept source listings: none, one and several files, and a cut one.
void listing_seeds(const fs::path& dir) {
    namespace detail = datachain::detail;
    const detail::listing_entries several = {{"a.txt", 1}, {"cats/b.jpg", 0}, {std::string("z\0\xff", 3), ~0ull}};
    write(dir, "valid-0", detail::encode_listing({}));
    write(dir, "valid-1", detail::encode_listing({{"only.txt", 42}}));
    write(dir, "valid-2", detail::encode_listing(several));
    write(dir, "truncated-2", half(detail::encode_listing(several)));
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (codec_seeds<I>(root / "codec"), ...);
    }(std::make_index_sequence<dc_fuzz::row_type_count>{});
    record_seeds<dc::job_record>(root / "record_job");
    record_seeds<dc::checkpoint_record>(root / "record_checkpoint");
    record_seeds<dc::chain_record>(root / "record_chain");
    record_seeds<dc::dataset_record>(root / "record_dataset");
    record_seeds<dc::event_record>(root / "record_event");
    record_seeds<dc::version_schema_record>(root / "record_version_schema");
    listing_seeds(root / "listing");
    std::printf("make_corpus: wrote the seeds under %s\n", root.string().c_str());
    return 0;
}
