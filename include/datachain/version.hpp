// datachain-cpp: library and hash-format versions.
//
// This header is the one place that holds the library version; CMake reads it
// (see CMakeLists.txt) so the package version and the header never disagree.
#pragma once

#define DATACHAIN_VERSION_MAJOR 0
#define DATACHAIN_VERSION_MINOR 1
#define DATACHAIN_VERSION_PATCH 0

namespace datachain {

// Folded into every structural hash. Changing any encoding rule, kind tag or
// normalization changes persisted identifiers: bump this value and say so in
// CHANGELOG.md, because every stored checkpoint becomes unreachable.
inline constexpr unsigned hash_format_version = 2;

inline constexpr unsigned version_major = DATACHAIN_VERSION_MAJOR;
inline constexpr unsigned version_minor = DATACHAIN_VERSION_MINOR;
inline constexpr unsigned version_patch = DATACHAIN_VERSION_PATCH;

} // namespace datachain
