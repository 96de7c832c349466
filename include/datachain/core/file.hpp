// File: the row type of storage sources.
//
// ```cpp
// for (auto& r : (dc::read_storage("photos/") | dc::map<"kb">(f)).collect(s))
//     std::string bytes = r.get<"file">().read();
// ```
//
// `source` is the storage root as a URI ("file:///abs/dir"), `path` the
// relative path with '/' separators, `size` in bytes, `mtime` the
// modification time in nanoseconds since the Unix epoch. Objects (s3://,
// gs://) have `source` "s3://bucket" and `path` the whole key, as DataChain
// does; `etag` is the object's ETag (without quotes) and `version` its
// version id or generation where the listing gives one (both empty for local
// files). The six fields are reflected (BOOST_HANA_DEFINE_STRUCT), so
// pipelines reach them as C<"file.path">, C<"file.size">, C<"file.etag">, ...
//
// read() returns the whole contents, read(offset, length) a range (shorter
// at the end of the file). Objects are read through the object storage
// backend (<datachain/object_storage.hpp>); without it that is an error.
#pragma once

#include <datachain/core/error.hpp>

#include <boost/hana/define_struct.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

namespace datachain {

struct File;

namespace detail {
// Reads [offset, offset + length) of an object; installed by
// <datachain/object_storage.hpp>.
using object_reader = std::string (*)(const File&, std::uint64_t offset, std::uint64_t length);
inline std::atomic<object_reader>& object_reader_slot() {
    static std::atomic<object_reader> slot{nullptr};
    return slot;
}
// "s3://..." or "gs://...": object storage.
inline bool is_object_uri(std::string_view uri) { return uri.starts_with("s3://") || uri.starts_with("gs://"); }
[[noreturn]] inline void no_object_backend(std::string_view uri) {
    throw error(error_kind::usage,
                "datachain: '" + std::string(uri) +
                    "' is object storage, which this program was built without: link the CMake target "
                    "datachain::object_storage (find_package(datachain COMPONENTS object_storage)) and "
                    "#include <datachain/object_storage.hpp>");
}
} // namespace detail

struct File {
    BOOST_HANA_DEFINE_STRUCT(File,
        (std::string, source),
        (std::string, path),
        (std::uint64_t, size),
        (std::int64_t, mtime),
        (std::string, etag),
        (std::string, version));

    // Local filesystem path of the file. Requires a "file://" source.
    std::filesystem::path full_path() const {
        std::string_view root = source;
        if (root.starts_with("file://")) root.remove_prefix(7);
        return std::filesystem::path(std::string(root)) / path;
    }

    // The whole contents. Throws datachain::error (kind io) naming the path
    // when the file cannot be opened or read.
    std::string read() const { return read(0, std::numeric_limits<std::uint64_t>::max()); }

    // `length` bytes from `offset` (fewer at the end; "" past it).
    std::string read(std::uint64_t offset, std::uint64_t length) const {
        if (detail::is_object_uri(source)) {
            auto reader = detail::object_reader_slot().load();
            if (!reader) detail::no_object_backend(source);
            return reader(*this, offset, length);
        }
        auto p = full_path();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(p, ec))
            throw error(error_kind::io, "datachain: cannot read '" + p.string() +
                                            (std::filesystem::exists(p, ec) ? "': it is not a regular file"
                                                                           : "': it does not exist (any more)"));
        std::ifstream in(p, std::ios::binary);
        if (!in)
            throw error(error_kind::io, "datachain: cannot open file '" + p.string() +
                                            "' for reading; check that it is readable");
        std::string data;
        try {
            if (offset == 0 && length == std::numeric_limits<std::uint64_t>::max()) {
                data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
            } else {
                in.seekg(0, std::ios::end);
                const auto end = static_cast<std::uint64_t>(in.tellg());
                if (offset >= end) return data;
                data.resize(static_cast<std::size_t>(std::min(length, end - offset)));
                in.seekg(static_cast<std::streamoff>(offset));
                in.read(data.data(), static_cast<std::streamsize>(data.size()));
                data.resize(static_cast<std::size_t>(in.gcount()));
            }
        } catch (const std::exception& e) {
            throw error(error_kind::io, "datachain: error while reading '" + p.string() + "': " + e.what());
        }
        if (in.bad()) throw error(error_kind::io, "datachain: error while reading '" + p.string() + "'");
        return data;
    }

    // The last path component: "dogs/dog.1.jpg" -> "dog.1.jpg".
    std::string name() const {
        auto p = path.rfind('/');
        return p == std::string::npos ? path : path.substr(p + 1);
    }
    // Everything before the last '/', or "" at the top level.
    std::string parent() const {
        auto p = path.rfind('/');
        return p == std::string::npos ? std::string{} : path.substr(0, p);
    }
    // The extension without the dot: "dog.1.jpg" -> "jpg"; "" when none.
    std::string suffix() const {
        auto n = name();
        auto p = n.rfind('.');
        return p == std::string::npos || p == 0 ? std::string{} : n.substr(p + 1);
    }

    friend bool operator==(const File&, const File&) = default;
};

} // namespace datachain
