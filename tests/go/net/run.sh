#!/usr/bin/env bash
# Go networking through sdk/go (package wcnet): builds examples/go/{httpself,httpserve,
# tcplisten,tcppingpong} for GOOS=js (Go 1.19 and 1.23) and GOOS=wasip1 (Go 1.23) into
# BUILD_DIR/go-net/, then runs them on loopback only:
#   - wasip1 under webcontainerd: httpself (server + 1000 keep-alive requests to itself),
#     httpserve queried from outside, tcplisten on a --tcplisten socket, tcppingpong (2000
#     checked 8-byte round trips; also js/wasm with Go 1.23), and denials (a dial
#     and a listen the policy does not grant fail with "permission denied");
#   - js/wasm under webcontainerd (both Go versions): the same httpself, httpserve and denial;
#   - js/wasm under node (when installed): with sdk/go/node/webcontainer_net.js providing the
#     host object over real sockets, and without it (Go's in-process fake network), to check
#     the Go side on its own.
#
#   tests/go/net/run.sh BUILD_DIR
#
# Prints one line per check and "go net: N passed, M failed"; exits non-zero on any failure.
# Every guest runs under --timeout and every client has a timeout, so it always ends.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
WCD=$BUILD/webcontainerd
OUT=$BUILD/go-net
GO19=${GO19:-/usr/lib/go-1.19/bin/go}
GO23=${GO23:-/usr/lib/go-1.23/bin/go}
SHIM=$ROOT/sdk/go/node/webcontainer_net.js
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
export GOCACHE=${GOCACHE:-/tmp/webcontainer-gocache-$(id -u)}
export GOPATH=${GOPATH:-/tmp/webcontainer-gopath-$(id -u)}
N=${GO_NET_REQUESTS:-1000}

mkdir -p "$OUT"
chmod 755 "$OUT"  # the worker runs as nobody outside its user namespace when we are root
LOG=$(mktemp -d /tmp/wc-go-net.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$LOG"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() {
  echo "FAIL $1${2:+: $2}"
  FAIL=$((FAIL + 1))
}
skip() { echo "skip $1${2:+: $2}"; }
# show FILE: the last lines of a log, indented, after a failure.
show() { sed -n '1,200p' "$1" | tail -n 15 | sed 's/^/     | /'; }

# A TCP port in 18000-18999 that nothing listens on now (and not one handed out before).
USED_PORTS=" "
free_port() {
  local p
  p=$(python3 - "$USED_PORTS" <<'EOF'
import random, socket, sys
used = set(sys.argv[1].split())
ports = list(range(18000, 19000))
random.shuffle(ports)
for p in ports:
    if str(p) in used:
        continue
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
)
  USED_PORTS+="$p "
  echo "$p"
}

