// Listing a storage source: every regular file under a directory,
// recursively, sorted by relative path, with its fingerprint.
//
//   auto l = datachain::detail::list_storage("data/");   // throws error(io)
//   l.files; l.fingerprint; l.uri;                        // "file:///abs/data"
//
// The fingerprint hashes (relative path, size, mtime) of every file in path
// order, so it does not depend on the order the filesystem returns entries,
// and adding, removing, or changing any file changes it.
#pragma once

#include <datachain/core/error.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/hash.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail {

struct storage_listing {
    std::string uri;  // file:///canonical/dir
    std::vector<File> files;
    hash128 fingerprint;
    std::uint64_t total_bytes = 0;
};

inline storage_listing list_storage(std::string_view uri_in) {
    namespace fs = std::filesystem;
    std::string path(uri_in);
    if (path.starts_with("file://")) path = path.substr(7);
    else if (auto p = path.find("://"); p != std::string::npos)
        throw error(error_kind::usage, "datachain: read_storage(\"" + std::string(uri_in) + "\"): the scheme '" +
                                           path.substr(0, p) + "://' is not supported yet; use a local path or file:// URI");
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw error(error_kind::io, "datachain: read_storage(\"" + std::string(uri_in) + "\"): the directory '" +
                                        path + "' does not exist; check the path (relative paths start at the "
                                        "working directory " + fs::current_path().string() + ")");
    if (!fs::is_directory(path, ec))
        throw error(error_kind::io, "datachain: read_storage(\"" + std::string(uri_in) + "\"): '" + path +
                                        "' is not a directory");
    auto root = fs::canonical(path, ec);
    if (ec)
        throw error(error_kind::io, "datachain: read_storage: cannot resolve '" + path + "': " + ec.message());
    storage_listing out;
    out.uri = "file://" + root.string();
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    if (ec)
        throw error(error_kind::io, "datachain: read_storage: cannot list '" + root.string() + "': " + ec.message() +
                                        "; check its permissions");
    for (; it != end; it.increment(ec)) {
        if (ec)
            throw error(error_kind::io, "datachain: read_storage: cannot list under '" + root.string() + "': " +
                                            ec.message() + "; check permissions");
        const auto& e = *it;
        std::error_code fe;
        auto st = e.status(fe);
        if (fe || !fs::exists(st)) {
            if (e.is_symlink(fe))
                throw error(error_kind::io, "datachain: read_storage: cannot read '" + e.path().string() +
                                                "': it is a broken symbolic link; fix or remove it");
            throw error(error_kind::io, "datachain: read_storage: cannot read '" + e.path().string() + "'");
        }
        if (!fs::is_regular_file(st)) continue;
        File f;
        f.source = out.uri;
        f.path = e.path().lexically_relative(root).generic_string();  // a link keeps its own name
        f.size = fs::file_size(e.path(), fe);
        if (fe)
            throw error(error_kind::io, "datachain: read_storage: cannot read the size of '" + e.path().string() +
                                            "': " + fe.message());
        auto t = fs::last_write_time(e.path(), fe);
        f.mtime = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
        out.total_bytes += f.size;
        out.files.push_back(std::move(f));
    }
    std::sort(out.files.begin(), out.files.end(), [](const File& a, const File& b) { return a.path < b.path; });
    hasher h;
    h.tag("listing").u64(out.files.size());
    for (const auto& f : out.files) h.str(f.path).u64(f.size).i64(f.mtime);
    out.fingerprint = h.finish();
    return out;
}

} // namespace datachain::detail
