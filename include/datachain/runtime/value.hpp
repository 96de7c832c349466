// Values known at run time: one stored value of any storable type, decoded
// with a field_type (dynamic_schema.hpp) rather than a C++ type.
//
//   dc::value v = dc::to_value(std::vector<std::int64_t>{1, 2});
//   v.is_list(); v.as_list().at(1).as_int();          // 2
//   dc::value f = dc::to_value(dc::File{});
//   f.is_record(); f["path"].as_string();              // a struct's member by name
//
// Kinds: null (an empty optional), bool, int (every signed width), uint
// (every unsigned width), double (f32 and f64), string (bytes, as stored:
// not necessarily UTF-8), list (std::vector and std::tuple elements) and
// record (a struct: its members with their names). A present optional is
// its value.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/reflect.hpp>
#include <datachain/core/types.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/dynamic_schema.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace datachain {

class value {
public:
    struct field;
    using list = std::vector<value>;
    using record = std::vector<field>;  // members in declaration order

    // (Defined below, once `field` is complete.)
    value();  // null
    value(bool b);
    value(std::int64_t i);
    value(std::uint64_t u);
    value(double d);
    value(std::string s);
    value(const char* s);  // (not bool)
    value(list l);
    value(record r);

    bool is_null() const noexcept { return v_.index() == 0; }
    bool is_bool() const noexcept { return std::holds_alternative<bool>(v_); }
    bool is_int() const noexcept { return std::holds_alternative<std::int64_t>(v_); }
    bool is_uint() const noexcept { return std::holds_alternative<std::uint64_t>(v_); }
    bool is_double() const noexcept { return std::holds_alternative<double>(v_); }
    bool is_string() const noexcept { return std::holds_alternative<std::string>(v_); }
    bool is_list() const noexcept { return std::holds_alternative<list>(v_); }
    bool is_record() const noexcept { return std::holds_alternative<record>(v_); }

    // The value as that kind; error(usage) naming both kinds otherwise.
    bool as_bool() const { return get<bool>("bool"); }
    std::int64_t as_int() const { return get<std::int64_t>("int"); }
    std::uint64_t as_uint() const { return get<std::uint64_t>("uint"); }
    double as_double() const { return get<double>("double"); }
    const std::string& as_string() const { return get<std::string>("string"); }
    const list& as_list() const { return get<list>("list"); }
    const record& as_record() const { return get<record>("record"); }

    // A record's member by name; error(not_found) listing the members otherwise.
    const value& operator[](std::string_view member) const;

    // "null", "bool", "int", "uint", "double", "string", "list", "record".
    const char* kind_name() const noexcept {
        static constexpr const char* n[] = {"null", "bool", "int", "uint", "double", "string", "list", "record"};
        return n[v_.index()];
    }

    friend bool operator==(const value&, const value&);

private:
    template <class T>
    const T& get(const char* want) const {
        if (auto p = std::get_if<T>(&v_)) return *p;
        throw error(error_kind::usage, std::string("datachain: value: asked for a ") + want + ", but it holds a " +
                                           kind_name() + "; check value::kind_name() or the column's type");
    }
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, list, record> v_;
};

struct value::field {
    std::string name;
    value v;
    friend bool operator==(const field&, const field&) = default;
};

inline value::value() = default;
inline value::value(bool b) : v_(b) {}
inline value::value(std::int64_t i) : v_(i) {}
inline value::value(std::uint64_t u) : v_(u) {}
inline value::value(double d) : v_(d) {}
inline value::value(std::string s) : v_(std::move(s)) {}
inline value::value(const char* s) : v_(std::string(s)) {}
inline value::value(list l) : v_(std::move(l)) {}
inline value::value(record r) : v_(std::move(r)) {}

inline bool operator==(const value& a, const value& b) { return a.v_ == b.v_; }

inline const value& value::operator[](std::string_view member) const {
    std::string have;
    for (const auto& f : as_record()) {
        if (f.name == member) return f.v;
        have += (have.empty() ? "" : ", ") + f.name;
    }
    throw error(error_kind::not_found,
                "datachain: value: no member '" + std::string(member) + "' (the record has: " + have + ")");
}

