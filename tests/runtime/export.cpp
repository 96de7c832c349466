// Self-describing versions and export: each saved version stores its schema,
// open_dataset_dynamic reads the rows without the C++ type, and CSV / JSON
// Lines round-trip hostile strings (commas, quotes, newlines, NUL, invalid
// UTF-8) back to the typed rows.
#include "support.hpp"

#include "../tools/text_parse.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace {

struct inner_t {
    BOOST_HANA_DEFINE_STRUCT(inner_t, (std::uint16_t, a), (std::string, b));
};
struct rec_t {
    BOOST_HANA_DEFINE_STRUCT(rec_t,
        (std::string, path),
        (std::optional<std::int32_t>, n),
        (double, x),
        (float, f),
        (std::vector<std::string>, tags),
        (bool, ok),
        (inner_t, inner));
};

const std::vector<std::string> hostile = {
    "", "plain", "a,b", "say \"hi\"", "line1\nline2", "cr\r\nlf", "\xff\xfe bad", "caf\xc3\xa9", "\xe2\x82",
    "\xed\xa0\x80", "\xc0\xaf", std::string("nul\0tab\t\x01", 10), "\xf0\x9f\x98\x80", "\x7f", ",", "\"", " lead",
    "\\back\\slash", "\xf4\x90\x80\x80",
};

auto pipeline() {
    std::vector<std::int64_t> id;
    std::vector<std::string> s;
    std::vector<rec_t> rec;
    std::vector<std::optional<std::string>> os;
    std::vector<std::tuple<std::int8_t, std::string>> pair;
    for (std::size_t i = 0; i < hostile.size(); ++i) {
        id.push_back(static_cast<std::int64_t>(i) - 5);
        s.push_back(hostile[i]);
        rec_t r;
        r.path = hostile[(i + 3) % hostile.size()];
        if (i % 3) r.n = static_cast<std::int32_t>(i * 1000) - 7000;
        r.x = i == 4 ? std::nan("") : i == 5 ? -HUGE_VAL : 0.1 * static_cast<double>(i) + 1e-300;
        r.f = 1.0f / static_cast<float>(i + 3);
        r.tags = {hostile[i], hostile[(i + 1) % hostile.size()]};
        r.ok = i % 2 == 0;
        r.inner = {static_cast<std::uint16_t>(65535 - i), hostile[(i + 7) % hostile.size()]};
        rec.push_back(r);
        if (i % 4) os.push_back(hostile[i]);
        else os.push_back(std::nullopt);
        pair.emplace_back(static_cast<std::int8_t>(-128 + static_cast<int>(i)), hostile[(i + 2) % hostile.size()]);
    }
    return dc::read_values<"id", "s", "rec", "os", "pair">(id, s, rec, os, pair) | dc::limit(1000) |
           dc::save("hostile");
}
using S = decltype(pipeline())::schema;

const std::vector<std::string> flat_names = {"id",  "s",     "rec.path",    "rec.n",       "rec.x", "rec.f",
                                             "rec.tags", "rec.ok", "rec.inner.a", "rec.inner.b", "os",    "pair"};

// The JSON items of a list of strings.
std::vector<std::string> strings_of(const tp::json& j) {
    REQUIRE(j.kind == tp::json::array);
    std::vector<std::string> out;
    for (auto& x : j.items) {
        REQUIRE(x.kind == tp::json::string);
        out.push_back(x.text);
    }
    return out;
}

bool same_double(double want, const std::string& text) {
    if (std::isnan(want)) return text == "nan";
    if (std::isinf(want)) return text == (want < 0 ? "-inf" : "inf");
    return std::strtod(text.c_str(), nullptr) == want;
}

// Equal values, NaN equal to NaN.
bool same(const dc::value& a, const dc::value& b) {
    if (a.is_double() && b.is_double() && std::isnan(a.as_double())) return std::isnan(b.as_double());
    if (a.is_list() && b.is_list()) {
        if (a.as_list().size() != b.as_list().size()) return false;
        for (std::size_t i = 0; i < a.as_list().size(); ++i)
            if (!same(a.as_list()[i], b.as_list()[i])) return false;
        return true;
    }
    if (a.is_record() && b.is_record()) {
        if (a.as_record().size() != b.as_record().size()) return false;
        for (std::size_t i = 0; i < a.as_record().size(); ++i)
            if (a.as_record()[i].name != b.as_record()[i].name || !same(a.as_record()[i].v, b.as_record()[i].v))
                return false;
        return true;
    }
    return a == b;
}

} // namespace

