// Row streams: how the stages of a running chain hand rows to each other.
//
//   stream_ptr<S> up = ...;                 // the stage before this one
//   std::vector<row_tuple<S>> batch;
//   while (up->next(batch, 2000)) use(batch);   // pull, one batch at a time
//
// A stage is a stream that pulls from the stream before it. Building a stage
// gives a `built<S>`: the rows, plus the table of stored outputs the stage
// owns, if any (a UDF step writing its outputs to the store). save adopts
// that table instead of copying the rows (outputs are written once).
// This header needs nothing but the standard library, so the step headers
// can define their stages next to the step.
//
// The stages loop over their batches by hand, not through range-v3 views
// (views::filter in filter, views::transform in select, views::take in
// limit, views::chunk for batches, chunk_by for agg's partitions). Measured
// (g++ 12 -O2, bench_runtime's `steps` phase, 1M rows, paired runs): the
// views were as fast (after/before 0.97, noise +-15%), but any range-v3 view
// header adds its core to every translation unit, since the umbrella header
// includes every step: +10k preprocessed lines (+9.5%), +5 MB compiler
// memory for an include-only TU and +18 MB for one that runs filter and
// select. Batches are pulled through one virtual call each, so a view would
// only replace the loop over one vector. agg's partitions are not adjacent
// in its input (grouped by hash, in order of first appearance), so chunk_by
// does not apply. dataset<S> (dataset.hpp) is the range-v3 view: there the
// user includes the adaptors they use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace datachain::detail::exec {

template <class S>
using row_tuple = typename S::tuple_type;

// A pull stream of rows of schema S, in batches.
template <class S>
struct stream {
    virtual ~stream() = default;
    // Clears `out` and fills it with up to n rows; false when exhausted.
    virtual bool next(std::vector<row_tuple<S>>& out, std::size_t n) = 0;
    std::optional<std::uint64_t> size_hint;
};
template <class S>
using stream_ptr = std::unique_ptr<stream<S>>;

// A table of stored outputs that a stage wrote (or reused) and owns. `rows`
// is read once the stream is drained.
struct owned_table {
    std::uint64_t id = 0;
    std::function<std::uint64_t()> rows;
    // The content digest of its rows (digest.hpp), when the stage took it
    // while writing them; false: save reads the table back for it.
    std::function<bool(std::uint64_t& hi, std::uint64_t& lo)> digest = {};
};

// What building a stage gives: its rows and, optionally, its table.
template <class S>
struct built {
    stream_ptr<S> rows;
    std::optional<owned_table> table = {};
};

// A stream with no rows (a skipped terminal UDF step: save adopts its table).
template <class S>
struct empty_stream final : stream<S> {
    bool next(std::vector<row_tuple<S>>& out, std::size_t) override {
        out.clear();
        return false;
    }
};

} // namespace datachain::detail::exec
