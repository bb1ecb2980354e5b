#!/usr/bin/env bash
# Output latency of `webcontainerd serve` (issue 9): from a guest's write (the line carries the
# guest's CLOCK_REALTIME) to the line arriving at a native reader on the client's stdout
# (tests/daemon/tick_latency.c). tests/daemon/guests/ticker.c writes N lines, 5 ms apart.
#   - webcontainerd run:       no daemon, the guest's stdout is the reader's pipe (the floor);
#   - webcontainer run:        through the daemon's output pipe and a streamed (chunked) reply;
#   - webcontainer logs -f:    the same stream, following a detached container;
#   - OLD_CLIENT=PATH:         optionally a client binary to compare (e.g. one that polls).
#   bench/stream/run.sh [BUILD_DIR] [N]     (default: build, 500)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
N=${2:-500}
T=$(mktemp -d /tmp/wc-streambench.XXXXXX)
chmod 755 "$T"
DPID=
trap '[[ -n $DPID ]] && kill -KILL $DPID 2>/dev/null; rm -rf "$T"' EXIT
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$ROOT/tests/daemon/guests/ticker.c" -o "$T/ticker.wasm"
cc -O2 "$ROOT/tests/daemon/tick_latency.c" -o "$T/latency"
export WEBCONTAINER_HOST=unix:$T/api.sock
"$BUILD/webcontainerd" serve --state-dir "$T/state" --api "unix:$T/api.sock" 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 200); do "$BUILD/webcontainer" version >/dev/null 2>&1 && break; sleep 0.05; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $N lines 5 ms apart; latency in microseconds"
printf '%-28s %6s %8s %8s %8s\n' "path" "lines" "p50" "p99" "max"
row() { read -r n p50 p99 max _; printf '%-28s %6s %8s %8s %8s\n' "$1" "$n" "$p50" "$p99" "$max"; }
"$BUILD/webcontainerd" run "$T/ticker.wasm" "$N" 5 | "$T/latency" | row "webcontainerd run (direct)"
"$BUILD/webcontainer" run --rm "$T/ticker.wasm" "$N" 5 | "$T/latency" | row "webcontainer run (stream)"
"$BUILD/webcontainer" run -d --name follow "$T/ticker.wasm" "$N" 5 >/dev/null
"$BUILD/webcontainer" logs -f follow | "$T/latency" | row "webcontainer logs -f"
if [[ -n ${OLD_CLIENT:-} ]]; then
  "$OLD_CLIENT" run --rm "$T/ticker.wasm" "$N" 5 | "$T/latency" | row "OLD_CLIENT run"
fi
