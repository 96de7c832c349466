// What the documentation's code fragments may assume (tests/docs/CMakeLists.txt):
// the whole library as `dc`, and a few names the examples use without
// defining them. A fragment (no `int main`, no #include) is compiled as the
// body of a function that has `s` (a dc::session&) and `pipeline`.
#pragma once

#include <datachain/datachain.hpp>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace dc = datachain;

namespace docs {
DC_DEF(process, (const dc::File& file) -> std::string { return file.path; });
DC_DEF(f, (const dc::File& file) -> std::uint64_t { return file.size; });
DC_DEF(kind_of, (const dc::File& file) -> std::string { return file.suffix(); });
inline void use(const auto&) {}
inline const auto src = dc::read_storage("data/");
using S = dc::schema<dc::column<"file", dc::File>, dc::column<"result", std::string>>;
} // namespace docs
