#!/usr/bin/env bash
# Builds bench/sqlite/sqlite_bench.c with SQLite into OUT_DIR (default bench/out/sqlite):
# sqlite_bench.wasm (clang-19, wasm32-wasi) and, with --native, sqlite_bench.native (gcc -O2).
# The SQLite amalgamation comes from npm (the better-sqlite3 package bundles sqlite3.c; npm is
# one of the project's two dependency sources) and is cached in OUT_DIR/src/.
#   bench/sqlite/build.sh [--native] [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NATIVE=0
[[ ${1:-} == --native ]] && { NATIVE=1; shift; }
OUT=${1:-$ROOT/bench/out/sqlite}
PKG=better-sqlite3@13.2.0
mkdir -p "$OUT"
if [[ ! -f $OUT/src/sqlite3.c ]]; then
  (cd "$OUT" && rm -rf package better-sqlite3-*.tgz && npm pack --silent "$PKG" >/dev/null &&
    tar xzf better-sqlite3-*.tgz && mkdir -p src && cp package/deps/sqlite3/sqlite3.{c,h} src/ &&
    rm -rf package better-sqlite3-*.tgz)
fi
# Threads, extensions, WAL and mmap are off (wasm32-wasi has none of them); temporary tables
# live in memory (a WASI guest has no /tmp). The native build uses the same options.
DEFS=(-DSQLITE_THREADSAFE=0 -DSQLITE_TEMP_STORE=3 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL
  -DSQLITE_MAX_MMAP_SIZE=0 -DSQLITE_OMIT_SHARED_CACHE)
SRC=("$ROOT/bench/sqlite/sqlite_bench.c" "$OUT/src/sqlite3.c")
stale() { [[ ! -f $1 || $ROOT/bench/sqlite/sqlite_bench.c -nt $1 ]]; }
if stale "$OUT/sqlite_bench.wasm"; then
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug -I"$OUT/src" "${DEFS[@]}" \
    -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_SIGNAL "${SRC[@]}" \
    -lwasi-emulated-getpid -lwasi-emulated-mman -lwasi-emulated-signal -o "$OUT/sqlite_bench.wasm"
fi
if ((NATIVE)) && stale "$OUT/sqlite_bench.native"; then
  gcc -O2 -I"$OUT/src" "${DEFS[@]}" "${SRC[@]}" -lm -o "$OUT/sqlite_bench.native"
fi
