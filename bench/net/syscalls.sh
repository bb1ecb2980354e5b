#!/usr/bin/env bash
# Syscalls per request of the sandboxed C HTTP server: examples/net/http_server.c (clang-19 +
# sdk/c) in webcontainerd with a --dir-ro grant, traced with `strace -f -c` (worker and broker
# together) while wrk sends keep-alive requests for a few seconds. Prints each syscall's count
# divided by the requests wrk completed. rt_sigreturn counts SIGSYS traps: the worker's seccomp
# filter traps what it cannot check (glibc's fstat spelled newfstatat(fd, "")) to a handler
# that returns with rt_sigreturn, and nothing else signals the worker while it serves.
#
#   bench/net/syscalls.sh [BUILD_DIR]      (default: build; DURATION=5s CONNS=10)
# Needs strace and wrk. Loopback only.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-10}
for tool in strace wrk; do
  command -v $tool >/dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 2; }
done
T=$(mktemp -d /tmp/wc-netsys.XXXXXX)
chmod 755 "$T"
TRACER=""
trap '[[ -n $TRACER ]] && kill "$TRACER" 2>/dev/null; rm -rf "$T"' EXIT

make -s -C "$ROOT/sdk/c" OUT="$T/sdk" || exit 1
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -I "$ROOT/sdk/c/include" \
  "$ROOT/examples/net/http_server.c" -L "$T/sdk" -lwcsocket -o "$T/http_server.wasm" || exit 1
mkdir -p "$T/www"
for i in $(seq 1 20); do echo "<p>line $i of a small static page served by http_server.c</p>"; done >"$T/www/index.html"
chmod -R a+rX "$T"

P=$((40000 + RANDOM % 10000))
strace -f -c -o "$T/strace.txt" "$BUILD/webcontainerd" --timeout 600 --max-fds 4096 \
  --allow-listen "127.0.0.1:$P" --dir-ro "$T/www::/www" "$T/http_server.wasm" /www 127.0.0.1 "$P" \
  >"$T/out" 2>"$T/err" &
TRACER=$!
for _ in $(seq 1 200); do grep -q serving "$T/out" 2>/dev/null && break; sleep 0.1; done
grep -q serving "$T/out" || { echo "server did not start: $(head -c 600 "$T/err")" >&2; exit 1; }
wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$P/index.html" >"$T/wrk.txt"
REQS=$(awk '/requests in/ {print $1}' "$T/wrk.txt")
kill "$(pgrep -P "$TRACER")" 2>/dev/null  # webcontainerd, the tracer's child; strace then ends
wait "$TRACER" 2>/dev/null
TRACER=""
echo "$REQS requests (wrk -t1 -c$CONNS -d$DURATION), syscalls of webcontainerd + broker + worker:"
awk -v r="$REQS" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "syscall" {
  printf "  %-16s %9d  %6.2f per request\n", $NF, $4, $4 / r }' "$T/strace.txt" | sort -k3 -n -r | head -20
