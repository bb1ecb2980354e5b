#!/usr/bin/env bash
# A SIMD kernel's scalar and -msimd128 builds (compiled as bench/simd/run.sh does) on wasm-run
# --engine jit, --engine auto and node, the same .wasm files, runs interleaved (round 1 of
# every cell, then round 2, ...) so that load on this shared machine hits all alike. Prints
# the median wall and CPU (user+sys) seconds of each cell and `uptime` before and after.
#   bench/simd/engines.sh [REPS]      (env: WASM_RUN, default build/wasm-run; RUNS, default 5;
#                                     KERNEL, matmul_f32 (default) or bytes_u8)
set -eu
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WASM_RUN=${WASM_RUN:-$ROOT/build/wasm-run}
RUNS=${RUNS:-5}
KERNEL=${KERNEL:-matmul_f32}
REPS=${1:-200}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
# shellcheck source=bench/simd/build.sh
. "$ROOT/bench/simd/build.sh"
build_kernel "$ROOT" "$OUT" "$KERNEL"
run() {  # engine variant -> "wall cpu checksum"
  local cmd
  case $1 in
    node) cmd=(node "$ROOT/bench/run_node.mjs" "$OUT/$KERNEL.$2.wasm" "$REPS") ;;
    *) cmd=("$WASM_RUN" --engine "$1" "$OUT/$KERNEL.$2.wasm" --invoke run "$REPS") ;;
  esac
  local s=$EPOCHREALTIME sum
  sum=$(/usr/bin/time -f '%U %S' -o "$OUT/engines.time" "${cmd[@]}" 2>/dev/null)
  local e=$EPOCHREALTIME
  awk -v s="$s" -v e="$e" -v sum="$sum" '{printf "%.3f %.3f %s\n", e - s, $1 + $2, sum}' \
    "$OUT/engines.time"
}
echo "uptime before: $(uptime)"
declare -A wall cpu sums
cells=(jit:scalar jit:simd auto:scalar auto:simd node:scalar node:simd)
for ((r = 0; r < RUNS; r++)); do
  for c in "${cells[@]}"; do
    read -r w u s < <(run "${c%%:*}" "${c#*:}")
    wall[$c]+="$w " cpu[$c]+="$u " sums[$c]=$s
  done
done
echo "uptime after:  $(uptime)"
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "$KERNEL --invoke run $REPS, median of $RUNS interleaved rounds (wall s / cpu s)"
for c in "${cells[@]}"; do
  printf '%-12s %7s %7s  checksum %s\n' "$c" "$(echo "${wall[$c]}" | median)" \
    "$(echo "${cpu[$c]}" | median)" "${sums[$c]}"
done
first=${sums[jit:scalar]}
for c in "${cells[@]}"; do
  [[ ${sums[$c]} == "$first" ]] || { echo "checksum of $c differs: ${sums[$c]}" >&2; exit 1; }
done
