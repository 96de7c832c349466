// The errors of a local listing (runtime/listing.hpp): what, where and what
// to do, with the path shown so that a name holding a newline or a tab
// cannot garble the message (quoted_value, core/error.hpp).
//
//   throw_listing(uri, "cannot open the directory", dir, errno);   // error(io), strerror, advice
//   throw_listing_entry(uri, path, "a socket", "move it out of the source directory");
#pragma once

#include <datachain/core/error.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace datachain::detail {

// What to do about an errno from listing.
inline std::string listing_advice(int err) {
    switch (err) {
    case EACCES:
    case EPERM: return "make it readable by this user (chmod/chown) or move it out of the source directory";
    case EMFILE:
    case ENFILE: return "the process ran out of file descriptors; raise the limit (ulimit -n) and rerun";
    case ELOOP: return "it is a loop of symbolic links; fix or remove the link";
    case ENAMETOOLONG: return "the path is too long; shorten the directory names";
    case ENOMEM: return "the system is out of memory; rerun when memory is free";
    default: return "check the file system and rerun";
    }
}

[[noreturn]] inline void throw_listing(std::string_view uri, const std::string& what, const std::string& path, int err) {
    throw error(error_kind::io, "datachain: read_storage(\"" + escaped(uri) + "\"): " + what + " " +
                                    quoted_value(path) + ": " + std::strerror(err) + "; " + listing_advice(err) +
                                    ". The listing is not complete, so nothing was computed from it");
}

[[noreturn]] inline void throw_listing_entry(std::string_view uri, const std::string& path, const std::string& is,
                                             const std::string& todo) {
    throw error(error_kind::io, "datachain: read_storage(\"" + escaped(uri) + "\"): " + quoted_value(path) + " is " +
                                    is + "; " + todo +
                                    ". The listing is not complete, so nothing was computed from it");
}

// "a FIFO (named pipe)", "a socket", ... for what is not a file or directory.
inline std::string special_file_kind(mode_t m) {
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    return "not a regular file";
}

} // namespace datachain::detail
