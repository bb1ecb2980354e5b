#!/usr/bin/env bash
# HTTP benchmark: wrk against examples/net/http_server.c built natively (gcc -O2) and the same
# source built for wasm32-wasi (clang-19 + sdk/c) running in the webcontainerd sandbox (files
# opened through the broker from a read-only grant). Loopback only.
#
#   bench/net/run.sh [BUILD_DIR]      (default: build)
#   DURATION=10s CONNS=100 THREADS=2 bench/net/run.sh
#
# Prints requests/s and latency p50/p99 per run, the sandbox/native ratio, and a run with 1000
# concurrent connections that must finish with no socket errors and no non-2xx answers.
# Needs wrk (Debian package `wrk`).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WCD=$BUILD/webcontainerd
DURATION=${DURATION:-10s}
CONNS=${CONNS:-100}
THREADS=${THREADS:-2}
BIG_CONNS=${BIG_CONNS:-1000}

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

T=$(mktemp -d /tmp/wc-netbench.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

make -s -C "$ROOT/sdk/c" OUT="$T/sdk" || exit 1
gcc -O2 -o "$T/http_server" "$ROOT/examples/net/http_server.c" || exit 1
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -I "$ROOT/sdk/c/include" \
  "$ROOT/examples/net/http_server.c" -L "$T/sdk" -lwcsocket -o "$T/http_server.wasm" || exit 1
mkdir -p "$T/www"
# A typical small page (about 1 KB).
{
  echo "<!doctype html><html><head><title>webcontainer</title></head><body>"
  for i in $(seq 1 20); do echo "<p>line $i of a small static page served by http_server.c</p>"; done
  echo "</body></html>"
} >"$T/www/index.html"
chmod -R a+rX "$T"
URL_PATH=/index.html

BASE=$((40000 + RANDOM % 10000))
wait_listening() {  # FILE: until the server printed its banner
  for _ in $(seq 1 100); do grep -q serving "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server did not start: $(cat "$1" "$1.err" 2>/dev/null | head -c 1000)" >&2
  return 1
}

# bench NAME PORT CONNS: one wrk run; prints a result line and keeps wrk's output.
declare -A RPS P50 P99 ERRS
bench() {
  local name=$1 port=$2 conns=$3 out="$T/wrk-$1.txt"
  wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 5s --latency "http://127.0.0.1:$port$URL_PATH" >"$out" 2>&1
  RPS[$name]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  P50[$name]=$(awk '$1 == "50%" {print $2}' "$out")
  P99[$name]=$(awk '$1 == "99%" {print $2}' "$out")
  local sock non2xx
  sock=$(grep -o 'Socket errors:.*' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  ERRS[$name]="${sock:-no socket errors}${non2xx:+, non-2xx: $non2xx}"
  printf '%-26s %6s conns  %10s req/s   p50 %9s   p99 %9s   %s\n' "$name" "$conns" \
    "${RPS[$name]:-?}" "${P50[$name]:-?}" "${P99[$name]:-?}" "${ERRS[$name]}"
}

echo "wrk -t$THREADS -d$DURATION --latency, GET $URL_PATH ($(stat -c %s "$T/www/index.html") bytes), $(nproc) cores"

"$T/http_server" "$T/www" 127.0.0.1 "$BASE" >"$T/native.out" 2>&1 &
PIDS+=($!)
wait_listening "$T/native.out" || exit 1
bench native "$BASE" "$CONNS"
bench native-1000 "$BASE" "$BIG_CONNS"

if [[ ! -x $WCD ]] || "$WCD" --help 2>&1 | grep -A1 -- '--allow-listen' | grep -q 'NOT YET IMPLEMENTED'; then
  echo "sandbox: skipped ($WCD missing or without --allow-listen)"
  exit 0
fi
P=$((BASE + 1))
"$WCD" --timeout 600 --max-fds 4096 --allow-listen "127.0.0.1:$P" --dir-ro "$T/www::/www" \
  "$T/http_server.wasm" /www 127.0.0.1 "$P" >"$T/sandbox.out" 2>"$T/sandbox.out.err" &
PIDS+=($!)
wait_listening "$T/sandbox.out" || exit 1
bench sandbox "$P" "$CONNS"
bench sandbox-1000 "$P" "$BIG_CONNS"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "?" }'; }
echo "sandbox/native throughput: $(ratio "${RPS[sandbox]:-0}" "${RPS[native]:-0}") at $CONNS conns," \
  "$(ratio "${RPS[sandbox-1000]:-0}" "${RPS[native-1000]:-0}") at $BIG_CONNS conns"
status=0
for n in native-1000 sandbox-1000; do
  if [[ ${ERRS[$n]} == "no socket errors" ]] ||
    [[ ${ERRS[$n]} =~ ^Socket\ errors:\ connect\ 0,\ read\ 0,\ write\ 0,\ timeout\ 0$ ]]; then
    echo "$n: no errors"
  else
    echo "$n: ERRORS: ${ERRS[$n]}"
    status=1
  fi
done
exit $status
