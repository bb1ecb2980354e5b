#!/usr/bin/env bash
# Start latency with and without the warm pool (issue 9), in one run on one host:
#   - client wall time of `webcontainer run --rm hello.wasm` (process start to exit), median of N;
#   - daemon side: worker asked for -> worker exited (pidfd), mean, from the metric
#     webcontainer_start_to_exit_seconds (for hello this is start-to-first-instruction plus a
#     few microseconds of guest).
#   bench/pool/run.sh [BUILD_DIR] [N]     (default: build, 50)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
N=${2:-50}
T=$(mktemp -d /tmp/wc-poolbench.XXXXXX)
chmod 755 "$T"
DPID=
trap '[[ -n $DPID ]] && kill -KILL $DPID 2>/dev/null; rm -rf "$T"' EXIT
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$ROOT/examples/hello/hello.c" -o "$T/hello.wasm"
# The smallest WASI command (proc_exit(0)): what is left is the start itself, not decoding.
cat >"$T/tiny.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 0))))
WAT
wat2wasm "$T/tiny.wat" -o "$T/tiny.wasm"
PORT=$((20000 + RANDOM % 20000))
export WEBCONTAINER_HOST=unix:$T/api.sock
for mod in hello tiny; do
for pool in 0 2; do
  rm -rf "$T/state"
  "$BUILD/webcontainerd" serve --state-dir "$T/state" --api "unix:$T/api.sock" --no-zygote --pool "$pool" \
    --metrics "127.0.0.1:$PORT" 2>"$T/daemon.log" &
  DPID=$!
  for _ in $(seq 200); do "$BUILD/webcontainer" version >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 0.3
  for _ in $(seq 5); do "$BUILD/webcontainer" run --rm "$T/$mod.wasm" >/dev/null; done  # warm up
  for _ in $(seq "$N"); do
    s=$(date +%s%N)
    "$BUILD/webcontainer" run --rm "$T/$mod.wasm" >/dev/null
    e=$(date +%s%N)
    echo $(((e - s) / 1000))
    sleep 0.02  # lets the pool refill, as it would between requests
  done | sort -n >"$T/wall"
  median=$(awk '{a[NR]=$1} END{printf "%.2f", a[int((NR+1)/2)]/1000}' "$T/wall")
  curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics"
  src=$([[ $pool == 0 ]] && echo fresh || echo pool)
  read -r sum count < <(awk -v s="$src" '$1 == "webcontainer_start_to_exit_seconds_sum{source=\""s"\"}" {sum=$2} $1 == "webcontainer_start_to_exit_seconds_count{source=\""s"\"}" {c=$2} END{print sum, c}' "$T/metrics")
  mean=$(awk -v s="$sum" -v c="$count" 'BEGIN{printf "%.2f", c ? s * 1000 / c : 0}')
  echo "--pool $pool: webcontainer run --rm $mod.wasm ($(stat -c %s "$T/$mod.wasm") bytes) median ${median} ms over $N; daemon start-to-exit mean ${mean} ms over $count starts ($src)"
  kill -TERM "$DPID"; wait "$DPID" || true
  DPID=
done
done
