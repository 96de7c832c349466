// datachain/core/schema.hpp and the type signatures of types.hpp: column
// lookups (exact names, nested File members, deeper structs), typed rows,
// storable types, and schema signatures that depend on field names and
// types, never on compiler-invented names.
#include <datachain/core/file.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>

#include "test_support.hpp"

#include <boost/hana/define_struct.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace dc = datachain;

namespace geo {
struct Point {
    BOOST_HANA_DEFINE_STRUCT(Point, (double, x), (double, y));
    friend bool operator==(const Point&, const Point&) = default;
};
// Same member types as Point, other names.
struct Pair {
    BOOST_HANA_DEFINE_STRUCT(Pair, (double, first), (double, second));
};
// Same names as Point, other types.
struct IntPoint {
    BOOST_HANA_DEFINE_STRUCT(IntPoint, (std::int64_t, x), (std::int64_t, y));
};
// Nested structs and optionals.
struct Box {
    BOOST_HANA_DEFINE_STRUCT(Box, (Point, min), (Point, max), (std::optional<std::string>, label));
    friend bool operator==(const Box&, const Box&) = default;
};
} // namespace geo
namespace other {
// Same names and types as geo::Point, in another namespace: the C++ type name
// is not part of the signature, so this hashes like geo::Point.
struct Point {
    BOOST_HANA_DEFINE_STRUCT(Point, (double, x), (double, y));
};
struct Swapped {
    BOOST_HANA_DEFINE_STRUCT(Swapped, (double, y), (double, x));
};
struct NotReflected {
    double x;
};
} // namespace other

namespace {

using S = dc::schema<dc::column<"file", dc::File>, dc::column<"box", geo::Box>, dc::column<"score", double>>;

} // namespace

TEST_CASE("schema: names, sizes and exact-name lookups", "[schema]") {
    STATIC_REQUIRE(S::size == 3);
    STATIC_REQUIRE(S::names[0] == "file");
    STATIC_REQUIRE(S::names[2] == "score");
    STATIC_REQUIRE(S::index_of("box") == 1);
    STATIC_REQUIRE(S::index_of("nope") == -1);
    STATIC_REQUIRE(S::index_of("file.size") == -1);  // a member path is not a column name
    STATIC_REQUIRE(std::is_same_v<S::tuple_type, std::tuple<dc::File, geo::Box, double>>);
    STATIC_REQUIRE(dc::is_schema<S>::value);
    STATIC_REQUIRE(!dc::is_schema<int>::value);
}

TEST_CASE("schema: column paths reach File members and nested structs", "[schema]") {
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "file">, dc::File>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "file.source">, std::string>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "file.path">, std::string>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "file.size">, std::uint64_t>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "file.mtime">, std::int64_t>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "box.min">, geo::Point>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "box.max.y">, double>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "box.label">, std::optional<std::string>>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<S, "score">, double>);

    STATIC_REQUIRE(dc::has_column_v<S, "file.size">);
    STATIC_REQUIRE(!dc::has_column_v<S, "file.sizee">);
    STATIC_REQUIRE(!dc::has_column_v<S, "files.size">);
    STATIC_REQUIRE(!dc::has_column_v<S, "size">);           // members are reached through their column
    STATIC_REQUIRE(!dc::has_column_v<S, "box.min.z">);
    STATIC_REQUIRE(!dc::has_column_v<S, "box.x">);          // one level too shallow
    STATIC_REQUIRE(!dc::has_column_v<S, "score.x">);        // scalars have no members
    STATIC_REQUIRE(!dc::has_column_v<S, "file.size.bits">);
    STATIC_REQUIRE(!dc::has_column_v<S, "">);
}

TEST_CASE("schema: a column named with a dot matches before member lookup", "[schema]") {
    // select<"file.path"> makes a column called "file.path"; if "file" is still
    // there too, the exact name wins.
    using T = dc::schema<dc::column<"file", dc::File>, dc::column<"file.path", std::int32_t>>;
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<T, "file.path">, std::int32_t>);
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<T, "file.size">, std::uint64_t>);
    using Sel = dc::schema<dc::column<"file.path", std::string>>;
    STATIC_REQUIRE(std::is_same_v<dc::column_type_t<Sel, "file.path">, std::string>);
    STATIC_REQUIRE(!dc::has_column_v<Sel, "file">);
    STATIC_REQUIRE(!dc::has_column_v<Sel, "file.size">);
}

