// The baseline the benchmarks compare the library with: the rows written by
// hand to LevelDB as the library writes a table (key T + table + ordinal +
// sub-index 0, value encode(row), a WriteBatch every 2000 rows), with the
// store adapter's Options.
//
//   double s = bench::raw_leveldb_writes(dir, n, table, [](std::size_t i) { return row_i; });
#pragma once

#include "bench_util.hpp"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace bench {

inline std::string raw_row_key(std::uint64_t table, std::uint64_t i) {
    std::string k = "T";
    dc::key::be64(k, table);
    dc::key::be64(k, i);
    dc::key::be32(k, 0);
    return k;
}

// Writes rows row_of(0) .. row_of(n - 1) into a new LevelDB at `dir`; returns
// the seconds the writes took (opening excluded). `first_value`: the stored
// bytes of row 0, read back.
template <class RowOf>
double raw_leveldb_writes(const std::filesystem::path& dir, std::size_t n, std::uint64_t table, RowOf&& row_of,
                          std::string* first_value = nullptr) {
    leveldb::Options o;
    o.create_if_missing = true;
    o.paranoid_checks = true;
    o.write_buffer_size = 16 << 20;
    leveldb::DB* p = nullptr;
    if (!leveldb::DB::Open(o, dir.string(), &p).ok()) throw std::runtime_error("cannot open raw LevelDB");
    std::unique_ptr<leveldb::DB> db(p);
    const double t = time_s([&] {
        leveldb::WriteBatch wb;
        std::string v;
        for (std::size_t i = 0; i < n; ++i) {
            v.clear();
            dc::encode(v, row_of(i));
            wb.Put(raw_row_key(table, i), v);
            if ((i + 1) % 2000 == 0) {
                db->Write({}, &wb);
                wb.Clear();
            }
        }
        db->Write({}, &wb);
    });
    if (first_value) db->Get({}, raw_row_key(table, 0), first_value);
    return t;
}

} // namespace bench