TEST_CASE("export: the stored schema describes the version, and rows read without the C++ type", "[runtime][export]") {
    CHECK(dc::signature_of(dc::schema_of<S>()) == S::signature());
    using F = dc::schema<dc::column<"file", dc::File>, dc::column<"v", std::vector<std::optional<float>>>>;
    CHECK(dc::signature_of(dc::schema_of<F>()) == F::signature());
    CHECK(dc::schema_of<F>().text() == dc::schema_text<F>());

    rt::temp_dir d;
    dc::session s{rt::cfg(d.store(), "export")};
    auto ds = pipeline().run(s);
    auto dyn = dc::open_dataset_dynamic(s, "hostile");
    CHECK(dyn.version() == ds.version());
    CHECK(dyn.size() == hostile.size());
    CHECK(dyn.schema().text() == dc::schema_text<S>());
    CHECK(dyn.schema().codec == dc::codec_version);
    auto typed = ds.to_vector();
    auto rows = dyn.to_vector();
    REQUIRE(rows.size() == typed.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::vector<dc::value> want;
        std::apply([&](const auto&... x) { (want.push_back(dc::to_value(x)), ...); }, typed[i].values);
        REQUIRE(rows[i].values.size() == want.size());
        for (std::size_t k = 0; k < want.size(); ++k) CHECK(same(rows[i].values[k], want[k]));
        if (i != 4) CHECK(rows[i].values == want);  // (row 4 holds a NaN)
        CHECK(rows[i]["rec.inner.b"].as_string() == typed[i].get<"rec.inner.b">());
        CHECK(rows[i]["rec"]["path"].as_string() == typed[i].get<"rec.path">());
    }
    CHECK(rt::catch_error([&] { (void)rows[0]["rec.nope"]; }).kind() == dc::error_kind::not_found);
    CHECK(rt::catch_error([&] { (void)rows[0]["id"].as_string(); }).kind() == dc::error_kind::usage);

    // Removing the version removes its schema record too.
    const auto key = dc::detail::rec::version_schema_key("hostile", 1, 0, 0);
    CHECK(s.db().get(key));
    s.remove_dataset("hostile", "1.0.0");
    CHECK_FALSE(s.db().get(key));
}

