#!/usr/bin/env bash
# Build and test datachain-cpp with GCC and Clang, as CI does (.ci/run).
#
#   scripts/test.sh
#
# On a fresh Debian 12 (as root) it first installs the missing packages and
# s3rver (npm, pinned: scripts/lib/deps.sh) for the objstore tests. For
# each compiler it configures <build root>/gcc or <build root>/clang (Ninja,
# Release, -O2), builds with -j$JOBS and runs ctest. Both compilers run even
# if the first fails; the exit status is non-zero if anything failed.
# The Catch2 test executables are compiled at -O1 by g++ and at -O0 by
# clang++ (DATACHAIN_TEST_OPTIMIZE; tests/runtime/errors.cpp: g++ 27 s at
# -O1, 44 s at -O2; clang++ 13 s at -O0, 38 s at -O2, while its -O1 saves
# under a tenth). The pipelines those tests run in-process are slower
# unoptimised (g++ -O0 saved less compile time than the tests then took), so
# g++ keeps -O1. In the g++ pass every program is built as users build it
# (-O2; the examples and the datachain tool header-only), and the golden test
# checks the hashes at -O0 and -O2. In the clang++ pass the programs (examples,
# e2e, crash, model, tools) are built at -O0, and the examples, the tool and
# the benchmarks link datachain::compiled (DATACHAIN_PROGRAM_OPTIMIZE,
# DATACHAIN_PROGRAMS_COMPILED: a third of the compile time), so both modes are
# built and run. The Catch2 main is compiled at -O0 in every pass.
# The Catch2 test files share one precompiled header of datachain.hpp and
# Catch2 (DATACHAIN_TEST_PCH; measured cold, per test file: a quarter less
# compile time for g++, half for clang++; lib/deps.sh sets what ccache needs
# to cache it). The sanitizer pass does not use it (under ASan it saved 6% of a
# file's compile time: instrumenting, not parsing, is what costs there).
# What does not depend on the compiler runs with one compiler only: with
# g++, the header self-containment TUs and the documentation examples (the
# include graph is the same with one standard library: label headers) and
# the CMake package tests (label package); with clang++, the
# benchmarks' build (at -O0, DATACHAIN_BENCHMARK_OPTIMIZE: a compile check;
# such a build refuses to run).
# Then the sanitizer pass, scripts/sanitize.sh: clang++ with ASan+UBSan
# (<build root>/asan: runtime, core, model, crash tests and the fuzz targets)
# and with TSan (<build root>/tsan: the threaded tests); SANITIZE=0 skips it.
#
# Environment: BUILD_ROOT (default <repo>/build), JOBS (default 2),
# SANITIZE (default 1; 0 skips the sanitizer pass).
set -euo pipefail

# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

start=$(date +%s)
report_time() {
  local status=$?
  echo "test.sh: total wall time $(( $(date +%s) - start ))s"
  exit "$status"
}
trap report_time EXIT

datachain_install_deps
datachain_install_s3rver

# run_compiler <name> <c++ compiler> <ON|OFF: the header and package checks>
#   <test optimisation or ""> [cmake arguments...]: configure, build, test; returns non-zero
# if any step failed. A failed build still runs ctest (the build keeps going
# past errors), so one broken file does not hide every other result. (Steps
# are checked explicitly: `set -e` does not apply inside a function called
# from `||`.)
run_compiler() {
  local name="$1" cxx="$2" once="$3" opt="$4" dir="$DATACHAIN_BUILD_ROOT/$1" t0 status=0
  shift 4
  t0=$(date +%s)
  echo "=== $name ($cxx): $dir"
  datachain_configure "$dir" "$cxx" \
    -DDATACHAIN_BUILD_TESTS=ON -DDATACHAIN_BUILD_EXAMPLES=ON \
    "-DDATACHAIN_TEST_HEADERS=$once" "-DDATACHAIN_TEST_PACKAGE=$once" \
    -DDATACHAIN_OBJECT_STORAGE=ON "-DDATACHAIN_S3RVER=$DATACHAIN_S3RVER" "-DDATACHAIN_TEST_OPTIMIZE=$opt" \
    -DDATACHAIN_BENCHMARK_OPTIMIZE=-O0 -DDATACHAIN_TEST_PCH=ON "$@" \
    || return 1
  if ! cmake --build "$dir" -j "$DATACHAIN_JOBS" -- -k 0; then
    echo "=== $name: BUILD FAILED; running the tests anyway" >&2
    status=1
  fi
  if ! (cd "$dir" && ctest --output-on-failure -j "$DATACHAIN_JOBS"); then
    echo "=== $name: TESTS FAILED" >&2
    status=1
  fi
  if [ "$status" -eq 0 ]; then
    echo "=== $name: passed in $(( $(date +%s) - t0 ))s"
  fi
  return "$status"
}

failed=()
run_compiler gcc g++ ON -O1 -DDATACHAIN_BUILD_BENCHMARKS=OFF || failed+=(gcc)
run_compiler clang clang++ OFF -O0 -DDATACHAIN_BUILD_BENCHMARKS=ON \
  -DDATACHAIN_PROGRAM_OPTIMIZE=-O0 -DDATACHAIN_PROGRAMS_COMPILED=ON || failed+=(clang)
passes=(gcc clang)
if [ "${SANITIZE:-1}" != 0 ]; then
  passes+=(sanitizers)
  bash "$DATACHAIN_REPO/scripts/sanitize.sh" || failed+=(sanitizers)
else
  echo "=== sanitizers: skipped (SANITIZE=0)"
fi

if [ "${#failed[@]}" -ne 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all passed (${passes[*]})"
