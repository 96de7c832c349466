// Golden structural hashes.
//
// CHANGING THESE VALUES IS A BREAKING CHANGE: every stored checkpoint and
// partial UDF output becomes unreachable. If a change to the encoding is
// intended, bump datachain::hash_format_version (include/datachain/version.hpp),
// add a CHANGELOG.md entry that says so, and re-pin every value below (a
// failing check prints the new literal). If it is not intended, the change
// you made altered what some step feeds into the hasher: find it.
//
// Each pipeline is pinned twice: at compile time (STATIC_REQUIRE, where the
// pipeline is constexpr) and at run time through an opaque copy, so the
// constexpr and run-time paths are proven to agree. This file is built twice,
// at -O0 and -O2 (tests/golden/CMakeLists.txt), and CI builds it with g++ and
// clang++: the same literals must hold for all four.
#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>
#include <datachain/core/generator.hpp>
#include <datachain/core/types.hpp>
#include <datachain/core/udf.hpp>
#include <datachain/sources/read_dataset.hpp>
#include <datachain/sources/read_storage.hpp>
#include <datachain/sources/read_values.hpp>
#include <datachain/steps/agg.hpp>
#include <datachain/steps/filter.hpp>
#include <datachain/steps/gen.hpp>
#include <datachain/steps/limit.hpp>
#include <datachain/steps/map.hpp>
#include <datachain/steps/order_by.hpp>
#include <datachain/steps/save.hpp>
#include <datachain/steps/select.hpp>

#include "../core/test_support.hpp"

#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace dc = datachain;
using dc::C;

namespace golden {
struct ImageSize {
    BOOST_HANA_DEFINE_STRUCT(ImageSize, (std::uint32_t, width), (std::uint32_t, height));
};
} // namespace golden

// The seed's UDFs, in C++.
DC_DEF(process, (const dc::File& file) -> std::string { return file.path; });
DC_DEF(extract_parts, (const dc::File& file) -> std::vector<std::string> {
    std::vector<std::string> parts;
    std::string part;
    for (char c : file.path) {
        if (c == '/') {
            if (!part.empty()) parts.push_back(part);
            part.clear();
        } else {
            part += c;
        }
    }
    if (!part.empty()) parts.push_back(part);
    return parts;
});
DC_DEF(score, (const dc::File& file) -> double { return file.size / 1024.0; });
DC_DEF(lowercase, (std::string s) -> std::string {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
});
DC_DEF(count_files, (const std::vector<dc::File>& files) -> std::vector<std::uint64_t> { return {files.size()}; });

namespace {

constexpr auto storage = dc::read_storage("gs-demo/dogs-and-cats/");

// Keeps the optimizer from folding a hash computation into a constant.
[[gnu::noinline]] void opaque(void* p) { __asm__ __volatile__("" : : "r"(p) : "memory"); }

// The hash computed at run time, from a copy the compiler cannot see through.
template <class P>
dc::hash128 runtime_hash(const P& p) {
    P copy = p;
    opaque(&copy);
    return copy.hash();
}

std::string runtime_string(const char* s) {
    std::string r = s;
    opaque(&r);
    return r;
}

} // namespace

// --- Encoding anchors ---------------------------------------------------------

TEST_CASE("golden: encoding anchors", "[golden]") {
    constexpr dc::hash128 empty{0xd2ebd5962425f8e9, 0x48765e88f41a158f};
    STATIC_REQUIRE(dc::hasher{}.finish() == empty);
    constexpr dc::hash128 seed_of_nothing{0x26945fc32a402b38, 0xbe5f278ded11417c};
    STATIC_REQUIRE(dc::chain_seed(dc::hash128{}) == seed_of_nothing);
    constexpr dc::hash128 file_type{0xc902977a1dd10677, 0x21a48987ee413eb9};
    STATIC_REQUIRE(dc::type_hash<dc::File>() == file_type);
    constexpr dc::hash128 image_size_type{0x20af9e37a70b67f2, 0x3ec72935a710f8ac};
    STATIC_REQUIRE(dc::type_hash<golden::ImageSize>() == image_size_type);
    // The same values through the run-time path.
    dc::hasher h;
    opaque(&h);
    CHECK(h.finish() == empty);
    dc::hash128 zero{};
    opaque(&zero);
    CHECK(dc::chain_seed(zero) == seed_of_nothing);
    CHECK(dc::type_hash<dc::File>() == file_type);
}

