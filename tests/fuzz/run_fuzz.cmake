# cmake -DFUZZER=<exe> -DCORPUS=<seed dir> -DWORK=<scratch dir> -P run_fuzz.cmake
#
# The ctest test of one fuzz target: a fixed number of runs
# ($ENV{DATACHAIN_FUZZ_RUNS}, default 20000) with a fixed seed, starting from
# the committed seed corpus. WORK is emptied first, so every run of the test
# does the same executions; libFuzzer writes new inputs to WORK/corpus (the
# first corpus directory) and a crashing input to WORK/, never to CORPUS.
foreach(var FUZZER CORPUS WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: -D${var}=... is required")
  endif()
endforeach()
set(runs 20000)
if(DEFINED ENV{DATACHAIN_FUZZ_RUNS} AND NOT "$ENV{DATACHAIN_FUZZ_RUNS}" STREQUAL "")
  set(runs "$ENV{DATACHAIN_FUZZ_RUNS}")
endif()
if(NOT runs MATCHES "^[0-9]+$")
  message(FATAL_ERROR "run_fuzz.cmake: DATACHAIN_FUZZ_RUNS must be a number of runs, not '${runs}'")
endif()
if(NOT IS_DIRECTORY "${CORPUS}")
  message(FATAL_ERROR "run_fuzz.cmake: no seed corpus at ${CORPUS}")
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/corpus")
set(command "${FUZZER}" -runs=${runs} -seed=1 -print_final_stats=1
  "-artifact_prefix=${WORK}/" "${WORK}/corpus" "${CORPUS}")
string(JOIN " " shown ${command})
message(STATUS "run_fuzz: ${shown}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run_fuzz: ${FUZZER} failed (${rc}); the input that failed is in ${WORK}/ "
                      "(crash-*, leak-*, timeout-*); reproduce with: ${FUZZER} <that file>")
endif()
