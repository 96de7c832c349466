// Second translation unit (see tu1.cpp); defines main.
#include <datachain/datachain.hpp>

#include <cstdio>
#include <cstdint>
#include <vector>

#if defined(DATACHAIN_SEPARATE_COMPILATION)
// Built a second time against datachain::compiled: LevelDB's headers are the
// runtime library's business, not the program's.
#if defined(STORAGE_LEVELDB_INCLUDE_DB_H_) || defined(STORAGE_LEVELDB_INCLUDE_ENV_H_)
#error "with DATACHAIN_SEPARATE_COMPILATION, <datachain/datachain.hpp> must not include LevelDB's headers"
#endif
#endif

namespace dc = datachain;
DC_DEF(plus_one, (std::int64_t x) -> std::int64_t { return x + 1; });

const void* datachain_tu1_version_address();
unsigned datachain_tu1_hash_format_version();

int main() {
    if (datachain_tu1_hash_format_version() != datachain::hash_format_version) {
        std::puts("tu1 and tu2 disagree on datachain::hash_format_version");
        return 1;
    }
    if (datachain_tu1_version_address() != &datachain::hash_format_version) {
        std::puts("datachain::hash_format_version has two addresses: not an inline variable");
        return 1;
    }
    // The runtime runs (from the headers, or from datachain::compiled).
    auto cfg = dc::settings::from_env();
    cfg.root = "memory:multiple";
    cfg.report = false;
    cfg.progress = false;
    dc::session session(cfg);
    auto ds = (dc::read_values<"x">(std::vector<std::int64_t>{1, 2, 3}) | dc::map<"y">(plus_one, dc::params<"x">) |
               dc::save("multiple"))
                  .run(session);
    if (ds.size() != 3) {
        std::printf("the pipeline saved %llu rows, not 3\n", static_cast<unsigned long long>(ds.size()));
        return 1;
    }
    std::printf("two translation units linked; hash_format_version %u\n",
                datachain::hash_format_version);
    return 0;
}
