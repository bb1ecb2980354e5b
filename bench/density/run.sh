#!/usr/bin/env bash
# Density of idle containers under `webcontainerd serve` (issue 9), one run on one host:
#   N idle C containers (a guest blocked in poll_oneoff: sleep() is a clock subscription) and
#   M idle Go js/wasm containers (time.Sleep), started with `webcontainer run -d`. For each:
#   - PSS summed over the daemon and all its descendants (/proc/PID/smaps_rollup), per container
#     (daemon baseline with no containers subtracted);
#   - the machine's MemAvailable drop per container (noisy: other work on the host moves it).
#   bench/density/run.sh [BUILD_DIR] [N_C] [N_GO]     (default: build, 100, 50; N_GO=0 skips Go)
#   DAEMON_ARGS="--no-zygote" bench/density/run.sh ... (extra `serve` flags; zygotes are the
#                                                       default, docs/zygote.md)
#   JOBS=N: N clients start containers at once (default 1); progress every 1,000 starts.
# After the figures: every container must be `running` in `ps` (the time `ps` took is shown),
# and one `stop` (timed) must leave it `exited`.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
NC=${2:-100}
NGO=${3:-50}
GO=${GO:-/usr/lib/go-1.19/bin/go}
T=$(mktemp -d /tmp/wc-density.XXXXXX)
chmod 755 "$T"
DPID=
trap '[[ -n $DPID ]] && kill -KILL $DPID 2>/dev/null; rm -rf "$T"' EXIT
export WEBCONTAINER_HOST=unix:$T/api.sock

cat >"$T/idle.c" <<'C'
#include <unistd.h>
int main(void) { sleep(3600); return 0; }
C
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$T/idle.c" -o "$T/idle.wasm"
if ((NGO > 0)); then
  mkdir -p "$T/goidle"
  cat >"$T/goidle/main.go" <<'G'
package main

import "time"

func main() { time.Sleep(time.Hour) }
G
  printf 'module goidle\n\ngo 1.19\n' >"$T/goidle/go.mod"
  (cd "$T/goidle" && GOCACHE=$BUILD/go-cache GOPATH=$T/gopath GOPROXY=off GOTOOLCHAIN=local \
    GOOS=js GOARCH=wasm "$GO" build -o "$T/goidle.wasm" .)
fi

descendants() {  # PID: the pid and all its descendants (one ps, not one read per process)
  ps -e -o pid=,ppid= | awk -v root="$1" '{kids[$2] = kids[$2] " " $1}
    END {n = split(root, q, " "); for (i = 1; i <= n; i++) {print q[i];
      m = split(kids[q[i]], k, " "); for (j = 1; j <= m; j++) q[++n] = k[j]}}'
}
pss_kib() {  # PSS of the daemon tree in KiB
  descendants "$DPID" | sed 's|.*|/proc/&/smaps_rollup|' | xargs cat 2>/dev/null |
    awk '/^Pss:/ {s += $2} END {print s + 0}'
}
avail_kib() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }

measure() {  # LABEL MODULE N
  local label=$1 mod=$2 n=$3 i
  rm -rf "$T/state"
  # shellcheck disable=SC2086 # DAEMON_ARGS is zero or more words on purpose
  "$BUILD/webcontainerd" serve --state-dir "$T/state" --api "unix:$T/api.sock" ${DAEMON_ARGS:-} \
    2>"$T/daemon.log" &
  DPID=$!
  for _ in $(seq 200); do "$BUILD/webcontainer" version >/dev/null 2>&1 && break; sleep 0.05; done
  sleep 1
  local pss0 av0 pss1 av1 running s e
  pss0=$(pss_kib)
  av0=$(avail_kib)
  s=$(date +%s%N)
  export BUILD label mod
  # shellcheck disable=SC2016 # expanded by the inner shell
  seq "$n" | xargs -P "${JOBS:-1}" -n 1 sh -c \
    '"$BUILD/webcontainer" run -d --name "$label$0" --timeout 3600 "$mod" >/dev/null || echo "start $0 failed" >&2
     [ $(($0 % 1000)) -eq 0 ] && echo "  $label: $0 started ($(date -u +%T))" >&2; true'
  e=$(date +%s%N)
  sleep 3  # let every guest reach its poll_oneoff
  local ps0 ps1
  ps0=$(date +%s%N)
  "$BUILD/webcontainer" ps --format json >"$T/ps.json"
  ps1=$(date +%s%N)
  running=$(python3 -c \
    'import json,sys; print(sum(c["state"] == "running" for c in json.load(open(sys.argv[1]))))' "$T/ps.json")
  pss1=$(pss_kib)
  av1=$(avail_kib)
  local fds procs
  fds=$(ls /proc/"$DPID"/fd | wc -l)
  procs=$(descendants "$DPID" | wc -l)
  echo "$label: $running/$n running (started in $(((e - s) / 1000000)) ms);" \
    "PSS of daemon tree $((pss0 / 1024)) -> $((pss1 / 1024)) MiB:" \
    "$(awk -v a="$pss0" -v b="$pss1" -v n="$n" 'BEGIN{printf "%.3f", (b - a) / 1024 / n}') MiB per container;" \
    "MemAvailable drop $(awk -v a="$av0" -v b="$av1" -v n="$n" 'BEGIN{printf "%.3f", (a - b) / 1024 / n}') MiB per container;" \
    "daemon fds $fds (limit $(awk '/Max open files/ {print $4 "/" $5}' /proc/"$DPID"/limits)), processes $procs;" \
    "ps took $(((ps1 - ps0) / 1000000)) ms"
  local st0 st1 state
  st0=$(date +%s%N)
  "$BUILD/webcontainer" stop "${label}1" >/dev/null
  st1=$(date +%s%N)
  state=$("$BUILD/webcontainer" inspect "${label}1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  echo "$label: stop of one took $(((st1 - st0) / 1000000)) ms; it is now $state"
  [[ $running == "$n" && $state == exited ]] || echo "$label: FAILED: $running/$n running, stopped one is $state"
  kill -TERM "$DPID"
  wait "$DPID" || true
  DPID=
}

measure c "$T/idle.wasm" "$NC"
((NGO > 0)) && measure go "$T/goidle.wasm" "$NGO"
exit 0
