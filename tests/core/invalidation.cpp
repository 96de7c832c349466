// What invalidates a checkpoint (SPEC section 4, and the seed's "What
// invalidates checkpoints"): for each rule, two pipelines whose structural
// hashes must differ, and the changes that must NOT change them.
//
// The hash of a chain is a running hash over the source declaration and each
// step; save's key is derived from it, so "the hash differs" is "the saved
// dataset recomputes". The data a source reads at run time (a directory
// listing, a dataset version's id) is folded in by the runtime and is tested
// there; here the source's declaration and read_values' content are.
#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>
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

#include "test_support.hpp"

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace dc = datachain;
using dc::C;

namespace helpers_v1 {
DC_DEF(clean, (std::string s) -> std::string { return s; });
}
namespace helpers_v2 {
DC_DEF(clean, (std::string s) -> std::string { return s.substr(0, 10); });
}

namespace {

constexpr auto src = dc::read_storage("gs-demo/dogs-and-cats/");

template <class S>
constexpr dc::hash128 partial_step_hash(const S& s) {
    dc::hasher h;
    s.hash_partial_into(h);
    return h.finish();
}

} // namespace

TEST_CASE("invalidation: changing a filter condition", "[invalidation]") {
    constexpr auto run1 = src | dc::filter(C<"file.size"> > 10000) | dc::save("filtered");
    constexpr auto run2 = src | dc::filter(C<"file.size"> > 20000) | dc::save("filtered");
    STATIC_REQUIRE(run1.hash() != run2.hash());
    // Another operator, another column, another expression shape.
    STATIC_REQUIRE((src | dc::filter(C<"file.size"> >= 10000)).hash() != (src | dc::filter(C<"file.size"> > 10000)).hash());
    STATIC_REQUIRE((src | dc::filter(C<"file.mtime"> > 10000)).hash() != (src | dc::filter(C<"file.size"> > 10000)).hash());
    STATIC_REQUIRE((src | dc::filter(!(C<"file.size"> > 10000))).hash() != (src | dc::filter(C<"file.size"> > 10000)).hash());
    STATIC_REQUIRE((src | dc::filter(C<"file.path">.glob("*.jpg"))).hash() !=
                   (src | dc::filter(C<"file.path">.glob("*.png"))).hash());
}

TEST_CASE("invalidation: constants are normalized by kind, not by spelling", "[invalidation]") {
    constexpr auto as_int = src | dc::filter(C<"file.size"> > 15000);
    constexpr auto as_long = src | dc::filter(C<"file.size"> > 15000L);
    constexpr auto as_short = src | dc::filter(C<"file.size"> > static_cast<short>(15000));
    constexpr auto as_double = src | dc::filter(C<"file.size"> > 15000.0);
    STATIC_REQUIRE(as_int.hash() == as_long.hash());
    STATIC_REQUIRE(as_int.hash() == as_short.hash());
    STATIC_REQUIRE(as_int.hash() != as_double.hash());
    // A string constant cannot meet a number column in a checked chain (that
    // is a compile error, see tests/compile_fail); fragments are checked only
    // when they meet a source, so the kinds can be compared structurally.
    constexpr auto frag_int = dc::fragment(dc::filter(C<"x"> > 15000));
    constexpr auto frag_long = dc::fragment(dc::filter(C<"x"> > 15000L));
    constexpr auto frag_double = dc::fragment(dc::filter(C<"x"> > 15000.0));
    constexpr auto frag_string = dc::fragment(dc::filter(C<"x"> > "15000"));
    STATIC_REQUIRE(frag_int.hash() == frag_long.hash());
    STATIC_REQUIRE(frag_int.hash() != frag_double.hash());
    STATIC_REQUIRE(frag_int.hash() != frag_string.hash());
    STATIC_REQUIRE(frag_double.hash() != frag_string.hash());
    // And on a real string column, "15000" differs from "15000.0".
    STATIC_REQUIRE((src | dc::filter(C<"file.path"> == "15000")).hash() !=
                   (src | dc::filter(C<"file.path"> == "15000.0")).hash());
}

