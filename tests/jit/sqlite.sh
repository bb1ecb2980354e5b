#!/usr/bin/env bash
# The JIT on a large real program: SQLite (~1 MB of wasm, ~2,000 functions; bench/sqlite)
# inserting and querying ROWS rows, in memory and in a database file under a --dir grant, must
# print the same checksum under --engine jit (every function compiled before its first call),
# --engine auto with tier-up at the first call (functions switch to compiled code mid-run,
# with interpreted frames below them) and auto's default, as under the interpreter.
#   tests/jit/sqlite.sh BUILD_DIR [ROWS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
ROWS=${2:-3000}
OUT=$BUILD/sqlite
"$ROOT/bench/sqlite/build.sh" "$OUT"
WASM=$OUT/sqlite_bench.wasm
T=$(mktemp -d /tmp/wc-sqlite.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass=0 fail=0
check() {  # NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: '$3', expected '$2'"; fi
}
for db in :memory: /data/bench.db; do
  run() { "$BUILD/webcontainerd" run --dir "$T::/data" "$@" "$WASM" "$ROWS" "$db" 2>&1 || true; }
  ref=$(run --engine interp)
  [[ $ref == "rows $ROWS checksum "* ]] || { echo "FAIL interpreter ($db): $ref"; exit 1; }
  echo "interpreter, $db: $ref"
  check "--engine jit, $db" "$ref" "$(WC_JIT_MIN_RUN=1 run --engine jit)"
  check "--engine auto, tier-up at the first call, $db" "$ref" "$(WC_JIT_TIER_UP_AFTER=1 run --engine auto)"
  check "--engine auto (default threshold), $db" "$ref" "$(run)"
  [[ ! -e $T/bench.db ]] || { fail=$((fail + 1)); echo "FAIL the guest did not remove its database"; }
done
echo "$pass passed, $fail failed"
((fail == 0))