TEST_CASE("export: a version without a schema record, or with a damaged one, says so", "[runtime][export]") {
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store(), "export")};
    auto ds = pipeline().run(s);
    const auto key = dc::detail::rec::version_schema_key("hostile", 1, 0, 0);
    auto good = *s.db().get(key);

    // As saved by a build before schema records: the typed reader still reads it.
    s.db().del(key);
    auto e = rt::catch_error([&] { dc::open_dataset_dynamic(s, "hostile", "1.0.0"); });
    CHECK(e.kind() == dc::error_kind::not_found);
    CHECK_THAT(e.what(), Catch::Contains("has no stored schema") && Catch::Contains("DATACHAIN_IGNORE_CHECKPOINTS=1"));
    CHECK(dc::open_dataset<S>(s, "hostile").to_vector().size() == hostile.size());

    // A record that does not describe the rows (a column renamed).
    auto r = dc::detail::rec::unpack<dc::version_schema_record>(good, "x");
    r.nodes[0].name = "ID";
    s.db().put(key, dc::detail::rec::pack(r));
    e = rt::catch_error([&] { dc::open_dataset_dynamic(s, "hostile"); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK_THAT(e.what(), Catch::Contains("schema record") && Catch::Contains("is damaged"));
    // Malformed trees are refused, never read out of bounds.
    r = dc::detail::rec::unpack<dc::version_schema_record>(good, "x");
    r.nodes[2].children = 1000;
    s.db().put(key, dc::detail::rec::pack(r));
    CHECK(rt::catch_error([&] { dc::open_dataset_dynamic(s, "hostile"); }).kind() == dc::error_kind::store_corrupt);
    r = dc::detail::rec::unpack<dc::version_schema_record>(good, "x");
    r.nodes[0].bits = 7;
    s.db().put(key, dc::detail::rec::pack(r));
    CHECK(rt::catch_error([&] { dc::open_dataset_dynamic(s, "hostile"); }).kind() == dc::error_kind::store_corrupt);

    // A damaged row: the dynamic reader names it like the typed one.
    s.db().put(key, good);
    s.db().put(dc::detail::rec::row_key(ds.record().table, 3, 0), "\x01");
    e = rt::catch_error([&] { (void)dc::open_dataset_dynamic(s, "hostile").to_vector(); });
    CHECK(e.kind() == dc::error_kind::store_corrupt);
    CHECK_THAT(e.what(), Catch::Contains("a stored row of dataset 'hostile' version 1.0.0"));
}

TEST_CASE("export: CSV round-trips hostile strings (RFC 4180)", "[runtime][export]") {
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store(), "export")};
    auto ds = pipeline().run(s);
    auto typed = ds.to_vector();
    std::ostringstream typed_out, dyn_out;
    CHECK(dc::export_csv(ds, typed_out) == hostile.size());
    CHECK(dc::export_csv(dc::open_dataset_dynamic(s, "hostile"), dyn_out) == hostile.size());
    CHECK(typed_out.str() == dyn_out.str());  // the typed and the dynamic path write the same bytes

    auto csv = tp::parse_csv(dyn_out.str());
    REQUIRE(csv.size() == typed.size() + 1);
    std::vector<std::string> header;
    for (auto& f : csv[0]) header.push_back(f.value_or("<null>"));
    CHECK(header == flat_names);
    for (std::size_t i = 0; i < typed.size(); ++i) {
        const auto& t = typed[i];
        const auto& c = csv[i + 1];
        REQUIRE(c.size() == flat_names.size());
        CAPTURE(i);
        CHECK(c[0] == std::to_string(t.get<"id">()));
        CHECK(c[1] == t.get<"s">());  // "" stays an empty string, not null
        CHECK(c[2] == t.get<"rec.path">());
        const auto& n = t.get<"rec.n">();
        CHECK(c[3] == (n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt));
        CHECK(same_double(t.get<"rec.x">(), c[4].value()));
        CHECK(std::strtof(c[5]->c_str(), nullptr) == t.get<"rec.f">());
        CHECK(strings_of(tp::parse_json(c[6].value())) == t.get<"rec.tags">());
        CHECK(c[7] == std::string(t.get<"rec.ok">() ? "true" : "false"));
        CHECK(c[8] == std::to_string(t.get<"rec.inner.a">()));
        CHECK(c[9] == t.get<"rec.inner.b">());
        CHECK(c[10] == t.get<"os">());
        auto p = tp::parse_json(c[11].value());
        REQUIRE(p.items.size() == 2);
        CHECK(p.items[0].text == std::to_string(std::get<0>(t.get<"pair">())));
        CHECK(p.items[1].text == std::get<1>(t.get<"pair">()));
    }

    // Columns and limit; a struct's name selects its members.
    std::ostringstream some;
    CHECK(dc::export_csv(ds, some, {.columns = {"rec.inner", "id"}, .limit = 2}) == 2);
    auto part = tp::parse_csv(some.str());
    REQUIRE(part.size() == 3);
    CHECK(part[0] == tp::csv_row{"rec.inner.a", "rec.inner.b", "id"});
    CHECK(part[2][2] == std::to_string(typed[1].get<"id">()));
    auto e = rt::catch_error([&] { std::ostringstream o; dc::export_csv(ds, o, {.columns = {"rec.nope"}}); });
    CHECK(e.kind() == dc::error_kind::not_found);
    CHECK_THAT(e.what(), Catch::Contains("no column 'rec.nope'") && Catch::Contains("rec.inner.b"));
    // A column selected twice: an error naming it, not a repeated column.
    e = rt::catch_error([&] { std::ostringstream o; dc::export_csv(ds, o, {.columns = {"id", "os", "id"}}); });
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK_THAT(e.what(), Catch::Contains("column 'id' is selected twice"));
    e = rt::catch_error([&] { std::ostringstream o; dc::export_jsonl(ds, o, {.columns = {"rec.inner", "rec.inner.b"}}); });
    CHECK(e.kind() == dc::error_kind::usage);
    CHECK_THAT(e.what(), Catch::Contains("column 'rec.inner.b' is selected twice"));
    e = rt::catch_error([&] { std::ostringstream o; dc::export_jsonl(ds, o, {.columns = {"rec.inner.b", "rec"}}); });
    CHECK_THAT(e.what(), Catch::Contains("column 'rec.inner.b' is selected twice ('rec' includes it)"));
}

