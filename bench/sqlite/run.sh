#!/usr/bin/env bash
# SQLite, a large real C program (~1 MB of wasm, ~2,000 functions), inserting and querying
# ROWS rows (bench/sqlite/sqlite_bench.c): native gcc -O2, webcontainerd run with each engine,
# and node's WASI on the same .wasm, in one run on one machine, runs interleaved. Every run's
# output (a checksum of the query results) must equal native's.
#
#   bench/sqlite/run.sh [BUILD_DIR]          (default: build)
#   RUNS=5 ROWS=100000 ENGINES="native auto jit interp node" bench/sqlite/run.sh
#
# bench/sqlite/build.sh builds both (SQLite itself comes from npm, cached in bench/out/sqlite/).
# Prints a markdown table: median wall and CPU (user+sys) seconds per engine, x native, x node.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${RUNS:-3}
ROWS=${ROWS:-100000}
read -ra ENGINES <<<"${ENGINES:-native auto jit interp node}"
OUT=$ROOT/bench/out/sqlite
"$ROOT/bench/sqlite/build.sh" --native "$OUT"

cmd_of() {
  case $1 in
    native) echo "$OUT/sqlite_bench.native $ROWS" ;;
    node) echo "node --no-warnings $ROOT/bench/hello/run_node_wasi.mjs $OUT/sqlite_bench.wasm $ROWS" ;;
    *) echo "$BUILD/webcontainerd run --engine $1 $OUT/sqlite_bench.wasm $ROWS" ;;
  esac
}

REF=$("$OUT/sqlite_bench.native" "$ROWS")
declare -A WALL CPU
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 0; run < RUNS; run++)); do
  for ((i = 0; i < ${#ENGINES[@]}; i++)); do
    e=${ENGINES[(i + run) % ${#ENGINES[@]}]}
    read -ra cmd <<<"$(cmd_of "$e")"
    /usr/bin/time -f '%e %U %S' -o "$OUT/time" "${cmd[@]}" >"$OUT/stdout" 2>"$OUT/stderr" ||
      { echo "$e failed: $(tail -n 3 "$OUT/stderr")" >&2; exit 1; }
    [[ $(cat "$OUT/stdout") == "$REF" ]] ||
      { echo "$e printed '$(cat "$OUT/stdout")', native '$REF'" >&2; exit 1; }
    read -r wall user sys <"$OUT/time"
    WALL[$e]+=" $wall"
    CPU[$e]+=" $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "SQLite $(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$OUT/src/sqlite3.h"), $ROWS rows, $(stat -c %s "$OUT/sqlite_bench.wasm") bytes of wasm; $RUNS runs each, interleaved; load $LOAD_BEFORE at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo "output of every run: $REF"
echo
echo "| engine | wall s (median) | CPU s (median) | wall x native | wall x node |"
echo "|---|--:|--:|--:|--:|"
# shellcheck disable=SC2086
n_wall=$(median ${WALL[native]:-0}); node_wall=$(median ${WALL[node]:-0})
for e in "${ENGINES[@]}"; do
  # shellcheck disable=SC2086
  w=$(median ${WALL[$e]}); c=$(median ${CPU[$e]})
  label=$e; [[ $e == native || $e == node ]] || label="webcontainerd run --engine $e"
  awk -v l="$label" -v w="$w" -v c="$c" -v n="$n_wall" -v d="$node_wall" \
    'BEGIN { xn = ""; xd = ""; if (n > 0) xn = sprintf("%.2f", w / n); if (d > 0) xd = sprintf("%.2f", w / d)
           printf "| %s | %.2f | %.2f | %s | %s |\n", l, w, c, xn, xd }'
done
