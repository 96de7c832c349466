// include/datachain/steps/*.hpp and the sources: the schema every step
// produces, how UDF parameters bind, describe() lines, and the canonical
// encoding each step feeds into the chain hash.
#include <datachain/core/chain.hpp>
#include <datachain/core/expr.hpp>
#include <datachain/core/generator.hpp>
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

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace dc = datachain;
using dc::C;

namespace shapes {
struct Size {
    BOOST_HANA_DEFINE_STRUCT(Size, (std::uint32_t, w), (std::uint32_t, h));
};
} // namespace shapes

DC_DEF(path_of, (const dc::File& f) -> std::string { return f.path; });
DC_DEF(kind_of, (const dc::File& f) -> std::string { return f.suffix(); });
DC_DEF(parts_of, (const dc::File& f) -> std::vector<std::string> { return {f.parent(), f.name()}; });
DC_DEF(count_files, (const std::vector<dc::File>& fs) -> std::vector<std::uint64_t> { return {fs.size()}; });

namespace {

constexpr auto src = dc::read_storage("data/");
using FileSchema = dc::schema<dc::column<"file", dc::File>>;

template <class P, class... Cols>
constexpr bool schema_is = std::is_same_v<typename P::schema, dc::schema<Cols...>>;

template <class S>
constexpr dc::hash128 encoded(const S& step) {
    return dc::step_hash(step);
}
using dc_test::hash_with;

} // namespace

TEST_CASE("sources: schemas and declarations", "[steps][sources]") {
    STATIC_REQUIRE(std::is_same_v<decltype(src)::schema, FileSchema>);
    STATIC_REQUIRE(dc::source_decl<decltype(src)>);
    STATIC_REQUIRE(src.decl_hash() == hash_with([](dc::hasher& h) { h.tag("read_storage").str("data/"); }));
    CHECK(src.describe() == "read_storage(\"data/\")");
    CHECK(dc::read_storage(std::string("data/")).decl_hash() == src.decl_hash());

    using T = dc::schema<dc::column<"num", std::int32_t>>;
    constexpr auto ds = dc::read_dataset<T>("numbers", "1.0.2");
    STATIC_REQUIRE(std::is_same_v<decltype(ds)::schema, T>);
    STATIC_REQUIRE(ds.decl_hash() == hash_with([](dc::hasher& h) { h.tag("read_dataset").str("numbers").str("1.0.2"); }));
    STATIC_REQUIRE(dc::read_dataset<T>("numbers").decl_hash() ==
                   hash_with([](dc::hasher& h) { h.tag("read_dataset").str("numbers").str(""); }));
    CHECK(ds.describe() == "read_dataset(\"numbers\", \"1.0.2\")");
    CHECK(dc::read_dataset<T>("numbers").describe() == "read_dataset(\"numbers\")");
    CHECK(dc::read_dataset<T>(std::string("numbers"), std::string("1.0.2")).decl_hash() == ds.decl_hash());

    const auto vals = dc::read_values<"num", "name">(std::vector<std::int32_t>{1, 2}, std::vector<std::string>{"a", "b"});
    STATIC_REQUIRE(std::is_same_v<decltype(vals)::schema,
                                  dc::schema<dc::column<"num", std::int32_t>, dc::column<"name", std::string>>>);
    CHECK(vals.rows == 2);
    CHECK(vals.decl_hash() == hash_with([](dc::hasher& h) {
              h.tag("read_values");
              decltype(vals)::schema::hash_into(h);
              h.u64(2).i64(1).str("a").i64(2).str("b");
          }));
    CHECK(vals.describe() == "read_values(2 rows, content " + vals.decl_hash().short_hex() + ")");
    auto uneven = [] { return dc::read_values<"a", "b">(std::vector<std::int32_t>{1}, std::vector<std::int32_t>{}); };
    CHECK_THROWS_AS(uneven(), dc::error);
}

