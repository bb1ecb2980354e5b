#!/usr/bin/env bash
# Two builds of webcontainerd side by side on the C HTTP server (examples/net/http_server.c,
# clang-19 + sdk/c, --dir-ro grant): both servers up at once, `wrk -t2 -c50 -d5s` on each in
# turn for ROUNDS rounds, so the machine's load changes hit both alike. The same source built
# natively (gcc -O2) is the peer, hit in the same rounds (N). Prints every run, the means and
# the ratios. Loopback only.
#
#   bench/net/ab.sh BUILD_A BUILD_B      (ROUNDS=6 CONNS=50 DURATION=5s ENGINE=interp|jit|auto;
#                                        ENGINE_A / ENGINE_B override it per side)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[[ $# == 2 ]] || { echo "usage: $0 BUILD_A BUILD_B" >&2; exit 2; }
A=$1 B=$2
ROUNDS=${ROUNDS:-6} CONNS=${CONNS:-50} DURATION=${DURATION:-5s} ENGINE=${ENGINE:-}
ENGINE_A=${ENGINE_A:-$ENGINE} ENGINE_B=${ENGINE_B:-$ENGINE}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
T=$(mktemp -d /tmp/wc-netab.XXXXXX)
chmod 755 "$T"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait; rm -rf "$T"' EXIT

make -s -C "$ROOT/sdk/c" OUT="$T/sdk" || exit 1
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -I "$ROOT/sdk/c/include" \
  "$ROOT/examples/net/http_server.c" -L "$T/sdk" -lwcsocket -o "$T/http_server.wasm" || exit 1
gcc -O2 -o "$T/http_server" "$ROOT/examples/net/http_server.c" || exit 1
mkdir -p "$T/www"
for i in $(seq 1 20); do echo "<p>line $i of a small static page served by http_server.c</p>"; done >"$T/www/index.html"
chmod -R a+rX "$T"

BASE=$((40000 + RANDOM % 10000))
start() {  # BUILD PORT NAME [ENGINE]
  local engine=${4:-}
  if [[ $1 == native ]]; then
    "$T/http_server" "$T/www" 127.0.0.1 "$2" >"$T/$3.out" 2>&1 &
  else
    "$1/webcontainerd" --timeout 3600 --max-fds 4096 ${engine:+--engine "$engine"} \
      --allow-listen "127.0.0.1:$2" --dir-ro "$T/www::/www" "$T/http_server.wasm" /www \
      127.0.0.1 "$2" >"$T/$3.out" 2>&1 &
  fi
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q serving "$T/$3.out" && return 0; sleep 0.1; done
  echo "$3 did not start: $(head -c 600 "$T/$3.out")" >&2
  exit 1
}
start "$A" "$BASE" A "$ENGINE_A"
start "$B" "$((BASE + 1))" B "$ENGINE_B"
start native "$((BASE + 2))" N
for i in $(seq 1 "$ROUNDS"); do
  for side in A B N; do
    port=$BASE
    [[ $side == B ]] && port=$((BASE + 1))
    [[ $side == N ]] && port=$((BASE + 2))
    rps=$(wrk -t2 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$port/index.html" | awk '/Requests\/sec/ {print $2}')
    echo "$side $rps"
  done
done | tee "$T/runs" | sed 's/^/  /'
awk -v a="$A" -v b="$B" -v ea="${ENGINE_A:-default}" -v eb="${ENGINE_B:-default}" '{ s[$1] += $2; n[$1]++ }
  END { A = s["A"] / n["A"]; B = s["B"] / n["B"]; N = s["N"] / n["N"]
        printf "A (%s %s): %.0f req/s mean, B (%s %s): %.0f req/s mean, B/A %.3f\n", a, ea, A, b, eb, B, B / A
        printf "native (gcc -O2): %.0f req/s mean; A/native %.3f, B/native %.3f\n", N, A / N, B / N }' "$T/runs"
