# Helpers for datachain's own tests; included by tests/CMakeLists.txt.
#
#   datachain_add_test(NAME <name> SOURCES <file>... [LABELS <label>...] [OPTIONS <compile option>...]
#                      [HEADER_ONLY] [NO_PCH])
#   datachain_add_compile_fail_test(NAME <name> SOURCE <file> REGEX <regex> [NAMES <text>...])
#
# Both take paths relative to the calling directory. Tests are named
# "<area>.<name>/<test case>" where <area> is the calling directory relative to tests/
# (for example "core" for tests/core/CMakeLists.txt), and carry <area> as a
# label, so `ctest -L core` runs one area.

include_guard(GLOBAL)
include(Catch)   # catch_discover_tests, from Catch2's package directory

set(DATACHAIN_TESTS_ROOT "${PROJECT_SOURCE_DIR}/tests")
set(DATACHAIN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

# The exit code of a test executable whose test cases all skipped themselves
# (DC_SKIP, tests/skip.hpp; the Catch2 main returns it). Every test of
# datachain_add_test has it as SKIP_RETURN_CODE, so ctest reports such a test
# as skipped, not passed. 77 as in Automake and Meson.
set(DATACHAIN_TEST_SKIP_CODE 77)

# _datachain_test_area(<out>): "core" in tests/core, "steps_x" in tests/steps/x,
# "" directly in tests/.
function(_datachain_test_area out)
  file(RELATIVE_PATH area "${DATACHAIN_TESTS_ROOT}" "${CMAKE_CURRENT_SOURCE_DIR}")
  if(area MATCHES "^\\.\\.")
    set(area "")
  endif()
  string(REPLACE "/" "_" area "${area}")
  set(${out} "${area}" PARENT_SCOPE)
endfunction()

# datachain_add_test(NAME <name> SOURCES <files...> [LABELS <labels...>] [OPTIONS <options...>])
#
# Builds the executable test_<area>_<name> from SOURCES, linked with
# datachain::datachain and the Catch2 main compiled once (datachain_catch_main),
# and registers every Catch2 TEST_CASE as its own ctest test
# "<area>.<name>/<test case name>", labelled <area> plus LABELS, with
# SKIP_RETURN_CODE ${DATACHAIN_TEST_SKIP_CODE} (a test case that calls DC_SKIP
# is reported as skipped). OPTIONS are extra compile options for this
# executable only. With DATACHAIN_TEST_COMPILED (the default when
# datachain::compiled is built) the test links datachain::compiled, the
# runtime compiled once; HEADER_ONLY keeps it on datachain::datachain. The
# examples, the benchmarks, the header and documentation checks and the
# datachain tool stay header-only, so both modes run (tests/CMakeLists.txt,
# DATACHAIN_TEST_RUNTIME). DATACHAIN_TEST_OPTIMIZE (e.g. -O1), when set, is
# the optimisation of these executables instead of the build type's; OPTIONS
# come after it and win. With DATACHAIN_TEST_PCH the executable reuses the
# precompiled header of datachain_test_pch (tests/CMakeLists.txt), unless it
# is HEADER_ONLY, has OPTIONS (flags the header was not compiled with) or
# says NO_PCH.
function(datachain_add_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "HEADER_ONLY;NO_PCH" "NAME" "SOURCES;LABELS;OPTIONS")
  if(NOT arg_NAME OR NOT arg_SOURCES)
    message(FATAL_ERROR "datachain_add_test: NAME and SOURCES are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "datachain_add_test(${arg_NAME}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  _datachain_test_area(area)
  if(area)
    set(target "test_${area}_${arg_NAME}")
    set(prefix "${area}.${arg_NAME}/")
  else()
    set(target "test_${arg_NAME}")
    set(prefix "${arg_NAME}/")
  endif()
  set(labels ${area} ${arg_LABELS})
  list(REMOVE_DUPLICATES labels)

  add_executable(${target} ${arg_SOURCES})
  if(DATACHAIN_TEST_COMPILED AND NOT arg_HEADER_ONLY)
    target_link_libraries(${target} PRIVATE datachain_catch_main datachain::compiled datachain_warnings)
  else()
    target_link_libraries(${target} PRIVATE datachain_catch_main datachain::datachain datachain_warnings)
  endif()
  if(DATACHAIN_TEST_OPTIMIZE)
    target_compile_options(${target} PRIVATE ${DATACHAIN_TEST_OPTIMIZE})
  endif()
  if(arg_OPTIONS)
    target_compile_options(${target} PRIVATE ${arg_OPTIONS})
  endif()
  if(DATACHAIN_TEST_PCH AND NOT arg_HEADER_ONLY AND NOT arg_OPTIONS AND NOT arg_NO_PCH)
    target_precompile_headers(${target} REUSE_FROM datachain_test_pch)
    add_dependencies(${target} datachain_test_pch_sum)
  endif()

  # One ctest test per TEST_CASE, listed after each build (--list-test-names-only).
  # -w NoTests: a test whose name reaches the executable mangled (CMake
  # splits a name at ';') matches no test case and fails, instead of passing
  # having run nothing.
  catch_discover_tests(${target}
    TEST_PREFIX "${prefix}"
    EXTRA_ARGS -w NoTests
    TEST_LIST "${target}_TESTS")

  # Catch2 v2's catch_discover_tests(... PROPERTIES LABELS a b) flattens the
  # label list into the property list and breaks for more than one label, so
  # the labels (and the skip code) are applied by a second include file that
  # ctest reads after the discovered tests:
  # set_tests_properties(<all of them> PROPERTIES SKIP_RETURN_CODE 77 LABELS ...).
  set(properties "SKIP_RETURN_CODE ${DATACHAIN_TEST_SKIP_CODE}")
  if(labels)
    string(APPEND properties " LABELS \"${labels}\"")
  endif()
  set(properties_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_properties.cmake")
  file(CONFIGURE OUTPUT "${properties_file}" CONTENT
"if(DEFINED @target@_TESTS)
  set_tests_properties(\${@target@_TESTS} PROPERTIES @properties@)
endif()
" @ONLY)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${properties_file}")
endfunction()

# datachain_add_compile_fail_test(NAME <name> SOURCE <file> REGEX <regex> [NAMES <text>...])
#
# Registers the ctest test "compile_fail.<name>" (label compile_fail), which
# runs the C++ compiler of this build on SOURCE with the C++20 flag, the
# include directories and definitions of datachain::datachain and its
# dependencies, and -fsyntax-only. It passes only if the compiler exits
# non-zero, reports exactly one error, and the FIRST error line matches REGEX
# (a CMake regular expression) and shows every NAMES text as text: verbatim
# in quotes on g++ ("file.sizee"), as a character pack on clang
# ('f', 'i', ...; core/diagnostic.hpp). Nothing is built: the test is the compile.
#
# When SOURCE mentions DATACHAIN_COMPILE_FAIL_FIXED, "compile_fail.<name>.fixed"
# compiles it with -DDATACHAIN_COMPILE_FAIL_FIXED (the mistake corrected) and
# must succeed: the error comes from the mistake, not from something else.
function(datachain_add_compile_fail_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;SOURCE;REGEX" "NAMES")
  if(NOT arg_NAME OR NOT arg_SOURCE OR "${arg_REGEX}" STREQUAL "")
    message(FATAL_ERROR "datachain_add_compile_fail_test: NAME, SOURCE and REGEX are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "datachain_add_compile_fail_test(${arg_NAME}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  _datachain_compile_check(
    NAME "compile_fail.${arg_NAME}" SOURCE "${arg_SOURCE}" EXPECT failure REGEX "${arg_REGEX}" NAMES ${arg_NAMES})
  get_filename_component(source "${arg_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  file(READ "${source}" text)
  if(text MATCHES "DATACHAIN_COMPILE_FAIL_FIXED")
    _datachain_compile_check(
      NAME "compile_fail.${arg_NAME}.fixed" SOURCE "${arg_SOURCE}" EXPECT success
      DEFINES DATACHAIN_COMPILE_FAIL_FIXED)
  endif()
endfunction()

# _datachain_compile_check(NAME <test> SOURCE <file> EXPECT failure|success [REGEX <regex>])
# The machinery of datachain_add_compile_fail_test; EXPECT success is the
# control that proves the same command line compiles a correct program.
function(_datachain_compile_check)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;SOURCE;EXPECT;REGEX" "NAMES;DEFINES")
  get_filename_component(source "${arg_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${source}")
    message(FATAL_ERROR "${arg_NAME}: no such source file: ${source}")
  endif()
  if(CMAKE_CXX20_STANDARD_COMPILE_OPTION)
    set(std_flag "${CMAKE_CXX20_STANDARD_COMPILE_OPTION}")
  else()
    set(std_flag "-std=c++20")
  endif()
  # Lists travel as single ';'-separated arguments; the script splits them
  # (NAMES, whose texts may hold ';'-free anything, travel '|'-separated).
  list(JOIN arg_NAMES "|" _names)
  add_test(NAME "${arg_NAME}"
    COMMAND "${CMAKE_COMMAND}"
      "-DCXX=${CMAKE_CXX_COMPILER}"
      "-DFLAGS=${std_flag};-fsyntax-only"
      "-DINCLUDE_DIRS=$<TARGET_PROPERTY:datachain,INTERFACE_INCLUDE_DIRECTORIES>"
      "-DDEFINITIONS=$<TARGET_PROPERTY:datachain,INTERFACE_COMPILE_DEFINITIONS>;${arg_DEFINES}"
      "-DCOMPILER_ID=${CMAKE_CXX_COMPILER_ID}"
      "-DNAMES=${_names}"
      "-DIMPLICIT_INCLUDE_DIRS=${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES}"
      "-DSOURCE=${source}"
      "-DEXPECT=${arg_EXPECT}"
      "-DREGEX=${arg_REGEX}"
      -P "${DATACHAIN_CMAKE_DIR}/datachainCompileCheck.cmake")
  set_tests_properties("${arg_NAME}" PROPERTIES LABELS compile_fail)
endfunction()
