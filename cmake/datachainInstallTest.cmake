# cmake -P script behind the ctest test package.install
# (tests/package/CMakeLists.txt): datachain built and installed the way a
# packager does, with tests, examples and benchmarks off, the command-line
# tool on, then off. Both use one build tree (the second configure only turns
# the tool off: nothing is compiled again) and install into prefixes of their
# own.
#
# Input (-D): SOURCE_DIR, WORK_DIR (wiped first), GENERATOR, MAKE_PROGRAM,
# CXX, LAUNCHER, BUILD_TYPE, CONSUMER_DIR (a find_package consumer:
# tests/package/consumer).
#
# Checks, for DATACHAIN_BUILD_TOOLS=ON then OFF:
#   1. configure SOURCE_DIR with -DDATACHAIN_BUILD_{TESTS,EXAMPLES,BENCHMARKS}=OFF
#      and the tool setting, build, cmake --install into WORK_DIR/prefix-<on|off>
#   2. the headers and the package files are installed; bin/datachain is
#      installed, runs and prints its help exactly when the tool is on
#   3. the package looks only for what the installed headers include: a
#      find_dependency(range-v3 / xxHash / leveldb / Boost) in the installed
#      datachainConfig.cmake iff an installed header includes range/v3/,
#      xxhash.h, leveldb/, boost/
# Then, once:
#   4. the consumer configures, builds and runs against prefix-on

cmake_minimum_required(VERSION 3.21)

foreach(var SOURCE_DIR WORK_DIR GENERATOR CXX CONSUMER_DIR)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "datachainInstallTest.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run step)
  list(JOIN ARGN " " printable)
  message(STATUS "[${step}] ${printable}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "[${step}] failed (exit ${result})")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(build "${WORK_DIR}/datachain-build")

set(common -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX}")
if(MAKE_PROGRAM)
  list(APPEND common "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(LAUNCHER)
  list(APPEND common "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
if(BUILD_TYPE)
  list(APPEND common "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()

# check_install(<ON|OFF>): checks 1-3 with the tool on or off.
function(check_install TOOLS)
  string(TOLOWER "${TOOLS}" t)
  set(prefix "${WORK_DIR}/prefix-${t}")
  # 1. Configure, build, install.
  run(configure "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${build}" ${common}
    -DDATACHAIN_BUILD_TESTS=OFF -DDATACHAIN_BUILD_EXAMPLES=OFF -DDATACHAIN_BUILD_BENCHMARKS=OFF
    "-DDATACHAIN_BUILD_TOOLS=${TOOLS}" "-DCMAKE_INSTALL_PREFIX=${prefix}")
  run(build "${CMAKE_COMMAND}" --build "${build}")
  run(install "${CMAKE_COMMAND}" --install "${build}")

  # 2. What is installed.
  foreach(expected
      include/datachain/datachain.hpp
      include/datachain/version.hpp
      share/cmake/datachain/datachainConfig.cmake
      share/cmake/datachain/datachainConfigVersion.cmake
      share/cmake/datachain/datachainTargets.cmake)
    if(NOT EXISTS "${prefix}/${expected}")
      message(FATAL_ERROR "[installed] ${expected} is missing from ${prefix}")
    endif()
  endforeach()
  set(cli "${prefix}/bin/datachain")
  if(TOOLS)
    if(NOT EXISTS "${cli}")
      message(FATAL_ERROR "[installed] DATACHAIN_BUILD_TOOLS=ON but bin/datachain is not installed")
    endif()
    execute_process(COMMAND "${cli}" --help RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT result EQUAL 0 OR NOT out MATCHES "datachain")
      message(FATAL_ERROR "[installed] ${cli} --help failed (exit ${result}):\n${out}")
    endif()
    message(STATUS "[installed] bin/datachain --help works")
  elseif(EXISTS "${cli}")
    message(FATAL_ERROR "[installed] DATACHAIN_BUILD_TOOLS=OFF but bin/datachain is installed")
  endif()

  # 3. find_dependency exactly for what the installed headers include.
  file(GLOB_RECURSE headers "${prefix}/include/datachain/*.hpp")
  set(header_text "")
  foreach(h IN LISTS headers)
    file(STRINGS "${h}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*<")
    string(APPEND header_text "${includes}\n")
  endforeach()
  file(READ "${prefix}/share/cmake/datachain/datachainConfig.cmake" config)
  # dependency  the include that needs it
  foreach(pair "range-v3=range/v3/" "xxHash=xxhash.h" "leveldb=leveldb/" "Boost=boost/")
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 dep)
    list(GET pair 1 inc)
    string(FIND "${header_text}" "<${inc}" at)
    if(config MATCHES "\nfind_dependency\\(${dep}[ )]")
      set(found ON)
    else()
      set(found OFF)
    endif()
    if(at EQUAL -1 AND found)
      message(FATAL_ERROR "[dependencies] datachainConfig.cmake finds ${dep}, but no installed header "
        "includes <${inc}...>: consumers would need ${dep} for nothing")
    elseif(NOT at EQUAL -1 AND NOT found)
      message(FATAL_ERROR "[dependencies] an installed header includes <${inc}...>, but "
        "datachainConfig.cmake does not find_dependency(${dep})")
    endif()
    message(STATUS "[dependencies] ${dep}: found by the package ${found}, consistent with the headers")
  endforeach()
endfunction()

check_install(ON)
check_install(OFF)

# 4. A consumer.
set(prefix "${WORK_DIR}/prefix-on")
set(consumer_build "${WORK_DIR}/consumer-build")
run(configure-consumer "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${consumer_build}" ${common}
  "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  "-DDATACHAIN_EXPECTED_PREFIX=${prefix}")
run(build-consumer "${CMAKE_COMMAND}" --build "${consumer_build}")
file(GLOB program_file "${consumer_build}/program-*.txt")
list(FILTER program_file EXCLUDE REGEX "objstore")
list(GET program_file 0 program_file)
file(READ "${program_file}" program)
execute_process(COMMAND "${program}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0 OR NOT output MATCHES "hash_format_version [0-9]+")
  message(FATAL_ERROR "[run] ${program} failed (exit ${result}): ${output}")
endif()
message(STATUS "[run] ${output}")
