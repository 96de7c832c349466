// datachain/core/udf.hpp: the identity of user functions. Token text through
// DC_UDF / DC_DEF (comments and layout do not count, tokens do), names and
// versions through dc::versioned, declared helper dependencies through
// .uses(...), and plain callables that have no identity at all.
#include <datachain/core/udf.hpp>

#include "test_support.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace dc = datachain;

namespace {

// The same lambda three times: as written, with comments and a different
// layout, and with one token changed.
constexpr auto plus_one = DC_UDF([](int x) { return x + 1; });
constexpr auto plus_one_reformatted = DC_UDF([](int x) {
    // Comments are not tokens.
    return   x
             + 1;   /* neither is
                       this one */
});
constexpr auto plus_two = DC_UDF([](int x) { return x + 2; });
constexpr auto plus_one_long = DC_UDF([](long x) { return x + 1; });

int plain_function(int x) { return x + 1; }

} // namespace

// Named functions at namespace scope.
DC_DEF(twice, (int x) -> int { return 2 * x; });
DC_DEF(twice_commented, (int x) -> int {
    return 2 * x;  // the same tokens as twice
});
DC_DEF(thrice, (int x) -> int { return 3 * x; });

// The same helper before and after an edit: same name, other text.
namespace before_edit {
DC_DEF(normalize, (std::string s) -> std::string { return s; });
}
namespace after_edit {
DC_DEF(normalize, (std::string s) -> std::string { return s + "/"; });
}

TEST_CASE("DC_UDF: the token text is the identity", "[udf]") {
    STATIC_REQUIRE(plus_one.id.kind == dc::udf_kind::code);
    STATIC_REQUIRE(plus_one.id.hashable());
    STATIC_REQUIRE(plus_one.id.name.empty());
    STATIC_REQUIRE(plus_one.id.code == "[](int x) { return x + 1; }");
    STATIC_REQUIRE(plus_one.id.version == 0);
    STATIC_REQUIRE(plus_one.id.deps.is_zero());
    // Comments and white space between tokens do not change the text ...
    STATIC_REQUIRE(plus_one_reformatted.id.code == plus_one.id.code);
    STATIC_REQUIRE(plus_one_reformatted.id.full_hash() == plus_one.id.full_hash());
    // ... any token does.
    STATIC_REQUIRE(plus_two.id.full_hash() != plus_one.id.full_hash());
    STATIC_REQUIRE(plus_one_long.id.full_hash() != plus_one.id.full_hash());
    // The wrapper calls the lambda.
    STATIC_REQUIRE(plus_one(41) == 42);
    CHECK(plus_one_reformatted(1) == 2);
}

TEST_CASE("DC_UDF: the text is taken literally, string contents included", "[udf]") {
    constexpr auto a = DC_UDF([](std::string_view s) { return s.size() + sizeof("  // not a comment /* */"); });
    STATIC_REQUIRE(a.id.code == "[](std::string_view s) { return s.size() + sizeof(\"  // not a comment /* */\"); }");
    constexpr auto b = DC_UDF([](std::string_view s) { return s.size() + sizeof(" // not a comment /* */"); });
    STATIC_REQUIRE(a.id.full_hash() != b.id.full_hash());
}

TEST_CASE("DC_DEF: a named function, the name and the text are its identity", "[udf]") {
    STATIC_REQUIRE(twice.id.kind == dc::udf_kind::code);
    STATIC_REQUIRE(twice.id.name == "twice");
    STATIC_REQUIRE(twice.id.code == "(int x) -> int { return 2 * x; }");
    STATIC_REQUIRE(twice(21) == 42);
    STATIC_REQUIRE(twice_commented.id.code == twice.id.code);
    // The name is part of the identity (full and partial).
    STATIC_REQUIRE(twice_commented.id.full_hash() != twice.id.full_hash());
    STATIC_REQUIRE(thrice.id.full_hash() != twice.id.full_hash());
    STATIC_REQUIRE(before_edit::normalize.id.full_hash() != after_edit::normalize.id.full_hash());
    CHECK(after_edit::normalize("a") == "a/");
}

namespace {
constexpr dc::hash128 partial_of(const dc::udf_identity& id) {
    dc::hasher h;
    id.hash_partial(h);
    return h.finish();
}
constexpr dc::hash128 full_of(const dc::udf_identity& id) {
    dc::hasher h;
    id.hash_full(h);
    return h.finish();
}
} // namespace

TEST_CASE("full and partial identity: code decides skip, not continue", "[udf]") {
    STATIC_REQUIRE(full_of(plus_one.id) == plus_one.id.full_hash());
    STATIC_REQUIRE(full_of(plus_one.id) != partial_of(plus_one.id));
    // A code edit (a bug fix) keeps the partial identity: partial outputs of a
    // crashed run are reused, and a completed run is not.
    STATIC_REQUIRE(partial_of(plus_two.id) == partial_of(plus_one.id));
    STATIC_REQUIRE(full_of(plus_two.id) != full_of(plus_one.id));
    STATIC_REQUIRE(partial_of(after_edit::normalize.id) == partial_of(before_edit::normalize.id));
    // The name is in the partial identity.
    STATIC_REQUIRE(partial_of(twice.id) != partial_of(thrice.id));
    STATIC_REQUIRE(partial_of(twice.id) != partial_of(plus_one.id));
}

