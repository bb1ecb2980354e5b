#!/usr/bin/env bash
# The hostile-neighbour table (issue 9): latency of a healthy HTTP container of one
# `webcontainerd serve`, under wrk, alone and then beside each hostile container in turn.
#
#   bench/serve/neighbours.sh [BUILD_DIR]      (default: build)
#   DURATION=5s CONNS=16 THREADS=1 ROUNDS=1 DAEMON_ARGS="--log-rate 0" bench/serve/neighbours.sh
#
# A private daemon (state dir, API socket and metrics port in a temp dir). The healthy one is
# examples/net/http_server.c (sdk/c) serving a 1 KB page, run with --cpus 1; each hostile one
# runs with --cpus 0.5, as a user would limit a tenant, and is removed after its row:
#   crash loop   tests/e2e/guests/trap.c with --restart always (traps at once, restarted)
#   log flood    tests/daemon/guests/flood.c writing as fast as it can (logs rotate at 10M)
#   CPU spin     tests/e2e/guests/loop.c
#   memory       bench/serve/guests/memhog.c at --memory-limit 256M (grows, then holds it)
#   fds          tests/daemon/sdk_guests/sockhog.c at --max-fds 64 (opens sockets without end)
#   connections  bench/serve/guests/connhog.c (connects to itself and accepts, until its fd
#                limit of 1024, closes them all, again)
# Each row: wrk's requests/s and latency p50/p99 (--latency) beside the hostile one and alone
# just before it (the machine is shared: the pair is minutes apart at most), the ratio of the
# two p99s, the daemon's own CPU (the broker and every container's log run on its loop) and what
# the hostile one did (stats, restarts, log bytes rotated away, limit events).
# ROUNDS=N repeats the whole table N times (each printed), the machine being shared;
# DAEMON_ARGS are added to `webcontainerd serve`'s (e.g. "--log-rate 0": no log rate limit).
# Needs wrk (Debian package `wrk`). Loopback only.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DURATION=${DURATION:-5s}
CONNS=${CONNS:-16}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-1}
WC=$BUILD/webcontainer
for b in "$BUILD/webcontainerd" "$BUILD/webcontainerc" "$WC"; do
  [[ -x $b ]] || { echo "$b not built" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

T=$(mktemp -d /tmp/wc-neighbours.XXXXXX)
chmod 755 "$T"  # the workers run as nobody outside their user namespace when we are root
DPID=
cleanup() {
  [[ -n $DPID ]] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

CFLAGS=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror)
make -s -C "$ROOT/sdk/c" OUT="$T/sdk" >/dev/null || exit 1
SDK=(-I "$ROOT/sdk/c/include" -L "$T/sdk" -lwcsocket)
build() { clang-19 "${CFLAGS[@]}" "$1" -o "$T/$(basename "$1" .c).wasm" "${@:2}" || exit 1; }
build "$ROOT/examples/net/http_server.c" "${SDK[@]}"
build "$ROOT/tests/e2e/guests/trap.c"
build "$ROOT/tests/daemon/guests/flood.c"
build "$ROOT/tests/e2e/guests/loop.c"
build "$ROOT/bench/serve/guests/memhog.c"
build "$ROOT/tests/daemon/sdk_guests/sockhog.c" "${SDK[@]}"
build "$ROOT/bench/serve/guests/connhog.c" "${SDK[@]}"
mkdir -p "$T/www"
{
  echo "<!doctype html><html><head><title>webcontainer</title></head><body>"
  for i in $(seq 1 20); do echo "<p>line $i of a small static page served by http_server.c</p>"; done
  echo "</body></html>"
} >"$T/www/index.html"
chmod -R a+rX "$T"

export WEBCONTAINER_HOST=unix:$T/api.sock
# Random loopback ports; a daemon that cannot bind its metrics port is started again on others.
for _ in 1 2 3; do
  PORT=$((40000 + RANDOM % 10000))
  HOG_PORT=$((PORT + 1))
  MPORT=$((PORT + 2))
  "$BUILD/webcontainerd" serve --state-dir "$T/state" --api "unix:$T/api.sock" \
    --metrics "127.0.0.1:$MPORT" ${DAEMON_ARGS:-} 2>"$T/daemon.log" &
  DPID=$!
  for _ in $(seq 200); do "$WC" version >/dev/null 2>&1 && break; kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
  "$WC" version >/dev/null 2>&1 && break
  wait "$DPID" 2>/dev/null
  DPID=
done
[[ -n $DPID ]] || { echo "daemon did not come up: $(cat "$T/daemon.log")" >&2; exit 1; }

# The daemon's own CPU ticks (utime + stime: its loop, the broker, the logs; not its workers).
daemon_ticks() { awk '{print $14 + $15}' /proc/"$DPID"/stat; }
# wrk's latency (e.g. 812.00us, 1.20ms, 2.01s) in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { u = v; sub(/^[0-9.]+/, "", u); n = v + 0;
  printf "%.2f", u == "us" ? n / 1000 : u == "s" ? n * 1000 : u == "m" ? n * 60000 : n }'; }

"$WC" run -d --name web --cpus 1 --max-fds 4096 --allow-listen "127.0.0.1:$PORT" \
  --dir-ro "$T/www::/www" "$T/http_server.wasm" /www 127.0.0.1 "$PORT" >/dev/null || exit 1
