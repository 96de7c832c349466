// The untyped half of the stages whose inputs each give a group of output
// rows (gen: one group per input row; agg: one per partition), compiled once
// with the runtime (runtime/compiled.hpp): run_groups computes groups on the
// worker pool, takes those an earlier run stored (the row memo), commits each
// group's rows with its done mark atomically, and hands the rows downstream
// in order. The typed halves (grouped_stage<Out> in stages/grouped.hpp, and
// the step's stage) hold the rows and implement the operations below.
#pragma once

#include <datachain/runtime/compiled.hpp>
#include <datachain/runtime/udf_stage.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datachain::detail::exec {

class grouped_core : public udf_stage_base {
public:
    using udf_stage_base::udf_stage_base;
    virtual ~grouped_core() = default;

protected:
    // ---- the step's stage (gen, agg): group k of the current call --------------
    // Group k's id in the row memo (memo.hpp).
    virtual hash128 group_id(std::size_t k) = 0;
    // A row of group k, for a failure's message: its file ("" if none).
    virtual std::string row_of(std::size_t k) = 0;
    // Names group `ordinal` in a failure message; empty: "input row N".
    virtual std::string where(std::uint64_t) const { return {}; }

    // ---- grouped_stage<Out>: the groups' rows ----------------------------------
    virtual void begin_groups(std::size_t count) = 0;  // no group has rows
    // Group k's rows from the UDF (on the pool's threads, several k at once;
    // may throw), encoded into *enc when enc is given.
    virtual void compute_group(std::size_t k, std::vector<std::string>* enc) = 0;
    // Group k's rows from the memo, read at `at`; false: they cannot be read.
    virtual bool load_group(std::size_t k, const memo_loc& at) = 0;
    virtual void start_group(std::size_t k) = 0;  // group k has no rows yet
    // Adds a stored row (of earlier table t) to group k.
    virtual void add_to_group(std::size_t k, std::uint64_t t, std::string_view key, std::string_view value) = 0;
    virtual void drop_group(std::size_t k) = 0;
    virtual bool has_group(std::size_t k) const = 0;
    virtual void pass_group(std::size_t k) = 0;  // its rows downstream
    // A row this table stores, downstream (decoded from its value).
    virtual void pass_stored(std::string_view key, std::string_view value) = 0;

    // Runs groups base..base+count-1, skipping those done earlier and taking
    // those whose id an earlier run of the same code stored; commits and
    // passes them downstream in order. The table refers to the rows of a
    // group found in the memo (a segment, segments.hpp) instead of copying
    // them: they are read (not decoded, unless they go downstream) to count
    // them and, for the content digest, to hash them.
    DATACHAIN_INLINE void run_groups(std::uint64_t base, std::size_t count);
};

} // namespace datachain::detail::exec

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/grouped_core.ipp>
#endif