TEST_CASE("dc::versioned: bumping the version changes full, not partial", "[udf]") {
    constexpr auto v1 = dc::versioned("classify", 1, [](int x) { return x % 7; });
    constexpr auto v2 = dc::versioned("classify", 2, [](int x) { return x % 7; });
    constexpr auto renamed = dc::versioned("classify2", 1, [](int x) { return x % 7; });
    STATIC_REQUIRE(v1.id.kind == dc::udf_kind::versioned);
    STATIC_REQUIRE(v1.id.name == "classify");
    STATIC_REQUIRE(v1.id.version == 1);
    STATIC_REQUIRE(v1.id.code.empty());
    STATIC_REQUIRE(v1(15) == 1);
    STATIC_REQUIRE(full_of(v1.id) != full_of(v2.id));
    STATIC_REQUIRE(partial_of(v1.id) == partial_of(v2.id));
    STATIC_REQUIRE(partial_of(v1.id) != partial_of(renamed.id));
    // The wrapped code is not part of it: the same name and version with
    // another body is, by the user's declaration, the same function.
    constexpr auto v1_other_body = dc::versioned("classify", 1, [](int x) { return x % 8; });
    STATIC_REQUIRE(full_of(v1.id) == full_of(v1_other_body.id));
    // A function pointer can be versioned too.
    const auto fp = dc::versioned("plain", 3, &plain_function);
    CHECK(fp(1) == 2);
    CHECK(fp.id.hashable());
    // A versioned function is not a code function of the same name.
    STATIC_REQUIRE(partial_of(dc::versioned("twice", 0, [](int x) { return 2 * x; }).id) != partial_of(twice.id));
}

TEST_CASE(".uses(helper): editing a helper changes the UDFs that use it", "[udf]") {
    constexpr auto tag_before =
        DC_UDF([](std::string s) { return before_edit::normalize(s); }).uses(before_edit::normalize);
    constexpr auto tag_after =
        DC_UDF([](std::string s) { return before_edit::normalize(s); }).uses(after_edit::normalize);
    constexpr auto tag_without = DC_UDF([](std::string s) { return before_edit::normalize(s); });
    // Same UDF text, different helper text: a different function.
    STATIC_REQUIRE(tag_before.id.code == tag_after.id.code);
    STATIC_REQUIRE(tag_before.id.full_hash() != tag_after.id.full_hash());
    // The helper is code, not structure: partial identity is unchanged.
    STATIC_REQUIRE(partial_of(tag_before.id) == partial_of(tag_after.id));
    // Declaring a dependency changes the identity; redeclaring the same one
    // gives the same identity.
    STATIC_REQUIRE(tag_before.id.full_hash() != tag_without.id.full_hash());
    STATIC_REQUIRE(tag_without.uses(before_edit::normalize).id.full_hash() == tag_before.id.full_hash());
    STATIC_REQUIRE(!tag_before.id.deps.is_zero());
    // Versioned helpers: bumping the helper's version propagates.
    constexpr auto lut_v1 = dc::versioned("lut", 1, [](int x) { return x; });
    constexpr auto lut_v2 = dc::versioned("lut", 2, [](int x) { return x; });
    STATIC_REQUIRE(plus_one.uses(lut_v1).id.full_hash() != plus_one.uses(lut_v2).id.full_hash());
    // Several helpers; a helper's own dependencies come along through its hash.
    constexpr auto deep_v1 = twice.uses(lut_v1);
    constexpr auto deep_v2 = twice.uses(lut_v2);
    STATIC_REQUIRE(plus_one.uses(deep_v1, thrice).id.full_hash() != plus_one.uses(deep_v2, thrice).id.full_hash());
    // .uses does not change what is called.
    CHECK(tag_after("a") == "a");
    STATIC_REQUIRE(twice.uses(thrice)(2) == 4);
}

TEST_CASE("UDFs call other UDFs like functions", "[udf]") {
    constexpr auto six_x = DC_UDF([](int x) { return twice(thrice(x)); }).uses(twice, thrice);
    STATIC_REQUIRE(six_x(7) == 42);
}

TEST_CASE("plain callables are unhashable", "[udf]") {
    const auto lambda = dc::detail::to_udf([](int x) { return x + 1; });
    CHECK_FALSE(lambda.id.hashable());
    CHECK(lambda.id.kind == dc::udf_kind::unhashable);
    CHECK(lambda(1) == 2);
    const auto pointer = dc::detail::to_udf(&plain_function);
    CHECK_FALSE(pointer.id.hashable());
    CHECK(pointer(1) == 2);
    const auto function = dc::detail::to_udf(std::function<int(int)>(plain_function));
    CHECK_FALSE(function.id.hashable());
    CHECK(function(1) == 2);
    // udfs pass through unchanged.
    const auto passed = dc::detail::to_udf(plus_one);
    CHECK(passed.id.full_hash() == plus_one.id.full_hash());
    STATIC_REQUIRE(dc::is_udf_v<decltype(passed)>);
    STATIC_REQUIRE(!dc::is_udf_v<decltype(&plain_function)>);
    // Without DATACHAIN_STRICT_UDF_HASH they are accepted (with a warning at
    // run time); tests/compile_fail/strict_unhashable_udf.cpp checks the switch.
    STATIC_REQUIRE(!dc::strict_udf_hash);
}