for _ in $(seq 100); do "$WC" logs web 2>/dev/null | grep -q serving && break; sleep 0.1; done
"$WC" logs web | grep -q serving || { echo "the healthy server did not start: $("$WC" logs web)" >&2; exit 1; }
wrk -t1 -c4 -d2s "http://127.0.0.1:$PORT/index.html" >/dev/null  # warm up

# hostile NAME: starts it (detached, --cpus 0.5).
hostile() {
  local common=(run -d --name hog --cpus 0.5)
  case $1 in
    "crash loop") "$WC" "${common[@]}" --restart always "$T/trap.wasm" ;;
    "log flood") "$WC" "${common[@]}" "$T/flood.wasm" 1000000 ;;
    "CPU spin") "$WC" "${common[@]}" "$T/loop.wasm" ;;
    "memory") "$WC" "${common[@]}" --memory-limit 256M "$T/memhog.wasm" ;;
    "fds") "$WC" "${common[@]}" --max-fds 64 "$T/sockhog.wasm" 2000000000 ;;
    "connections") "$WC" "${common[@]}" --max-fds 1024 --allow-listen "127.0.0.1:$HOG_PORT" \
      --allow-connect "127.0.0.1:$HOG_PORT" "$T/connhog.wasm" 127.0.0.1 "$HOG_PORT" ;;
  esac >/dev/null
}
# What the hostile one did during its row.
hog_report() {
  local stats events
  stats=$("$WC" stats --format json | python3 -c '
import json, sys
s = {c["name"]: c for c in json.load(sys.stdin)}.get("hog")
print("cpu %.1f s, mem %d MiB, %d fds" % (s["cpu_seconds"], s["memory_bytes"] >> 20, s["fds"]) if s else "not running")')
  events=$("$WC" inspect hog | python3 -c '
import collections, json, sys
c = json.load(sys.stdin)
ev = collections.Counter(e["limit"] for e in c["limit_events"])
out = []
if c["restarts"]: out.append("%d restarts" % c["restarts"])
if c["log_rotated_bytes"]: out.append("%d MiB of log rotated away" % (c["log_rotated_bytes"] >> 20))
out += ["limit %s x%d" % kv for kv in sorted(ev.items())]
print(", ".join(out))')
  echo "$stats${events:+; $events}"
}

echo "daemon: webcontainerd serve ${DAEMON_ARGS:-(default flags)}"
echo "host: $(nproc) cores, $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg) before the first row"
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency http://127.0.0.1:$PORT/index.html ($(stat -c %s "$T/www/index.html") bytes), healthy container --cpus 1, hostile ones --cpus 0.5"
# measure: one wrk run; sets RPS P50 P99 (ms) CPU (the daemon's, in % of a core) ERRS.
measure() {
  local t0 t1 s0 s1
  t0=$(daemon_ticks); s0=$(date +%s%N)
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 5s --latency \
    "http://127.0.0.1:$PORT/index.html" >"$T/wrk.txt" 2>&1
  t1=$(daemon_ticks); s1=$(date +%s%N)
  RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$T/wrk.txt")
  P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$T/wrk.txt")")
  P99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$T/wrk.txt")")
  CPU=$(awk -v t=$((t1 - t0)) -v ns=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f%%", 100 * t / hz / (ns / 1e9) }')
  ERRS=$(grep -o 'Socket errors:.*' "$T/wrk.txt"; awk '/Non-2xx/ {print "non-2xx " $NF}' "$T/wrk.txt")
  ERRS=${ERRS:-none}
}

# The machine is shared, so each hostile row is paired with an alone run just before it, and
# the ratio is to that one.
for round in $(seq "$ROUNDS"); do
  echo
  echo "| beside | req/s | p50 ms | p99 ms | alone just before: req/s, p50, p99 ms | p99 / alone | daemon CPU (alone -> beside) | errors | the hostile one during its row |"
  echo "|---|---:|---:|---:|---|---:|---|---|---|"
  for row in "crash loop" "log flood" "CPU spin" memory fds connections; do
    measure
    alone="$RPS, $P50, $P99"
    alone_p99=$P99 alone_cpu=$CPU alone_errs=$ERRS
    hostile "$row" || { echo "| $row | could not start: $(tail -2 "$T/daemon.log") |"; continue; }
    sleep 1  # let it get going (fill its memory, reach its fd limit)
    measure
    ratio=$(awk -v a="$P99" -v b="$alone_p99" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
    hog=$(hog_report)
    "$WC" rm -f hog >/dev/null || echo "rm -f hog failed" >&2
    [[ $alone_errs == none ]] || ERRS="alone: $alone_errs; beside: $ERRS"
    echo "| $row | $RPS | $P50 | $P99 | $alone | $ratio | $alone_cpu -> $CPU | $ERRS | $hog |"
    sleep 1
  done
done
echo
echo "healthy container afterwards: $("$WC" ps | awk '$2 == "web" {print $3, $4}')"
echo "daemon limit metrics: $(curl -s "http://127.0.0.1:$MPORT/metrics" | grep '^webcontainer_limit_hits_total' | tr '\n' ' ')"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the last row"