TEST_CASE("export: JSON Lines are valid UTF-8 and round-trip hostile strings", "[runtime][export]") {
    rt::temp_dir d;
    dc::session s{rt::cfg(d.store(), "export")};
    auto ds = pipeline().run(s);
    auto typed = ds.to_vector();
    const auto file = d / "out.jsonl";
    CHECK(dc::export_jsonl(ds, file) == hostile.size());
    const auto text = rt::read_file(file);
    CHECK(tp::valid_utf8(text));
    std::vector<std::string> lines;
    for (std::size_t a = 0, b; (b = text.find('\n', a)) != std::string::npos; a = b + 1) lines.push_back(text.substr(a, b - a));
    REQUIRE(lines.size() == typed.size());
    for (std::size_t i = 0; i < typed.size(); ++i) {
        const auto& t = typed[i];
        CAPTURE(i, lines[i]);
        auto j = tp::parse_json(lines[i]);
        REQUIRE(j.kind == tp::json::object);
        std::vector<std::string> keys;
        for (auto& f : j.fields) keys.push_back(f.first);
        CHECK(keys == flat_names);
        CHECK(j["id"].text == std::to_string(t.get<"id">()));
        CHECK(j["s"].text == t.get<"s">());  // \udcXX escapes give the invalid bytes back
        CHECK(j["rec.path"].text == t.get<"rec.path">());
        const auto& n = t.get<"rec.n">();
        CHECK(j["rec.n"].kind == (n ? tp::json::number : tp::json::null));
        const double x = t.get<"rec.x">();
        if (std::isfinite(x)) CHECK(std::strtod(j["rec.x"].text.c_str(), nullptr) == x);
        else CHECK(j["rec.x"].kind == tp::json::null);  // JSON has no NaN or infinity
        CHECK(std::strtof(j["rec.f"].text.c_str(), nullptr) == t.get<"rec.f">());
        CHECK(strings_of(j["rec.tags"]) == t.get<"rec.tags">());
        CHECK(j["rec.ok"].b == t.get<"rec.ok">());
        CHECK(j["rec.inner.b"].text == t.get<"rec.inner.b">());
        const auto& os = t.get<"os">();
        CHECK(j["os"].kind == (os ? tp::json::string : tp::json::null));
        if (os) CHECK(j["os"].text == *os);
        CHECK(j["pair"].items.at(1).text == std::get<1>(t.get<"pair">()));
    }

    // An existing file is never overwritten.
    auto e = rt::catch_error([&] { dc::export_csv(ds, file); });
    CHECK(e.kind() == dc::error_kind::io);
    CHECK_THAT(e.what(), Catch::Contains("never overwritten"));
    CHECK(rt::read_file(file) == text);
}

TEST_CASE("export: JSON string escapes", "[runtime][export]") {
    auto j = [](std::string_view s) {
        std::string out;
        dc::detail::json_string(out, s);
        return out;
    };
    CHECK(j("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(j("\x01\n") == "\"\\u0001\\n\"");
    CHECK(j("\xff") == "\"\\udcff\"");
    CHECK(j("\xe2\x82") == "\"\\udce2\\udc82\"");              // truncated sequence: each byte
    CHECK(j("\xc0\xaf") == "\"\\udcc0\\udcaf\"");              // overlong
    CHECK(j("\xed\xa0\x80") == "\"\\udced\\udca0\\udc80\"");   // a surrogate
    CHECK(j("caf\xc3\xa9 \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
    std::string csv;
    dc::detail::csv_field(csv, "");
    CHECK(csv == "\"\"");
}
