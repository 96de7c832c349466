// read_values<"col"...>(vectors...): rows made of in-memory values, one
// vector per column, all of the same length.
//
// ```cpp
// auto nums = dc::read_values<"num", "name">(std::vector<int>{1, 2, 3},
//                                            std::vector<std::string>{"a", "b", "c"});
// ```
//
// Hash: kind "read_values", the schema (names and types) and every value, so
// the same values give the same hash on every run (DataChain does not manage
// that; we do). Computing it reads all values once, when the source is made.
#pragma once

#include <datachain/core/chain.hpp>
#include <datachain/core/error.hpp>
#include <datachain/core/schema.hpp>
#include <datachain/core/types.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace datachain {

template <class S, class... T>
struct values_source {
    using datachain_source_tag = void;
    using schema = S;
    // Shared so that copies of a pipeline do not copy the data.
    std::shared_ptr<const std::tuple<std::vector<T>...>> columns;
    std::size_t rows = 0;
    hash128 content;

    hash128 decl_hash() const { return content; }
    std::string describe() const {
        return "read_values(" + std::to_string(rows) + " rows, content " + content.short_hex() + ")";
    }
};

template <fixed_string... N, class... T>
auto read_values(std::vector<T>... cols) {
    static_assert(sizeof...(N) == sizeof...(T) && sizeof...(N) > 0,
                  "datachain: read_values needs one column name per vector, e.g. read_values<\"a\", \"b\">(va, vb)");
    using S = schema<column<N, T>...>;
    std::size_t sizes[] = {cols.size()...};
    for (std::size_t s : sizes)
        if (s != sizes[0])
            throw error(error_kind::usage, "datachain: read_values: all columns must have the same number "
                                           "of values (got " + std::to_string(sizes[0]) + " and " +
                                               std::to_string(s) + ")");
    hasher h;
    h.tag("read_values");
    S::hash_into(h);
    h.u64(sizes[0]);
    for (std::size_t i = 0; i < sizes[0]; ++i) (hash_value<T>(h, cols[i]), ...);
    values_source<S, T...> src;
    src.rows = sizes[0];
    src.content = h.finish();
    src.columns = std::make_shared<const std::tuple<std::vector<T>...>>(std::move(cols)...);
    return src;
}

} // namespace datachain
