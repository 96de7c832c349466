// Data in the library's text is printed with its control characters escaped
// (core/error.hpp, detail::escaped and detail::quoted_value), so a file name
// or a store path holding a newline or an escape sequence cannot forge a line
// or drive the terminal (issue 9, item 1): the decision report lines
// (journal.hpp) that name the files a listing added, modified or removed;
// the file of a UDF that threw and its exception's text (udf_error's
// message, the job's error); the store path in
// messages raised after the store was opened. What is stored keeps the data
// as it is (an event's `why`, udf_error::path()).
#include "support.hpp"

#include <string>
#include <vector>

namespace {

std::string what_of(const dc::error& e) { return e.what(); }

// No byte below 0x20 and no DEL: one line, nothing a terminal acts on.
bool plain(const std::string& s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

DC_DEF(esc_len, (const dc::File& f) -> std::int64_t { return static_cast<std::int64_t>(f.size); });
DC_DEF(esc_throw, (const dc::File& f) -> std::int64_t {
    if (f.name().starts_with("bad")) throw std::runtime_error("cannot decode it\x1b[2J");
    return static_cast<std::int64_t>(f.size);
});

// A file name that would end a line and clear the screen, printed raw.
const std::string hostile_name = "new\n\x1b[2Jforged.txt";

} // namespace

TEST_CASE("escaping: report lines name changed files with their control characters escaped",
          "[runtime][escaping]") {
    rt::temp_dir d;
    const auto data = d / "data";
    rt::write_file(data / "a.txt", "a");
    auto cfg = rt::cfg(d.store());
    cfg.report = true;
    std::vector<std::string> lines;
    cfg.output = [&](const dc::output_line& l) {
        if (l.what != dc::output_line::kind::progress) lines.push_back(l.text);
    };
    auto chain = [&] { return dc::read_storage(data.string()) | dc::map<"len">(esc_len) | dc::save("lens"); };
    {
        dc::session s{cfg};
        (void)chain().run(s);
    }
    rt::write_file(data / hostile_name, "bb");
    lines.clear();
    std::string why;
    {
        dc::session s{cfg};
        (void)chain().run(s);
        for (const auto& e : s.events())
            if (e.why.find("added") != std::string::npos) why = e.why;
    }
    std::string all;
    for (const auto& l : lines) all += l + "\n";
    INFO(all);
    bool named = false;
    for (const auto& l : lines) {
        CHECK(plain(l));
        named = named || l.find("1 added (" + dc::detail::escaped(hostile_name) + ")") != std::string::npos;
    }
    CHECK(named);  // "... 1 added (new\nx1b[2Jforged.txt) ...", as two characters each
    // The event keeps the name as it is: it is data (`datachain events`
    // escapes it when it prints it; --json carries it exactly).
    CHECK(why.find("1 added (" + hostile_name + ")") != std::string::npos);
}

TEST_CASE("escaping: a UDF's file and the store path in messages are escaped", "[runtime][escaping]") {
    rt::temp_dir d;
    const auto root = d / "store\n\x1b[31mred";
    const auto data = d / "data";
    rt::write_file(data / ("bad\r" + hostile_name), "x");
    dc::session s{rt::cfg(root)};

    // The file of the row whose UDF threw: quoted, escaped; path() as it is.
    std::string msg, path;
    try {
        (void)(dc::read_storage(data.string()) | dc::map<"len">(esc_throw) | dc::save("lens")).run(s);
    } catch (const dc::udf_error& e) {
        msg = e.what();
        path = e.path();
    }
    INFO(msg);
    REQUIRE(!msg.empty());
    CHECK(plain(msg));
    const auto file = "bad\r" + hostile_name;  // File::path: relative to the listed directory
    CHECK(msg.find("(file " + dc::detail::quoted_value(file) + "): cannot decode it\\x1b[2J.") != std::string::npos);
    CHECK(path == file);
    // The job's stored error is that message.
    REQUIRE(s.job(s.job_id()));
    CHECK(plain(s.job(s.job_id())->error));

    // Messages raised once the store is open name it quoted and escaped.
    const auto where = dc::detail::quoted_value(s.db().location());
    CHECK(where.find("\\n\\x1b[31mred'") != std::string::npos);
    using S = dc::schema<dc::column<"len", std::int64_t>>;
    auto missing = rt::catch_error([&] { (void)dc::open_dataset<S>(s, "nope"); });
    CHECK(plain(what_of(missing)));
    CHECK(what_of(missing).find("in the store at " + where) != std::string::npos);
    auto source = rt::catch_error([&] { (void)(dc::read_dataset<S>("nope") | dc::save("copy")).run(s); });
    CHECK(plain(what_of(source)));
    CHECK(what_of(source).find("in the store at " + where) != std::string::npos);
}
