// datachain/core/expr.hpp: expression typing, evaluation, description, glob
// matching, and the normalization of constants in expression hashes.
#include <datachain/core/expr.hpp>
#include <datachain/core/file.hpp>

#include "test_support.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>

namespace dc = datachain;
using dc::C;

namespace {

using S = dc::schema<dc::column<"file", dc::File>, dc::column<"n", std::int32_t>, dc::column<"u", std::uint16_t>,
                     dc::column<"w", double>, dc::column<"flag", bool>, dc::column<"name", std::string>>;

// Only numbers: rows of this schema are literal types, so evaluation can run
// at compile time.
using N = dc::schema<dc::column<"a", std::int64_t>, dc::column<"b", double>, dc::column<"c", std::uint32_t>>;

template <class E, class Schema = S>
using typed_t = typename E::template typed<Schema>::type;

template <class E>
constexpr auto eval_n(const E& e, std::int64_t a, double b, std::uint32_t c) {
    return e.template eval<N>(N::tuple_type{a, b, c});
}

S::tuple_type sample_row() {
    return {dc::File{"file:///data", "cats/cat.1.jpg", 20000, 1700000000000000000, "", ""}, -3, 7, 2.5, true, "cat"};
}

template <class E>
auto eval_s(const E& e) {
    return e.template eval<S>(sample_row());
}

} // namespace

TEST_CASE("expressions: types follow the columns", "[expr]") {
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"file.size">)>, std::uint64_t>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"file.path">)>, std::string>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"file.size"> > 15000)>, bool>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"name"> == "cat")>, bool>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"flag"> == true)>, bool>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"n"> > 1 && !C<"flag">)>, bool>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"file.path">.glob("*.jpg"))>, bool>);
    // Arithmetic: double if either side is floating, uint64 if both unsigned, else int64.
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"n"> + 1)>, std::int64_t>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"u"> + 1u)>, std::uint64_t>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"u"> + 1)>, std::int64_t>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"n"> * 2.0)>, double>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"w"> / C<"n">)>, double>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(-C<"u">)>, std::int64_t>);
    STATIC_REQUIRE(std::is_same_v<typed_t<decltype(C<"n"> % 3)>, std::int64_t>);
    // Constants normalize: every signed integer is int64, unsigned uint64,
    // floating double; string literals are views, run-time strings owned.
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<short>, dc::lit<std::int64_t>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<long long>, dc::lit<std::int64_t>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<unsigned char>, dc::lit<std::uint64_t>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<float>, dc::lit<double>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<bool>, dc::lit<bool>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<const char (&)[4]>, dc::lit<std::string_view>>);
    STATIC_REQUIRE(std::is_same_v<dc::as_expr_t<std::string>, dc::lit<std::string>>);
    STATIC_REQUIRE(dc::expression<decltype(C<"n">)>);
    STATIC_REQUIRE(!dc::expression<int>);
}

TEST_CASE("expressions: evaluation at compile time", "[expr]") {
    STATIC_REQUIRE(eval_n(C<"a"> > 10, 11, 0, 0));
    STATIC_REQUIRE(!eval_n(C<"a"> > 10, 10, 0, 0));
    STATIC_REQUIRE(eval_n(C<"a"> >= 10, 10, 0, 0));
    STATIC_REQUIRE(eval_n(C<"a"> * 2 + 1 == 7, 3, 0, 0));
    STATIC_REQUIRE(eval_n(C<"a"> - 5, 3, 0, 0) == -2);
    STATIC_REQUIRE(eval_n(C<"b"> / 2, 0, 5.0, 0) == 2.5);
    STATIC_REQUIRE(eval_n(C<"a"> / 2, 5, 0, 0) == 2);
    STATIC_REQUIRE(eval_n(C<"a"> % 3, 7, 0, 0) == 1);
    STATIC_REQUIRE(eval_n(-C<"a">, 4, 0, 0) == -4);
    // Integer division and remainder by zero give 0 instead of trapping.
    STATIC_REQUIRE(eval_n(C<"a"> / C<"c">, 7, 0, 0) == 0);
    STATIC_REQUIRE(eval_n(C<"a"> % C<"c">, 7, 0, 0) == 0);
    // Mixed signed/unsigned comparisons compare values, not bit patterns.
    STATIC_REQUIRE(eval_n(C<"a"> < C<"c">, -1, 0, 1));
    STATIC_REQUIRE(eval_n(C<"a"> < 1u, -1, 0, 0));
    STATIC_REQUIRE(!eval_n(C<"c"> == -1, 0, 0, 0xFFFFFFFFu));
    // Integers against floating values compare as doubles.
    STATIC_REQUIRE(eval_n(C<"a"> < C<"b">, 2, 2.5, 0));
    STATIC_REQUIRE(eval_n(C<"b"> == 3, 0, 3.0, 0));
    // Logic.
    STATIC_REQUIRE(eval_n(C<"a"> > 0 && C<"b"> > 0, 1, 1, 0));
    STATIC_REQUIRE(!eval_n(C<"a"> > 0 && C<"b"> > 0, 1, -1, 0));
    STATIC_REQUIRE(eval_n(C<"a"> > 0 || C<"b"> > 0, -1, 1, 0));
    STATIC_REQUIRE(eval_n(!(C<"a"> > 0), -1, 0, 0));
}

