// How a store directory is opened (open_leveldb_store), without LevelDB's
// headers: the adapter itself is leveldb_store.hpp, compiled with the rest of
// the runtime (runtime/compiled.hpp).
//
//   auto ro = datachain::open_leveldb_store(dir, {.create_if_missing = false});  // existing stores only
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/store.hpp>

#include <filesystem>
#include <memory>
#include <string>

namespace leveldb {
class Env;
}

namespace datachain {

// How open_leveldb_store treats a directory that holds no store yet.
struct store_open_options {
    // false: only an existing store opens; a missing or empty directory is
    // error_kind::not_found and nothing is created (for read-only tools).
    bool create_if_missing = true;
    // The LevelDB environment to open with; nullptr (the default) is the
    // adapter's own (pread reads, owner-only files). For tests that inject
    // faults (tests/runtime/faults.cpp); it must outlive the store.
    leveldb::Env* env = nullptr;
    // How the user chooses the store, for messages that say to choose
    // another one (the command-line tool says "--root DIR or DATACHAIN_ROOT").
    std::string root_hint = "DATACHAIN_ROOT or settings::root";
    // false (the default): an existing LevelDB database that holds records
    // but no datachain format record (another program's) is refused,
    // error_kind::store_format, untouched (leveldb_probe.hpp). true: it is
    // opened as a plain LevelDB database (LevelDB's recovery may then
    // rewrite its files), for using the adapter on raw records.
    bool any_database = false;
};

// Opens (or creates, see store_open_options) the LevelDB store at `dir`;
// what it checks first and the errors it gives: leveldb_store.hpp.
DATACHAIN_INLINE std::shared_ptr<store> open_leveldb_store(const std::filesystem::path& dir,
                                                           store_open_options o = {});

} // namespace datachain
