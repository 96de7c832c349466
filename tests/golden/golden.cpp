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
    constexpr dc::hash128 seed_of_nothing{0x0ec8f16e12c4ae10, 0xb3fcb327c388e086};
    STATIC_REQUIRE(dc::chain_seed(dc::hash128{}) == seed_of_nothing);
    constexpr dc::hash128 file_type{0x88d37ffef4799f4c, 0xb38d5aae8c54322f};
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
    constexpr dc::hash128 pinned{0x4d1e65017258734c, 0x6f8924b9e8afbf22};
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
    constexpr dc::hash128 pinned{0x30962596f2c22c0d, 0x37b7288e11b84ed8};
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: read_dataset (latest) | save", "[golden]") {
    using S = dc::schema<dc::column<"num", std::int32_t>, dc::column<"name", std::string>>;
    constexpr auto p = dc::read_dataset<S>("values") | dc::save("values_copy");
    constexpr dc::hash128 pinned{0x78166acd7bd216c2, 0xdc552068a1fe4126};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    const auto q = dc::read_dataset<S>(runtime_string("values")) | dc::save("values_copy");
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: read_dataset (version) | order_by desc | limit", "[golden]") {
    using S = dc::schema<dc::column<"num", std::int32_t>, dc::column<"name", std::string>>;
    constexpr auto p = dc::read_dataset<S>("values", "1.0.3") | dc::order_by(C<"num">.desc()) | dc::limit(1);
    constexpr dc::hash128 pinned{0x3cdeda33e553ed73, 0x481305b8c30d7688};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- filter and its literals ----------------------------------------------------

TEST_CASE("golden: filter, int literal (the seed's large_files)", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.size"> > 15000) | dc::save("large_files");
    constexpr dc::hash128 pinned{0x4b7b2c96080995f5, 0xa2bb033311698b8c};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
    // long spelling, run-time value: the same constant.
    volatile long threshold = 15000L;
    const auto q = storage | dc::filter(C<"file.size"> > threshold) | dc::save("large_files");
    CHECK(runtime_hash(q) == pinned);
}