TEST_CASE("invalidation: changing a parameter", "[invalidation]") {
    STATIC_REQUIRE((src | dc::limit(5)).hash() != (src | dc::limit(6)).hash());
    STATIC_REQUIRE((src | dc::select<"file.path", "file.size">).hash() != (src | dc::select<"file.path">).hash());
    STATIC_REQUIRE((src | dc::select<"file.path", "file.size">).hash() !=
                   (src | dc::select<"file.size", "file.path">).hash());
    STATIC_REQUIRE((src | dc::order_by(C<"file.size">)).hash() != (src | dc::order_by(C<"file.size">.desc())).hash());
    STATIC_REQUIRE((src | dc::order_by(C<"file.size">, C<"file.path">)).hash() !=
                   (src | dc::order_by(C<"file.path">, C<"file.size">)).hash());
    STATIC_REQUIRE((src | dc::save("a")).hash() != (src | dc::save("b")).hash());
    // Output column names are parameters too.
    constexpr auto f = DC_UDF([](const dc::File& file) { return file.size; });
    STATIC_REQUIRE((src | dc::map<"size">(f)).hash() != (src | dc::map<"bytes">(f)).hash());
    // So is how a UDF is bound: by type or by an explicit path.
    constexpr auto g = DC_UDF([](std::uint64_t s) { return s / 2; });
    STATIC_REQUIRE((src | dc::map<"half">(g, dc::params<"file.size">)).hash() !=
                   (src | dc::map<"half">(g, dc::convert_params<"file.mtime">)).hash());
    // Asking for the arithmetic conversion (i64 column, u64 parameter) is not
    // part of the identity: the parameter type is the UDF's code.
    STATIC_REQUIRE((src | dc::map<"half">(g, dc::params<"file.size">)).hash() ==
                   (src | dc::map<"half">(g, dc::convert_params<"file.size">)).hash());
}

TEST_CASE("invalidation: changing an output type (full and partial)", "[invalidation]") {
    // Same name and version: only the declared output type differs.
    constexpr auto as_text = dc::versioned("score", 1, [](const dc::File& f) -> std::string { return f.path; });
    constexpr auto as_number = dc::versioned("score", 1, [](const dc::File& f) -> double { return f.size; });
    STATIC_REQUIRE(as_text.id.full_hash() == as_number.id.full_hash());
    constexpr auto m_text = dc::map<"score">(as_text);
    constexpr auto m_number = dc::map<"score">(as_number);
    STATIC_REQUIRE((src | m_text).hash() != (src | m_number).hash());
    // A changed output type drops partial results: the partial hash differs too.
    STATIC_REQUIRE(partial_step_hash(m_text) != partial_step_hash(m_number));
    // The same for gen's element type.
    constexpr auto parts_text =
        dc::versioned("parts", 1, [](const dc::File& f) -> std::vector<std::string> { return {f.path}; });
    constexpr auto parts_sizes =
        dc::versioned("parts", 1, [](const dc::File& f) -> std::vector<std::uint64_t> { return {f.size}; });
    STATIC_REQUIRE(partial_step_hash(dc::gen<"part">(parts_text)) != partial_step_hash(dc::gen<"part">(parts_sizes)));
}

TEST_CASE("invalidation: adding, removing or reordering steps", "[invalidation]") {
    constexpr auto a = dc::filter(C<"file.size"> > 10000);
    constexpr auto b = dc::limit(10);
    constexpr auto s = dc::save("out");
    constexpr auto both = src | a | b | s;
    STATIC_REQUIRE(both.hash() != (src | a | s).hash());          // removed b
    STATIC_REQUIRE(both.hash() != (src | b | s).hash());          // removed a
    STATIC_REQUIRE(both.hash() != (src | b | a | s).hash());      // reordered
    STATIC_REQUIRE(both.hash() != (src | a | b | a | s).hash());  // added (the same step again)
    STATIC_REQUIRE((src | a).hash() != (src | a | a).hash());
    STATIC_REQUIRE(src.decl_hash() != (src | a).hash());
    // Composing through fragments is the same chain.
    STATIC_REQUIRE((src | (a | b) | s).hash() == both.hash());
    STATIC_REQUIRE(((src | a) | (b | s)).hash() == both.hash());
    STATIC_REQUIRE((src | (dc::fragment(a) | b | s)).hash() == both.hash());
}

