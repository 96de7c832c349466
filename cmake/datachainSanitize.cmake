# Sanitizers and fuzzing for datachain's own programs; included by the
# top-level CMakeLists.txt when tests, examples or benchmarks are built.
#
#   -DDATACHAIN_SANITIZE=address,undefined   ASan + UBSan (any undefined behaviour aborts)
#   -DDATACHAIN_SANITIZE=thread              TSan
#   -DDATACHAIN_FUZZ=ON                      libFuzzer targets in tests/fuzz (Clang only)
#
# The flags go to the interface target datachain_sanitize, which
# datachain_warnings links, so every program of this project (tests, the
# programs tests run, tools, examples) is instrumented and datachain::datachain,
# what consumers link, is not. scripts/sanitize.sh (run by scripts/test.sh)
# configures one build per sanitizer and builds only the test targets it runs.
#
# LevelDB comes from Debian and is not instrumented: ASan and UBSan do not need
# it to be, TSan sees its locks (pthread interceptors) but not its atomics;
# tests/sanitizers/tsan.supp lists what that costs, with reasons.

include_guard(GLOBAL)

set(DATACHAIN_SANITIZE "" CACHE STRING
  "Sanitizers for datachain's own programs: empty, address,undefined, thread (any -fsanitize= list)")
option(DATACHAIN_FUZZ "Build the libFuzzer targets of tests/fuzz (Clang only)" OFF)

add_library(datachain_sanitize INTERFACE)
if(DATACHAIN_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang|GNU")
    message(FATAL_ERROR "DATACHAIN_SANITIZE needs Clang or GCC, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  string(REPLACE ";" "," _datachain_sanitizers "${DATACHAIN_SANITIZE}")
  set(_datachain_sanitize_flags "-fsanitize=${_datachain_sanitizers}" -fno-omit-frame-pointer)
  if(_datachain_sanitizers MATCHES "undefined")
    list(APPEND _datachain_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  # Line tables only: reports name file:line at a small cost in build time.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    list(APPEND _datachain_sanitize_flags -gline-tables-only)
  else()
    list(APPEND _datachain_sanitize_flags -g1)
  endif()
  target_compile_options(datachain_sanitize INTERFACE ${_datachain_sanitize_flags})
  target_link_options(datachain_sanitize INTERFACE "-fsanitize=${_datachain_sanitizers}")
  message(STATUS "datachain: sanitizers ${_datachain_sanitizers} for datachain's own programs")
endif()

if(DATACHAIN_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(STATUS "datachain: DATACHAIN_FUZZ needs Clang (libFuzzer); no fuzz targets with ${CMAKE_CXX_COMPILER_ID}")
endif()
if(DATACHAIN_FUZZ AND DATACHAIN_SANITIZE MATCHES "thread|memory")
  message(FATAL_ERROR "DATACHAIN_FUZZ builds with ASan and UBSan; it cannot be combined with DATACHAIN_SANITIZE=${DATACHAIN_SANITIZE}")
endif()