TEST_CASE("row: values by column path", "[schema]") {
    dc::row<S> r{{dc::File{"file:///d", "a/b.jpg", 42, 7, "", ""}, geo::Box{{0, 1}, {2, 3}, "door"}, 0.5}};
    CHECK(r.get<"file.path">() == "a/b.jpg");
    CHECK(r.get<"file.size">() == 42u);
    CHECK(r.get<"box.max.y">() == 3.0);
    CHECK(r.get<"box.label">() == std::optional<std::string>("door"));
    CHECK(r.get<"score">() == 0.5);
    CHECK(r.get<"file">().name() == "b.jpg");
    r.get<"score">() = 1.5;
    r.get<"box.min.x">() = -1.0;
    CHECK(r.get<"score">() == 1.5);
    CHECK(r.get<"box.min.x">() == -1.0);
    const auto& cr = r;
    STATIC_REQUIRE(std::is_same_v<decltype(cr.get<"file.size">()), const std::uint64_t&>);
    auto copy = r;
    CHECK(copy == r);
    copy.get<"file.size">() = 43;
    CHECK_FALSE(copy == r);
}

TEST_CASE("storable: what a column can hold", "[schema][types]") {
    STATIC_REQUIRE(dc::storable<bool>);
    STATIC_REQUIRE(dc::storable<std::int8_t>);
    STATIC_REQUIRE(dc::storable<std::uint64_t>);
    STATIC_REQUIRE(dc::storable<float>);
    STATIC_REQUIRE(dc::storable<std::string>);
    STATIC_REQUIRE(dc::storable<std::vector<std::optional<double>>>);
    STATIC_REQUIRE(dc::storable<std::tuple<std::int32_t, std::string, std::vector<geo::Point>>>);
    STATIC_REQUIRE(dc::storable<dc::File>);
    STATIC_REQUIRE(dc::storable<geo::Box>);
    STATIC_REQUIRE(!dc::storable<char>);                 // plain char: signedness differs by platform
    STATIC_REQUIRE(!dc::storable<char*>);
    STATIC_REQUIRE(!dc::storable<const char*>);
    STATIC_REQUIRE(!dc::storable<std::string_view>);     // does not own its bytes
    STATIC_REQUIRE(!dc::storable<other::NotReflected>);
    STATIC_REQUIRE(!dc::storable<std::vector<other::NotReflected>>);
    STATIC_REQUIRE(!dc::storable<void>);
    STATIC_REQUIRE(!dc::storable<long double>);
}

TEST_CASE("type signatures: names and types matter, C++ type names do not", "[schema][types]") {
    // Field names matter.
    STATIC_REQUIRE(dc::type_hash<geo::Point>() != dc::type_hash<geo::Pair>());
    // Field types matter.
    STATIC_REQUIRE(dc::type_hash<geo::Point>() != dc::type_hash<geo::IntPoint>());
    // Field order matters.
    STATIC_REQUIRE(dc::type_hash<geo::Point>() != dc::type_hash<other::Swapped>());
    // The C++ name and namespace do not.
    STATIC_REQUIRE(dc::type_hash<geo::Point>() == dc::type_hash<other::Point>());
    // Widths and signedness matter; so does the container.
    STATIC_REQUIRE(dc::type_hash<std::int32_t>() != dc::type_hash<std::int64_t>());
    STATIC_REQUIRE(dc::type_hash<std::int32_t>() != dc::type_hash<std::uint32_t>());
    STATIC_REQUIRE(dc::type_hash<float>() != dc::type_hash<double>());
    STATIC_REQUIRE(dc::type_hash<std::vector<std::int32_t>>() != dc::type_hash<std::optional<std::int32_t>>());
    STATIC_REQUIRE(dc::type_hash<std::vector<std::int32_t>>() != dc::type_hash<std::int32_t>());
    STATIC_REQUIRE(dc::type_hash<std::tuple<std::int32_t, double>>() != dc::type_hash<std::tuple<double, std::int32_t>>());
    STATIC_REQUIRE(dc::type_hash<std::tuple<std::int32_t, double>>() != dc::type_hash<geo::Point>());
    STATIC_REQUIRE(dc::type_hash<std::string>() != dc::type_hash<std::vector<std::uint8_t>>());
    // long and long long are both 64-bit integers here: same signature.
    STATIC_REQUIRE(dc::type_hash<long long>() == dc::type_hash<std::int64_t>());
    // The encoding, spelled out for one nested case.
    STATIC_REQUIRE(dc::type_hash<std::vector<geo::Point>>() == [] {
        dc::hasher h;
        h.tag("list").tag("struct").u32(2).str("x").tag("f64").str("y").tag("f64");
        return h.finish();
    }());
    STATIC_REQUIRE(dc::type_hash<std::uint16_t>() == [] {
        dc::hasher h;
        h.tag("uint").u8(16);
        return h.finish();
    }());
}