TEST_CASE("invalidation: changing the source", "[invalidation]") {
    // read_storage: the URI as written (the runtime adds the listing).
    STATIC_REQUIRE((dc::read_storage("photos/") | dc::limit(1)).hash() !=
                   (dc::read_storage("photos2/") | dc::limit(1)).hash());
    // read_dataset: the name and the requested version (the runtime adds the
    // resolved version's id, so a new latest version is a new hash too).
    using T = dc::schema<dc::column<"num", std::int32_t>>;
    STATIC_REQUIRE(dc::read_dataset<T>("numbers").decl_hash() != dc::read_dataset<T>("numbers2").decl_hash());
    STATIC_REQUIRE(dc::read_dataset<T>("numbers", "1.0.0").decl_hash() !=
                   dc::read_dataset<T>("numbers", "1.0.1").decl_hash());
    STATIC_REQUIRE(dc::read_dataset<T>("numbers", "1.0.0").decl_hash() != dc::read_dataset<T>("numbers").decl_hash());
    STATIC_REQUIRE((dc::read_dataset<T>("numbers", "1.0.0") | dc::limit(1)).hash() !=
                   (dc::read_dataset<T>("numbers", "1.0.1") | dc::limit(1)).hash());
    // read_values: the values and their schema, the same on every run.
    auto v = [](std::vector<std::int32_t> xs) { return dc::read_values<"num">(std::move(xs)); };
    CHECK((v({1, 2, 3}) | dc::limit(1)).hash() == (v({1, 2, 3}) | dc::limit(1)).hash());
    CHECK(v({1, 2, 3}).decl_hash() != v({1, 2, 4}).decl_hash());
    CHECK(v({1, 2, 3}).decl_hash() != v({3, 2, 1}).decl_hash());
    CHECK(v({1, 2, 3}).decl_hash() != v({1, 2}).decl_hash());
    CHECK(v({}).decl_hash() != v({0}).decl_hash());
    CHECK(v({1, 2, 3}).decl_hash() != dc::read_values<"n">(std::vector<std::int32_t>{1, 2, 3}).decl_hash());
    CHECK(v({1, 2, 3}).decl_hash() != dc::read_values<"num">(std::vector<std::int64_t>{1, 2, 3}).decl_hash());
    // Columns do not run together: ("ab", "c") is not ("a", "bc").
    using strs = std::vector<std::string>;
    CHECK(dc::read_values<"a", "b">(strs{"ab"}, strs{"c"}).decl_hash() !=
          dc::read_values<"a", "b">(strs{"a"}, strs{"bc"}).decl_hash());
    // Across sources of different kinds.
    STATIC_REQUIRE(dc::read_storage("numbers").decl_hash() != dc::read_dataset<T>("numbers").decl_hash());
}

TEST_CASE("invalidation: UDF code, version and helpers", "[invalidation]") {
    // Code edit: the full hash (skip) changes, the partial hash (continue) does not.
    constexpr auto kb = dc::map<"score">(DC_UDF([](const dc::File& f) { return f.size / 1024.0; }));
    constexpr auto k = dc::map<"score">(DC_UDF([](const dc::File& f) { return f.size / 1000.0; }));
    STATIC_REQUIRE((src | kb).hash() != (src | k).hash());
    STATIC_REQUIRE(partial_step_hash(kb) == partial_step_hash(k));
    // Version bump.
    constexpr auto v1 = dc::map<"score">(dc::versioned("score", 1, [](const dc::File& f) { return f.size / 1024.0; }));
    constexpr auto v2 = dc::map<"score">(dc::versioned("score", 2, [](const dc::File& f) { return f.size / 1024.0; }));
    STATIC_REQUIRE((src | v1).hash() != (src | v2).hash());
    STATIC_REQUIRE(partial_step_hash(v1) == partial_step_hash(v2));
    // Helper edit.
    constexpr auto h1 = dc::map<"name">(
        DC_UDF([](const dc::File& f) { return helpers_v1::clean(f.path); }).uses(helpers_v1::clean));
    constexpr auto h2 = dc::map<"name">(
        DC_UDF([](const dc::File& f) { return helpers_v1::clean(f.path); }).uses(helpers_v2::clean));
    STATIC_REQUIRE((src | h1).hash() != (src | h2).hash());
    STATIC_REQUIRE(partial_step_hash(h1) == partial_step_hash(h2));
    // The same for gen and agg.
    constexpr auto g1 = dc::gen<"part">(DC_UDF([](const dc::File& f) { return std::vector<std::string>{f.path}; }));
    constexpr auto g2 = dc::gen<"part">(DC_UDF([](const dc::File& f) { return std::vector<std::string>{f.source}; }));
    STATIC_REQUIRE((src | g1).hash() != (src | g2).hash());
    STATIC_REQUIRE(partial_step_hash(g1) == partial_step_hash(g2));
    constexpr auto a1 = dc::agg<"n">(DC_UDF([](const std::vector<dc::File>& fs) { return std::vector<std::uint64_t>{fs.size()}; }));
    constexpr auto a2 = dc::agg<"n">(DC_UDF([](const std::vector<dc::File>& fs) { return std::vector<std::uint64_t>{fs.size() + 1}; }));
    STATIC_REQUIRE((src | a1).hash() != (src | a2).hash());
    STATIC_REQUIRE(partial_step_hash(a1) == partial_step_hash(a2));
}

