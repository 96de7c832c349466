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
// all translation units or in none. Defined means on, whatever its value.
// What goes wrong is reported: a compiled-mode program without the runtime
// fails to link with an undefined reference to
// datachain_runtime_not_linked__include_datachain_src_hpp_in_one_cpp_or_link_datachain_compiled,
// and a program that mixes the modes gets error_kind::usage when it opens a
// session (detail::check_runtime_mode).
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

namespace datachain::detail {

// Which modes the program's translation units were compiled in (bit 1:
// header-only, bit 2: compiled once); every translation unit that includes
// the runtime sets its bit before main().
inline int& runtime_modes() noexcept {
    static int modes = 0;
    return modes;
}

} // namespace datachain::detail

#if defined(DATACHAIN_SEPARATE_COMPILATION)
// Defined by <datachain/src.hpp>: a program compiled once without it fails
// to link with this name in the message.
extern "C" const int datachain_runtime_not_linked__include_datachain_src_hpp_in_one_cpp_or_link_datachain_compiled;
namespace datachain::detail {
namespace {
[[maybe_unused, gnu::used]] const int* const runtime_link_check =
    &datachain_runtime_not_linked__include_datachain_src_hpp_in_one_cpp_or_link_datachain_compiled;
[[maybe_unused]] const int runtime_mode_mark = (runtime_modes() |= 2);
} // namespace
} // namespace datachain::detail
#else
namespace datachain::detail {
namespace {
[[maybe_unused]] const int runtime_mode_mark = (runtime_modes() |= 1);
} // namespace
} // namespace datachain::detail
#endif