TEST_CASE("map: appends its output columns", "[steps][map]") {
    constexpr auto p = src | dc::map<"path">(path_of);
    STATIC_REQUIRE(schema_is<decltype(p), dc::column<"file", dc::File>, dc::column<"path", std::string>>);
    // A tuple result with several names: one column per element.
    constexpr auto wh = src | dc::map<"w", "h">(DC_UDF([](const dc::File& f) {
                            return std::tuple<std::uint32_t, double>{static_cast<std::uint32_t>(f.size), 0.5};
                        }));
    STATIC_REQUIRE(schema_is<decltype(wh), dc::column<"file", dc::File>, dc::column<"w", std::uint32_t>,
                             dc::column<"h", double>>);
    // A tuple under one name stays one column; so does a struct.
    constexpr auto t = src | dc::map<"t">(DC_UDF([](const dc::File&) { return std::tuple<bool, bool>{}; }));
    STATIC_REQUIRE(schema_is<decltype(t), dc::column<"file", dc::File>, dc::column<"t", std::tuple<bool, bool>>>);
    constexpr auto sz = src | dc::map<"size">(DC_UDF([](const dc::File&) { return shapes::Size{1, 2}; }));
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<decltype(sz)::schema, "size.h">, std::uint32_t>);
    CHECK(p.describe() == std::vector<std::string>{"read_storage(\"data/\")", "map<path>(path_of) -> str"});
    CHECK(wh.describe().back() == "map<w, h>(udf) -> (uint32, f64)");
    CHECK(sz.describe().back() == "map<size>(udf) -> {w: uint32, h: uint32}");
}

TEST_CASE("UDF parameters bind by type or by explicit paths", "[steps][bind]") {
    // By type: the one column of that type, later steps' columns included.
    constexpr auto p = src | dc::map<"kind">(kind_of) |
                       dc::map<"upper">(DC_UDF([](const std::string& kind) { return kind + "!"; }));
    STATIC_REQUIRE(dc::has_column_v<decltype(p)::schema, "upper">);
    using S1 = dc::schema<dc::column<"file", dc::File>, dc::column<"kind", std::string>>;
    using by_type = dc::binder<S1, decltype(DC_UDF([](const std::string& s) { return s; }).fn), dc::by_type>;
    STATIC_REQUIRE(by_type::check());
    CHECK(by_type::describe() == "kind");
    const S1::tuple_type row{dc::File{"file:///d", "a/b.jpg", 3, 4, "", ""}, "jpg"};
    CHECK(by_type::call([](const std::string& s) { return s + "?"; }, row) == "jpg?");

    // By path: members of structs, several parameters, converting arithmetic
    // types on request (dc::convert_params; dc::params needs the same type).
    using named = dc::binder<S1, decltype(+[](std::uint64_t size, const std::string& path, double d) {
                                     return path + std::to_string(size) + std::to_string(d > 0);
                                 }),
                             dc::convert_params_t<"file.size", "file.path", "file.mtime">>;
    STATIC_REQUIRE(named::check());
    CHECK(named::describe() == "file.size, file.path, file.mtime");
    CHECK(named::call([](std::uint64_t size, const std::string& path, double d) {
              return path + ":" + std::to_string(size) + ":" + std::to_string(static_cast<int>(d));
          }, row) == "a/b.jpg:3:4");
    constexpr auto q = src | dc::map<"half">(DC_UDF([](std::uint64_t s) { return s / 2; }), dc::params<"file.size">);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<decltype(q)::schema, "half">, std::uint64_t>);

    // How a UDF is bound enters the step's hash.
    STATIC_REQUIRE(hash_with([](dc::hasher& h) { dc::hash_binding<decltype(+[](std::int32_t) {}), dc::by_type>(h); }) ==
                   hash_with([](dc::hasher& h) { h.tag("by_type").u32(1).tag("int").u8(32); }));
    STATIC_REQUIRE(hash_with([](dc::hasher& h) {
                       dc::hash_binding<decltype(+[](std::int32_t) {}), dc::params_t<"n">>(h);
                   }) == hash_with([](dc::hasher& h) { h.tag("params").u32(1).str("n"); }));
}

