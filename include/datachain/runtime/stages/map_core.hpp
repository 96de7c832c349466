// The untyped half of map's stage (stages/map.hpp), compiled once with the
// runtime (runtime/compiled.hpp): the batch loop over done inputs, the row
// memo, UDF calls in parts (stages/udf_parts.hpp), commits, failures and
// what goes downstream. The typed half, map_stage<In, Step>, holds the
// batch's rows and implements the row operations below, so that each map
// step of a program compiles only those (decode, call, encode), not the loop.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/udf_stage.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail::exec {

class map_core : public udf_stage_base {
public:
    using udf_stage_base::udf_stage_base;
    virtual ~map_core() = default;

protected:
    // ---- the typed half: operations on the current batch (k: index in it) ----
    // Reads the next batch of up to n inputs (m: how many); false: no more.
    virtual bool pull(std::size_t n, std::size_t& m) = 0;
    // Input k's id in the row memo (its bound values, memo.hpp).
    virtual hash128 input_id(std::size_t k) = 0;
    // XXH3 of input k's columns' encoding (memo_loc::whole).
    virtual std::uint64_t input_hash(std::size_t k) = 0;
    // Result k = input k's columns + the outputs stored at `at` (the memo);
    // false: they cannot be read (input k is computed).
    virtual bool take(std::size_t k, const memo_loc& at) = 0;
    // Result k = input k's columns + the UDF's outputs, encoded into *enc
    // when enc is given. Runs on the pool's threads, several k at once; may throw.
    virtual void compute(std::size_t k, std::string* enc) = 0;
    virtual void encode_result(std::size_t k, std::string& into) = 0;
    virtual bool has_result(std::size_t k) const = 0;
    virtual void drop(std::size_t k) = 0;
    // Hands result k downstream.
    virtual void pass(std::size_t k) = 0;
    // Hands a row this table stores downstream (decoded from its value).
    virtual void pass_stored(std::string_view key, std::string_view value) = 0;
    // Whether the stored row `value` (input columns, then outputs) was
    // computed from input k: its input columns' encoding is input k's.
    virtual bool kept_input_is(std::size_t k, std::string_view value) = 0;
    // The file of input k, for a failure's message ("" if none).
    virtual std::string path(std::size_t k) const = 0;
    // A stored row of an earlier table: its input id, and in n the size of
    // its input columns' encoding; throws when it does not decode.
    virtual hash128 index_row(std::string_view value, std::size_t& n) = 0;

    // ---- the loop -------------------------------------------------------------
    // After the typed half is ready: earlier progress, the memo's index, start.
    DATACHAIN_INLINE void open_core(std::optional<std::uint64_t> total);
    // Computes (or takes) the next batch, commits it and passes its rows
    // downstream (when the step emits); false at the end (finished).
    DATACHAIN_INLINE bool next_batch(std::size_t n);

private:
    std::uint64_t ord_ = 0;
    std::vector<std::string> enc_;
    std::vector<char> hit_;  // 1: outputs from the memo, copied; 2: the stored row is referred to
    std::vector<memo_loc> hit_at_;
};

} // namespace datachain::detail::exec

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/map_core.ipp>
#endif