# wait_for FILE PATTERN SECONDS: until a server printed that it is ready.
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# wait_exit PID SECONDS: the exit status, or 255 (and the process killed) after SECONDS.
wait_exit() {
  local i rc
  for ((i = 0; i < $2 * 10; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      rc=0
      wait "$1" || rc=$?
      return "$rc"
    fi
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  return 255
}
# http METHOD URL [BODY]: the response body on stdout (exit 1 on any error).
http() {
  python3 - "$@" <<'EOF'
import sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
req = urllib.request.Request(url, data=data, method=method)
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
EOF
}
now_ms() { date +%s%3N; }

# ---- Build

declare -A BUILT
build() {  # build NAME EXAMPLE GOOS GO
  local name=$1 ex=$2 goos=$3 go=$4
  if (cd "$ROOT/examples/go/$ex" && GOOS=$goos GOARCH=wasm "$go" build -trimpath -o "$OUT/$name.wasm" .) \
      >"$LOG/build-$name" 2>&1; then
    ok "build $name"
    BUILT[$name]=1
  else
    bad "build $name"
    show "$LOG/build-$name"
  fi
}
for ex in httpself httpserve; do
  build "$ex-wasip1" "$ex" wasip1 "$GO23"
  build "$ex-js-go1.23" "$ex" js "$GO23"
  build "$ex-js-go1.19" "$ex" js "$GO19"
done
build tcplisten-wasip1 tcplisten wasip1 "$GO23"
build tcppingpong-js-go1.23 tcppingpong js "$GO23"
build tcppingpong-wasip1 tcppingpong wasip1 "$GO23"

built() { [[ -n "${BUILT[$1]:-}" ]]; }

# ---- Cases under webcontainerd

# no_released_calls FILE: syscall/js never reported a callback of the host called after
# sdk/go released it (each connection's read and write callbacks live until it is closed
# and its last operation called back).
no_released_calls() { ! grep -q "call to released function" "$1"; }

# httpself_wcd NAME: N keep-alive requests to itself on a granted port.
httpself_wcd() {
  local name=$1 port t0 t1 rc=0
  built "$name" || return 0
  port=$(free_port)
  t0=$(now_ms)
  timeout 120 "$WCD" --timeout 90 --allow-listen "127.0.0.1:$port" --allow-connect "127.0.0.1:$port" \
    "$OUT/$name.wasm" "127.0.0.1:$port" "$N" >"$LOG/$name.out" 2>&1 || rc=$?
  t1=$(now_ms)
  if [[ $rc == 0 ]] && grep -q "^$N requests ok" "$LOG/$name.out" && no_released_calls "$LOG/$name.out"; then
    ok "webcontainerd $name: $N requests in $((t1 - t0)) ms wall ($(grep -o '[0-9]* requests/s' "$LOG/$name.out"))"
  else
    bad "webcontainerd $name" "exit $rc"
    show "$LOG/$name.out"
  fi
}

# tcppingpong_wcd NAME: a client and a server goroutine exchange PP round trips of 8 bytes
# over one loopback connection; the program checks every answer (counter + 1).
PP=${GO_NET_PINGPONG:-2000}
tcppingpong_wcd() {
  local name=$1 port t0 t1 rc=0
  built "$name" || return 0
  port=$(free_port)
  t0=$(now_ms)
  timeout 120 "$WCD" --timeout 90 --allow-listen "127.0.0.1:$port" --allow-connect "127.0.0.1:$port" \
    "$OUT/$name.wasm" "127.0.0.1:$port" "$PP" >"$LOG/$name.out" 2>&1 || rc=$?
  t1=$(now_ms)
  if [[ $rc == 0 ]] && grep -q "^$PP round trips ok, final $PP\$" "$LOG/$name.out" &&
    no_released_calls "$LOG/$name.out"; then
    ok "webcontainerd $name: $PP round trips in $((t1 - t0)) ms wall"
  else
    bad "webcontainerd $name" "exit $rc"
    show "$LOG/$name.out"
  fi
}

# deny_dial_wcd NAME: a dial to a port the policy does not grant fails with EACCES.
deny_dial_wcd() {
  local name=$1 granted denied rc=0
  built "$name" || return 0
  granted=$(free_port)
  denied=$(free_port)
  timeout 60 "$WCD" --timeout 30 --allow-connect "127.0.0.1:$granted" \
    "$OUT/$name.wasm" dial "http://127.0.0.1:$denied/" >"$LOG/$name-deny.out" 2>&1 || rc=$?
  if [[ $rc == 3 ]] && grep -qi "^denied: .*dial tcp 127.0.0.1:$denied: .*permission denied" "$LOG/$name-deny.out"; then
    ok "webcontainerd $name: dial to an ungranted port is denied ($(grep -i '^denied' "$LOG/$name-deny.out" | sed 's/^denied: //'))"
  else
    bad "webcontainerd $name: denied dial" "exit $rc"
    show "$LOG/$name-deny.out"
  fi
}

# deny_listen_wcd NAME: a listen on a port the policy does not grant fails with EACCES.
deny_listen_wcd() {
  local name=$1 granted denied rc=0
  built "$name" || return 0
  granted=$(free_port)
  denied=$(free_port)
  timeout 60 "$WCD" --timeout 30 --allow-listen "127.0.0.1:$granted" \
    "$OUT/$name.wasm" "127.0.0.1:$denied" 1 >"$LOG/$name-denyl.out" 2>&1 || rc=$?
  if [[ $rc == 1 ]] && grep -qi "httpself: listen tcp 127.0.0.1:$denied: .*permission denied" "$LOG/$name-denyl.out"; then
    ok "webcontainerd $name: listen on an ungranted port is denied"
  else
    bad "webcontainerd $name: denied listen" "exit $rc"
    show "$LOG/$name-denyl.out"
  fi
}

# httpserve_wcd NAME: the server answers GET / and POST /echo from outside the sandbox.
httpserve_wcd() {
  local name=$1 port pid body rc=0
  built "$name" || return 0
  port=$(free_port)
  "$WCD" --timeout 60 --allow-listen "127.0.0.1:$port" "$OUT/$name.wasm" "127.0.0.1:$port" \
    >"$LOG/$name.out" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_for "$LOG/$name.out" "listening on" 20; then
    bad "webcontainerd $name: did not start"
    show "$LOG/$name.out"
    kill "$pid" 2>/dev/null || true
    return 0
  fi
  body=$(http GET "http://127.0.0.1:$port/" 2>&1) || rc=$?
  if [[ $rc == 0 && $body == hello ]]; then
    body=$(http POST "http://127.0.0.1:$port/echo" "echo me $port" 2>&1) || rc=$?
  fi
  if [[ $rc == 0 && $body == "echo me $port" ]]; then
    ok "webcontainerd $name: GET / and POST /echo from outside"
  else
    bad "webcontainerd $name" "client exit $rc, body '$body'"
    show "$LOG/$name.out"
  fi
  kill "$pid" 2>/dev/null || true
  wait_exit "$pid" 5 >/dev/null || true
}

# tcplisten_wcd: Go's net.FileListener on the socket --tcplisten opened (fd 3).
tcplisten_wcd() {
  local name=tcplisten-wasip1 port pid body rc=0 erc=0
  built "$name" || return 0
  port=$(free_port)
  "$WCD" --timeout 60 --tcplisten "127.0.0.1:$port" "$OUT/$name.wasm" once >"$LOG/$name.out" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_for "$LOG/$name.out" "^serving" 20; then
    bad "webcontainerd $name: did not start"
    show "$LOG/$name.out"
    kill "$pid" 2>/dev/null || true
    return 0
  fi
  body=$(http GET "http://127.0.0.1:$port/x" 2>&1) || rc=$?
  wait_exit "$pid" 20 || erc=$?
  if [[ $rc == 0 && $body == "hello from fd 3: GET /x" && $erc == 0 ]] &&
      grep -q "served one request" "$LOG/$name.out"; then
    ok "webcontainerd $name: net.FileListener on --tcplisten fd 3 served a request and exited"
  else
    bad "webcontainerd $name" "client exit $rc, body '$body', server exit $erc"
    show "$LOG/$name.out"
  fi
}

if [[ -x $WCD ]]; then
  httpself_wcd httpself-wasip1
  httpserve_wcd httpserve-wasip1
  tcplisten_wcd
  tcppingpong_wcd tcppingpong-wasip1
  tcppingpong_wcd tcppingpong-js-go1.23
  deny_dial_wcd httpself-wasip1
  deny_listen_wcd httpself-wasip1
  for v in go1.23 go1.19; do
    httpself_wcd "httpself-js-$v"
    httpserve_wcd "httpserve-js-$v"
    deny_dial_wcd "httpself-js-$v"
  done
  deny_listen_wcd httpself-js-go1.23
else
  bad "webcontainerd" "$WCD not built"
fi

# ---- js/wasm under node: the Go side on its own

# Go 1.19's wasm_exec_node.js assigns globalThis.crypto, which is read-only on Node >= 20:
# a copy that keeps an existing one.
mkdir -p "$OUT/node-go1.19"
cp /usr/lib/go-1.19/misc/wasm/wasm_exec.js /usr/lib/go-1.19/misc/wasm/wasm_exec_node.js "$OUT/node-go1.19/"
sed -i 's/^globalThis.crypto = {/if (!globalThis.crypto) globalThis.crypto = {/' "$OUT/node-go1.19/wasm_exec_node.js"
exec_node() {  # exec_node VERSION: the wasm_exec_node.js to use
  if [[ $1 == go1.19 ]]; then echo "$OUT/node-go1.19/wasm_exec_node.js"; else echo "$("$GO23" env GOROOT)/misc/wasm/wasm_exec_node.js"; fi
}

# httpself_node NAME VERSION shim|fake
httpself_node() {
  local name=$1 v=$2 mode=$3 port t0 t1 rc=0 pre=()
  built "$name" || return 0
  [[ $mode == shim ]] && pre=(-r "$SHIM")
  port=$(free_port)
  t0=$(now_ms)
  timeout 120 node --no-experimental-fetch "${pre[@]}" "$(exec_node "$v")" "$OUT/$name.wasm" \
    "127.0.0.1:$port" "$N" >"$LOG/$name-node-$mode.out" 2>&1 || rc=$?
  t1=$(now_ms)
  local host=false
  [[ $mode == shim ]] && host=true
  if [[ $rc == 0 ]] && grep -q "^$N requests ok" "$LOG/$name-node-$mode.out" &&
      grep -q "wcnet host: $host" "$LOG/$name-node-$mode.out"; then
    ok "node $name ($mode): $N requests in $((t1 - t0)) ms wall ($(grep -o '[0-9]* requests/s' "$LOG/$name-node-$mode.out"))"
  else
    bad "node $name ($mode)" "exit $rc"
    show "$LOG/$name-node-$mode.out"
  fi
}

if command -v node >/dev/null; then
  for v in go1.23 go1.19; do
    httpself_node "httpself-js-$v" "$v" shim
    httpself_node "httpself-js-$v" "$v" fake
  done
else
  skip "node" "not installed: the js/wasm builds were not checked under node"
fi

echo "go net: $PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
