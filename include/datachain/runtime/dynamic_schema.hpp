// The schema of a saved version as data: its columns and their types, known
// at run time. Saving a version stores it (version_schema_record, key `S`),
// so that programs without the C++ type, and the datachain CLI, can read the
// rows (open_dataset_dynamic, dynamic_dataset.hpp).
//
//   using S = dc::schema<dc::column<"file", dc::File>, dc::column<"n", std::int64_t>>;
//   dc::dataset_schema s = dc::schema_of<S>();
//   s.text();                            // "(file: {source: str, ...}, n: int64)", as schema_text<S>()
//   s.columns[1].type.kind;              // dc::type_kind::int_
//   dc::signature_of(s) == S::signature();
//
// Versions saved before schemas were stored have no schema record:
// detail::read_version_schema returns nullopt for them.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>
#include <datachain/runtime/codec.hpp>
#include <datachain/runtime/records.hpp>
#include <datachain/runtime/store.hpp>
#include <datachain/runtime/versions.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

// The kinds of stored types (types.hpp). Values are stored: never renumber.
enum class type_kind : std::uint8_t {
    boolean = 1, int_ = 2, uint_ = 3, f32 = 4, f64 = 5, str = 6,
    list = 7, optional = 8, tuple = 9, record = 10,  // record: a reflected struct
};

// A stored type: a kind, an integer width, and for list/optional/tuple/
// record the element types (a record's with its member names).
struct field_type {
    type_kind kind = type_kind::str;
    std::uint8_t bits = 0;            // int_/uint_: 8, 16, 32 or 64
    std::vector<std::string> names;   // record: member names, one per element
    std::vector<field_type> elems;    // list/optional: one; tuple/record: each

    // The spelling of type_name<T>(): "int64", "list<f64>", "{path: str, size: uint64}".
    std::string text() const {
        switch (kind) {
        case type_kind::boolean: return "bool";
        case type_kind::int_: return "int" + std::to_string(bits);
        case type_kind::uint_: return "uint" + std::to_string(bits);
        case type_kind::f32: return "f32";
        case type_kind::f64: return "f64";
        case type_kind::str: return "str";
        case type_kind::list: return "list<" + elems.at(0).text() + ">";
        case type_kind::optional: return "optional<" + elems.at(0).text() + ">";
        case type_kind::tuple:
        case type_kind::record: {
            std::string s = kind == type_kind::tuple ? "(" : "{";
            for (std::size_t i = 0; i < elems.size(); ++i)
                s += (i ? ", " : "") + (kind == type_kind::record ? names[i] + ": " : std::string{}) + elems[i].text();
            return s + (kind == type_kind::tuple ? ")" : "}");
        }
        }
        return "?";
    }
    friend bool operator==(const field_type&, const field_type&) = default;
};

struct column_schema {
    std::string name;
    field_type type;
    friend bool operator==(const column_schema&, const column_schema&) = default;
};

// A version's columns, the codec version its rows use, and its signature.
struct dataset_schema {
    std::uint32_t codec = codec_version;
    hash128 signature;
    std::vector<column_schema> columns;

    // "(file: {...}, result: str)", the spelling of schema_text<S>().
    std::string text() const {
        std::string s = "(";
        for (std::size_t i = 0; i < columns.size(); ++i)
            s += (i ? ", " : "") + columns[i].name + ": " + columns[i].type.text();
        return s + ")";
    }
    friend bool operator==(const dataset_schema&, const dataset_schema&) = default;
};

// The field_type of a storable C++ type.
template <storable T>
field_type field_type_of() {
    using namespace detail;
    field_type f;
    if constexpr (std::is_same_v<T, bool>) f.kind = type_kind::boolean;
    else if constexpr (is_int_v<T>) {
        f.kind = std::is_signed_v<T> ? type_kind::int_ : type_kind::uint_;
        f.bits = static_cast<std::uint8_t>(sizeof(T) * 8);
    } else if constexpr (std::is_same_v<T, float>) f.kind = type_kind::f32;
    else if constexpr (std::is_same_v<T, double>) f.kind = type_kind::f64;
    else if constexpr (std::is_same_v<T, std::string>) f.kind = type_kind::str;
    else if constexpr (is_vector<T>::value || is_optional<T>::value) {
        f.kind = is_vector<T>::value ? type_kind::list : type_kind::optional;
        f.elems.push_back(field_type_of<typename T::value_type>());
    } else if constexpr (is_tuple<T>::value) {
        f.kind = type_kind::tuple;
        [&]<class... U>(std::type_identity<std::tuple<U...>>) {
            (f.elems.push_back(field_type_of<U>()), ...);
        }(std::type_identity<T>{});
    } else {
        f.kind = type_kind::record;
        for_each_member_index<T>([&](auto i) {
            f.names.emplace_back(member_name<T, i>());
            f.elems.push_back(field_type_of<member_type_t<T, i>>());
        });
    }
    return f;
}

namespace detail {
// The same hashing as hash_type<T> (types.hpp), from a field_type.
inline void hash_field_type(hasher& h, const field_type& f) {
    switch (f.kind) {
    case type_kind::boolean: h.tag("bool"); return;
    case type_kind::int_: h.tag("int").u8(f.bits); return;
    case type_kind::uint_: h.tag("uint").u8(f.bits); return;
    case type_kind::f32: h.tag("f32"); return;
    case type_kind::f64: h.tag("f64"); return;
    case type_kind::str: h.tag("str"); return;
    case type_kind::list: h.tag("list"); break;
    case type_kind::optional: h.tag("opt"); break;
    case type_kind::tuple: h.tag("tuple").u32(static_cast<std::uint32_t>(f.elems.size())); break;
    case type_kind::record: h.tag("struct").u32(static_cast<std::uint32_t>(f.elems.size())); break;
    }
    for (std::size_t i = 0; i < f.elems.size(); ++i) {
        if (f.kind == type_kind::record) h.str(f.names[i]);
        hash_field_type(h, f.elems[i]);
    }
}
} // namespace detail

