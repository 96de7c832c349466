#!/usr/bin/env bash
# Compile time and peak compiler memory of a program that uses datachain.
#
#   benchmarks/compile_time.sh                 # g++ and clang++, 3 runs each, medians
#   REPS=5 CXXS="g++" benchmarks/compile_time.sh
#
# For each compiler and each source it runs, REPS times,
#
#   /usr/bin/time -v <cxx> -std=c++20 -O2 -DNDEBUG -I include -c <source> -o <tmp>.o
#
# (no ccache, compile only: the link is the same as any LevelDB program's) and
# reports "Elapsed (wall clock) time", "Maximum resident set size" and the
# CPU time (user + system: less disturbed than wall time on a busy machine).
# Sources: a reference TU (only the standard headers datachain uses, to see
# how fast the machine is right now), examples/walkthrough.cpp when it
# exists, and always benchmarks/compile_probe.cpp (a fixed read_storage |
# filter | map | save program, so the figure stays comparable as the
# examples grow).
# Targets: at most 10 s and 1 GiB per compilation (median).
# Installs the Debian package `time` if /usr/bin/time is missing (needs root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${REPS:-3}"
cxxs="${CXXS:-g++ clang++}"
flags=(-std=c++20 -O2 -DNDEBUG -I "$root/include")

if [[ ! -x /usr/bin/time ]]; then
  echo "compile_time.sh: installing the 'time' package for /usr/bin/time" >&2
  apt-get install -y time >/dev/null
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A reference compile that does not depend on datachain: the standard
# headers datachain uses, nothing else. This VM's CPU speed drifts (the same
# compile took 8 s and 12 s of CPU half an hour apart); compare the other
# rows with this one to tell a slower library from a slower machine.
cat >"$tmp/reference.cpp" <<'EOF_REF'
#include <filesystem>
#include <map>
#include <ranges>
#include <string>
#include <thread>
#include <vector>
int main() { return static_cast<int>(std::filesystem::path("a/b").string().size()); }
EOF_REF

sources=("$tmp/reference.cpp")
[[ -f "$root/examples/walkthrough.cpp" ]] && sources+=("examples/walkthrough.cpp")
sources+=("benchmarks/compile_probe.cpp")

# median of the arguments (numbers)
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# "h:mm:ss" or "m:ss.ss" -> seconds
to_seconds() { awk -F: '{s=0; for (i=1;i<=NF;i++) s=s*60+$i; printf "%.2f\n", s}' <<<"$1"; }

echo "compile_time.sh: $reps runs per compiler and source, medians; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for cxx in $cxxs; do echo "  $cxx: $("$cxx" --version | head -n1)"; done
echo
echo "| compiler | source | runs: wall s | median wall s | median CPU s (user+sys) | runs: peak MiB | median peak MiB | load (1 min) | <= 10 s | <= 1 GiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
status=0
for cxx in $cxxs; do
  for src in "${sources[@]}"; do
    walls=(); cpus=(); mems=(); loads=()
    for ((i = 0; i < reps; i++)); do
      loads+=("$(cut -d' ' -f1 /proc/loadavg)")
      if ! (cd "$root" && /usr/bin/time -v "$cxx" "${flags[@]}" -c "$src" -o "$tmp/out.o") 2>"$tmp/time.txt"; then
        echo "compile_time.sh: $cxx failed on $src:" >&2
        cat "$tmp/time.txt" >&2
        exit 1
      fi
      walls+=("$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")")")
      cpus+=("$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time.txt")")
      kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")"
      mems+=("$(awk -v k="$kb" 'BEGIN {printf "%.0f", k / 1024}')")
    done
    label="$src"; [[ "$src" == "$tmp/reference.cpp" ]] && label="(reference: std headers only)"
    mw="$(median "${walls[@]}")"
    mm="$(median "${mems[@]}")"
    mc="$(median "${cpus[@]}")"
    tv=$(awk -v w="$mw" 'BEGIN {print (w <= 10) ? "PASS" : "MISS"}')
    mv=$(awk -v m="$mm" 'BEGIN {print (m <= 1024) ? "PASS" : "MISS"}')
    [[ $label == "(reference"* ]] && { tv="-"; mv="-"; }
    [[ $tv == MISS || $mv == MISS ]] && status=1
    echo "| $cxx | $label | ${walls[*]} | $mw | $mc | ${mems[*]} | $mm | ${loads[*]} | $tv | $mv |"
  done
done
echo
echo "command: /usr/bin/time -v <cxx> ${flags[*]/#$root/<repo>} -c <source> -o out.o   (in <repo>)"
exit "$status"
