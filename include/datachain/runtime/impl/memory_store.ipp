// Definitions for memory_store.hpp: inline (header-only), or compiled once with
// DATACHAIN_SEPARATE_COMPILATION (runtime/compiled.hpp).
#pragma once

namespace datachain {

DATACHAIN_INLINE std::shared_ptr<store> make_memory_store(std::string name) {
    return std::make_shared<detail::memory_store>(std::move(name));
}

} // namespace datachain
