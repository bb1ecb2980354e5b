#!/usr/bin/env bash
# A SIMD kernel (bench/simd/$KERNEL.c) built with and without -msimd128, both run on wasm-run;
# prints the median wall time of each, their ratio, and fails if the checksums differ.
#   bench/simd/run.sh [REPS]      (env: WASM_RUN, default build/wasm-run; RUNS, default 3;
#                                 KERNEL, matmul_f32 (default) or bytes_u8)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WASM_RUN=${WASM_RUN:-$ROOT/build/wasm-run}
RUNS=${RUNS:-3}
KERNEL=${KERNEL:-matmul_f32}
REPS=${1:-40}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
# shellcheck source=bench/simd/build.sh
. "$ROOT/bench/simd/build.sh"
build_kernel "$ROOT" "$OUT" "$KERNEL"
declare -A times sums
for ((r = 0; r < RUNS; r++)); do
  for v in scalar simd; do
    s=$(date +%s.%N)
    sums[$v]=$("$WASM_RUN" "$OUT/$KERNEL.$v.wasm" --invoke run "$REPS")
    times[$v]+="$(echo "$(date +%s.%N) - $s" | bc) "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ms=$(echo "${times[scalar]}" | median) mv=$(echo "${times[simd]}" | median)
echo "$WASM_RUN $KERNEL.{scalar,simd}.wasm --invoke run $REPS, median of $RUNS"
echo "scalar: $ms s  simd: $mv s  speedup: $(echo "scale=2; $ms / $mv" | bc)x  checksum: ${sums[scalar]}"
[[ ${sums[scalar]} == "${sums[simd]}" ]] || { echo "checksums differ: ${sums[simd]}" >&2; exit 1; }
