// Writing values as text: JSON (RFC 8259) and CSV fields (RFC 4180). Used
// by the exporters (export.hpp) and the datachain CLI.
//
//   std::string out;
//   dc::detail::json_string(out, "a\"b\xff");   // "a\"b\udcff"
//   dc::detail::json_value(out, v, type);        // a value as JSON
//   dc::detail::csv_field(out, "a,b");           // "a,b" in quotes
//
// JSON strings are valid UTF-8: a byte that is not part of a well-formed
// UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF) is written as the escape \udcXX, XX its hex value: the
// "surrogateescape" convention, so Python's
// s.encode("utf-8", "surrogateescape") gives the original bytes back.
// Control characters are escaped; everything else is copied.
// Numbers: integers in decimal, floating point in the shortest form that
// reads back to the same value; NaN and infinities are null in JSON (JSON
// has no spelling for them) and nan, -nan (a NaN with its sign bit set),
// inf, -inf in CSV and in `datachain show`.
#pragma once

#include <datachain/runtime/dynamic_schema.hpp>
#include <datachain/runtime/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace datachain::detail {

// The length of the well-formed UTF-8 sequence at s[i], or 0.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        const unsigned c = at(k);
        return i + k < s.size() && c >= lo && c <= hi;
    };
    const unsigned c = at(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

inline void json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = utf8_sequence(s, i);
        if (n == 0) {  // not UTF-8: the byte as \udcXX
            out += "\\udc";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(s.substr(i, n));
        } else if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20) {
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
        i += n;
    }
    out.push_back('"');
}

// The shortest text that reads back as the same number ("nan", "-nan",
// "inf", "-inf"): a NaN keeps its sign, as -0 and -inf do (strtod and
// from_chars read "-nan" back as a NaN with the sign bit); its payload bits
// are not written.
inline void number_text(std::string& out, double d, bool single) {
    if (std::isnan(d)) {
        out += std::signbit(d) ? "-nan" : "nan";
        return;
    }
    if (std::isinf(d)) {
        out += d < 0 ? "-inf" : "inf";
        return;
    }
    char buf[64];
    auto r = single ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(d)) : std::to_chars(buf, buf + sizeof buf, d);
    out.append(buf, r.ptr);
}

template <class I>
void integer_text(std::string& out, I x) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, r.ptr);
}

// A value as JSON; `f` says how it was stored (f32 is written as a float).
inline void json_value(std::string& out, const value& v, const field_type& f) {
    if (v.is_null()) out += "null";
    else if (v.is_bool()) out += v.as_bool() ? "true" : "false";
    else if (v.is_int()) integer_text(out, v.as_int());
    else if (v.is_uint()) integer_text(out, v.as_uint());
    else if (v.is_double()) {
        if (!std::isfinite(v.as_double())) out += "null";
        else number_text(out, v.as_double(), f.kind == type_kind::f32);
    } else if (v.is_string()) json_string(out, v.as_string());
    else {
        // A present optional is its value: look through to the element type.
        const field_type* t = &f;
        while (t->kind == type_kind::optional) t = &t->elems.at(0);
        if (v.is_list()) {
            out.push_back('[');
            const auto& l = v.as_list();
            for (std::size_t i = 0; i < l.size(); ++i) {
                if (i) out.push_back(',');
                json_value(out, l[i], t->kind == type_kind::tuple ? t->elems.at(i) : t->elems.at(0));
            }
            out.push_back(']');
        } else {
            out.push_back('{');
            const auto& r = v.as_record();
            for (std::size_t i = 0; i < r.size(); ++i) {
                if (i) out.push_back(',');
                json_string(out, r[i].name);
                out.push_back(':');
                json_value(out, r[i].v, t->elems.at(i));
            }
            out.push_back('}');
        }
    }
}

// One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a
// comma, a quote, CR or LF, or is empty (so "" is an empty string and an
// empty field is null). Bytes are copied as stored.
inline void csv_field(std::string& out, std::string_view s) {
    if (!s.empty() && s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(s);
        return;
    }
    out.push_back('"');
    for (char c : s) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

// A value as one CSV field: null is empty, bool true/false, numbers as
// above, strings as stored, lists and records as their JSON text.
inline void csv_value(std::string& out, const value& v, const field_type& f) {
    if (v.is_null()) return;
    std::string t;
    if (v.is_bool()) t = v.as_bool() ? "true" : "false";
    else if (v.is_int()) integer_text(t, v.as_int());
    else if (v.is_uint()) integer_text(t, v.as_uint());
    else if (v.is_double()) {
        const field_type* e = &f;
        while (e->kind == type_kind::optional) e = &e->elems.at(0);
        number_text(t, v.as_double(), e->kind == type_kind::f32);
    } else if (v.is_string()) {
        csv_field(out, v.as_string());
        return;
    } else json_value(t, v, f);
    csv_field(out, t);
}

} // namespace datachain::detail
