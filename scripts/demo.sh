#!/usr/bin/env bash
# Demo: build the examples with GCC, write the dogs-and-cats sample, and run
# the walkthrough example against a fresh store.
#
#   scripts/demo.sh
#
# Layout under <build root>/demo: the build tree, sample/ (tools/make_sample)
# and store/ (DATACHAIN_ROOT, emptied at the start of every demo).
# Environment: BUILD_ROOT (default <repo>/build), JOBS (default 2).
set -euo pipefail

# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

datachain_install_deps

dir="$DATACHAIN_BUILD_ROOT/demo"
datachain_configure "$dir" g++ \
  -DDATACHAIN_BUILD_TESTS=OFF -DDATACHAIN_BUILD_EXAMPLES=ON -DDATACHAIN_BUILD_BENCHMARKS=OFF
cmake --build "$dir" -j "$DATACHAIN_JOBS"

"$dir/tools/make_sample" "$dir/sample"

walkthrough="$dir/examples/example_walkthrough"
if [ ! -x "$walkthrough" ]; then
  echo "demo.sh: $walkthrough not built (no examples/walkthrough.cpp yet); nothing to run"
  exit 0
fi

rm -rf "$dir/store"
mkdir -p "$dir/store"
echo "=== DATACHAIN_ROOT=$dir/store $walkthrough $dir/sample"
DATACHAIN_ROOT="$dir/store" "$walkthrough" "$dir/sample"
