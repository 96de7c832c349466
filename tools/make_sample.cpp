// make_sample: write the deterministic sample data set used by datachain's
// examples, tests and demo. Standalone C++20; no datachain header.
//
//   make_sample <dir> [count]
//
// The directory is flat and shaped like DataChain's public dogs-and-cats demo:
// `cat.N.jpg` and `dog.N.jpg` images, each with a `.json` sidecar
// (`cat.N.json`) holding its id and class. `count` is the number of images
// (default 200): cats get ids 1..ceil(count/2), dogs ids 1..floor(count/2),
// so the default is 100 cats + 100 dogs + 200 sidecars = 400 files.
//
// Contract, relied on by tests and examples:
// - Deterministic: every byte derives from the file name (an LCG seeded by a
//   hash of it), and every file's mtime is fixed, 2024-01-01T00:00:00Z plus a
//   number of seconds that also derives from the name only. Regenerating, with
//   any count, gives identical files, sizes and mtimes, so a listing of the
//   directory fingerprints the same. Re-running rewrites the same files;
//   other files in <dir> are left alone.
// - Image sizes vary from 4 KiB to 40 KiB, so a filter such as
//   `size > 15000` keeps some images and drops others.
// - The images are JPEG-shaped (SOI, a JFIF APP0 segment, EOI) but their
//   payload is noise: they cannot be decoded.
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::size_t min_image_size = 4 * 1024;
constexpr std::size_t max_image_size = 40 * 1024;
constexpr std::size_t size_threshold = 15000; // only for the summary line
constexpr std::int64_t epoch_2024 = 1704067200; // 2024-01-01T00:00:00Z, Unix seconds

// FNV-1a, 64 bits: the seed of a file's bytes and size.
constexpr std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// Knuth's MMIX linear congruential generator; the high bits are the output.
struct lcg {
    std::uint64_t state;
    std::uint32_t next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(state >> 33);
    }
};

struct item {
    std::string_view cls; // "cat" or "dog"
    int cls_index;        // 0 for cats, 1 for dogs
    int id;               // 1-based
};

std::string stem(const item& it) { return std::string(it.cls) + "." + std::to_string(it.id); }

std::size_t image_size(const std::string& name) {
    return min_image_size + fnv1a(name) % (max_image_size - min_image_size + 1);
}

std::vector<unsigned char> image_bytes(const std::string& name) {
    const std::size_t size = image_size(name);
    std::vector<unsigned char> bytes;
    bytes.reserve(size);
    // SOI, then a JFIF APP0 segment (length 16, version 1.1, no thumbnail).
    constexpr std::array<unsigned char, 20> header{
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F',
        0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
    bytes.insert(bytes.end(), header.begin(), header.end());
    lcg gen{fnv1a(name) ^ 0x9E3779B97F4A7C15ull};
    while (bytes.size() + 2 < size) {
        auto b = static_cast<unsigned char>(gen.next() & 0xFF);
        bytes.push_back(b == 0xFF ? 0x00 : b); // no stray markers in the payload
    }
    bytes.push_back(0xFF); // EOI
    bytes.push_back(0xD9);
    return bytes;
}

std::string sidecar_text(const item& it) {
    return "{\n  \"id\": " + std::to_string(it.id) + ",\n  \"class\": \"" + std::string(it.cls) +
           "\",\n  \"image\": \"" + stem(it) + ".jpg\"\n}\n";
}

// Seconds after 2024-01-01 for a file: depends on the name only, so adding
// or removing other files never moves it. Image even, sidecar odd.
std::int64_t mtime_offset(const item& it, bool sidecar) {
    return (static_cast<std::int64_t>(it.cls_index) * 1'000'000 + it.id) * 2 + (sidecar ? 1 : 0);
}

bool write_file(const fs::path& path, const void* data, std::size_t size, std::int64_t offset) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.close();
        if (!out) {
            std::fprintf(stderr, "make_sample: cannot write %s\n", path.string().c_str());
            return false;
        }
    }
    const std::chrono::sys_seconds when{std::chrono::seconds{epoch_2024 + offset}};
    std::error_code ec;
    fs::last_write_time(path, std::chrono::file_clock::from_sys(when), ec);
    if (ec) {
        std::fprintf(stderr, "make_sample: cannot set the mtime of %s: %s\n",
                     path.string().c_str(), ec.message().c_str());
        return false;
    }
    return true;
}

int usage() {
    std::fprintf(stderr,
                 "usage: make_sample <dir> [count]\n"
                 "  writes <count> images (default 200: cat.1.jpg..cat.100.jpg, dog.1.jpg..dog.100.jpg)\n"
                 "  and a .json sidecar for each into <dir>, deterministically\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) return usage();
    const fs::path dir = argv[1];
    long count = 200;
    if (argc == 3) {
        char* end = nullptr;
        count = std::strtol(argv[2], &end, 10);
        if (end == argv[2] || *end != '\0' || count < 1 || count > 1'000'000) {
            std::fprintf(stderr, "make_sample: count must be an integer in 1..1000000, got '%s'\n", argv[2]);
            return usage();
        }
    }

    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        std::fprintf(stderr, "make_sample: cannot create %s: %s\n", dir.string().c_str(), ec.message().c_str());
        return 1;
    }

    const int cats = static_cast<int>((count + 1) / 2);
    const int dogs = static_cast<int>(count / 2);
    std::size_t files = 0, large = 0, bytes_total = 0;
    for (const item base : {item{"cat", 0, 0}, item{"dog", 1, 0}}) {
        const int n = base.cls_index == 0 ? cats : dogs;
        for (int id = 1; id <= n; ++id) {
            const item it{base.cls, base.cls_index, id};
            const std::string image_name = stem(it) + ".jpg";
            const auto image = image_bytes(image_name);
            if (!write_file(dir / image_name, image.data(), image.size(), mtime_offset(it, false))) return 1;
            const std::string json = sidecar_text(it);
            if (!write_file(dir / (stem(it) + ".json"), json.data(), json.size(), mtime_offset(it, true))) return 1;
            files += 2;
            bytes_total += image.size() + json.size();
            if (image.size() > size_threshold) ++large;
        }
    }
    std::printf("make_sample: wrote %zu files (%d cats, %d dogs, %zu sidecars, %zu bytes) to %s; "
                "%zu images are larger than %zu bytes\n",
                files, cats, dogs, files / 2, bytes_total, dir.string().c_str(), large, size_threshold);
    return 0;
}
