// Shared by datachain's Catch2 tests (core, steps, golden): prints hash128 in
// the form the golden tests pin, so a failing comparison shows the literal to
// paste.
#pragma once

#include <datachain/core/hash.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace Catch {
template <>
struct StringMaker<datachain::hash128> {
    static std::string convert(const datachain::hash128& h) {
        const std::string x = h.hex();
        return "dc::hash128{0x" + x.substr(0, 16) + ", 0x" + x.substr(16) + "}";
    }
};
} // namespace Catch

namespace dc_test {

// The hash of what f feeds a fresh hasher: spells out an expected encoding.
template <class F>
constexpr datachain::hash128 hash_with(F f) {
    datachain::hasher h;
    f(h);
    return h.finish();
}

} // namespace dc_test