TEST_CASE("gen: the output rows have only the generated columns", "[steps][gen]") {
    constexpr auto p = src | dc::gen<"part">(parts_of);
    STATIC_REQUIRE(schema_is<decltype(p), dc::column<"part", std::string>>);
    // A coroutine generator, and several output names from tuples.
    constexpr auto q = src | dc::gen<"i", "name">(DC_UDF([](const dc::File& f) -> dc::generator<std::tuple<std::int32_t, std::string>> {
                           co_yield std::tuple<std::int32_t, std::string>{1, f.path};
                       }));
    STATIC_REQUIRE(schema_is<decltype(q), dc::column<"i", std::int32_t>, dc::column<"name", std::string>>);
    CHECK(p.describe().back() == "gen<part>(parts_of) -> str");
    CHECK(q.describe().back() == "gen<i, name>(udf) -> (int32, str)");
    // The generator yields what the UDF yields.
    std::vector<std::tuple<std::int32_t, std::string>> got;
    // (the coroutine keeps a reference to its argument: it must outlive the loop)
    const dc::File file{"file:///d", "x/y", 1, 2, "", ""};
    for (auto& t : std::get<0>(q.steps).udf(file)) got.push_back(t);
    CHECK(got == std::vector<std::tuple<std::int32_t, std::string>>{{1, "x/y"}});
    // Any input range of storable elements will do.
    constexpr auto r = src | dc::gen<"n">(DC_UDF([](const dc::File& f) {
                           return std::array<std::int16_t, 2>{static_cast<std::int16_t>(f.size), 0};
                       }));
    STATIC_REQUIRE(schema_is<decltype(r), dc::column<"n", std::int16_t>>);
}

TEST_CASE("agg: partition key columns, then the outputs", "[steps][agg]") {
    constexpr auto p = src | dc::map<"kind">(kind_of) | dc::agg<"count">(count_files, dc::partition_by<"kind">);
    STATIC_REQUIRE(schema_is<decltype(p), dc::column<"kind", std::string>, dc::column<"count", std::uint64_t>>);
    // Keys may be member paths; the key column is named by the path.
    constexpr auto q = src | dc::agg<"count">(count_files, dc::partition_by<"file.source", "file.size">);
    STATIC_REQUIRE(schema_is<decltype(q), dc::column<"file.source", std::string>, dc::column<"file.size", std::uint64_t>,
                             dc::column<"count", std::uint64_t>>);
    // Without partition_by: one partition, outputs only.
    constexpr auto all = src | dc::agg<"count">(count_files);
    STATIC_REQUIRE(schema_is<decltype(all), dc::column<"count", std::uint64_t>>);
    // std::span parameters, explicit paths, several outputs.
    constexpr auto spans = src | dc::agg<"total", "max">(
        DC_UDF([](std::span<const std::uint64_t> sizes) {
            std::uint64_t t = 0, m = 0;
            for (auto s : sizes) { t += s; m = s > m ? s : m; }
            return std::vector<std::tuple<std::uint64_t, std::uint64_t>>{{t, m}};
        }),
        dc::partition_by<"file.source">, dc::params<"file.size">);
    STATIC_REQUIRE(schema_is<decltype(spans), dc::column<"file.source", std::string>, dc::column<"total", std::uint64_t>,
                             dc::column<"max", std::uint64_t>>);
    CHECK(p.describe().back() == "agg<count>(count_files, partition_by: kind) -> uint64");
    CHECK(all.describe().back() == "agg<count>(count_files, partition_by: (none)) -> uint64");
    CHECK(q.describe().back() == "agg<count>(count_files, partition_by: file.source, file.size) -> uint64");
    // The partition enters the hash.
    STATIC_REQUIRE(dc::step_hash(dc::agg<"count">(count_files)) !=
                   dc::step_hash(dc::agg<"count">(count_files, dc::partition_by<"file.source">)));
}

