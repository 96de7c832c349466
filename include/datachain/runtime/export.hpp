// Getting rows out of the store: CSV (RFC 4180) and JSON Lines, from a
// typed dataset<S> or a dynamic_dataset, to a stream or a new file.
//
//   auto ds = pipeline.run();
//   dc::export_csv(ds, "out.csv");                      // a new file (an existing one is an error)
//   dc::export_jsonl(ds, std::cout);                    // any std::ostream
//   dc::export_csv(dc::open_dataset_dynamic(s, "processed_files"), std::cout,
//                  {.columns = {"file.path", "result"}, .limit = 10});
//
// Columns: a column whose type is a struct is flattened into one column per
// member, named by path ("file.path", "file.size", nested structs further);
// other types stay one column (in CSV a list, tuple or a struct inside an
// optional or list is written as its JSON text). CSV: a header row, CRLF
// line ends, fields quoted as RFC 4180 says (text_format.hpp: null is an
// empty field, an empty string is ""). JSONL: one object per row, keys the
// flat column names, strings valid UTF-8 (bytes that are not are escaped as
// \udcXX, see text_format.hpp).
//
// Other formats: row_writer is the interface the two writers implement; a
// Parquet or Arrow writer would be a third (neither library is packaged in
// Debian 12, so none is built).
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/runtime/dataset.hpp>
#include <datachain/runtime/dynamic_dataset.hpp>
#include <datachain/runtime/dynamic_schema.hpp>
#include <datachain/runtime/text_format.hpp>
#include <datachain/runtime/value.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace datachain {

// One output column: its path and type, and where its value is in a row
// (the column's index, then member indices).
struct flat_column {
    std::string path;
    field_type type;
    std::vector<std::size_t> at;
};

// The output columns of a schema: structs flattened (see above).
inline std::vector<flat_column> flatten(const dataset_schema& s) {
    std::vector<flat_column> out;
    auto walk = [&](auto& self, const std::string& path, const field_type& t, std::vector<std::size_t> at) -> void {
        if (t.kind != type_kind::record || t.elems.empty()) {
            out.push_back({path, t, std::move(at)});
            return;
        }
        for (std::size_t i = 0; i < t.elems.size(); ++i) {
            auto next = at;
            next.push_back(i);
            self(self, path + "." + t.names[i], t.elems[i], std::move(next));
        }
    };
    for (std::size_t i = 0; i < s.columns.size(); ++i) walk(walk, s.columns[i].name, s.columns[i].type, {i});
    return out;
}

// The value of a flat column in a row.
inline const value& flat_value(const std::vector<value>& row, const flat_column& c) {
    const value* v = &row.at(c.at[0]);
    for (std::size_t k = 1; k < c.at.size(); ++k) v = &v->as_record().at(c.at[k]).v;
    return *v;
}

// The exporter interface: begin with the columns, one call per row, end.
class row_writer {
public:
    virtual ~row_writer() = default;
    virtual void begin(const std::vector<flat_column>& columns) = 0;
    virtual void row(const std::vector<const value*>& cells) = 0;
    virtual void end() {}
};

class csv_writer : public row_writer {
public:
    explicit csv_writer(std::ostream& out) : out_(out) {}
    void begin(const std::vector<flat_column>& columns) override {
        cols_ = columns;
        line_.clear();
        for (std::size_t i = 0; i < cols_.size(); ++i) {
            if (i) line_.push_back(',');
            detail::csv_field(line_, cols_[i].path);
        }
        flush();
    }
    void row(const std::vector<const value*>& cells) override {
        line_.clear();
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i) line_.push_back(',');
            detail::csv_value(line_, *cells[i], cols_[i].type);
        }
        flush();
    }

private:
    void flush() {
        line_ += "\r\n";
        out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    }
    std::ostream& out_;
    std::vector<flat_column> cols_;
    std::string line_;
};

