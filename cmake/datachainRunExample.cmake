# cmake -P script behind the ctest tests example.<stem> (examples/CMakeLists.txt).
# Input (-D): PROGRAM, SAMPLE_DIR, RUN_DIR (wiped first), ARGS (list), RUNS (default 1).
#
# Runs `PROGRAM SAMPLE_DIR ARGS...` RUNS times in RUN_DIR/work with
# DATACHAIN_ROOT=RUN_DIR/store and DATACHAIN_EXAMPLE_RUN=<1..RUNS>; fails on the
# first non-zero exit. Both directories are fresh for each ctest run and kept
# afterwards for inspection.

cmake_minimum_required(VERSION 3.21)

foreach(var PROGRAM SAMPLE_DIR RUN_DIR)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "datachainRunExample.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT RUNS)
  set(RUNS 1)
endif()
if(NOT IS_DIRECTORY "${SAMPLE_DIR}")
  message(FATAL_ERROR "sample directory ${SAMPLE_DIR} does not exist (fixture example.setup_sample)")
endif()

file(REMOVE_RECURSE "${RUN_DIR}")
file(MAKE_DIRECTORY "${RUN_DIR}/work" "${RUN_DIR}/store")
set(ENV{DATACHAIN_ROOT} "${RUN_DIR}/store")

foreach(run RANGE 1 ${RUNS})
  set(ENV{DATACHAIN_EXAMPLE_RUN} "${run}")
  list(JOIN ARGS " " printable)
  message(STATUS "run ${run}/${RUNS}: DATACHAIN_ROOT=$ENV{DATACHAIN_ROOT} ${PROGRAM} ${SAMPLE_DIR} ${printable}")
  execute_process(
    COMMAND "${PROGRAM}" "${SAMPLE_DIR}" ${ARGS}
    WORKING_DIRECTORY "${RUN_DIR}/work"
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "run ${run}/${RUNS} of ${PROGRAM} failed (exit ${result})")
  endif()
endforeach()