TEST_CASE("no invalidation: comments and white space inside a UDF body", "[invalidation]") {
    constexpr auto plain = src | dc::map<"kb">(DC_UDF([](const dc::File& f) { return f.size / 1024.0; }));
    constexpr auto commented = src | dc::map<"kb">(DC_UDF([](const dc::File& f) {
                                   // kilobytes, binary
                                   return f.size
                                          / 1024.0; /* not 1000 */
                               }));
    STATIC_REQUIRE(plain.hash() == commented.hash());
}

TEST_CASE("no invalidation: another chain's change", "[invalidation]") {
    // The seed's multi-chain program, as it is before and after chain 1's edit.
    // Chain 2 is an independent object: its hash does not depend on chain 1.
    constexpr auto paths = dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; }));
    struct program {
        dc::hash128 large_files;
        dc::hash128 all_paths;
    };
    constexpr program before{(src | dc::filter(C<"file.size"> > 10000) | dc::save("large_files")).hash(),
                             (src | paths | dc::save("all_paths")).hash()};
    constexpr program after{(src | dc::filter(C<"file.size"> > 20000) | dc::save("large_files")).hash(),
                            (src | paths | dc::save("all_paths")).hash()};
    STATIC_REQUIRE(before.large_files != after.large_files);
    STATIC_REQUIRE(before.all_paths == after.all_paths);
}

TEST_CASE("no invalidation: settings are not part of a pipeline", "[invalidation]") {
    // Settings (parallelism, batch size, progress) are run-time options of
    // the executor, not of the pipeline type; this test only shows the
    // compile-time half of that: the hash is a function of the pipeline
    // object alone (no parameters), equal for equal pipelines, whatever else
    // the program does. The runtime's tests check that its settings change
    // no stored key.
    constexpr auto p = src | dc::filter(C<"file.size"> > 10000) | dc::save("filtered");
    STATIC_REQUIRE(std::is_same_v<decltype(&decltype(p)::hash), dc::hash128 (decltype(p)::*)() const>);
    const auto copy = p;
    CHECK(copy.hash() == p.hash());
}

namespace {
// Run-time inputs the compiler cannot see through.
volatile char runtime_path[] = "gs-demo/dogs-and-cats/";
volatile int runtime_threshold = 15000;
volatile char runtime_name[] = "large_files";

std::string read_volatile(const volatile char* p) {
    std::string s;
    while (*p) s += *p++;
    return s;
}
} // namespace

TEST_CASE("compile-time hash equals the same pipeline built from run-time values", "[invalidation]") {
    constexpr auto p = dc::read_storage("gs-demo/dogs-and-cats/") | dc::filter(C<"file.size"> > 15000) |
                       dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; })) | dc::limit(100) |
                       dc::save("large_files");
    constexpr dc::hash128 at_compile_time = p.hash();
    STATIC_REQUIRE(at_compile_time == p.hash());

    const std::string path = read_volatile(runtime_path);
    const int threshold = runtime_threshold;
    const std::string name = read_volatile(runtime_name);
    const std::uint64_t n = 100 + static_cast<std::uint64_t>(runtime_threshold - 15000);
    const auto q = dc::read_storage(path) | dc::filter(C<"file.size"> > threshold) |
                   dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; })) | dc::limit(n) |
                   dc::save(name);
    // Different C++ types (std::string instead of std::string_view), same hash.
    STATIC_REQUIRE(!std::is_same_v<std::remove_cvref_t<decltype(p)>, std::remove_cvref_t<decltype(q)>>);
    CHECK(q.hash() == at_compile_time);
    CHECK(q.describe() == p.describe());

    const auto r = dc::read_storage(path) | dc::filter(C<"file.size"> > threshold + 1) |
                   dc::map<"path">(DC_UDF([](const dc::File& f) { return f.path; })) | dc::limit(n) |
                   dc::save(name);
    CHECK(r.hash() != at_compile_time);
}
