// Consumer of an installed datachain (tests/package/consumer/CMakeLists.txt).
#include <datachain/datachain.hpp>

// datachain::datachain also carries the link interface programs need: LevelDB
// and xxHash are reachable without naming them in target_link_libraries.
#include <leveldb/cache.h>
#include <xxhash.h>

#include <cstdio>
#include <memory>

int main() {
    const std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(1024)); // links libleveldb
    if (XXH64("datachain", 9, 0) == 0) return 1;                             // links libxxhash
    std::printf("datachain consumer: version %u.%u.%u, hash_format_version %u\n",
                datachain::version_major, datachain::version_minor,
                datachain::version_patch, datachain::hash_format_version);
    return 0;
}
