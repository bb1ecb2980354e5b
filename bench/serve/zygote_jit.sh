#!/usr/bin/env bash
# Zygotes that compile their module while idle (docs/zygote.md) against zygotes that leave
# compiling to each child's tier-up (WC_ZYGOTE_JIT=0), in one run: two `webcontainerd serve`
# daemons side by side, the same modules started N times each through `webcontainer run --rm`,
# rounds interleaved. Per module: the children's CPU per start (the daemon's cutime+cstime: its
# workers are its children, zygote-forked ones too) and the client's wall time per start; and
# each zygote's own CPU (its one-time compile).
#   bench/serve/zygote_jit.sh [BUILD_DIR] [N] [ROUNDS]     (default: build, 10, 2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
N=${2:-10}
ROUNDS=${3:-2}
GO=${GO:-/usr/lib/go-1.23/bin/go}
T=$(mktemp -d /tmp/wc-zygjit.XXXXXX)
chmod 755 "$T"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$ROOT/examples/hello/hello.c" -o "$T/c_hello.wasm"
for p in hello workout; do
  (cd "$ROOT/tests/go/programs" && GOOS=js GOARCH=wasm GOCACHE=$T/gocache "$GO" build -o "$T/go_$p.wasm" "./$p")
done
MODULES=(c_hello go_hello go_workout)

for side in compile nocompile; do
  mkdir -p "$T/$side"
  if [[ $side == nocompile ]]; then export WC_ZYGOTE_JIT=0; else unset WC_ZYGOTE_JIT; fi
  "$BUILD/webcontainerd" serve --state-dir "$T/$side/state" --api "unix:$T/$side/api.sock" \
    2>"$T/$side/daemon.log" &
  PIDS+=($!)
done
unset WC_ZYGOTE_JIT
for _ in $(seq 50); do [[ -S $T/compile/api.sock && -S $T/nocompile/api.sock ]] && break; sleep 0.1; done
daemon_of() { [[ $1 == compile ]] && echo "${PIDS[0]}" || echo "${PIDS[1]}"; }
client() { WEBCONTAINER_HOST=unix:$T/$1/api.sock "$BUILD/webcontainer" run --rm "$T/$2.wasm"; }
child_ticks() { awk '{ print $16 + $17 }' "/proc/$1/stat"; }
TICK_MS=$((1000 / $(getconf CLK_TCK)))

# First start of each module makes its zygote; then give the compiling zygotes time to finish.
for side in compile nocompile; do
  for m in "${MODULES[@]}"; do client "$side" "$m" >"$T/$side.$m.ref" 2>&1; done
done
sleep 5
for m in "${MODULES[@]}"; do
  cmp -s "$T/compile.$m.ref" "$T/nocompile.$m.ref" || { echo "$m: outputs differ" >&2; exit 1; }
done

declare -A CPU WALL
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < ROUNDS; r++)); do
  for m in "${MODULES[@]}"; do
    for side in compile nocompile; do
      d=$(daemon_of "$side")
      c0=$(child_ticks "$d")
      s=$EPOCHREALTIME
      for ((i = 0; i < N; i++)); do client "$side" "$m" >/dev/null 2>&1; done
      e=$EPOCHREALTIME
      c1=$(child_ticks "$d")
      CPU[$side:$m]+=" $(((c1 - c0) * TICK_MS / N))"
      WALL[$side:$m]+=" $(awk -v s="$s" -v e="$e" -v n="$N" 'BEGIN { printf "%d", (e - s) * 1000 / n }')"
    done
  done
done

echo "$N starts per module per round, $ROUNDS rounds; load $LOAD_BEFORE at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo
echo "| module | children's CPU per start, compiling zygote (ms, per round) | not compiling | client wall per start, compiling (ms) | not compiling |"
echo "|---|--:|--:|--:|--:|"
for m in "${MODULES[@]}"; do
  echo "| $m |${CPU[compile:$m]} |${CPU[nocompile:$m]} |${WALL[compile:$m]} |${WALL[nocompile:$m]} |"
done
echo
for side in compile nocompile; do
  d=$(daemon_of "$side")
  for c in $(cat /proc/"$d"/task/*/children); do
    tr '\0' ' ' <"/proc/$c/cmdline" | grep -q -- '--zygote' || continue
    awk -v side="$side" -v t="$TICK_MS" -v rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$c/status")" \
      '{ printf "zygote (%s): %.2f s CPU, %d KiB RSS\n", side, ($14 + $15) * t / 1000, rss }' "/proc/$c/stat"
  done
done
