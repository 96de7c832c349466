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

// The symbol every compiled-mode translation unit refers to
// (runtime/compiled.hpp): defined here, and only here.
extern "C" const int datachain_runtime_not_linked__include_datachain_src_hpp_in_one_cpp_or_link_datachain_compiled = 1;
