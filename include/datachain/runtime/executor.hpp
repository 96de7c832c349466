// The executor: everything that runs a chain. Includes the runner and the
// stage of every step and source; see runner.hpp for how a run goes.
//
// ```cpp
// auto steps = dc::filter(dc::C<"file.size"> > 100) | dc::map<"result">(process);
// auto ds = dc::run(src | steps | dc::save("name"), s);      // or (...).run(s)
// auto rows = dc::collect(src | steps, s);                   // or (...).collect(s)
// ```
//
// Where each piece lives:
//   runner.hpp         phases of a run, save, collect
//   decide.hpp         checkpoint decisions (pure functions)
//   journal.hpp        events and report lines
//   sources.hpp        how each source runs (prepare_source, open_source)
//   udf_stage.hpp      what the UDF stages share; stages/udf_build.hpp builds
//                      them; stages/{map,gen,agg}.hpp; stages/udf_memo.hpp
//                      reads the row memo, stages/table_writer.hpp writes
//                      the table of outputs (rows, done marks, segments)
//   steps/<step>.hpp   the stages of filter, select, limit, order_by
//   worker_pool.hpp    the threads of a UDF step
#pragma once

#include <datachain/runtime/runner.hpp>
#include <datachain/runtime/stages/agg.hpp>
#include <datachain/runtime/stages/gen.hpp>
#include <datachain/runtime/stages/map.hpp>
#include <datachain/steps/filter.hpp>
#include <datachain/steps/limit.hpp>
#include <datachain/steps/order_by.hpp>
#include <datachain/steps/select.hpp>