// --- Sources ------------------------------------------------------------------

TEST_CASE("golden: read_storage | save", "[golden]") {
    constexpr auto p = storage | dc::save("all_files");
    constexpr dc::hash128 pinned{0x327bb09d7ce20e91, 0x18d9b6f9a911af34};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    // The same pipeline from run-time strings.
    const auto q = dc::read_storage(runtime_string("gs-demo/dogs-and-cats/")) | dc::save(runtime_string("all_files"));
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: read_values of several types", "[golden]") {
    // Not constexpr (the values live on the heap): run time only.
    const auto p = dc::read_values<"num", "name", "ratio", "tags", "maybe", "byte">(
                       std::vector<std::int32_t>{1, -2, 3}, std::vector<std::string>{"a", "", "c\xC3\xA9"},
                       std::vector<float>{0.5f, -0.0f, 1e30f},
                       std::vector<std::vector<std::int64_t>>{{}, {1, 2}, {-3}},
                       std::vector<std::optional<double>>{std::nullopt, 2.5, -1.0},
                       std::vector<std::uint8_t>{0, 255, 7}) |
                   dc::filter(C<"num"> >= 2) | dc::save("values");
    constexpr dc::hash128 pinned{0xf6ca445047073ab7, 0x7616342cb759e464};
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: read_dataset (latest) | save", "[golden]") {
    using S = dc::schema<dc::column<"num", std::int32_t>, dc::column<"name", std::string>>;
    constexpr auto p = dc::read_dataset<S>("values") | dc::save("values_copy");
    constexpr dc::hash128 pinned{0x48c55e689a31af05, 0x551bb6867bb1230e};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    const auto q = dc::read_dataset<S>(runtime_string("values")) | dc::save("values_copy");
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: read_dataset (version) | order_by desc | limit", "[golden]") {
    using S = dc::schema<dc::column<"num", std::int32_t>, dc::column<"name", std::string>>;
    constexpr auto p = dc::read_dataset<S>("values", "1.0.3") | dc::order_by(C<"num">.desc()) | dc::limit(1);
    constexpr dc::hash128 pinned{0x208dcf990b40bb66, 0x00361cb0bfa411d7};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- filter and its literals ----------------------------------------------------

TEST_CASE("golden: filter, int literal (the seed's large_files)", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.size"> > 15000) | dc::save("large_files");
    constexpr dc::hash128 pinned{0x3d17e107e151bb83, 0xda0e798e576c984f};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    // long spelling, run-time value: the same constant.
    volatile long threshold = 15000L;
    const auto q = storage | dc::filter(C<"file.size"> > threshold) | dc::save("large_files");
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: filter, negative int and unsigned literals", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.mtime"> > -1 && C<"file.size"> <= 20000u);
    constexpr dc::hash128 pinned{0x9abde6c68515ed7a, 0x9f3c58846e271b55};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, floating literal", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.size"> > 15000.0) | dc::save("large_files");
    constexpr dc::hash128 pinned{0x6c14dc0e452cfb34, 0xbcb991df8d690cb7};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, string literals and string tests", "[golden]") {
    constexpr auto p = storage |
                       dc::filter(C<"file.path"> != "cats/cat.1.jpg" && C<"file.path">.starts_with("cats/") &&
                                  C<"file.path">.ends_with(".jpg") && C<"file.path">.contains("cat") &&
                                  C<"file.path">.glob("cats/cat.[0-9]*.jpg"));
    constexpr dc::hash128 pinned{0x3308f13a4ff600f6, 0xc93d78260b2b2509};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    // std::string constants hash like literals.
    const auto q = storage |
                   dc::filter(C<"file.path"> != runtime_string("cats/cat.1.jpg") &&
                              C<"file.path">.starts_with(runtime_string("cats/")) &&
                              C<"file.path">.ends_with(runtime_string(".jpg")) &&
                              C<"file.path">.contains(runtime_string("cat")) &&
                              C<"file.path">.glob(runtime_string("cats/cat.[0-9]*.jpg")));
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: filter, bool literal on a mapped bool column", "[golden]") {
    constexpr auto p = storage | dc::map<"is_jpg">(DC_UDF([](const dc::File& f) { return f.suffix() == "jpg"; })) |
                       dc::filter(C<"is_jpg"> == true || !C<"is_jpg">);
    constexpr dc::hash128 pinned{0xbd8764dd22e3dc17, 0x78fb3d591e9d6c16};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, arithmetic and negation", "[golden]") {
    constexpr auto p = storage | dc::filter((C<"file.size"> / 1024 + 1) * 2 - C<"file.size"> % 7 >= 10 &&
                                            -C<"file.mtime"> < 0);
    constexpr dc::hash128 pinned{0x937e9ed49376a379, 0xe8df0b63a88f255f};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- map --------------------------------------------------------------------------