TEST_CASE("type names: readable signatures", "[schema][types]") {
    CHECK(dc::type_name<bool>() == "bool");
    CHECK(dc::type_name<std::int64_t>() == "int64");
    CHECK(dc::type_name<std::uint8_t>() == "uint8");
    CHECK(dc::type_name<float>() == "f32");
    CHECK(dc::type_name<std::string>() == "str");
    CHECK(dc::type_name<std::vector<std::optional<double>>>() == "list<optional<f64>>");
    CHECK(dc::type_name<std::tuple<std::int32_t, std::string>>() == "(int32, str)");
    CHECK(dc::type_name<std::tuple<>>() == "()");
    CHECK(dc::type_name<dc::File>() == "{source: str, path: str, size: uint64, mtime: int64, etag: str, version: str}");
    CHECK(dc::type_name<geo::Box>() == "{min: {x: f64, y: f64}, max: {x: f64, y: f64}, label: optional<str>}");
}

TEST_CASE("schema signatures: column names, types and order", "[schema]") {
    using A = dc::schema<dc::column<"a", std::int32_t>, dc::column<"b", std::string>>;
    using B = dc::schema<dc::column<"a", std::int32_t>, dc::column<"c", std::string>>;
    using C = dc::schema<dc::column<"a", std::int64_t>, dc::column<"b", std::string>>;
    using D = dc::schema<dc::column<"b", std::string>, dc::column<"a", std::int32_t>>;
    using E = dc::schema<dc::column<"a", std::int32_t>>;
    STATIC_REQUIRE(A::signature() == dc::schema<dc::column<"a", std::int32_t>, dc::column<"b", std::string>>::signature());
    STATIC_REQUIRE(A::signature() != B::signature());
    STATIC_REQUIRE(A::signature() != C::signature());
    STATIC_REQUIRE(A::signature() != D::signature());
    STATIC_REQUIRE(A::signature() != E::signature());
    STATIC_REQUIRE(std::is_same_v<dc::concat_schema<E, dc::schema<dc::column<"b", std::string>>>::type, A>);
}

TEST_CASE("schema_text: a readable schema for messages", "[schema]") {
    CHECK(dc::schema_text<dc::schema<dc::column<"n", std::int32_t>, dc::column<"p", geo::Point>>>() ==
          "(n: int32, p: {x: f64, y: f64})");
    CHECK(dc::schema_text<dc::schema<>>() == "()");
}

TEST_CASE("for_each_column: every column once, in order, at compile time", "[schema]") {
    using S = dc::schema<dc::column<"n", std::int32_t>, dc::column<"p", geo::Point>, dc::column<"s", std::string>>;
    constexpr auto names = [] {
        std::array<std::string_view, 3> out{};
        std::size_t i = 0;
        dc::for_each_column<S>([&]<class C>(C) { out[i++] = C::name.view(); });
        return out;
    }();
    STATIC_REQUIRE(names == std::array<std::string_view, 3>{"n", "p", "s"});
    constexpr int none = [] {
        int k = 0;
        dc::for_each_column<dc::schema<>>([&](auto) { ++k; });
        return k;
    }();
    STATIC_REQUIRE(none == 0);
}
