#!/usr/bin/env bash
# The sanitizer pass of scripts/test.sh; runs on its own too.
#
#   scripts/sanitize.sh            both parts
#   scripts/sanitize.sh asan       ASan + UBSan and the fuzz targets only
#   scripts/sanitize.sh tsan       TSan only
#
# asan: <build root>/asan, clang++ with -DDATACHAIN_SANITIZE=address,undefined
#   (any undefined behaviour aborts) and -DDATACHAIN_FUZZ=ON; builds only the
#   test targets it runs and runs the ctest labels runtime, core, model, crash
#   (with the programs those tests start, also instrumented) and fuzz (each
#   libFuzzer target from its seed corpus, a fixed number of seeded runs).
# tsan: <build root>/tsan, -DDATACHAIN_SANITIZE=thread; runs the tests that
#   use threads: test_runtime_threads (parallel.cpp and checkpoints.cpp, with
#   the many-sessions-and-threads test) and the parallel crash test. Reports inside Debian's uninstrumented LevelDB that are not races
#   of datachain are suppressed by tests/sanitizers/tsan.supp (each entry says
#   why); nothing in datachain's own code is suppressed.
#
# Prints the wall time of each part and of the pass; the exit status is
# non-zero if a build or a test failed. Environment: BUILD_ROOT, JOBS (as
# scripts/test.sh), SANITIZE_CXX (default clang++; fuzzing needs Clang),
# DATACHAIN_FUZZ_RUNS (runs per fuzz target, default 20000), and the soak
# variables of the tests (DATACHAIN_MODEL_ROUNDS, DATACHAIN_CRASH_ROUNDS),
# which keep their defaults here.
set -euo pipefail

# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

SANITIZE_CXX="${SANITIZE_CXX:-clang++}"

# Reports name file:line and stop the test at the first error.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$DATACHAIN_REPO/tests/sanitizers/tsan.supp}"

# sanitize_part <name> <sanitizers> <label regex> <name regex or ""> <extra cmake args> -- <targets...>
sanitize_part() {
  local name="$1" sanitizers="$2" labels="$3" names="$4" extra="$5"
  shift 6
  local dir="$DATACHAIN_BUILD_ROOT/$name" t0 status=0 filter=()
  t0=$(date +%s)
  echo "=== sanitize $name ($SANITIZE_CXX, -fsanitize=$sanitizers): $dir"
  # -O1 for the programs and the runtime library; -O0 for the Catch2 test
  # executables (DATACHAIN_TEST_OPTIMIZE): clang++ compiles an instrumented
  # test file in a third of the -O1 time (tests/runtime/errors.cpp: 19 s
  # instead of 55 s), and the sanitizers need no optimisation.
  # shellcheck disable=SC2086  # extra: zero or more words
  datachain_configure "$dir" "$SANITIZE_CXX" \
    -DDATACHAIN_BUILD_TESTS=ON -DDATACHAIN_BUILD_EXAMPLES=OFF -DDATACHAIN_BUILD_BENCHMARKS=OFF \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" -DDATACHAIN_TEST_OPTIMIZE=-O0 \
    "-DDATACHAIN_SANITIZE=$sanitizers" $extra \
    || return 1
  if ! cmake --build "$dir" -j "$DATACHAIN_JOBS" --target "$@" -- -k 0; then
    echo "=== sanitize $name: BUILD FAILED; running the tests anyway" >&2
    status=1
  fi
  if [ -n "$names" ]; then
    filter=(-R "$names")
  fi
  if ! (cd "$dir" && ctest --output-on-failure --no-tests=error -j "$DATACHAIN_JOBS" -L "$labels" "${filter[@]}"); then
    echo "=== sanitize $name: TESTS FAILED" >&2
    status=1
  fi
  echo "=== sanitize $name: $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - t0 ))s"
  return "$status"
}

sanitize_asan() {
  local fuzz=OFF labels='^(runtime|core|model|crash)$' targets=(
    test_runtime_runtime test_core_unit test_model_model test_e2e_crash_anywhere)
  if "$SANITIZE_CXX" --version 2>/dev/null | grep -q clang; then
    fuzz=ON
    labels='^(runtime|core|model|crash|fuzz)$'
    targets+=(fuzz)
  else
    echo "=== sanitize asan: $SANITIZE_CXX is not Clang: no fuzz targets" >&2
  fi
  sanitize_part asan address,undefined "$labels" "" "-DDATACHAIN_FUZZ=$fuzz" -- "${targets[@]}"
}

sanitize_tsan() {
  # test_runtime_threads: parallel.cpp and checkpoints.cpp alone (tests/runtime/CMakeLists.txt).
  sanitize_part tsan thread '^(runtime|crash)$' 'runtime\.threads/|parallel' "-DDATACHAIN_FUZZ=OFF" -- \
    test_runtime_threads test_e2e_crash_anywhere
}

main() {
  local start failed=() part parts=("$@")
  start=$(date +%s)
  [ "${#parts[@]}" -eq 0 ] && parts=(asan tsan)
  datachain_install_deps
  for part in "${parts[@]}"; do
    case "$part" in
      asan) sanitize_asan || failed+=(asan) ;;
      tsan) sanitize_tsan || failed+=(tsan) ;;
      *) echo "sanitize.sh: unknown part '$part' (asan, tsan)" >&2; return 2 ;;
    esac
  done
  echo "sanitize.sh: sanitizer pass wall time $(( $(date +%s) - start ))s"
  if [ "${#failed[@]}" -ne 0 ]; then
    echo "sanitize.sh: FAILED: ${failed[*]}" >&2
    return 1
  fi
  echo "sanitize.sh: all passed (${parts[*]})"
}

main "$@"
