// Object storage for read_storage: s3:// (AWS S3 and S3-compatible servers)
// and gs:// (Google Cloud Storage through its S3-compatible XML API).
// Include this header in any one translation unit of the program and link
// the CMake target datachain::object_storage (libcurl, OpenSSL's
// libcrypto); docs/object_storage.md says what is supported.
//
//   #include <datachain/datachain.hpp>
//   #include <datachain/object_storage.hpp>
//
//   auto files = dc::read_storage("gs://datachain-demo/dogs-and-cats/", {.anon = true});
//   auto rows = (files | dc::filter(dc::C<"file.size"> > 15000)).collect();
//
// Including it installs the backend (detail::object_lister_slot and
// detail::object_reader_slot) before main runs; without it an s3:// or gs://
// source is a usage error that says to do this.
#pragma once

#include <datachain/runtime/object_store/s3_listing.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace datachain::detail::objstore {

inline bool install_backend() {
    object_lister_slot().store(&list_objects);
    object_reader_slot().store(&read_object);
    return true;
}

// Runs once per program (an inline variable has one definition).
inline const bool backend_installed = install_backend();

} // namespace datachain::detail::objstore

namespace datachain {

// Drops the download cache entries of the store at `store_dir` that no run
// has used for `unused_for`, by age alone (session::gc and `datachain gc`
// also prune the cache, by the jobs they keep: gc.hpp). Returns how many
// were removed.
//
//   dc::prune_object_cache(".datachain", std::chrono::hours(24 * 7));
inline std::uint64_t prune_object_cache(const std::filesystem::path& store_dir, std::chrono::seconds unused_for) {
    return detail::objstore::object_cache{store_dir / "object-cache"}.prune(unused_for);
}

} // namespace datachain
