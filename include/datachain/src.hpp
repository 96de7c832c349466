// The runtime's non-template functions, compiled once: include this header
// in exactly one .cpp of a program whose translation units are all compiled
// with DATACHAIN_SEPARATE_COMPILATION defined (the CMake target
// datachain::compiled does both; see runtime/compiled.hpp).
//
//   // datachain_runtime.cpp, compiled with -DDATACHAIN_SEPARATE_COMPILATION
//   #include <datachain/src.hpp>
#pragma once

#if !defined(DATACHAIN_SEPARATE_COMPILATION)
#error "<datachain/src.hpp> compiles datachain's runtime once: define DATACHAIN_SEPARATE_COMPILATION for every translation unit of the program (or link the CMake target datachain::compiled), or do not include this header (header-only mode)"
#endif
#if defined(DATACHAIN_RUNTIME_DEFINITIONS) && !DATACHAIN_RUNTIME_DEFINITIONS
#error "<datachain/src.hpp> must be included before any other datachain header in its .cpp"
#endif

#define DATACHAIN_COMPILING_RUNTIME 1
#include <datachain/datachain.hpp>
