#!/usr/bin/env bash
# Renders the benchmark figures with gnuplot:
#
#   docs/benchmarks.svg     benchmarks/results/peers.csv (bench_peers --csv): seconds per
#                           variant, grouped by map / gen / agg, log scale; each bar is
#                           labelled with its time / raw LevelDB
#   docs/compile_time.svg   benchmarks/results/compile_time.csv (benchmarks/compile_time.sh,
#                           header compiler,mode,steps,wall_s,cpu_s,peak_mib): CPU seconds vs
#                           pipeline steps, one line per compiler and mode (median of the
#                           rows with the same compiler, mode and steps)
#
#   benchmarks/plot.sh
#   PEERS_CSV=/tmp/peers.csv OUT_DIR=/tmp benchmarks/plot.sh
#
# A missing CSV skips its figure (with a message). Columns are found by their
# header names, so their order does not matter. Installs the Debian package
# gnuplot-nox with apt-get when gnuplot is missing (needs root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${PEERS_CSV:-$root/benchmarks/results/peers.csv}"
ctime="${COMPILE_CSV:-$root/benchmarks/results/compile_time.csv}"
out="${OUT_DIR:-$root/docs}"

if ! command -v gnuplot >/dev/null 2>&1; then
  echo "plot.sh: installing the 'gnuplot-nox' package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y gnuplot-nox >/dev/null; }
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
terminal='set terminal svg size 960,540 dynamic enhanced font "sans,12" background "white"'

# ---- peers: one row per op, columns: seconds of each variant, then ratios to raw ----
if [[ -f "$peers" ]]; then
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    {
      op = $c["op"]; v = $c["variant"]
      if (!(op in seen_op)) { seen_op[op] = 1; ops[++nops] = op }
      if (!(v in seen_v)) { seen_v[v] = 1; vs[++nvs] = v; label[v] = $c["label"] }
      sec[op, v] = $c["seconds"]; ratio[op, v] = $c["ratio_raw"]; out_rows[op] = $c["output_rows"]
      if ($c["rows_written"] != $c["output_rows"]) { scaled[v] = 1; written = $c["rows_written"] }
    }
    END {
      printf "op x"
      for (j = 1; j <= nvs; j++) {
        l = label[vs[j]]
        if (vs[j] in scaled) l = l " *"
        printf " \"%s\"", l
      }
      for (j = 1; j <= nvs; j++) printf " \"%s/raw\"", vs[j]
      printf "\n"
      for (i = 1; i <= nops; i++) {
        printf "\"%s: %s rows out\" %d", ops[i], out_rows[ops[i]], i - 1
        for (j = 1; j <= nvs; j++) printf " %s", sec[ops[i], vs[j]]
        for (j = 1; j <= nvs; j++) printf " %s", ratio[ops[i], vs[j]]
        printf "\n"
      }
      print nvs > "'"$tmp"'/nvariants"
      print $c["reps"] > "'"$tmp"'/reps"
      print (written == "" ? "all" : "the first " written) > "'"$tmp"'/written"
    }' "$peers" >"$tmp/peers.dat"
  n="$(cat "$tmp/nvariants")"
  reps="$(cat "$tmp/reps")"
  written="$(cat "$tmp/written")"
  rows="$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                   $c["op"] == "map" && $c["variant"] == "ckpt" { print $c["output_rows"] }' "$peers")"
  gnuplot <<EOF
$terminal
set output "$out/benchmarks.svg"
set title "The same ${rows} input rows and output bytes, six ways (median of ${reps}; label: time / raw LevelDB)"
set ylabel "seconds (log scale)"
set logscale y
set format y "%g"
set grid ytics
set key outside right top vertical Left reverse noenhanced
set style fill solid 0.85 border -1
set xtics nomirror noenhanced
set xrange [-0.5:*]
set bmargin 5
set label 1 "* a file per result: ${written} rows of each op written, the time scaled to all its rows" at screen 0.01, 0.03 font ",10" noenhanced
n = $n
w = 1.0 / (n + 1)
x(j) = column(2) + (j - 3 - n / 2.0 + 0.5) * w
ratio(r) = r >= 9.95 ? sprintf("%.0fx", r) : sprintf("%.2fx", r)
set offsets 0, 0, graph 0.12, 0
set boxwidth w absolute
plot "$tmp/peers.dat" using 2:(NaN):xtic(1) notitle, \
     for [j = 3:n + 2] "$tmp/peers.dat" using (x(j)):(column(j)) with boxes lc j - 2 title columnheader(j), \
     for [j = 3:n + 2] "$tmp/peers.dat" using (x(j)):(column(j)):(ratio(column(j + n))) \
         with labels rotate by 90 left offset 0, 0.3 font ",9" notitle
EOF
  echo "plot.sh: wrote $out/benchmarks.svg from $peers"
else
  echo "plot.sh: $peers not found (run bench_peers --csv $peers); docs/benchmarks.svg not made" >&2
fi

# ---- compile time: one block per compiler + mode, median CPU seconds per step count ----
# (CPU, user + system: wall time on a shared machine measures the load)
if [[ -f "$ctime" ]]; then
  awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    NF > 1 {
      s = $c["compiler"] "/" $c["mode"]
      if (!(s in seen)) { seen[s] = 1; series[++ns] = s }
      k = s SUBSEP ($c["steps"] + 0)
      n[k]++; w[k, n[k]] = $c["cpu_s"] + 0
      if (!((s, $c["steps"] + 0) in has)) { has[s, $c["steps"] + 0] = 1; steps[s] = steps[s] " " $c["steps"] + 0 }
    }
    function median(k,    m, i, j, t, a) {
      m = n[k]
      for (i = 1; i <= m; i++) a[i] = w[k, i]
      for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
      for (i = 1; i <= ns; i++) {
        s = series[i]
        m = split(steps[s], st, " ")
        for (a = 2; a <= m; a++) for (b = a; b > 1 && st[b - 1] > st[b]; b--) { t = st[b]; st[b] = st[b - 1]; st[b - 1] = t }
        printf "# %s\n", s
        for (a = 1; a <= m; a++) printf "%s %s\n", st[a], median(s SUBSEP st[a])
        printf "\n\n"
        names = names (i > 1 ? " " : "") s
      }
      print names > "'"$tmp"'/series"
    }' "$ctime" >"$tmp/compile.dat"
  gnuplot <<EOF
$terminal
set output "$out/compile_time.svg"
set title "Compile time of a program with N pipeline steps (-std=c++20 -O2 -c; median CPU seconds, user + system)" noenhanced
set xlabel "pipeline steps"
set ylabel "CPU seconds"
set yrange [0:*]
set grid
set key left top noenhanced
names = "$(cat "$tmp/series")"
plot for [i = 1:words(names)] "$tmp/compile.dat" index (i - 1) using 1:2 with linespoints lw 2 pt 7 title word(names, i)
EOF
  echo "plot.sh: wrote $out/compile_time.svg from $ctime"
else
  echo "plot.sh: $ctime not found (run benchmarks/compile_time.sh); docs/compile_time.svg not made" >&2
fi