class jsonl_writer : public row_writer {
public:
    explicit jsonl_writer(std::ostream& out) : out_(out) {}
    void begin(const std::vector<flat_column>& columns) override {
        keys_.clear();
        cols_ = columns;
        for (const auto& c : cols_) {
            std::string k;
            detail::json_string(k, c.path);
            keys_.push_back(k + ":");
        }
    }
    void row(const std::vector<const value*>& cells) override {
        line_ = "{";
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (i) line_.push_back(',');
            line_ += keys_[i];
            detail::json_value(line_, *cells[i], cols_[i].type);
        }
        line_ += "}\n";
        out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    }

private:
    std::ostream& out_;
    std::vector<flat_column> cols_;
    std::vector<std::string> keys_;
    std::string line_;
};

enum class export_format { csv, jsonl };

// "csv" or "jsonl"; nullopt otherwise.
inline std::optional<export_format> export_format_named(std::string_view n) {
    if (n == "csv") return export_format::csv;
    if (n == "jsonl") return export_format::jsonl;
    return std::nullopt;
}

inline std::unique_ptr<row_writer> make_row_writer(export_format f, std::ostream& out) {
    if (f == export_format::csv) return std::make_unique<csv_writer>(out);
    return std::make_unique<jsonl_writer>(out);
}

struct export_options {
    // Flat column paths to write, in this order; a struct column's name
    // ("file") stands for all its members. Empty: every column.
    std::vector<std::string> columns;
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();  // at most this many rows
};

// The flat columns `opt.columns` selects; error(not_found) naming the ones
// available; error(usage) naming a column selected twice ("id,id", or
// "meta,meta.x": a struct's name selects its members).
inline std::vector<flat_column> select_columns(const dataset_schema& s, const std::vector<std::string>& want) {
    auto all = flatten(s);
    if (want.empty()) return all;
    std::vector<flat_column> out;
    for (const auto& w : want) {
        bool found = false;
        for (const auto& c : all)
            if (c.path == w || (c.path.size() > w.size() && c.path.compare(0, w.size(), w) == 0 && c.path[w.size()] == '.')) {
                for (const auto& o : out)
                    if (o.path == c.path)
                        throw error(error_kind::usage, "datachain: column '" + c.path + "' is selected twice" +
                                                           (c.path == w ? "" : " ('" + w + "' includes it)") +
                                                           "; name each column once");
                out.push_back(c);
                found = true;
            }
        if (!found) {
            std::string have;
            for (const auto& c : all) have += (have.empty() ? "" : ", ") + c.path;
            throw error(error_kind::not_found, "datachain: no column '" + w + "'; the columns are: " + have);
        }
    }
    return out;
}

namespace detail {
template <class Rows>
std::uint64_t export_rows(const Rows& rows, const dataset_schema& s, row_writer& w, const export_options& opt) {
    const auto cols = select_columns(s, opt.columns);
    w.begin(cols);
    std::uint64_t n = 0;
    std::vector<const value*> cells(cols.size());
    if (opt.limit > 0)
        for (auto it = rows.begin(); it != rows.end(); ++it) {
            const std::vector<value>& vals = *it;
            for (std::size_t i = 0; i < cols.size(); ++i) cells[i] = &flat_value(vals, cols[i]);
            w.row(cells);
            if (++n == opt.limit) break;
        }
    w.end();
    return n;
}

// A typed dataset's rows as values (what the dynamic reader gives).
template <class S>
struct typed_values {
    const dataset<S>& ds;
    struct iterator {
        typename dataset<S>::iterator it;
        std::vector<value> cur;
        const std::vector<value>& operator*() {
            cur.clear();
            std::apply([&](const auto&... x) { (cur.push_back(to_value(x)), ...); }, it->values);
            return cur;
        }
        iterator& operator++() {
            ++it;
            return *this;
        }
        bool operator!=(std::default_sentinel_t s) const { return !(it == s); }
    };
    iterator begin() const { return {ds.begin(), {}}; }
    std::default_sentinel_t end() const { return {}; }
};

struct dynamic_values {
    const dynamic_dataset& ds;
    struct iterator {
        dynamic_dataset::iterator it;
        const std::vector<value>& operator*() const { return it->values; }
        iterator& operator++() {
            ++it;
            return *this;
        }
        bool operator!=(std::default_sentinel_t s) const { return !(it == s); }
    };
    iterator begin() const { return {ds.begin()}; }
    std::default_sentinel_t end() const { return {}; }
};

// A new file for writing: an existing file is never overwritten (error(io)).
// Removed again when the export fails.
class new_file_stream {
public:
    explicit new_file_stream(const std::filesystem::path& p) : path_(p) {
        f_ = std::fopen(p.c_str(), "wx");
        if (!f_)
            throw error(error_kind::io, "datachain: export: cannot create '" + p.string() + "': " +
                                            std::strerror(errno) +
                                            (errno == EEXIST ? " (an existing file is never overwritten; remove it "
                                                               "or choose another name)"
                                                             : ""));
    }
    ~new_file_stream() {
        if (f_) {
            std::fclose(f_);
            std::error_code ec;
            std::filesystem::remove(path_, ec);  // ours, and incomplete
        }
    }
    void write(const std::string& s) {
        if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) fail();
    }
    void close() {
        auto f = f_;
        f_ = nullptr;
        if (std::fclose(f) != 0) {
            std::error_code ec;
            std::filesystem::remove(path_, ec);
            throw error(error_kind::io, "datachain: export: cannot write '" + path_.string() + "': " + std::strerror(errno));
        }
    }

private:
    [[noreturn]] void fail() {
        throw error(error_kind::io, "datachain: export: cannot write '" + path_.string() + "': " + std::strerror(errno));
    }
    std::filesystem::path path_;
    std::FILE* f_ = nullptr;
};

