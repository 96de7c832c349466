// datachain-cpp: data pipelines that remember their work.
//
// ```cpp
// #include <datachain/datachain.hpp>
// namespace dc = datachain;
//
// DC_DEF(process, (const dc::File& file) -> std::string { return file.path; });
//
// int main() {
//     auto ds = (dc::read_storage("data/") | dc::map<"result">(process)
//                | dc::save("processed_files")).run();
//     return ds.size() == 0;
// }
// ```
//
// The umbrella header: includes the compile-time half (core/, steps/,
// sources/) and the runtime half (runtime/).
#pragma once

#include <datachain/version.hpp>

#include <datachain/core/chain.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/expr.hpp>
#include <datachain/core/file.hpp>
#include <datachain/core/fixed_string.hpp>
#include <datachain/core/generator.hpp>
#include <datachain/core/hash.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>
#include <datachain/core/udf.hpp>

#include <datachain/sources/read_dataset.hpp>
#include <datachain/sources/read_storage.hpp>
#include <datachain/sources/read_values.hpp>

#include <datachain/steps/agg.hpp>
#include <datachain/steps/filter.hpp>
#include <datachain/steps/gen.hpp>
#include <datachain/steps/limit.hpp>
#include <datachain/steps/map.hpp>
#include <datachain/steps/order_by.hpp>
#include <datachain/steps/save.hpp>
#include <datachain/steps/select.hpp>

#include <datachain/runtime/dataset.hpp>
#include <datachain/runtime/dynamic_dataset.hpp>
#include <datachain/runtime/export.hpp>
#include <datachain/runtime/executor.hpp>
#include <datachain/runtime/session.hpp>