// The value of a storable C++ object (what decoding its bytes gives).
template <storable T>
value to_value(const T& x) {
    using namespace detail;
    if constexpr (std::is_same_v<T, bool>) return value(x);
    else if constexpr (is_int_v<T> && std::is_signed_v<T>) return value(static_cast<std::int64_t>(x));
    else if constexpr (is_int_v<T>) return value(static_cast<std::uint64_t>(x));
    else if constexpr (std::is_floating_point_v<T>) return value(static_cast<double>(x));
    else if constexpr (std::is_same_v<T, std::string>) return value(x);
    else if constexpr (is_vector<T>::value) {
        value::list l;
        l.reserve(x.size());
        for (const auto& e : x) l.push_back(to_value(e));
        return value(std::move(l));
    } else if constexpr (is_optional<T>::value) {
        return x ? to_value(*x) : value();
    } else if constexpr (is_tuple<T>::value) {
        value::list l;
        std::apply([&](const auto&... e) { (l.push_back(to_value(e)), ...); }, x);
        return value(std::move(l));
    } else {
        value::record r;
        for_each_member_index<T>([&](auto i) { r.push_back({std::string(member_name<T, i>()), to_value(member_get<i>(x))}); });
        return value(std::move(r));
    }
}

namespace detail {

// Decodes one value of type `f` (the rules of codec.hpp, checked the same way).
inline value decode_value(codec::reader& r, const field_type& f) {
    auto ranged = [](std::uint64_t bits, std::uint64_t x) {
        if (bits < 64 && x >= (std::uint64_t{1} << bits)) codec::corrupt("integer out of range");
    };
    switch (f.kind) {
    case type_kind::boolean: {
        bool b;
        codec::get(r, b);
        return value(b);
    }
    case type_kind::int_: {
        std::int64_t x;
        codec::get(r, x);
        if (f.bits < 64) {
            const std::int64_t lim = std::int64_t{1} << (f.bits - 1);
            if (x < -lim || x >= lim) codec::corrupt("integer out of range");
        }
        return value(x);
    }
    case type_kind::uint_: {
        std::uint64_t x = r.varint();
        ranged(f.bits, x);
        return value(x);
    }
    case type_kind::f32: {
        float x;
        codec::get(r, x);
        return value(static_cast<double>(x));
    }
    case type_kind::f64: {
        double x;
        codec::get(r, x);
        return value(x);
    }
    case type_kind::str: {
        std::string s;
        codec::get(r, s);
        return value(std::move(s));
    }
    case type_kind::optional: {
        bool has;
        codec::get(r, has);
        return has ? decode_value(r, f.elems.at(0)) : value();
    }
    case type_kind::list: {
        std::uint64_t n = r.varint();
        if (n > r.left() + 1) codec::corrupt("list longer than the row");
        value::list l;
        for (std::uint64_t i = 0; i < n; ++i) l.push_back(decode_value(r, f.elems.at(0)));
        return value(std::move(l));
    }
    case type_kind::tuple: {
        value::list l;
        for (const auto& e : f.elems) l.push_back(decode_value(r, e));
        return value(std::move(l));
    }
    case type_kind::record: {
        value::record rec;
        for (std::size_t i = 0; i < f.elems.size(); ++i) rec.push_back({f.names[i], decode_value(r, f.elems[i])});
        return value(std::move(rec));
    }
    }
    codec::corrupt("unknown type kind in the stored schema");
}

// Decodes a whole row (one value per column); trailing bytes are an error.
inline std::vector<value> decode_row(std::string_view bytes, const dataset_schema& s) {
    codec::reader r{bytes.data(), bytes.data() + bytes.size()};
    std::vector<value> out;
    out.reserve(s.columns.size());
    for (const auto& c : s.columns) out.push_back(decode_value(r, c.type));
    if (r.p != r.end) codec::corrupt("trailing bytes after the row");
    return out;
}

} // namespace detail
} // namespace datachain
