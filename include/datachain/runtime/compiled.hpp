// Where the runtime's non-template functions are compiled.
//
// Header-only (the default): every function is `inline` and defined in the
// headers (the runtime/impl/*.ipp files they include), so a program needs
// nothing but the headers; each translation unit that runs a pipeline
// compiles the store adapter, session, journal, progress and the rest again.
//
// Compiled once (opt-in, the pattern of Asio's ASIO_SEPARATE_COMPILATION):
// define DATACHAIN_SEPARATE_COMPILATION in every translation unit and compile
// <datachain/src.hpp> in exactly one of them, or link the CMake target
// datachain::compiled, which does both. The headers then only declare those
// functions, and the translation units that use the library compile only
// what depends on their own pipelines (see README, "Compile time").
//
// Mixing both modes in one program is not supported: define the macro in
// all translation units or in none.
#pragma once

#if defined(DATACHAIN_SEPARATE_COMPILATION)
#define DATACHAIN_INLINE
#if defined(DATACHAIN_COMPILING_RUNTIME)
#define DATACHAIN_RUNTIME_DEFINITIONS 1
#else
#define DATACHAIN_RUNTIME_DEFINITIONS 0
#endif
#else
#define DATACHAIN_INLINE inline
#define DATACHAIN_RUNTIME_DEFINITIONS 1
#endif
