// Store keys named for messages: what a key is (its record kind, see
// docs/storage.md) and its bytes in hex, so an error about a damaged value
// says which record, dataset version or table row it met.
//
//   datachain::detail::describe_key(key)  // "row 7 of table 3 (key 54...)"
#pragma once

#include <datachain/core/byte_order.hpp>
#include <datachain/runtime/compiled.hpp>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace datachain::detail {

// A key for messages: its record kind (see docs/storage.md) and its bytes in hex.
DATACHAIN_INLINE std::string describe_key(std::string_view k);

}  // namespace datachain::detail

#if DATACHAIN_RUNTIME_DEFINITIONS
#include <datachain/runtime/impl/key_names.ipp>
#endif