TEST_CASE("expressions: evaluation on rows with strings, structs and bools", "[expr]") {
    CHECK(eval_s(C<"file.size"> > 15000));
    CHECK_FALSE(eval_s(C<"file.size"> > 20000));
    CHECK(eval_s(C<"file.size"> >= 20000u));
    CHECK(eval_s(C<"n"> < 0));
    CHECK(eval_s(C<"n"> + C<"u"> == 4));
    CHECK(eval_s(C<"w"> * 2 == 5.0));
    CHECK(eval_s(C<"flag"> == true));
    CHECK(eval_s(C<"flag"> != false));
    CHECK(eval_s(C<"flag"> && C<"n"> < 0));
    CHECK_FALSE(eval_s(!C<"flag">));
    CHECK(eval_s(C<"name"> == "cat"));
    CHECK(eval_s(C<"name"> == std::string("cat")));
    CHECK(eval_s(C<"name"> != "dog"));
    CHECK(eval_s(C<"name"> < "dog"));
    CHECK(eval_s(C<"name"> >= "cat"));
    CHECK(eval_s(C<"file.path"> == C<"file.path">));
    CHECK(eval_s(C<"file.path">.starts_with("cats/")));
    CHECK_FALSE(eval_s(C<"file.path">.starts_with("dogs/")));
    CHECK(eval_s(C<"file.path">.ends_with(".jpg")));
    CHECK(eval_s(C<"file.path">.contains("cat.1")));
    CHECK_FALSE(eval_s(C<"file.path">.contains("dog")));
    CHECK(eval_s(C<"file.path">.glob("cats/*.jpg")));
    CHECK(eval_s(C<"file.path">.glob(std::string("*/cat.?.jpg"))));
    CHECK(eval_s(dc::starts_with(C<"file.source">, "file://")));
    CHECK(eval_s(dc::ends_with(C<"name">, "at")));
    CHECK(eval_s(dc::contains(C<"file.path">, "/")));
    CHECK_FALSE(eval_s(dc::glob(C<"file.path">, "*.png")));
    CHECK(eval_s(C<"file.size"> > 15000 && C<"file.path">.glob("*.jpg") && !(C<"name"> == "dog")));
    // Unsigned member against a negative constant: the value decides.
    CHECK(eval_s(C<"file.size"> > -1));
    CHECK(eval_s(C<"file.mtime"> / 1000000000 == 1700000000));
    const double inf = eval_s(C<"w"> / 0);
    CHECK(std::isinf(inf));
}

TEST_CASE("expressions: describe() spells the expression for explanations", "[expr]") {
    CHECK((C<"file.size"> > 15000).describe() == "file.size > 15000");
    CHECK((C<"file.size"> > 15000u).describe() == "file.size > 15000");
    CHECK((C<"w"> <= 15000.0).describe() == "w <= 15000.0");
    CHECK((C<"w"> == 0.25).describe() == "w == 0.25");
    CHECK((C<"w"> == 1e300).describe() == "w == 1e+300");
    CHECK((C<"file.path"> == "a.jpg").describe() == "file.path == \"a.jpg\"");
    CHECK((C<"file.path"> == "say \"hi\"\\").describe() == "file.path == \"say \\\"hi\\\"\\\\\"");
    CHECK((C<"flag"> == true).describe() == "flag == true");
    CHECK((C<"n"> > 1 && C<"w"> < 2).describe() == "(n > 1) && (w < 2)");
    CHECK((C<"n"> * 2 + 1 >= C<"u">).describe() == "((n * 2) + 1) >= u");
    CHECK((!(C<"n"> > 1)).describe() == "!(n > 1)");
    CHECK((!C<"flag">).describe() == "!flag");
    CHECK((-C<"n">).describe() == "-n");
    CHECK(C<"file.path">.glob("*.jpg").describe() == "file.path.glob(\"*.jpg\")");
    CHECK(dc::contains(C<"name">, "at").describe() == "name.contains(\"at\")");
    CHECK((C<"file.size"> > 10000).describe() != (C<"file.size"> > 20000).describe());
}

