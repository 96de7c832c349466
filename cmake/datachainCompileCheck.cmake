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
#   REGEX                  with EXPECT=failure: must match the first error line
#   NAMES                  with EXPECT=failure: '|'-separated texts the first error
#                          line must show as text (core/diagnostic.hpp): "text" on
#                          g++, 't', 'e', 'x', 't' on clang; "~text": part of a
#                          longer string (no quotes on g++)
#   COMPILER_ID            CMAKE_CXX_COMPILER_ID (GNU, Clang): how NAMES are spelled
#
# EXPECT=failure passes only if the compiler exits non-zero, prints exactly one
# error (no cascade), and its first error line matches REGEX and shows NAMES; a
# file that fails for another reason (a typo, a missing include) fails the test,
# and so does one that compiles.

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

# The error lines: "<file>:<line>:<col>: error: ..." (g++ and clang alike).
string(REPLACE ";" "<semicolon>" escaped "${output}")
string(REPLACE "\n" ";" lines "${escaped}")
set(errors "")
foreach(line IN LISTS lines)
  if(line MATCHES ": error: ")
    list(APPEND errors "${line}")
  endif()
endforeach()
list(LENGTH errors n_errors)
if(n_errors EQUAL 0)
  message(FATAL_ERROR "${SOURCE} failed to compile (exit ${result}) without an error line:\n${output}")
endif()
list(GET errors 0 first)
string(REPLACE "<semicolon>" ";" first "${first}")
set(problems "")
if(NOT n_errors EQUAL 1)
  string(APPEND problems "  ${n_errors} errors, expected one (a cascade after the first)\n")
endif()
if(NOT first MATCHES "${REGEX}")
  string(APPEND problems "  the first error line does not match REGEX: ${REGEX}\n")
endif()
if(NOT "${NAMES}" STREQUAL "")
  string(REPLACE "|" ";" names "${NAMES}")
  foreach(name IN LISTS names)
    # "~text": a part of a longer string (no quotes around it on g++).
    set(part OFF)
    if(name MATCHES "^~(.*)$")
      set(part ON)
      set(name "${CMAKE_MATCH_1}")
    endif()
    if(COMPILER_ID MATCHES "Clang")
      # 'f', 'i', 'l', 'e': one character literal per character.
      string(LENGTH "${name}" len)
      math(EXPR last "${len} - 1")
      set(spelled "")
      foreach(i RANGE ${last})
        string(SUBSTRING "${name}" ${i} 1 c)
        if(NOT spelled STREQUAL "")
          string(APPEND spelled ", ")
        endif()
        string(APPEND spelled "'${c}'")
      endforeach()
    elseif(part)
      set(spelled "${name}")
    else()
      set(spelled "\"${name}\"")
    endif()
    string(FIND "${first}" "${spelled}" at)
    if(at EQUAL -1)
      string(APPEND problems "  the first error line does not show the name ${name} (as ${spelled})\n")
    endif()
  endforeach()
endif()
if(problems)
  message(FATAL_ERROR "${SOURCE} failed to compile (exit ${result}), as expected, but:\n${problems}"
    "first error line:\n${first}\ncompiler output:\n${output}")
endif()
message(STATUS "failed to compile with one error, as expected:\n  REGEX: ${REGEX}\n  NAMES: ${NAMES}\n  first error line: ${first}")
