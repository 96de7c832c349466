// The exceptions datachain throws. Every message says what went wrong, where
// (step, row, file, store path) and what to do about it.
//
//   try { pipeline.run(); }
//   catch (const datachain::udf_error& e) { e.step(); e.row(); e.path(); }
//   catch (const datachain::error& e) { e.kind(); e.what(); }
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace datachain {

enum class error_kind {
    io,             // a file or directory could not be read or written
    store_locked,   // another process holds the store
    store_format,   // unknown or newer store format
    store_corrupt,  // the store's bytes do not decode
    store_io,       // the store could not write (disk full, permissions)
    invalid_name,   // a dataset name or version that is not valid
    not_found,      // a dataset, version or job that does not exist
    schema_mismatch,// stored rows do not have the schema the program expects
    udf,            // a user function threw
    decode,         // a row's bytes do not decode
    usage,          // the API was used in a way it does not support
};

class error : public std::runtime_error {
public:
    error(error_kind k, const std::string& msg) : std::runtime_error{msg}, kind_{k} {}
    error_kind kind() const noexcept { return kind_; }

private:
    error_kind kind_;
};

// Thrown when a UDF throws: names the step, the input row's index and, when
// the row has a File, its path. The original exception is nested
// (std::rethrow_if_nested(e) reaches it).
class udf_error : public error {
public:
    udf_error(const std::string& msg, std::string step, std::uint64_t row, std::string path)
        : error{error_kind::udf, msg}, step_{std::move(step)}, row_{row}, path_{std::move(path)} {}
    const std::string& step() const noexcept { return step_; }
    std::uint64_t row() const noexcept { return row_; }
    const std::string& path() const noexcept { return path_; }

private:
    std::string step_;
    std::uint64_t row_;
    std::string path_;
};

namespace detail {

// A value the user gave (an argument, an environment variable, a name) as
// it is safe to print in a message: control characters escaped, so a value
// holding a newline or an escape sequence cannot break a message's lines or
// drive the terminal: \n, \r, \t, other bytes below 0x20 and DEL as \xNN,
// C1 controls (U+0080..U+009F, two bytes in UTF-8) as \xc2\xNN, and a
// backslash as \\ (so the escapes read back unambiguously). A byte that is
// not part of valid UTF-8 (a stray continuation byte, a cut or overlong
// sequence, a surrogate, beyond U+10FFFF) is \xNN too, so a message is
// always valid UTF-8 and shows which bytes were there. Valid multi-byte
// UTF-8 is copied as it is. quoted_value() puts it in single quotes, as
// messages quote values: 'abc' (not named quoted: a call with a std::string
// would find std::quoted by argument-dependent lookup).
//
//   detail::quoted_value("a\nb")    // 'a\nb': a backslash and an n, one line
//   detail::quoted_value("u\xff")   // 'u\xff': a backslash, x, f, f
//   detail::quoted_value("\xc3\xa9") // 'é'
inline std::string escaped(std::string_view v) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(v.size());
    auto byte = [&](unsigned char c) {
        out += "\\x";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    };
    auto at = [&](std::size_t i) { return i < v.size() ? static_cast<unsigned char>(v[i]) : 0u; };
    auto cont = [](unsigned c) { return (c & 0xC0) == 0x80; };
    for (std::size_t i = 0; i < v.size();) {
        const auto c = static_cast<unsigned char>(v[i]);
        if (c < 0x80) {
            if (c == '\\') out += "\\\\";
            else if (c == '\n') out += "\\n";
            else if (c == '\r') out += "\\r";
            else if (c == '\t') out += "\\t";
            else if (c < 0x20 || c == 0x7f) byte(c);
            else out.push_back(v[i]);
            ++i;
            continue;
        }
        // The length of a valid UTF-8 sequence starting at i, 0 if none
        // (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
        const unsigned c1 = at(i + 1);
        std::size_t n = 0;
        if (c >= 0xC2 && c <= 0xDF) n = cont(c1) ? 2 : 0;
        else if (c >= 0xE0 && c <= 0xEF) {
            const bool ok1 = c == 0xE0 ? (c1 >= 0xA0 && c1 <= 0xBF) : c == 0xED ? (c1 >= 0x80 && c1 <= 0x9F) : cont(c1);
            n = ok1 && cont(at(i + 2)) ? 3 : 0;
        } else if (c >= 0xF0 && c <= 0xF4) {
            const bool ok1 = c == 0xF0 ? (c1 >= 0x90 && c1 <= 0xBF) : c == 0xF4 ? (c1 >= 0x80 && c1 <= 0x8F) : cont(c1);
            n = ok1 && cont(at(i + 2)) && cont(at(i + 3)) ? 4 : 0;
        }
        if (n == 0 || (n == 2 && c == 0xC2 && c1 < 0xA0)) {  // not UTF-8, or a C1 control
            byte(c);
            if (n == 2) byte(static_cast<unsigned char>(c1));
            i += n ? n : 1;
            continue;
        }
        out.append(v.substr(i, n));
        i += n;
    }
    return out;
}
inline std::string quoted_value(std::string_view v) { return "'" + escaped(v) + "'"; }

} // namespace detail

} // namespace datachain
