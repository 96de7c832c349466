# cmake -P script behind datachain_add_compile_fail_test (cmake/datachainTesting.cmake).
#
# Input (-D):
#   CXX                    the C++ compiler of the build
#   FLAGS                  list: language standard flag, -fsyntax-only, ...
#   INCLUDE_DIRS           list: include directories of datachain and its dependencies
#   DEFINITIONS            list: compile definitions of datachain and its dependencies
#   IMPLICIT_INCLUDE_DIRS  list: the compiler's own include directories (never passed
#                          with -I: that would break #include_next in the standard library)
#   SOURCE                 the file to compile
#   EXPECT                 "failure" (the default) or "success"
#   REGEX                  with EXPECT=failure: must match the compiler's output
#
# EXPECT=failure passes only if the compiler exits non-zero AND its output matches
# REGEX; a file that fails for another reason (a typo, a missing include) fails
# the test, and so does one that compiles.

cmake_minimum_required(VERSION 3.21)

foreach(var CXX SOURCE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "datachainCompileCheck.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT DEFINED EXPECT OR EXPECT STREQUAL "")
  set(EXPECT failure)
endif()
if(EXPECT STREQUAL "failure" AND "${REGEX}" STREQUAL "")
  message(FATAL_ERROR "datachainCompileCheck.cmake: -DREGEX=... is required with EXPECT=failure")
endif()

set(command "${CXX}" ${FLAGS})
foreach(def IN LISTS DEFINITIONS)
  if(NOT def STREQUAL "")
    list(APPEND command "-D${def}")
  endif()
endforeach()
foreach(dir IN LISTS INCLUDE_DIRS)
  if(dir STREQUAL "" OR dir IN_LIST IMPLICIT_INCLUDE_DIRS)
    continue()
  endif()
  list(APPEND command "-I${dir}")
endforeach()
list(REMOVE_DUPLICATES command)
list(APPEND command "${SOURCE}")

list(JOIN command " " printable)
message(STATUS "command: ${printable}")

execute_process(
  COMMAND ${command}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

if(EXPECT STREQUAL "success")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "expected ${SOURCE} to compile, but the compiler said (exit ${result}):\n${output}")
  endif()
  message(STATUS "compiled, as expected")
  return()
endif()

if(result EQUAL 0)
  message(FATAL_ERROR "expected ${SOURCE} NOT to compile, but it compiled.\n${output}")
endif()
if(NOT output MATCHES "${REGEX}")
  message(FATAL_ERROR
    "${SOURCE} failed to compile (exit ${result}), as expected, but the output does not match\n"
    "  REGEX: ${REGEX}\n"
    "compiler output:\n${output}")
endif()
message(STATUS "failed to compile with a matching message, as expected:\n  REGEX: ${REGEX}\n  matched: ${CMAKE_MATCH_0}")
