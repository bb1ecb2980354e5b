#!/usr/bin/env bash
# Go js/wasm under webcontainer (no JS engine) against the same binaries under node with Go's
# own wasm_exec_node.js, in one run on one machine. Loopback only.
#
#   bench/go/run.sh [BUILD_DIR]        (default: build)
#   DURATION=10s CONNS=50 RUNS=5 GO=/usr/lib/go-1.23/bin/go bench/go/run.sh
#   ENGINE=interp bench/go/run.sh      (webcontainerd --engine; default: its own default, auto)
#   CASES="httpserve pingpong" bench/go/run.sh   (a subset of: hello httpself httpserve pingpong)
#
# 1. hello world, start to exit (hyperfine);
# 2. examples/go/httpself: an HTTP server on sdk/go that makes 1000 requests to itself and
#    exits; webcontainer (real sockets through the broker) vs node (Go's in-process fake
#    network: the same binary finds no webcontainer host object and falls back to net);
# 3. examples/go/httpserve loaded with wrk: webcontainer (--allow-listen) vs node running the
#    same binary with sdk/go/node/webcontainer_net.js (real sockets through node's `net`);
# 4. ping-pong, start to exit (hyperfine): examples/go/tcppingpong, a client and a server
#    goroutine exchanging PINGPONG_MESSAGES 8-byte messages (half each way) over one loopback
#    TCP connection: webcontainer (sockets from the broker, read/written by the worker) vs node
#    with sdk/go/node/webcontainer_net.js (node's `net`); and tests/go/programs/pingpong, two
#    goroutines passing 2 x 100,000 messages over unbuffered channels (no I/O at all).
# Prints a markdown section for bench/RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WCD=$BUILD/webcontainerd
ENGINE=${ENGINE:-}
[[ -z $ENGINE ]] || WCD="$WCD --engine $ENGINE"
GO=${GO:-/usr/lib/go-1.23/bin/go}
GOROOT_DIR=$(dirname "$(dirname "$GO")")
EXEC_NODE=$GOROOT_DIR/misc/wasm/wasm_exec_node.js
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
RUNS=${RUNS:-5}
REQUESTS=${REQUESTS:-1000}
PINGPONG_MESSAGES=${PINGPONG_MESSAGES:-100000}
ROUND_TRIPS=$((PINGPONG_MESSAGES / 2))
CASES=${CASES:-hello httpself httpserve pingpong}
want() { [[ " $CASES " == *" $1 "* ]]; }
# Cells of the cases not run.
H_WC=- H_WC_SD=- H_NODE=- H_NODE_SD=- S_WC=- S_WC_SD=- S_NODE=- S_NODE_SD=-
PP_WC=- PP_WC_SD=- PP_NODE=- PP_NODE_SD=- CP_WC=- CP_WC_SD=- CP_NODE=- CP_NODE_SD=-

for tool in hyperfine wrk node; do
  command -v $tool >/dev/null || { echo "bench/go: $tool is not installed" >&2; exit 2; }
done

T=$(mktemp -d /tmp/wc-gobench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT

export GOCACHE=$BUILD/go-cache GOPATH=$T/gopath GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
build_js() {  # DIR OUT
  (cd "$1" && GOOS=js GOARCH=wasm "$GO" build -o "$2" .)
}
mkdir -p "$T/hello"
cat >"$T/hello/main.go" <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello, world") }
EOF
printf 'module hello\n\ngo 1.19\n' >"$T/hello/go.mod"
build_js "$T/hello" "$T/hello.wasm"
build_js "$ROOT/examples/go/httpself" "$T/httpself.wasm"
build_js "$ROOT/examples/go/httpserve" "$T/httpserve.wasm"
build_js "$ROOT/examples/go/tcppingpong" "$T/tcppingpong.wasm"
build_js "$ROOT/tests/go/programs/pingpong" "$T/chanpingpong.wasm"
GOVERSION=$("$GO" version | awk '{print $3}')

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
NODE=(node --no-experimental-fetch "$EXEC_NODE")
# means_ms HYPERFINE.json FORMAT: "mean0 stddev0 mean1 stddev1" in ms, e.g. FORMAT .0f.
means_ms() {
  python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))["results"]
print(*(f"{x:{sys.argv[2]}}" for x in (r[0]["mean"]*1e3, r[0]["stddev"]*1e3, r[1]["mean"]*1e3, r[1]["stddev"]*1e3)))' "$1" "$2"
}

if want hello; then
  echo "== hello world, start to exit" >&2
  hyperfine -N --warmup 3 --runs 20 --export-json "$T/hello.json" \
    "$WCD $T/hello.wasm" "${NODE[*]} $T/hello.wasm" >&2
  read -r H_WC H_WC_SD H_NODE H_NODE_SD < <(means_ms "$T/hello.json" .1f)
fi

if want httpself; then
  echo "== httpself: $REQUESTS requests to itself" >&2
  P=$(free_port)
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$T/self.json" \
    "$WCD --allow-listen 127.0.0.1:$P --allow-connect 127.0.0.1:$P $T/httpself.wasm 127.0.0.1:$P $REQUESTS" \
    "${NODE[*]} $T/httpself.wasm 127.0.0.1:$P $REQUESTS" >&2
  read -r S_WC S_WC_SD S_NODE S_NODE_SD < <(means_ms "$T/self.json" .0f)