TEST_CASE("golden: map with DC_DEF (the seed's process)", "[golden]") {
    constexpr auto p = storage | dc::map<"result">(process) | dc::save("processed_files");
    constexpr dc::hash128 pinned{0x691af8593cb5eb53, 0xb8d9b0d0189327ea};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with DC_UDF (the seed's all_paths)", "[golden]") {
    constexpr auto p = storage | dc::map<"path">(DC_UDF([](const dc::File& file) { return file.path; })) |
                       dc::save("all_paths");
    constexpr dc::hash128 pinned{0xef5ec10ea40eb1d9, 0x91bbb8ccd6379ba2};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with several outputs from a tuple", "[golden]") {
    constexpr auto p = storage | dc::map<"stem", "bytes", "kb">(DC_UDF([](const dc::File& f) {
                           return std::tuple<std::string, std::uint64_t, double>{f.name(), f.size, f.size / 1024.0};
                       }));
    constexpr dc::hash128 pinned{0x0207ccfa92a1dc4c, 0xc214acdcbdd0f508};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with a struct output", "[golden]") {
    constexpr auto p = storage | dc::map<"dims">(DC_UDF([](const dc::File& f) {
                           return golden::ImageSize{static_cast<std::uint32_t>(f.size), 1};
                       })) |
                       dc::filter(C<"dims.width"> > 100u);
    constexpr dc::hash128 pinned{0x785963f49da85ef6, 0x48c36b923c5dc4b8};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map bound by explicit paths", "[golden]") {
    constexpr auto p = storage | dc::map<"label">(DC_UDF([](const std::string& path, std::uint64_t size) {
                                                      return path + ":" + std::to_string(size);
                                                  }),
                                                  dc::params<"file.path", "file.size">);
    constexpr dc::hash128 pinned{0x47a9796ba9a22306, 0xbb91781b4af95048};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with a versioned UDF and a helper dependency", "[golden]") {
    constexpr auto classify = dc::versioned("classify", 3, [](const dc::File& f) { return lowercase(f.suffix()); })
                                  .uses(lowercase);
    constexpr auto p = storage | dc::map<"kind">(classify) | dc::map<"score">(score) | dc::save("scored");
    constexpr dc::hash128 pinned{0x3448d9ad3784da49, 0xce3babf837fb7107};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- gen and agg ----------------------------------------------------------------

TEST_CASE("golden: gen returning a vector (the seed's path_parts)", "[golden]") {
    constexpr auto p = storage | dc::gen<"part">(extract_parts) | dc::save("path_parts");
    constexpr dc::hash128 pinned{0x366db6f3205927d4, 0xb24277682f20d0a5};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: gen with a coroutine generator and two outputs", "[golden]") {
    constexpr auto p =
        storage | dc::gen<"index", "char">(DC_UDF([](const std::string& path) -> dc::generator<std::tuple<std::int32_t, std::string>> {
            for (std::int32_t i = 0; i < static_cast<std::int32_t>(path.size()); ++i)
                co_yield std::tuple<std::int32_t, std::string>{i, path.substr(static_cast<std::size_t>(i), 1)};
        }),
                                           dc::params<"file.path">);
    constexpr dc::hash128 pinned{0x3066c095a44aaad7, 0xb3a2dbbe1790eda8};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: agg with partition_by", "[golden]") {
    constexpr auto p = storage | dc::map<"kind">(DC_UDF([](const dc::File& f) { return f.suffix(); })) |
                       dc::agg<"count">(count_files, dc::partition_by<"kind">) | dc::save("counts_by_kind");
    constexpr dc::hash128 pinned{0x44b910eab9b42d18, 0x6a59c59da32f281a};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: agg without partition_by, span parameter, two outputs", "[golden]") {
    constexpr auto p = storage | dc::agg<"total", "largest">(DC_UDF([](std::span<const std::uint64_t> sizes) {
                           std::uint64_t total = 0, largest = 0;
                           for (auto s : sizes) {
                               total += s;
                               largest = s > largest ? s : largest;
                           }
                           return std::vector<std::tuple<std::uint64_t, std::uint64_t>>{{total, largest}};
                       }),
                                                            dc::partition_by<>, dc::params<"file.size">);
    constexpr dc::hash128 pinned{0xb749d2e290fe92f2, 0xdb7d9d14890f9d15};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- select, order_by, limit ----------------------------------------------------

TEST_CASE("golden: select", "[golden]") {
    constexpr auto p = storage | dc::map<"result">(process) | dc::select<"file.path", "file.size", "result">;
    constexpr dc::hash128 pinned{0xc7e350ebf1f6ccbf, 0xb60cc593023fd9c0};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: order_by several keys | limit", "[golden]") {
    constexpr auto p = storage | dc::order_by(C<"file.size">.desc(), C<"file.path">) | dc::limit(10) |
                       dc::save("ten_largest");
    constexpr dc::hash128 pinned{0x76a3e404e5a568eb, 0x2d709d6975c192c6};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: a long chain with every step kind", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.size"> > 0) | dc::map<"result">(process) |
                       dc::gen<"part">(DC_UDF([](const std::string& result) { return std::vector<std::string>{result}; })) |
                       dc::map<"len">(DC_UDF([](const std::string& part) { return static_cast<std::uint64_t>(part.size()); })) |
                       dc::agg<"n">(DC_UDF([](const std::vector<std::string>& parts) {
                           return std::vector<std::uint64_t>{parts.size()};
                       }),
                                    dc::partition_by<"len">) |
                       dc::order_by(C<"len">) | dc::select<"len", "n"> | dc::limit(100) | dc::save("part_lengths");
    constexpr dc::hash128 pinned{0x53001a3b3d7fa475, 0x6585c244d9cb7354};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- fragments without a source -------------------------------------------------

TEST_CASE("golden: fragment filter | limit", "[golden]") {
    constexpr auto p = dc::filter(C<"file.size"> > 15000) | dc::limit(5);
    constexpr dc::hash128 pinned{0x4b3882762579bfe4, 0x2bab01c400cca25d};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: fragment of one map step, and the chain it makes", "[golden]") {
    constexpr auto frag = dc::fragment(dc::map<"result">(process));
    constexpr dc::hash128 pinned{0x7167b8000447d51f, 0x7eb2e9b49a5f9f62};
    STATIC_REQUIRE(frag.hash() == pinned);
    CHECK(runtime_hash(frag) == pinned);
    // Composing the fragment gives the map-with-DC_DEF pipeline above.
    constexpr auto p = storage | frag | dc::save("processed_files");
    STATIC_REQUIRE(p.hash() == (storage | dc::map<"result">(process) | dc::save("processed_files")).hash());
}