TEST_CASE("filter, select, order_by, limit, save: schemas and descriptions", "[steps]") {
    constexpr auto f = src | dc::filter(C<"file.size"> > 15000 && C<"file.path">.glob("*.jpg"));
    STATIC_REQUIRE(std::is_same_v<decltype(f)::schema, FileSchema>);
    CHECK(f.describe().back() == "filter((file.size > 15000) && file.path.glob(\"*.jpg\"))");

    constexpr auto s = src | dc::map<"kind">(kind_of) | dc::select<"file.path", "kind">;
    STATIC_REQUIRE(schema_is<decltype(s), dc::column<"file.path", std::string>, dc::column<"kind", std::string>>);
    CHECK(s.describe().back() == "select(file.path, kind)");
    // After select, the selected path is a column of its own.
    constexpr auto s2 = s | dc::filter(C<"file.path"> == "a");
    STATIC_REQUIRE(dc::has_column_v<decltype(s2)::schema, "file.path">);

    constexpr auto o = src | dc::order_by(C<"file.size">.desc(), C<"file.path">);
    STATIC_REQUIRE(std::is_same_v<decltype(o)::schema, FileSchema>);
    CHECK(o.describe().back() == "order_by(file.size desc, file.path)");

    constexpr auto l = src | dc::limit(10);
    CHECK(l.describe().back() == "limit(10)");

    constexpr auto sv = src | dc::save("results/v1_final-2.0");
    STATIC_REQUIRE(std::is_same_v<decltype(sv)::schema, FileSchema>);
    CHECK(sv.describe().back() == "save(\"results/v1_final-2.0\")");
}

TEST_CASE("save: dataset names", "[steps][save]") {
    STATIC_REQUIRE(dc::valid_dataset_name("a"));
    STATIC_REQUIRE(dc::valid_dataset_name("dogs-and-cats/large_files.v2"));
    STATIC_REQUIRE(!dc::valid_dataset_name(""));
    STATIC_REQUIRE(!dc::valid_dataset_name(".hidden"));
    STATIC_REQUIRE(!dc::valid_dataset_name("/abs"));
    STATIC_REQUIRE(!dc::valid_dataset_name("bad name!"));
    STATIC_REQUIRE(!dc::valid_dataset_name("caf\xC3\xA9"));
    STATIC_REQUIRE(dc::valid_dataset_name(std::string_view("x").substr(0)));
    CHECK(dc::valid_dataset_name(std::string(200, 'a')));
    CHECK_FALSE(dc::valid_dataset_name(std::string(201, 'a')));
    // Run-time names are checked when the step is made.
    CHECK_NOTHROW(dc::save(std::string("ok")));
    CHECK_THROWS_AS(dc::save(std::string("bad name!")), dc::error);
    try {
        dc::save(std::string("bad name!"));
    } catch (const dc::error& e) {
        CHECK(e.kind() == dc::error_kind::invalid_name);
        CHECK(std::string(e.what()).find("bad name!") != std::string::npos);
    }
    // A literal and a run-time name hash alike.
    CHECK(dc::step_hash(dc::save(std::string("out"))) == dc::step_hash(dc::save("out")));
    STATIC_REQUIRE(decltype(dc::save("out"))::terminal);
    STATIC_REQUIRE(!dc::limit_step::terminal);
}

