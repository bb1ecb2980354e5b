#!/usr/bin/env bash
# What the sandbox costs, end to end (hyperfine):
#   1. start-to-exit of hello world: webcontainerd (broker + confined worker + interpreter) vs
#      node's built-in WASI (bench/hello/run_node_wasi.mjs) vs a native gcc build;
#   2. reading a 1 GiB file in 1 MiB chunks through an fd the broker granted (the data path is
#      plain read(2) in the worker, no IPC) vs native `cat` and the same C program built natively.
#
#   bench/sandbox/run.sh [BUILD_DIR]       (default: build-e2e, then build)
#
# Markdown tables go to $OUT (default /tmp/wc-bench-sandbox). The 1 GiB file is created in /tmp
# and deleted on exit; it is read once before timing so every run reads from the page cache.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-}
if [[ -z $BUILD ]]; then
  for b in "$ROOT/build-e2e" "$ROOT/build"; do
    [[ -x $b/webcontainerd ]] && BUILD=$b && break
  done
fi
WCD=$BUILD/webcontainerd
[[ -x $WCD ]] || { echo "no webcontainerd in ${BUILD:-build-e2e or build}" >&2; exit 2; }
OUT=${OUT:-/tmp/wc-bench-sandbox}
mkdir -p "$OUT"

T=$(mktemp -d /tmp/wc-bench.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT

WASI=(--target=wasm32-wasi --sysroot=/usr -O2)
clang-19 "${WASI[@]}" "$ROOT/examples/hello/hello.c" -o "$T/hello.wasm"
clang-19 "${WASI[@]}" "$ROOT/tests/e2e/guests/readfile.c" -o "$T/readfile.wasm"
gcc -O2 "$ROOT/examples/hello/hello.c" -o "$T/hello-native"
gcc -O2 "$ROOT/tests/e2e/guests/readfile.c" -o "$T/readfile-native"
NODE=(node --no-warnings --experimental-wasi-unstable-preview1 "$ROOT/bench/hello/run_node_wasi.mjs")

echo "== hello world, start to exit =="
hyperfine -N --warmup 10 --min-runs 50 --export-markdown "$OUT/hello.md" \
  -n webcontainerd "$WCD $T/hello.wasm" \
  -n "node WASI" "${NODE[*]} $T/hello.wasm" \
  -n "native (gcc -O2)" "$T/hello-native"

echo "== reading 1 GiB through a granted fd =="
mkdir -p "$T/data"
head -c 1G /dev/urandom >"$T/data/big"
chmod -R a+rX "$T/data"
cat "$T/data/big" >/dev/null  # page cache
"$WCD" --dir-ro "$T/data::/data" "$T/readfile.wasm" /data/big  # sanity: prints 1073741824
hyperfine --warmup 1 --runs 10 --export-markdown "$OUT/read1g.md" \
  -n "webcontainerd (readfile.wasm, 1 MiB reads)" "$WCD --dir-ro $T/data::/data $T/readfile.wasm /data/big" \
  -n "native readfile (gcc -O2, 1 MiB reads)" "$T/readfile-native $T/data/big" \
  -n "cat >/dev/null" "cat $T/data/big >/dev/null"
rm -f "$T/data/big"
echo "tables: $OUT/hello.md $OUT/read1g.md"
