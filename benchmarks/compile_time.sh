#!/usr/bin/env bash
# Compile time and peak compiler memory of programs that use datachain, in
# both modes: header-only (the default) and with the runtime compiled once
# (DATACHAIN_SEPARATE_COMPILATION, the CMake target datachain::compiled).
#
#   benchmarks/compile_time.sh                         # g++ and clang++, 3 runs each, medians
#   REPS=1 STEPS="1 20" CXXS="g++" MODES=compiled benchmarks/compile_time.sh
#   CSV=benchmarks/results/compile_time.csv benchmarks/compile_time.sh   # also write the CSV (plot.sh)
#
# For each compiler, mode and source it runs, REPS times,
#
#   /usr/bin/time -v <cxx> -std=c++20 -O2 -DNDEBUG [-DDATACHAIN_SEPARATE_COMPILATION] -I include -c <source>
#
# (no ccache; compile only: the link is any LevelDB program's) and takes the
# median CPU time (user + system: less disturbed than wall time on a busy
# machine), wall time and peak resident memory. Sources:
# - reference: only the standard headers datachain uses; every figure is
#   given as "+ s over the reference" of the same compiler, mode and run, so a
#   slower machine does not read as a slower library;
# - include: <datachain/datachain.hpp> and an empty main;
# - N steps (STEPS, default "1 10 20 40"): read_values | N maps | save, run.
# In compiled mode the runtime itself (<datachain/src.hpp>) is compiled once
# per compiler and reported on its own line (it is built once per project).
#
# Targets (issue 11, g++ -O2, medians): include <= +1.0 s; 1 step <= +3 s
# compiled and <= +5 s header-only; each added step <= 0.4 s, linear to 40
# steps (the cost per step from 20 to 40 within 1.5x of that from 1 to 20);
# peak memory <= 600 MiB at 40 steps. Exit status 0 even when a target is
# missed (MISS is printed); non-zero when a compile fails.
# Installs the Debian package `time` if /usr/bin/time is missing (needs root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps="${REPS:-3}"
cxxs="${CXXS:-g++ clang++}"
modes="${MODES:-header-only compiled}"
steps_list="${STEPS:-1 10 20 40}"
csv="${CSV:-}"
flags=(-std=c++20 -O2 -DNDEBUG -I "$root/include")

if [[ ! -x /usr/bin/time ]]; then
  echo "compile_time.sh: installing the 'time' package for /usr/bin/time" >&2
  apt-get install -y time >/dev/null
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/reference.cpp" <<'EOF_REF'
#include <filesystem>
#include <map>
#include <ranges>
#include <string>
#include <thread>
#include <vector>
int main() { return static_cast<int>(std::filesystem::path("a/b").string().size()); }
EOF_REF
printf '#include <datachain/datachain.hpp>\nint main() { return 0; }\n' >"$tmp/include.cpp"
printf '#include <datachain/src.hpp>\n' >"$tmp/runtime.cpp"

# steps_source N: read_values | N map steps (each reads the previous column) | save
steps_source() {
  local n="$1" i
  echo '#include <datachain/datachain.hpp>'
  echo '#include <cstdint>'
  echo '#include <vector>'
  echo 'namespace dc = datachain;'
  for ((i = 1; i <= n; i++)); do
    echo "DC_DEF(f$i, (std::int64_t x) -> std::int64_t { return x + $i; });"
  done
  echo 'int main() {'
  echo '    auto ds = (dc::read_values<"x0">(std::vector<std::int64_t>{1, 2, 3})'
  for ((i = 1; i <= n; i++)); do
    echo "               | dc::map<\"x$i\">(f$i, dc::params<\"x$((i - 1))\">)"
  done
  echo '               | dc::save("steps")).run();'
  echo '    return ds.size() == 3 ? 0 : 1;'
  echo '}'
}
for n in $steps_list; do steps_source "$n" >"$tmp/steps_$n.cpp"; done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
to_seconds() { awk -F: '{s=0; for (i=1;i<=NF;i++) s=s*60+$i; printf "%.2f\n", s}' <<<"$1"; }

