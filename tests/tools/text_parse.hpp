// Strict parsers for what the exporters and the CLI write, used by the tests
// to read it back: RFC 4180 CSV and JSON (RFC 8259), both throwing
// std::runtime_error with the offset on anything malformed.
//
//   auto rows = tp::parse_csv(text);           // CRLF records; nullopt: an empty unquoted field
//   tp::json j = tp::parse_json(line);         // \udcXX escapes give the byte XX back
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tp {

using csv_row = std::vector<std::optional<std::string>>;

inline std::vector<csv_row> parse_csv(std::string_view s) {
    std::vector<csv_row> rows;
    std::size_t i = 0;
    auto bad = [&](const char* what) { return std::runtime_error("csv: " + std::string(what) + " at offset " + std::to_string(i)); };
    while (i < s.size()) {
        csv_row row;
        for (;;) {
            std::optional<std::string> f;
            if (i < s.size() && s[i] == '"') {
                std::string v;
                ++i;
                for (;;) {
                    if (i >= s.size()) throw bad("unterminated quoted field");
                    if (s[i] == '"') {
                        if (i + 1 < s.size() && s[i + 1] == '"') {
                            v.push_back('"');
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    v.push_back(s[i++]);
                }
                f = std::move(v);
            } else {
                std::string v;
                while (i < s.size() && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                    if (s[i] == '"') throw bad("quote inside an unquoted field");
                    v.push_back(s[i++]);
                }
                if (!v.empty()) f = std::move(v);
            }
            row.push_back(std::move(f));
            if (i < s.size() && s[i] == ',') {
                ++i;
                continue;
            }
            if (s.substr(i, 2) != "\r\n") throw bad("a record does not end with CRLF");
            i += 2;
            break;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

struct json {
    enum kind_t { null, boolean, number, string, array, object } kind = null;
    bool b = false;
    std::string text;                                  // number: its text; string: the bytes
    struct member;                                     // {first: key, second: value}
    std::vector<json> items;                           // array
    std::vector<member> fields;                        // object, in order

    const json& operator[](std::string_view k) const;  // an object's value at key k
};

struct json::member {
    std::string first;
    json second;
};

inline const json& json::operator[](std::string_view k) const {
    for (const auto& f : fields)
        if (f.first == k) return f.second;
    throw std::runtime_error("json: no key '" + std::string(k) + "'");
}

namespace detail {
struct json_parser {
    std::string_view s;
    std::size_t i = 0;
    std::runtime_error bad(const char* what) const {
        return std::runtime_error("json: " + std::string(what) + " at offset " + std::to_string(i));
    }
    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }
    bool lit(std::string_view w) {
        if (s.substr(i, w.size()) != w) return false;
        i += w.size();
        return true;
    }
    static void utf8(std::string& out, std::uint32_t c) {
        if (c < 0x80) out.push_back(static_cast<char>(c));
        else if (c < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 63)));
        } else {
            out.push_back(static_cast<char>(0xE0 | (c >> 12)));
            out.push_back(static_cast<char>(0x80 | ((c >> 6) & 63)));
            out.push_back(static_cast<char>(0x80 | (c & 63)));
        }
    }
    std::string str() {
        if (!lit("\"")) throw bad("expected a string");
        std::string v;
        for (;;) {
            if (i >= s.size()) throw bad("unterminated string");
            auto c = static_cast<unsigned char>(s[i++]);
            if (c == '"') return v;
            if (c < 0x20) throw bad("raw control character in a string");
            if (c != '\\') {
                v.push_back(static_cast<char>(c));
                continue;
            }
            if (i >= s.size()) throw bad("unterminated escape");
            char e = s[i++];
            switch (e) {
            case '"': v.push_back('"'); break;
            case '\\': v.push_back('\\'); break;
            case '/': v.push_back('/'); break;
            case 'b': v.push_back('\b'); break;
            case 'f': v.push_back('\f'); break;
            case 'n': v.push_back('\n'); break;
            case 'r': v.push_back('\r'); break;
            case 't': v.push_back('\t'); break;
            case 'u': {
                if (i + 4 > s.size()) throw bad("short \\u escape");
                std::uint32_t c4 = 0;
                for (int k = 0; k < 4; ++k) {
                    char h = s[i++];
                    c4 <<= 4;
                    if (h >= '0' && h <= '9') c4 |= static_cast<std::uint32_t>(h - '0');
                    else if (h >= 'a' && h <= 'f') c4 |= static_cast<std::uint32_t>(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') c4 |= static_cast<std::uint32_t>(h - 'A' + 10);
                    else throw bad("bad hex digit");
                }
                if (c4 >= 0xDC80 && c4 <= 0xDCFF) v.push_back(static_cast<char>(c4 - 0xDC00));  // surrogateescape
                else if (c4 >= 0xD800 && c4 <= 0xDFFF) throw bad("surrogate escape other than \\udc80-\\udcff");
                else utf8(v, c4);
                break;
            }
            default: throw bad("unknown escape");
            }
        }
    }
    json value(int depth = 0) {
        if (depth > 100) throw bad("too deep");
        ws();
        json j;
        if (i >= s.size()) throw bad("unexpected end");
        if (lit("null")) return j;
        if (lit("true") || lit("false")) {
            j.kind = json::boolean;
            j.b = s[i - 1] == 'e' && s[i - 2] == 'u';
            return j;
        }
        if (s[i] == '"') {
            j.kind = json::string;
            j.text = str();
            return j;
        }
        if (s[i] == '[') {
            ++i;
            j.kind = json::array;
            ws();
            if (lit("]")) return j;
            for (;;) {
                j.items.push_back(value(depth + 1));
                ws();
                if (lit("]")) return j;
                if (!lit(",")) throw bad("expected , or ]");
            }
        }
        if (s[i] == '{') {
            ++i;
            j.kind = json::object;
            ws();
            if (lit("}")) return j;
            for (;;) {
                ws();
                auto k = str();
                ws();
                if (!lit(":")) throw bad("expected :");
                j.fields.push_back({std::move(k), value(depth + 1)});
                ws();
                if (lit("}")) return j;
                if (!lit(",")) throw bad("expected , or }");
            }
        }
        // number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        std::size_t start = i;
        auto digits = [&] {
            std::size_t n = 0;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++n;
            return n;
        };
        lit("-");
        if (lit("0")) {
        } else if (digits() == 0) throw bad("expected a value");
        if (lit(".") && digits() == 0) throw bad("expected digits after '.'");
        if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
            ++i;
            if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
            if (digits() == 0) throw bad("expected exponent digits");
        }
        j.kind = json::number;
        j.text = std::string(s.substr(start, i - start));
        return j;
    }
};
} // namespace detail

// One JSON document; trailing non-space text is an error. Strings must be
// valid UTF-8 (checked by the caller with valid_utf8 when it matters).
inline json parse_json(std::string_view s) {
    detail::json_parser p{s};
    auto j = p.value();
    p.ws();
    if (p.i != s.size()) throw p.bad("trailing text after the document");
    return j;
}

// True when every byte sequence of s is well-formed UTF-8 (RFC 3629).
inline bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
            if (i + k >= s.size()) return false;
            auto x = static_cast<unsigned char>(s[i + k]);
            return x >= lo && x <= hi;
        };
        std::size_t n = 0;
        if (c < 0x80) n = 1;
        else if (c >= 0xC2 && c <= 0xDF && cont(1)) n = 2;
        else if (c == 0xE0 && cont(1, 0xA0) && cont(2)) n = 3;
        else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && cont(1) && cont(2)) n = 3;
        else if (c == 0xED && cont(1, 0x80, 0x9F) && cont(2)) n = 3;
        else if (c == 0xF0 && cont(1, 0x90) && cont(2) && cont(3)) n = 4;
        else if (c >= 0xF1 && c <= 0xF3 && cont(1) && cont(2) && cont(3)) n = 4;
        else if (c == 0xF4 && cont(1, 0x80, 0x8F) && cont(2) && cont(3)) n = 4;
        if (n == 0) return false;
        i += n;
    }
    return true;
}

} // namespace tp