TEST_CASE("glob_match: * ? [set] [a-z] [!set], no special meaning for '/'", "[expr][glob]") {
    using dc::detail::glob_match;
    STATIC_REQUIRE(glob_match("", ""));
    STATIC_REQUIRE(glob_match("*", ""));
    STATIC_REQUIRE(glob_match("**", "abc"));
    STATIC_REQUIRE(!glob_match("", "a"));
    STATIC_REQUIRE(glob_match("*.jpg", "cat.1.jpg"));
    STATIC_REQUIRE(!glob_match("*.jpg", "cat.jpg.png"));
    STATIC_REQUIRE(glob_match("*.jpg", "dogs/dog.1.jpg"));  // '*' crosses '/'
    STATIC_REQUIRE(glob_match("cat.?.jpg", "cat.1.jpg"));
    STATIC_REQUIRE(!glob_match("cat.?.jpg", "cat.10.jpg"));
    STATIC_REQUIRE(glob_match("a*b*c", "a--b--c"));
    STATIC_REQUIRE(glob_match("a*b*c", "abbbc"));
    STATIC_REQUIRE(!glob_match("a*b*c", "a--c--b"));
    STATIC_REQUIRE(glob_match("[abc]at", "bat"));
    STATIC_REQUIRE(!glob_match("[abc]at", "rat"));
    STATIC_REQUIRE(glob_match("[a-c]at", "cat"));
    STATIC_REQUIRE(!glob_match("[a-c]at", "dat"));
    STATIC_REQUIRE(glob_match("[!a]at", "bat"));
    STATIC_REQUIRE(!glob_match("[!a]at", "aat"));
    STATIC_REQUIRE(glob_match("[]]", "]"));        // ']' first in a set is literal
    STATIC_REQUIRE(glob_match("[!]]", "a"));
    STATIC_REQUIRE(glob_match("[a-]", "-"));        // trailing '-' is literal
    STATIC_REQUIRE(glob_match("a[", "a["));         // an unterminated '[' matches itself
    STATIC_REQUIRE(!glob_match("a[", "ab"));
    STATIC_REQUIRE(glob_match("*[0-9].jpg", "img42.jpg"));
    STATIC_REQUIRE(!glob_match("*[0-9].jpg", "img4x.jpg"));
    STATIC_REQUIRE(glob_match("???", "abc"));
    STATIC_REQUIRE(!glob_match("???", "ab"));
    STATIC_REQUIRE(glob_match("CAT*", "CATS"));
    STATIC_REQUIRE(!glob_match("cat*", "CATS"));    // case-sensitive
}

TEST_CASE("expression hashes: constants normalize by kind", "[expr][hash]") {
    constexpr auto base = dc::expr_hash(C<"file.size"> > 15000);
    // Every signed integer width hashes as int64.
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000L) == base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000LL) == base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > static_cast<short>(15000)) == base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > std::int64_t{15000}) == base);
    // Every unsigned width hashes as uint64.
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000u) == dc::expr_hash(C<"file.size"> > 15000ull));
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > std::uint16_t{15000}) == dc::expr_hash(C<"file.size"> > 15000ull));
    // Floating values hash as double.
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000.0f) == dc::expr_hash(C<"file.size"> > 15000.0));
    STATIC_REQUIRE(dc::expr_hash(C<"w"> == -0.0) == dc::expr_hash(C<"w"> == 0.0));
    // A different kind is a different constant, even with the same value.
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000.0) != base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > "15000") != base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15000u) != base);  // signedness is part of the kind
    STATIC_REQUIRE(dc::expr_hash(C<"flag"> == true) != dc::expr_hash(C<"flag"> == 1));
    // A different value, column, operator or operand order is a different tree.
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> > 15001) != base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.mtime"> > 15000) != base);
    STATIC_REQUIRE(dc::expr_hash(C<"file.size"> >= 15000) != base);
    STATIC_REQUIRE(dc::expr_hash(15000 < C<"file.size">) != base);
    STATIC_REQUIRE(dc::expr_hash((C<"n"> > 1 && C<"n"> > 2) || C<"n"> > 3) !=
                   dc::expr_hash(C<"n"> > 1 && (C<"n"> > 2 || C<"n"> > 3)));
    STATIC_REQUIRE(dc::expr_hash(C<"name">.starts_with("a")) != dc::expr_hash(C<"name">.ends_with("a")));
    STATIC_REQUIRE(dc::expr_hash(C<"name">.glob("a*")) == dc::expr_hash(dc::glob(C<"name">, "a*")));
    // A run-time string hashes like the same literal.
    const std::string runtime_text = "cat";
    CHECK(dc::expr_hash(C<"name"> == runtime_text) == dc::expr_hash(C<"name"> == "cat"));
    volatile int threshold = 15000;
    CHECK(dc::expr_hash(C<"file.size"> > threshold) == base);
}