inline std::uint64_t checked(std::ostream& out, std::uint64_t n) {
    if (!out.flush()) throw error(error_kind::io, "datachain: export: the output stream failed (disk full, or closed?)");
    return n;
}

template <class D>
std::uint64_t export_any(const D& ds, row_writer& w, const export_options& opt) {
    if constexpr (std::is_same_v<D, dynamic_dataset>) return export_rows(dynamic_values{ds}, ds.schema(), w, opt);
    else return export_rows(typed_values<typename D::schema_type>{ds}, schema_of<typename D::schema_type>(), w, opt);
}

template <class D>
std::uint64_t export_to_file(const D& ds, export_format f, const std::filesystem::path& p, const export_options& opt) {
    new_file_stream file(p);
    struct buf : std::streambuf {
        new_file_stream& f;
        std::string pending;
        explicit buf(new_file_stream& x) : f(x) {}
        std::streamsize xsputn(const char* s, std::streamsize n) override {
            pending.append(s, static_cast<std::size_t>(n));
            if (pending.size() >= 1 << 16) sync();
            return n;
        }
        int overflow(int c) override {
            if (c != EOF) pending.push_back(static_cast<char>(c));
            return c;
        }
        int sync() override {
            f.write(pending);
            pending.clear();
            return 0;
        }
    } b(file);
    std::ostream out(&b);
    auto w = make_row_writer(f, out);
    auto n = export_any(ds, *w, opt);
    b.sync();
    file.close();
    return n;
}
} // namespace detail

// Writes the rows through `w` (any row_writer); returns how many.
template <class D>
std::uint64_t export_rows(const D& ds, row_writer& w, const export_options& opt = {}) {
    return detail::export_any(ds, w, opt);
}

// CSV / JSON Lines to a stream or to a new file; returns the rows written.
// D is a dataset<S> or a dynamic_dataset.
template <class D>
std::uint64_t export_csv(const D& ds, std::ostream& out, const export_options& opt = {}) {
    csv_writer w(out);
    return detail::checked(out, export_rows(ds, w, opt));
}
template <class D>
std::uint64_t export_jsonl(const D& ds, std::ostream& out, const export_options& opt = {}) {
    jsonl_writer w(out);
    return detail::checked(out, export_rows(ds, w, opt));
}
template <class D>
std::uint64_t export_csv(const D& ds, const std::filesystem::path& file, const export_options& opt = {}) {
    return detail::export_to_file(ds, export_format::csv, file, opt);
}
template <class D>
std::uint64_t export_jsonl(const D& ds, const std::filesystem::path& file, const export_options& opt = {}) {
    return detail::export_to_file(ds, export_format::jsonl, file, opt);
}

} // namespace datachain
