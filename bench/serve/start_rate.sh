#!/usr/bin/env bash
# Container start rate of `webcontainerd serve` through its API (issue 9), one run on one host:
#   - start_rate.py: C clients POST /v1/containers {"module": hello.wasm, "rm": true} until N
#     starts were answered: starts/s answered, API latency p50/p99, starts/s until all exited;
#     with --pool 0 --no-zygote, --pool 2 --no-zygote and --pool 2 (zygotes are serve's
#     default, docs/zygote.md), C = 1 and 4; then the
#     module cache, pool and zygote counters;
#   - peer in the same run: N `webcontainerd run hello.wasm` processes, C at a time (a fresh
#     sandbox per start, no daemon).
#   bench/serve/start_rate.sh [BUILD_DIR] [N]      (default: build, 1000)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
N=${2:-1000}
T=$(mktemp -d /tmp/wc-startrate.XXXXXX)
chmod 755 "$T"
DPID=
trap '[[ -n $DPID ]] && kill -KILL $DPID 2>/dev/null; rm -rf "$T"' EXIT
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$ROOT/examples/hello/hello.c" -o "$T/hello.wasm"
PORT=$((20000 + RANDOM % 20000))
export WEBCONTAINER_HOST=unix:$T/api.sock
# utime + stime + cutime + cstime of the daemon, in clock ticks (its workers are its children,
# zygote-forked ones too: CLONE_PARENT), plus utime + stime of its live zygotes (the fork's
# kernel work is theirs; read when no container runs, so every "--zygote" child is a zygote).
cpu_ticks() {
  local z=0 p
  for p in $(cat /proc/"$DPID"/task/*/children 2>/dev/null); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- '--zygote' &&
      z=$((z + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo $(($(awk '{print $14 + $15 + $16 + $17}' /proc/"$DPID"/stat) + z))
}
metric() { curl -s "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k {print $2}'; }

echo "host: $(nproc) cores, $(uname -r); module hello.wasm $(stat -c %s "$T/hello.wasm") bytes; N=$N"
for flags in "--pool 0 --no-zygote" "--pool 2 --no-zygote" "--pool 2"; do
  rm -rf "$T/state"
  # shellcheck disable=SC2086 # $flags is two or three words on purpose
  "$BUILD/webcontainerd" serve --state-dir "$T/state" --api "unix:$T/api.sock" $flags \
    --metrics "127.0.0.1:$PORT" 2>"$T/daemon.log" &
  DPID=$!
  for _ in $(seq 200); do "$BUILD/webcontainer" version >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 0.5
  python3 "$ROOT/bench/serve/start_rate.py" "$T/api.sock" "$T/hello.wasm" 20 1 >/dev/null  # warm up
  for c in 1 4; do
    sleep 0.5  # the pool refills
    t0=$(cpu_ticks)
    line=$(python3 "$ROOT/bench/serve/start_rate.py" "$T/api.sock" "$T/hello.wasm" "$N" "$c")
    t1=$(cpu_ticks)
    echo "serve $flags: $line; CPU (daemon + its reaped workers)" \
      "$(awk -v t=$((t1 - t0)) -v n="$N" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t * 1000 / hz / n}') ms per start"
  done
  echo "  module cache hits $(metric webcontainer_module_cache_hits_total), misses" \
    "$(metric webcontainer_module_cache_misses_total), hashes $(metric webcontainer_module_cache_hashes_total);" \
    "starts from the pool $(metric 'webcontainer_worker_starts_by_source_total{source="pool"}')," \
    "fresh $(metric 'webcontainer_worker_starts_by_source_total{source="fresh"}')," \
    "zygote $(metric 'webcontainer_worker_starts_by_source_total{source="zygote"}')"
  kill -TERM "$DPID"; wait "$DPID" || true
  DPID=
done
for c in 1 4; do
  s=$(date +%s%N)
  read -r u0 s0 < <(awk '{print $14 + $16, $15 + $17}' /proc/$$/stat)
  seq "$N" | xargs -P "$c" -I{} "$BUILD/webcontainerd" "$T/hello.wasm" >/dev/null
  e=$(date +%s%N)
  read -r u1 s1 < <(awk '{print $14 + $16, $15 + $17}' /proc/$$/stat)
  echo "peer: $N x webcontainerd run hello.wasm, $c at a time: $(awk -v n="$N" -v ns=$((e - s)) 'BEGIN{printf "%.0f", n / (ns / 1e9)}') starts/s;" \
    "CPU $(awk -v t=$((u1 + s1 - u0 - s0)) -v n="$N" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t * 1000 / hz / n}') ms per start"
done
