#!/usr/bin/env bash
# JIT compile throughput (wasm-jit-compile-bench) over a large Go program (tests/go/programs/
# workout: fmt, sort, strconv, encoding/json, regexp, math/big; GOOS=wasip1) and the
# bench/programs C kernels (clang-19, as bench/run.sh builds them).
#
#   bench/jit/compile.sh [BUILD_DIR]      (default: build; needs its wasm-jit-compile-bench)
#   REPEAT=5 GO=/usr/lib/go-1.23/bin/go bench/jit/compile.sh
#
# Prints, per module: functions, wasm body MB, slot-form translation time, compile time (best
# of REPEAT rounds), MB/s of wasm body bytes, functions/s, machine bytes per wasm byte.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
GO=${GO:-/usr/lib/go-1.23/bin/go}
REPEAT=${REPEAT:-3}
BENCH=$BUILD/wasm-jit-compile-bench
[ -x "$BENCH" ] || { echo "compile.sh: build $BENCH first (ninja -C $BUILD wasm-jit-compile-bench)" >&2; exit 2; }
OUT=$BUILD/jit-compile-bench
mkdir -p "$OUT"

export GOCACHE=$BUILD/go-cache GOPROXY=off GOTOOLCHAIN=local
(cd "$ROOT/tests/go/programs" && GOOS=wasip1 GOARCH=wasm "$GO" build -o "$OUT/workout.wasm" ./workout)
modules=("$OUT/workout.wasm")
for src in "$ROOT"/bench/programs/*.c; do
  p=$(basename "$src" .c)
  clang-19 --target=wasm32 -O2 -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdlib \
    -Wl,--no-entry -Wl,--export=run -Wl,--strip-debug "$src" -o "$OUT/$p.wasm"
  modules+=("$OUT/$p.wasm")
done
echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BENCH" --repeat "$REPEAT" "${modules[@]}"
