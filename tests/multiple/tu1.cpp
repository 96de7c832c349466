// First of two translation units that include the whole library; linked with
// tu2.cpp into one program, they prove that no header defines a non-inline
// object or function (that would be a multiple-definition link error).
#include <datachain/datachain.hpp>

// Namespace-scope objects are inline constexpr: one object in the program,
// so both TUs must see the same address.
const void* datachain_tu1_version_address() { return &datachain::hash_format_version; }
unsigned datachain_tu1_hash_format_version() { return datachain::hash_format_version; }