# measure <cxx> <extra flag or ""> <source>: sets m_wall m_cpu m_mem (medians) and m_runs
measure() {
  local cxx="$1" extra="$2" src="$3" i walls=() cpus=() mems=() kb
  local f=("${flags[@]}")
  [[ -n "$extra" ]] && f+=("$extra")
  for ((i = 0; i < reps; i++)); do
    if ! (cd "$root" && /usr/bin/time -v "$cxx" "${f[@]}" -c "$src" -o "$tmp/out.o") 2>"$tmp/time.txt"; then
      echo "compile_time.sh: $cxx ${extra} failed on $src:" >&2
      cat "$tmp/time.txt" >&2
      exit 1
    fi
    walls+=("$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")")")
    cpus+=("$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time.txt")")
    kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")"
    mems+=("$(awk -v k="$kb" 'BEGIN {printf "%.0f", k / 1024}')")
  done
  m_wall="$(median "${walls[@]}")"
  m_cpu="$(median "${cpus[@]}")"
  m_mem="$(median "${mems[@]}")"
  m_runs="${cpus[*]}"
}

verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "PASS" : "MISS"}'; }

echo "compile_time.sh: $reps runs per compiler, mode and source, medians; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for cxx in $cxxs; do echo "  $cxx: $("$cxx" --version | head -n1)"; done
[[ -n "$csv" ]] && { mkdir -p "$(dirname "$csv")"; echo "compiler,mode,steps,wall_s,cpu_s,peak_mib" >"$csv"; }
echo
echo "| compiler | mode | source | CPU s (runs) | median CPU s | + over reference | wall s | peak MiB | target | verdict |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for cxx in $cxxs; do
  for mode in $modes; do
    extra=""
    [[ "$mode" == compiled ]] && extra="-DDATACHAIN_SEPARATE_COMPILATION"
    if [[ "$mode" == compiled ]]; then
      measure "$cxx" "$extra" "$tmp/runtime.cpp"
      echo "| $cxx | $mode | the runtime, once (src.hpp) | $m_runs | $m_cpu | | $m_wall | $m_mem | | |"
    fi
    measure "$cxx" "$extra" "$tmp/reference.cpp"
    ref="$m_cpu"
    echo "| $cxx | $mode | reference (std headers) | $m_runs | $m_cpu | | $m_wall | $m_mem | | |"
    [[ -n "$csv" ]] && echo "$cxx,reference,0,$m_wall,$m_cpu,$m_mem" >>"$csv"
    measure "$cxx" "$extra" "$tmp/include.cpp"
    d="$(awk -v a="$m_cpu" -v b="$ref" 'BEGIN {printf "%.2f", a - b}')"
    echo "| $cxx | $mode | include only | $m_runs | $m_cpu | +$d | $m_wall | $m_mem | <= +1.0 | $(verdict "$d" 1.0) |"
    [[ -n "$csv" ]] && echo "$cxx,$mode,0,$m_wall,$m_cpu,$m_mem" >>"$csv"
    declare -A cpu_at=()
    for n in $steps_list; do
      measure "$cxx" "$extra" "$tmp/steps_$n.cpp"
      cpu_at[$n]="$m_cpu"
      d="$(awk -v a="$m_cpu" -v b="$ref" 'BEGIN {printf "%.2f", a - b}')"
      target="" v=""
      if [[ "$n" == 1 ]]; then
        target=$([[ "$mode" == compiled ]] && echo 3 || echo 5)
        v="$(verdict "$d" "$target")"
        target="<= +$target"
      fi
      if [[ "$n" == 40 ]]; then target="<= 600 MiB"; v="$(verdict "$m_mem" 600)"; fi
      echo "| $cxx | $mode | $n steps | $m_runs | $m_cpu | +$d | $m_wall | $m_mem | $target | $v |"
      [[ -n "$csv" ]] && echo "$cxx,$mode,$n,$m_wall,$m_cpu,$m_mem" >>"$csv"
    done
    if [[ -n "${cpu_at[1]:-}" && -n "${cpu_at[20]:-}" && -n "${cpu_at[40]:-}" ]]; then
      read -r per low high < <(awk -v a="${cpu_at[1]}" -v b="${cpu_at[20]}" -v c="${cpu_at[40]}" \
        'BEGIN {printf "%.2f %.2f %.2f\n", (c - a) / 39, (b - a) / 19, (c - b) / 20}')
      lin="$(awk -v l="$low" -v h="$high" 'BEGIN {print (l > 0 && h <= 1.5 * l) ? "PASS" : "MISS"}')"
      echo "| $cxx | $mode | per added step (1 -> 40) | | $per | | | | <= 0.4 | $(verdict "$per" 0.4) |"
      echo "| $cxx | $mode | linear: per step 1 -> 20, 20 -> 40 | | $low, $high | | | | within 1.5x | $lin |"
    fi
    unset cpu_at
  done
done
echo
echo "command: /usr/bin/time -v <cxx> ${flags[*]/#$root/<repo>} [-DDATACHAIN_SEPARATE_COMPILATION] -c <source> -o out.o   (in <repo>)"
