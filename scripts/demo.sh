#!/usr/bin/env bash
# Demo: the checkpoint walkthrough on a generated dogs-and-cats sample.
#
#   scripts/demo.sh
#
# Builds the examples with g++, writes the sample (tools/make_sample) and then
# tells the story of examples/walkthrough.cpp with a fresh store:
#   run 1  the program is built with a bug (process() cannot handle cats): it
#          processes the dogs, then fails on the first cat;
#   fix    the same executable is rebuilt at the same path without the bug;
#   run 2  it continues: the dogs done in run 1 are not processed again;
#   run 3  nothing changed: everything is skipped, no new version is made.
# Finally the store's own record of the runs (tools/datachain).
#
# Layout under <build root>/demo: the build tree, sample/ and store/
# (DATACHAIN_ROOT, emptied at the start of every demo).
# Environment: BUILD_ROOT (default <repo>/build), JOBS (default 2),
# DATACHAIN_DEMO_BUCKET (optional: an s3:// or gs:// prefix read instead of
# the generated sample, e.g. gs://datachain-demo/dogs-and-cats/; it needs
# network access and a build with datachain::object_storage).
set -euo pipefail

# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

datachain_install_deps

dir="$DATACHAIN_BUILD_ROOT/demo"
walkthrough="$dir/examples/example_walkthrough"
cli="$dir/tools/datachain"
export DATACHAIN_ROOT="$dir/store"

banner() { printf '\n\033[1m=== %s\033[0m\n' "$*"; }

build() {  # build [stems with the bug]
  datachain_configure "$dir" g++ \
    -DDATACHAIN_BUILD_TESTS=OFF -DDATACHAIN_BUILD_EXAMPLES=ON -DDATACHAIN_BUILD_BENCHMARKS=OFF \
    -DDATACHAIN_EXAMPLE_BUG="${1:-}" >/dev/null
  cmake --build "$dir" -j "$DATACHAIN_JOBS" --target example_walkthrough make_sample datachain_cli
}

banner "Building (g++), with the bug in process()"
build walkthrough
"$dir/tools/make_sample" "$dir/sample"
source_dir="$dir/sample"
if [ -n "${DATACHAIN_DEMO_BUCKET:-}" ]; then
  source_dir="$DATACHAIN_DEMO_BUCKET"
  echo "demo.sh: reading $source_dir (DATACHAIN_DEMO_BUCKET) instead of the sample"
fi
rm -rf "$DATACHAIN_ROOT"
mkdir -p "$DATACHAIN_ROOT"

banner "Run 1: process() throws on paths containing \"cat\""
if "$walkthrough" "$source_dir"; then
  echo "demo.sh: run 1 was expected to fail" >&2
  exit 1
fi

banner "Fixing the bug: rebuilding the same executable at the same path"
build ""

banner "Run 2: continues from the rows run 1 finished"
"$walkthrough" "$source_dir"

banner "Run 3: nothing changed, so nothing runs"
"$walkthrough" "$source_dir"

banner "What the store recorded (tools/datachain)"
"$cli" jobs
echo "--- events of the last job"
"$cli" events
echo "--- datasets"
"$cli" datasets
