// File: the row type of storage sources.
//
//   for (auto& r : (dc::read_storage("photos/") | dc::collect)) r.get<"file">().read();
//
// `source` is the storage root as a URI ("file:///abs/dir"), `path` the
// relative path with '/' separators, `size` in bytes, `mtime` the
// modification time in nanoseconds since the Unix epoch. The four fields are
// reflected (BOOST_HANA_DEFINE_STRUCT), so pipelines reach them as
// C<"file.path">, C<"file.size">, ...
#pragma once

#include <datachain/core/error.hpp>

#include <boost/hana/define_struct.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace datachain {

struct File {
    BOOST_HANA_DEFINE_STRUCT(File,
        (std::string, source),
        (std::string, path),
        (std::uint64_t, size),
        (std::int64_t, mtime));

    // Local filesystem path of the file. Requires a "file://" source.
    std::filesystem::path full_path() const {
        std::string_view root = source;
        if (root.starts_with("file://")) root.remove_prefix(7);
        return std::filesystem::path(std::string(root)) / path;
    }

    // The whole contents. Throws datachain::error (kind io) naming the path
    // when the file cannot be opened or read.
    std::string read() const {
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
            data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
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