TEST_CASE("golden: filter, negative int and unsigned literals", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.mtime"> > -1 && C<"file.size"> <= 20000u);
    constexpr dc::hash128 pinned{0x378f69d84cb8622e, 0x2640353cd3b889f4};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, floating literal", "[golden]") {
    constexpr auto p = storage | dc::filter(C<"file.size"> > 15000.0) | dc::save("large_files");
    constexpr dc::hash128 pinned{0x23a40d04ef1b3145, 0xbaef75d7d7aec2c0};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, string literals and string tests", "[golden]") {
    constexpr auto p = storage |
                       dc::filter(C<"file.path"> != "cats/cat.1.jpg" && C<"file.path">.starts_with("cats/") &&
                                  C<"file.path">.ends_with(".jpg") && C<"file.path">.contains("cat") &&
                                  C<"file.path">.glob("cats/cat.[0-9]*.jpg"));
    constexpr dc::hash128 pinned{0xdd4e0998e645b678, 0x37f0399b2dee8a07};
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
    constexpr dc::hash128 pinned{0x4e8ceb49731e02c7, 0xbaff591c8d0f1f05};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: filter, arithmetic and negation", "[golden]") {
    constexpr auto p = storage | dc::filter((C<"file.size"> / 1024 + 1) * 2 - C<"file.size"> % 7 >= 10 &&
                                            -C<"file.mtime"> < 0);
    constexpr dc::hash128 pinned{0xcbd132f47e60d1eb, 0xe7a6561f10dc17df};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- map --------------------------------------------------------------------------

TEST_CASE("golden: map with DC_DEF (the seed's process)", "[golden]") {
    constexpr auto p = storage | dc::map<"result">(process) | dc::save("processed_files");
    constexpr dc::hash128 pinned{0x56e28d8a1ce53d42, 0x50d56b6249257a49};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with DC_UDF (the seed's all_paths)", "[golden]") {
    constexpr auto p = storage | dc::map<"path">(DC_UDF([](const dc::File& file) { return file.path; })) |
                       dc::save("all_paths");
    constexpr dc::hash128 pinned{0xd1dca7afd7aab575, 0xc1e16aba9b5b6293};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with several outputs from a tuple", "[golden]") {
    constexpr auto p = storage | dc::map<"stem", "bytes", "kb">(DC_UDF([](const dc::File& f) {
                           return std::tuple<std::string, std::uint64_t, double>{f.name(), f.size, f.size / 1024.0};
                       }));
    constexpr dc::hash128 pinned{0x8c8f0709aeb081c1, 0x97dd55efbfbff4f1};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with a struct output", "[golden]") {
    constexpr auto p = storage | dc::map<"dims">(DC_UDF([](const dc::File& f) {
                           return golden::ImageSize{static_cast<std::uint32_t>(f.size), 1};
                       })) |
                       dc::filter(C<"dims.width"> > 100u);
    constexpr dc::hash128 pinned{0x2abcec7208fc3164, 0xf2812d7daba9e5b5};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map bound by explicit paths", "[golden]") {
    constexpr auto p = storage | dc::map<"label">(DC_UDF([](const std::string& path, std::uint64_t size) {
                                                      return path + ":" + std::to_string(size);
                                                  }),
                                                  dc::params<"file.path", "file.size">);
    constexpr dc::hash128 pinned{0x7ee2843dd66991c4, 0x20eedac1c0fce3e3};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: map with a versioned UDF and a helper dependency", "[golden]") {
    constexpr auto classify = dc::versioned("classify", 3, [](const dc::File& f) { return lowercase(f.suffix()); })
                                  .uses(lowercase);
    constexpr auto p = storage | dc::map<"kind">(classify) | dc::map<"score">(score) | dc::save("scored");
    constexpr dc::hash128 pinned{0xe8305d9c5a26230e, 0x7483129b9c6e5906};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- gen and agg ----------------------------------------------------------------

TEST_CASE("golden: gen returning a vector (the seed's path_parts)", "[golden]") {
    constexpr auto p = storage | dc::gen<"part">(extract_parts) | dc::save("path_parts");
    constexpr dc::hash128 pinned{0x5613e043115b7496, 0x4e27d2a475f221e3};
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
    constexpr dc::hash128 pinned{0xda94540daf19d0db, 0x36ac7e130c77de52};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: agg with partition_by", "[golden]") {
    constexpr auto p = storage | dc::map<"kind">(DC_UDF([](const dc::File& f) { return f.suffix(); })) |
                       dc::agg<"count">(count_files, dc::partition_by<"kind">) | dc::save("counts_by_kind");
    constexpr dc::hash128 pinned{0xa7131bcdc09c4882, 0x0a15063be18ea003};
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
    constexpr dc::hash128 pinned{0x3232652e1a5f5394, 0x5bdb00821421228e};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- select, order_by, limit ----------------------------------------------------

TEST_CASE("golden: select", "[golden]") {
    constexpr auto p = storage | dc::map<"result">(process) | dc::select<"file.path", "file.size", "result">;
    constexpr dc::hash128 pinned{0x98e2bb5d101df26c, 0x3fc040e3c464cf8b};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: order_by several keys | limit", "[golden]") {
    constexpr auto p = storage | dc::order_by(C<"file.size">.desc(), C<"file.path">) | dc::limit(10) |
                       dc::save("ten_largest");
    constexpr dc::hash128 pinned{0x68899334cbf4e35c, 0xd683e968787c0d15};
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
    constexpr dc::hash128 pinned{0xabfd26e715ea3597, 0x76e53de8673575cd};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

// --- fragments without a source -------------------------------------------------

TEST_CASE("golden: fragment filter | limit", "[golden]") {
    constexpr auto p = dc::filter(C<"file.size"> > 15000) | dc::limit(5);
    constexpr dc::hash128 pinned{0xe115d94d9d9ecb5f, 0xa56b170c4a7be511};
    STATIC_REQUIRE(p.hash() == pinned);
    CHECK(runtime_hash(p) == pinned);
}

TEST_CASE("golden: fragment of one map step, and the chain it makes", "[golden]") {
    constexpr auto frag = dc::fragment(dc::map<"result">(process));
    constexpr dc::hash128 pinned{0x5bd38ba6ca50694f, 0x407fdd0f87b14315};
    STATIC_REQUIRE(frag.hash() == pinned);
    CHECK(runtime_hash(frag) == pinned);
    // Composing the fragment gives the map-with-DC_DEF pipeline above.
    constexpr auto p = storage | frag | dc::save("processed_files");
    STATIC_REQUIRE(p.hash() == (storage | dc::map<"result">(process) | dc::save("processed_files")).hash());
}
