# cmake -P script behind the ctest tests package.find_package and
# package.add_subdirectory (tests/package/CMakeLists.txt).
#
# Input (-D): MODE (find_package | add_subdirectory), SOURCE_DIR, BUILD_DIR
# (the outer build tree), CONSUMER_DIR, WORK_DIR (wiped first), GENERATOR,
# GENERATOR_PLATFORM, GENERATOR_TOOLSET, MAKE_PROGRAM, CXX, CXX_FLAGS,
# CXX_FLAGS_CONFIG, LAUNCHER, BUILD_TYPE, CONFIG, EXPECTED_VERSION,
# OBJECT_STORAGE (ON: also build and run consumer/objstore.cpp).
#
# find_package:     cmake --install BUILD_DIR --prefix WORK_DIR/prefix, then
#                   configure CONSUMER_DIR with CMAKE_PREFIX_PATH=WORK_DIR/prefix
# add_subdirectory: configure CONSUMER_DIR with DATACHAIN_SOURCE_DIR=SOURCE_DIR
# then build the consumer with the outer build's compiler and run it.

cmake_minimum_required(VERSION 3.21)

foreach(var MODE SOURCE_DIR BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR CXX)
  if("${${var}}" STREQUAL "")
    message(FATAL_ERROR "datachainPackageTest.cmake: -D${var}=... is required")
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
set(consumer_build "${WORK_DIR}/build")

set(configure_args
  -S "${CONSUMER_DIR}" -B "${consumer_build}"
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
if(GENERATOR_PLATFORM)
  list(APPEND configure_args -A "${GENERATOR_PLATFORM}")
endif()
if(GENERATOR_TOOLSET)
  list(APPEND configure_args -T "${GENERATOR_TOOLSET}")
endif()
if(MAKE_PROGRAM)
  list(APPEND configure_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
endif()
if(BUILD_TYPE)
  string(TOUPPER "${BUILD_TYPE}" bt)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
                             "-DCMAKE_CXX_FLAGS_${bt}=${CXX_FLAGS_CONFIG}")
endif()

if(MODE STREQUAL "find_package")
  set(prefix "${WORK_DIR}/prefix")
  set(install_args --install "${BUILD_DIR}" --prefix "${prefix}")
  if(CONFIG)
    list(APPEND install_args --config "${CONFIG}")
  endif()
  run(install "${CMAKE_COMMAND}" ${install_args})
  foreach(expected
      "include/datachain/datachain.hpp"
      "include/datachain/version.hpp")
    if(NOT EXISTS "${prefix}/${expected}")
      message(FATAL_ERROR "[install] ${expected} is missing from ${prefix}")
    endif()
  endforeach()
  list(APPEND configure_args
    "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DDATACHAIN_EXPECTED_PREFIX=${prefix}"
    "-DDATACHAIN_EXPECTED_VERSION=${EXPECTED_VERSION}")
  if(OBJECT_STORAGE)
    list(APPEND configure_args "-DDATACHAIN_TEST_OBJECT_STORAGE=ON")
  endif()
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args "-DDATACHAIN_SOURCE_DIR=${SOURCE_DIR}")
else()
  message(FATAL_ERROR "datachainPackageTest.cmake: unknown MODE '${MODE}'")
endif()

run(configure "${CMAKE_COMMAND}" ${configure_args})

set(build_args --build "${consumer_build}")
if(CONFIG)
  list(APPEND build_args --config "${CONFIG}")
endif()
run(build "${CMAKE_COMMAND}" ${build_args})

set(program_file "${consumer_build}/program-${CONFIG}.txt")
if(NOT EXISTS "${program_file}")
  # e.g. ctest -C <config> on a single-config build tree
  file(GLOB program_file "${consumer_build}/program-*.txt")
  list(LENGTH program_file n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "[run] cannot tell which program to run: ${consumer_build}/program-<config>.txt")
  endif()
endif()
file(READ "${program_file}" program)
message(STATUS "[run] ${program}")
execute_process(COMMAND "${program}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
message(STATUS "[run] output: ${output}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "[run] ${program} failed (exit ${result})")
endif()
if(NOT output MATCHES "hash_format_version [0-9]+")
  message(FATAL_ERROR "[run] unexpected output from ${program}")
endif()

# The object_storage component's program (find_package mode, when built).
file(GLOB objstore_file "${consumer_build}/program-objstore-*.txt")
if(objstore_file)
  list(GET objstore_file 0 objstore_file)
  file(READ "${objstore_file}" program)
  message(STATUS "[run] ${program}")
  execute_process(COMMAND "${program}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  message(STATUS "[run] output: ${output}")
  if(NOT result EQUAL 0 OR NOT output MATCHES "object storage: .*s3://bucket/prefix/.*no response")
    message(FATAL_ERROR "[run] ${program} failed (exit ${result})")
  endif()
elseif(OBJECT_STORAGE AND MODE STREQUAL "find_package")
  message(FATAL_ERROR "[run] the object storage consumer was not built")
endif()