TEST_CASE("chains: sources, fragments, describe", "[steps][chain]") {
    constexpr auto frag = dc::filter(C<"file.size"> > 1) | dc::limit(3);
    STATIC_REQUIRE(!decltype(frag)::has_source);
    STATIC_REQUIRE(decltype(frag)::step_count == 2);
    STATIC_REQUIRE(std::is_void_v<decltype(frag)::schema>);
    CHECK(frag.describe() == std::vector<std::string>{"(no source)", "filter(file.size > 1)", "limit(3)"});
    constexpr auto p = src | frag | dc::save("x");
    STATIC_REQUIRE(decltype(p)::has_source);
    STATIC_REQUIRE(decltype(p)::step_count == 3);
    STATIC_REQUIRE(dc::hash_of(p) == p.hash());
    STATIC_REQUIRE(dc::hash_of(dc::limit(3)) == dc::step_hash(dc::limit(3)));
    // The running hash, spelled out.
    STATIC_REQUIRE(p.hash() ==
                   dc::chain_step(dc::chain_step(dc::chain_step(dc::chain_seed(src.decl_hash()),
                                                                dc::step_hash(dc::filter(C<"file.size"> > 1))),
                                                 dc::step_hash(dc::limit(3))),
                                  dc::step_hash(dc::save("x"))));
    STATIC_REQUIRE(frag.hash() == dc::chain_step(dc::chain_step(dc::chain_seed(dc::hash128{}),
                                                                dc::step_hash(dc::filter(C<"file.size"> > 1))),
                                                 dc::step_hash(dc::limit(3))));
    // A source alone has a chain hash of its own once a step follows.
    STATIC_REQUIRE(frag.hash() != (src | frag).hash());
}

TEST_CASE("step encodings: kind tag, then parameters", "[steps][hash]") {
    STATIC_REQUIRE(encoded(dc::limit(7)) == hash_with([](dc::hasher& h) { h.tag("limit").u64(7); }));
    STATIC_REQUIRE(encoded(dc::save("out")) == hash_with([](dc::hasher& h) { h.tag("save").str("out"); }));
    STATIC_REQUIRE(encoded(dc::select<"a", "b.c">) ==
                   hash_with([](dc::hasher& h) { h.tag("select").u32(2).str("a").str("b.c"); }));
    STATIC_REQUIRE(encoded(dc::order_by(C<"a">, C<"b">.desc())) ==
                   hash_with([](dc::hasher& h) { h.tag("order_by").u32(2).str("a").boolean(false).str("b").boolean(true); }));
    STATIC_REQUIRE(encoded(dc::filter(C<"a"> > 1)) ==
                   hash_with([](dc::hasher& h) { h.tag("filter").tag("bin").tag(">").tag("col").str("a").tag("int").i64(1); }));
    STATIC_REQUIRE(encoded(dc::filter(C<"s">.starts_with("x"))) ==
                   hash_with([](dc::hasher& h) { h.tag("filter").tag("call").tag("starts_with").tag("col").str("s").tag("str").str("x"); }));
    STATIC_REQUIRE(encoded(dc::filter(!C<"b">)) ==
                   hash_with([](dc::hasher& h) { h.tag("filter").tag("un").tag("!").tag("col").str("b"); }));
    // A UDF step: kind, outputs, output type, binding, UDF identity.
    constexpr auto m = dc::map<"path">(path_of);
    STATIC_REQUIRE(encoded(m) == hash_with([](dc::hasher& h) {
                       h.tag("map").u32(1).str("path").tag("str");
                       h.tag("by_type").u32(1).tag("struct").u32(6);
                       h.str("source").tag("str").str("path").tag("str").str("size").tag("uint").u8(64).str("mtime").tag("int").u8(64);
                       h.str("etag").tag("str").str("version").tag("str");
                       path_of.id.hash_full(h);
                   }));
    // map and gen with the same UDF are different steps.
    STATIC_REQUIRE(dc::step_hash(dc::map<"p">(parts_of)) != dc::step_hash(dc::gen<"p">(parts_of)));
}

TEST_CASE("plain callables make steps with an unhashable UDF", "[steps][udf]") {
    const auto m = dc::map<"path">([](const dc::File& f) { return f.path; });
    CHECK_FALSE(m.udf.id.hashable());
    CHECK(m.describe() == "map<path>(udf) -> str");
    const auto p = src | m;
    STATIC_REQUIRE(dc::has_column_v<decltype(p)::schema, "path">);
    const auto g = dc::gen<"part">(+[](const dc::File& f) { return std::vector<std::string>{f.path}; });
    CHECK_FALSE(g.udf.id.hashable());
}
