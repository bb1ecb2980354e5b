#!/usr/bin/env bash
# Network tests: builds sdk/c and examples/net (for wasm32-wasi and natively), then runs the
# examples through the real webcontainerd on loopback only: echo round trips and half-close,
# the HTTP server under good and misbehaving clients, the sandboxed client fetching from the
# sandboxed server, and connects/binds the policy does not allow (errno + audit line).
# The native builds run the same client checks first, as a control.
#
#   tests/net/run.sh [BUILD_DIR]        (default: build)
#
# Prints one line per check and "N passed, M failed"; exits non-zero on any failure. Every
# server runs under --timeout and every client socket has a timeout, so it always ends.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
WCD=$BUILD/webcontainerd
CHECK=$ROOT/tests/net/check.py

T=$(mktemp -d /tmp/wc-net.XXXXXX)
chmod 755 "$T"  # the worker runs as nobody outside its user namespace when we are root
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() {
  echo "FAIL $1${2:+: $2}"
  FAIL=$((FAIL + 1))
}
# Counts the ok/FAIL lines check.py printed.
tally() {
  cat "$1"
  PASS=$((PASS + $(grep -c '^ok' "$1")))
  FAIL=$((FAIL + $(grep -c '^FAIL' "$1")))
}
# wait_for FILE PATTERN SECONDS: until a server printed that it listens (probing the port
# would use up one of the echo server's connections).
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
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      return $?
    fi
    sleep 0.1
  done
  kill "$1" 2>/dev/null
  return 255
}
# stop PID: a server we started, politely then firmly.
stop() {
  kill "$1" 2>/dev/null
  wait_exit "$1" 5 >/dev/null
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# ---- build ---------------------------------------------------------------------------------

if make -s -C "$ROOT/sdk/c" OUT="$T/sdk" >"$T/make.log" 2>&1; then
  ok "build sdk/c: libwcsocket.a (clang-19, wasm32-wasi)"
else
  bad "build sdk/c" "$(head -c 2000 "$T/make.log")"
  echo "$PASS passed, $FAIL failed"
  exit 1
fi
WASM_CFLAGS=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror -I "$ROOT/sdk/c/include")
for p in echo_server http_server http_client; do
  src=$ROOT/examples/net/$p.c
  if clang-19 "${WASM_CFLAGS[@]}" "$src" -L "$T/sdk" -lwcsocket -o "$T/$p.wasm" 2>"$T/cc.log"; then
    ok "build $p.wasm (unchanged POSIX source + sdk/c)"
  else
    bad "build $p.wasm" "$(head -c 2000 "$T/cc.log")"
  fi
  if gcc -O2 -Wall -Wextra -Werror "$src" -o "$T/$p" 2>"$T/cc.log"; then
    ok "build $p (native, gcc)"
  else
    bad "build $p (native)" "$(head -c 2000 "$T/cc.log")"
  fi
done

if clang-19 "${WASM_CFLAGS[@]}" "$ROOT/tests/net/sdk_guest.c" -L "$T/sdk" -lwcsocket \
  -o "$T/sdk_guest.wasm" 2>"$T/cc.log"; then
  ok "build tests/net/sdk_guest.wasm"
else
  bad "build sdk_guest.wasm" "$(head -c 2000 "$T/cc.log")"
fi

# The served tree, and a file beside it that must stay out of reach.
mkdir -p "$T/www/sub"
echo "<h1>hello from webcontainer</h1>" >"$T/www/index.html"
echo "sub page" >"$T/www/sub/page.txt"
head -c 1048576 /dev/urandom >"$T/www/big.bin"
echo "top secret" >"$T/secret.txt"
ln -s ../secret.txt "$T/www/escape"
chmod -R a+rX "$T"

BASE=$((20000 + RANDOM % 20000))
P_ECHO=$BASE P_HTTP=$((BASE + 1)) P_NECHO=$((BASE + 2)) P_NHTTP=$((BASE + 3)) P_OTHER=$((BASE + 4))
ECHO_CONNS=11  # check.py echo opens 8 + 1 + 2 connections; then the server exits by itself

# ---- native control ------------------------------------------------------------------------

if [[ -x $T/echo_server && -x $T/http_server ]]; then
  "$T/echo_server" 127.0.0.1 "$P_NECHO" "$ECHO_CONNS" >"$T/necho.out" 2>&1 &
  NECHO=$!
  PIDS+=("$NECHO")
  "$T/http_server" "$T/www" 127.0.0.1 "$P_NHTTP" >"$T/nhttp.out" 2>&1 &
  NHTTP=$!
  PIDS+=("$NHTTP")
  if wait_for "$T/necho.out" listening 5 && wait_for "$T/nhttp.out" serving 5; then
    timeout 120 python3 "$CHECK" echo 127.0.0.1 "$P_NECHO" 2>&1 | sed 's/^\(ok  \|FAIL\) /\1 native /' >"$T/c.log"
    tally "$T/c.log"
    timeout 120 python3 "$CHECK" http 127.0.0.1 "$P_NHTTP" "$T/www" 2>&1 | sed 's/^\(ok  \|FAIL\) /\1 native /' >"$T/c.log"
    tally "$T/c.log"
    wait_exit "$NECHO" 10
    rc=$?
    if [[ $rc == 0 ]] && grep -q "served $ECHO_CONNS connections" "$T/necho.out"; then
      ok "native echo_server exits by itself after $ECHO_CONNS connections"
    else
      bad "native echo_server exit" "status $rc: $(cat "$T/necho.out")"
    fi
  else
    bad "native servers did not start" "$(cat "$T/necho.out" "$T/nhttp.out")"
  fi
  stop "$NHTTP"