// The dataset_schema of a compile-time schema S.
template <class S>
dataset_schema schema_of() {
    dataset_schema s;
    s.signature = S::signature();
    for_each_column<S>([&]<class C>(C) {
        s.columns.push_back({std::string(C::name.view()), field_type_of<typename C::type>()});
    });
    return s;
}

// The schema signature computed from the columns: equals S::signature()
// for schema_of<S>().
inline hash128 signature_of(const dataset_schema& s) {
    hasher h;
    h.tag("schema").u32(static_cast<std::uint32_t>(s.columns.size()));
    for (const auto& c : s.columns) {
        h.str(c.name);
        detail::hash_field_type(h, c.type);
    }
    return h.finish();
}

namespace detail {

inline void schema_nodes(std::vector<schema_node>& out, const std::string& name, const field_type& f) {
    out.push_back({name, static_cast<std::uint8_t>(f.kind), f.bits, static_cast<std::uint32_t>(f.elems.size())});
    for (std::size_t i = 0; i < f.elems.size(); ++i)
        schema_nodes(out, f.kind == type_kind::record ? f.names[i] : std::string{}, f.elems[i]);
}

inline version_schema_record to_schema_record(const dataset_schema& s) {
    version_schema_record r{};
    r.codec = s.codec;
    r.schema_hi = s.signature.hi;
    r.schema_lo = s.signature.lo;
    r.columns = static_cast<std::uint32_t>(s.columns.size());
    for (const auto& c : s.columns) schema_nodes(r.nodes, c.name, c.type);
    return r;
}

// The stored schema record of S (what save writes beside the dataset record).
template <class S>
std::string pack_version_schema() {
    return rec::pack(to_schema_record(schema_of<S>()));
}

// Rebuilds a dataset_schema; nullopt when the nodes are not a well-formed
// tree (a wrong count, an unknown kind or width, a cycle of depth > 64).
inline std::optional<dataset_schema> from_schema_record(const version_schema_record& r) {
    std::size_t at = 0;
    bool ok = true;
    auto node = [&](auto& self, std::string& name, int depth) -> field_type {
        field_type f;
        if (at >= r.nodes.size() || depth > 64) {
            ok = false;
            return f;
        }
        const auto& n = r.nodes[at++];
        name = n.name;
        f.kind = static_cast<type_kind>(n.kind);
        f.bits = n.bits;
        const auto k = n.kind;
        if (k < 1 || k > 10) ok = false;
        const bool is_int = f.kind == type_kind::int_ || f.kind == type_kind::uint_;
        if (is_int != (f.bits == 8 || f.bits == 16 || f.bits == 32 || f.bits == 64)) ok = false;
        const bool one = f.kind == type_kind::list || f.kind == type_kind::optional;
        const bool many = f.kind == type_kind::tuple || f.kind == type_kind::record;
        if ((one && n.children != 1) || (!one && !many && n.children != 0) || n.children > r.nodes.size())
            ok = false;
        for (std::uint32_t i = 0; ok && i < n.children; ++i) {
            std::string member;
            f.elems.push_back(self(self, member, depth + 1));
            if (f.kind == type_kind::record) f.names.push_back(std::move(member));
        }
        return f;
    };
    dataset_schema s;
    s.codec = r.codec;
    s.signature = {r.schema_hi, r.schema_lo};
    for (std::uint32_t i = 0; ok && i < r.columns; ++i) {
        column_schema c;
        c.type = node(node, c.name, 0);
        s.columns.push_back(std::move(c));
    }
    if (!ok || at != r.nodes.size()) return std::nullopt;
    return s;
}

// The stored schema of a version: nullopt when it was saved before schemas
// were stored. A record that does not describe the version's rows (its
// signature differs) is store_corrupt; a newer codec is store_format.
inline std::optional<dataset_schema> read_version_schema(const store& db, const dataset_record& d) {
    auto [a, b, c] = parse_version(d.version);
    const auto k = rec::version_schema_key(d.name, a, b, c);
    auto v = db.get(k);
    if (!v) return std::nullopt;
    auto r = rec::unpack<version_schema_record>(*v, db.location(), k);
    const auto where =
        "dataset '" + d.name + "' version " + d.version + " in the store at " + detail::quoted_value(db.location());
    if (r.codec > codec_version)
        throw error(error_kind::store_format, "datachain: " + where + " was written with row codec " +
                                                  std::to_string(r.codec) + ", newer than this build reads (" +
                                                  std::to_string(codec_version) + "); upgrade datachain-cpp");
    auto s = from_schema_record(r);
    if (!s || signature_of(*s) != d.schema_sig() || s->signature != d.schema_sig())
        throw error(error_kind::store_corrupt,
                    "datachain: the schema record (key " + rec::hex(k) + ") of " + where +
                        " is damaged: it does not describe the version's columns " + d.schema_text +
                        "; read the version with its C++ type (dc::open_dataset<S>) or run its chain again");
    return s;
}

} // namespace detail
} // namespace datachain