fi

# wrk_run NAME CMD...: starts the server, waits for its port, loads it, stops it.
declare -A RPS=([webcontainer]=- [node]=-) P50=([webcontainer]=- [node]=-)
declare -A P99=([webcontainer]=- [node]=-) ERRS=([webcontainer]=- [node]=-)
wrk_run() {
  local name=$1 port=$2
  shift 2
  "$@" >"$T/$name.out" 2>"$T/$name.err" &
  PIDS+=($!)
  local pid=$!
  for _ in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
    sleep 0.1
  done
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$port/" >"$T/wrk-$name.txt" 2>&1
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  cat "$T/wrk-$name.txt" >&2
  RPS[$name]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-$name.txt")
  P50[$name]=$(awk '$1 == "50%" {print $2}' "$T/wrk-$name.txt")
  P99[$name]=$(awk '$1 == "99%" {print $2}' "$T/wrk-$name.txt")
  ERRS[$name]=$(grep -E "Socket errors|Non-2xx" "$T/wrk-$name.txt" | tr -s ' ' | paste -sd';' || true)
  [[ -n ${ERRS[$name]} ]] || ERRS[$name]=none
}
if want httpserve; then
  echo "== httpserve under wrk" >&2
  P=$(free_port)
  wrk_run webcontainer "$P" $WCD --allow-listen "127.0.0.1:$P" "$T/httpserve.wasm" "127.0.0.1:$P"
  P=$(free_port)
  wrk_run node "$P" node --no-experimental-fetch -r "$ROOT/sdk/go/node/webcontainer_net.js" \
    "$EXEC_NODE" "$T/httpserve.wasm" "127.0.0.1:$P"
fi

if want pingpong; then
  echo "== ping-pong: $PINGPONG_MESSAGES messages over loopback TCP, and over channels" >&2
  P=$(free_port)
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$T/pp.json" \
    "$WCD --allow-listen 127.0.0.1:$P --allow-connect 127.0.0.1:$P $T/tcppingpong.wasm 127.0.0.1:$P $ROUND_TRIPS" \
    "node --no-experimental-fetch -r $ROOT/sdk/go/node/webcontainer_net.js $EXEC_NODE $T/tcppingpong.wasm 127.0.0.1:$P $ROUND_TRIPS" >&2
  read -r PP_WC PP_WC_SD PP_NODE PP_NODE_SD < <(means_ms "$T/pp.json" .0f)
  hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$T/chanpp.json" \
    "$WCD $T/chanpingpong.wasm" "${NODE[*]} $T/chanpingpong.wasm" >&2
  read -r CP_WC CP_WC_SD CP_NODE CP_NODE_SD < <(means_ms "$T/chanpp.json" .0f)
fi

ratio() {
  python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2" 2>/dev/null ||
    echo -
}
cat <<EOF
### Go js/wasm (issue 4)

\`bench/go/run.sh build\` on $(date +%F) ($GOVERSION, GOOS=js GOARCH=wasm; node $(node --version)
with Go's \`misc/wasm/wasm_exec_node.js\`; webcontainer emulates that JavaScript host in C++
with \`--engine ${ENGINE:-auto}\`). Load average at start: $(cut -d' ' -f1 /proc/loadavg).

| measurement | webcontainer | node | webcontainer / node |
|---|--:|--:|--:|
| hello world, start to exit (hyperfine, 20 runs) | $H_WC ± $H_WC_SD ms | $H_NODE ± $H_NODE_SD ms | $(ratio "$H_WC" "$H_NODE") (time) |
| httpself: server + $REQUESTS requests to itself, wall ($RUNS runs) | $S_WC ± $S_WC_SD ms | $S_NODE ± $S_NODE_SD ms | $(ratio "$S_WC" "$S_NODE") (time) |
| httpserve under \`wrk -t2 -c$CONNS -d$DURATION\`: requests/s | ${RPS[webcontainer]} | ${RPS[node]} | $(ratio "${RPS[webcontainer]}" "${RPS[node]}") (throughput) |
| httpserve latency p50 / p99 | ${P50[webcontainer]} / ${P99[webcontainer]} | ${P50[node]} / ${P99[node]} | |
| wrk socket errors / non-2xx | ${ERRS[webcontainer]} | ${ERRS[node]} | |
| TCP ping-pong: $PINGPONG_MESSAGES messages over loopback, wall ($RUNS runs) | $PP_WC ± $PP_WC_SD ms | $PP_NODE ± $PP_NODE_SD ms | $(ratio "$PP_WC" "$PP_NODE") (time) |
| channel ping-pong: 200,000 messages between goroutines, wall ($RUNS runs) | $CP_WC ± $CP_WC_SD ms | $CP_NODE ± $CP_NODE_SD ms | $(ratio "$CP_WC" "$CP_NODE") (time) |

httpself under webcontainer uses real loopback sockets made by the broker
(\`--allow-listen\`/\`--allow-connect\`); under node the same binary finds no
\`webcontainer\` host object and uses Go's in-process fake network (no sockets at all).
httpserve and the TCP ping-pong under node get real sockets from
\`sdk/go/node/webcontainer_net.js\` (node's \`net\`).
EOF