fi

# ---- in the sandbox ------------------------------------------------------------------------

# The sandbox checks are the point of this script: a missing build is a failure, not a skip.
if [[ ! -x $WCD || ! -x $BUILD/webcontainerc ]]; then
  echo "FAIL: no webcontainerd/webcontainerc in $BUILD (build them first)" >&2
  exit 1
fi

{
  # The SDK's calls one by one (the guest prints ok/FAIL lines itself).
  P_SDK=$((BASE + 5))
  echo "sdk test file" >"$T/www/sdk.txt"
  timeout 60 "$WCD" --timeout 10 --allow-listen "127.0.0.1:$P_SDK" --allow-connect "127.0.0.1:$P_SDK" \
    --dir-ro "$T/www::/d" "$T/sdk_guest.wasm" "$P_SDK" /d/sdk.txt >"$T/sdk.out" 2>"$T/sdk.err"
  rc=$?
  tally "$T/sdk.out"
  if [[ $rc == 124 ]] && tail -1 "$T/sdk.out" | grep -q SO_RCVTIMEO; then
    bad "sdk: recv with SO_RCVTIMEO 200 ms never returned (the host ignores the timeout)"
  elif [[ $rc != 0 ]]; then
    bad "sdk_guest exit status $rc" "$(tail -c 600 "$T/sdk.err")"
  fi

  # Echo server: round trips, half-close, a reset; it exits by itself after ECHO_CONNS.
  "$WCD" --timeout 60 --allow-listen "127.0.0.1:$P_ECHO" "$T/echo_server.wasm" \
    127.0.0.1 "$P_ECHO" "$ECHO_CONNS" >"$T/echo.out" 2>"$T/echo.err" &
  ECHO=$!
  PIDS+=("$ECHO")
  if wait_for "$T/echo.out" listening 10; then
    timeout 120 python3 "$CHECK" echo 127.0.0.1 "$P_ECHO" 2>&1 | sed 's/^\(ok  \|FAIL\) /\1 sandbox /' >"$T/c.log"
    tally "$T/c.log"
    wait_exit "$ECHO" 15
    rc=$?
    if [[ $rc == 0 ]] && grep -q "served $ECHO_CONNS connections" "$T/echo.out"; then
      ok "sandbox echo_server exits by itself (status 0) after $ECHO_CONNS connections"
    else
      bad "sandbox echo_server exit" "status $rc: $(cat "$T/echo.out" "$T/echo.err" | head -c 1500)"
    fi
  else
    bad "sandbox echo_server did not start listening" "$(cat "$T/echo.out" "$T/echo.err" | head -c 1500)"
    stop "$ECHO"
  fi

  # HTTP server: files through the broker from a read-only grant.
  "$WCD" --timeout 300 --max-fds 1100 --allow-listen "127.0.0.1:$P_HTTP" --dir-ro "$T/www::/www" \
    --audit-log "$T/http-audit.log" "$T/http_server.wasm" /www 127.0.0.1 "$P_HTTP" \
    >"$T/http.out" 2>"$T/http.err" &
  HTTP=$!
  PIDS+=("$HTTP")
  if wait_for "$T/http.out" serving 10; then
    timeout 120 python3 "$CHECK" http 127.0.0.1 "$P_HTTP" "$T/www" 2>&1 | sed 's/^\(ok  \|FAIL\) /\1 sandbox /' >"$T/c.log"
    tally "$T/c.log"
    timeout 120 python3 "$CHECK" misbehave 127.0.0.1 "$P_HTTP" 2>&1 | sed 's/^\(ok  \|FAIL\) /\1 sandbox /' >"$T/c.log"
    tally "$T/c.log"

    # A symlink in the grant that points outside it: the broker refuses to follow it.
    out=$(timeout 30 "$T/http_client" "http://127.0.0.1:$P_HTTP/escape" 2>&1)
    if grep -Eq "status: (403|404)" <<<"$out" && ! grep -q "top secret" <<<"$out"; then
      ok "sandbox http_server: symlink out of the grant is not served ($(head -1 <<<"$out"))"
    else
      bad "sandbox http_server: symlink escape" "$out"
    fi

    # The sandboxed client fetching from the sandboxed server.
    timeout 60 "$WCD" --timeout 30 --allow-connect "127.0.0.1:$P_HTTP" "$T/http_client.wasm" \
      "http://127.0.0.1:$P_HTTP/sub/page.txt" >"$T/cl.out" 2>"$T/cl.err"
    rc=$?
    if [[ $rc == 0 ]] && grep -q "^status: 200" "$T/cl.out" && grep -q "^sub page" "$T/cl.out"; then
      ok "sandbox http_client fetches from the sandboxed server (--allow-connect 127.0.0.1:PORT)"
    else
      bad "sandbox http_client fetch" "status $rc: $(cat "$T/cl.out" "$T/cl.err" | head -c 1500)"
    fi
    timeout 60 "$WCD" --timeout 30 --allow-connect "127.0.0.1:$P_HTTP" "$T/http_client.wasm" \
      "http://127.0.0.1:$P_HTTP/big.bin" >"$T/cl.out" 2>"$T/cl.err"
    rc=$?
    if [[ $rc == 0 ]] && tail -c 1048576 "$T/cl.out" | cmp -s - "$T/www/big.bin"; then
      ok "sandbox http_client fetches 1 MiB intact"
    else
      bad "sandbox http_client big fetch" "status $rc: $(head -c 300 "$T/cl.err")"
    fi
    # By name: getaddrinfo("localhost") goes to the host, which asks the broker.
    timeout 60 "$WCD" --timeout 30 --allow-connect "localhost:$P_HTTP" "$T/http_client.wasm" \
      "http://localhost:$P_HTTP/index.html" >"$T/cl.out" 2>"$T/cl.err"
    rc=$?
    if [[ $rc == 0 ]] && grep -q "^status: 200" "$T/cl.out"; then
      ok "sandbox http_client resolves localhost through the broker (--allow-connect localhost:PORT)"
    else
      bad "sandbox http_client by name" "status $rc: $(cat "$T/cl.out" "$T/cl.err" | head -c 1500)"
    fi

    # No grant: connect fails with a clear errno, and the audit log says why.
    timeout 60 "$WCD" --timeout 30 --audit-log "$T/deny.log" "$T/http_client.wasm" \
      "http://127.0.0.1:$P_HTTP/" >"$T/cl.out" 2>"$T/cl.err"
    rc=$?
    if [[ $rc == 1 ]] &&
      grep -Eq "connect 127.0.0.1:$P_HTTP: (Permission denied|Operation not permitted|Capabilities insufficient)" "$T/cl.err"; then
      ok "sandbox: connect without --allow-connect fails: $(grep -m1 "http_client: connect" "$T/cl.err")"
    else
      bad "sandbox: denied connect" "status $rc: $(cat "$T/cl.out" "$T/cl.err" | head -c 1500)"
    fi
    if grep -q "connect" "$T/deny.log" 2>/dev/null && grep -q "$P_HTTP" "$T/deny.log"; then
      ok "sandbox: the denied connect has an audit line: $(grep -m1 connect "$T/deny.log" | head -c 300)"
    else
      bad "sandbox: denied connect audit line" "audit log: $(head -c 600 "$T/deny.log" 2>/dev/null)"
    fi
    # A grant for another port does not cover this one.
    timeout 60 "$WCD" --timeout 30 --allow-connect "127.0.0.1:$P_OTHER" "$T/http_client.wasm" \
      "http://127.0.0.1:$P_HTTP/" >"$T/cl.out" 2>"$T/cl.err"
    rc=$?
    if [[ $rc == 1 ]] && grep -q "connect 127.0.0.1:$P_HTTP" "$T/cl.err"; then
      ok "sandbox: --allow-connect for another port does not allow this one"
    else
      bad "sandbox: connect to an ungranted port" "status $rc: $(cat "$T/cl.err" | head -c 600)"
    fi

    # The server still answers after all that.
    out=$(timeout 30 "$T/http_client" "http://127.0.0.1:$P_HTTP/index.html" 2>&1)
    if grep -q "status: 200" <<<"$out"; then
      ok "sandbox http_server still serving at the end"
    else
      bad "sandbox http_server at the end" "$out"
    fi
  else
    bad "sandbox http_server did not start" "$(cat "$T/http.out" "$T/http.err" | head -c 1500)"
  fi
  stop "$HTTP"

  # Listening where the policy does not allow it: a clear errno from bind.
  timeout 60 "$WCD" --timeout 30 --allow-listen "127.0.0.1:$P_OTHER" --audit-log "$T/deny-listen.log" \
    "$T/echo_server.wasm" 127.0.0.1 "$P_ECHO" 1 >"$T/cl.out" 2>"$T/cl.err"
  rc=$?
  if [[ $rc == 1 ]] &&
    grep -Eq "bind/listen 127.0.0.1:$P_ECHO: (Permission denied|Operation not permitted|Capabilities insufficient)" "$T/cl.err"; then
    ok "sandbox: bind outside --allow-listen fails: $(grep -Eo 'bind/listen.*' "$T/cl.err" | head -1)"
  else
    bad "sandbox: denied bind" "status $rc: $(cat "$T/cl.out" "$T/cl.err" | head -c 1500)"
  fi
}

echo "$PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
