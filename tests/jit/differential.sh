#!/usr/bin/env bash
# Differential test of the JIT tier against the interpreter (issue 11), in a fixed time.
#   tests/jit/differential.sh BUILD_DIR [SECONDS]    (default 50)
# 1. Hand-written probes (tests/jit/probes/) and reproducers (tests/jit/repro/: each a known
#    difference listed in tests/jit/known_differences.txt, or a fixed one kept as a test).
# 2. A fixed corpus: binaryen's generator (`wasm-opt -ttf`) over bytes drawn from fixed seeds,
#    so every run checks the same modules (names seed-N.wasm; binaryen 108), checked with every
#    compiled instruction enterable (--min-run 1) and with the JIT's default entries.
# 3. Fresh modules from random bytes until the time is up (every other one also optimized);
#    a module that differs is kept in BUILD_DIR/jit-diff-failures/ with the bytes that made
#    it (rerun with wasm-jit-diff).
# wasm-jit-diff compares results, trap kinds/messages/backtraces, the host-call log, memories,
# globals and tables after every call of every export (see tests/jit/diff/differential.h).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: differential.sh BUILD_DIR [SECONDS]}" && pwd)
seconds=${2:-50}
fixed_count=${FIXED_MODULES:-100}
diff=$build/wasm-jit-diff
known=$root/tests/jit/known_differences.txt
command -v wasm-opt >/dev/null || { echo "differential.sh: wasm-opt not found (Debian's binaryen)" >&2; exit 1; }
# The 2.0 features binaryen 108 generates as 2.0 (its reference-types mode emits a
# funcref/externref subtyping that 2.0 does not have, so it stays off).
features=(--enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory
  --enable-mutable-globals --enable-multivalue --enable-simd)
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- hand-written probes and reproducers (tests/jit/probes, tests/jit/repro)"
shopt -s nullglob
repros=("$root"/tests/jit/probes/*.wat "$root"/tests/jit/repro/*.wat "$root"/tests/jit/repro/*.wasm)
if [ ${#repros[@]} -gt 0 ]; then
  "$diff" --known-failures "$known" "${repros[@]}" | tail -n 20
fi

echo "-- fixed corpus: $fixed_count modules from fixed seeds"
mkdir "$work/fixed"
# Input sizes from 256 bytes to 16 KiB: binaryen makes bigger modules from more bytes.
python3 - "$work/fixed" "$fixed_count" <<'PY'
import random, sys
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    r = random.Random(i)
    open(f"{out}/seed-{i}.bin", "wb").write(r.randbytes(r.randint(256, 16384)))
PY
seq 0 $((fixed_count - 1)) | xargs -P 2 -I{} \
  wasm-opt -ttf "$work/fixed/seed-{}.bin" "${features[@]}" -o "$work/fixed/seed-{}.wasm" -q
fixed=()
for i in $(seq 0 $((fixed_count - 1))); do fixed+=("$work/fixed/seed-$i.wasm"); done
"$diff" --quiet --known-failures "$known" "${fixed[@]}"
echo "-- fixed corpus again with the JIT's default entries (--min-run 0)"
"$diff" --quiet --min-run 0 --known-failures "$known" "${fixed[@]}"

left=$((seconds - (SECONDS - start)))
echo "-- fresh modules for the remaining $((left > 0 ? left : 0))s"
mkdir "$work/fresh" "$build/jit-diff-failures" 2>/dev/null || mkdir -p "$work/fresh" "$build/jit-diff-failures"
n=0 failed=0
while [ $((SECONDS - start)) -lt "$seconds" ]; do
  batch=()
  for j in $(seq 1 10); do
    f=$work/fresh/m$n
    head -c $((256 + RANDOM % 16128)) /dev/urandom > "$f.bin"
    # Every other module also goes through -O3: other code shapes (loops rotated, locals
    # coalesced, constants folded, fewer hang checks) reach other compiler paths.
    opt=()
    [ $((n % 2)) -eq 1 ] && opt=(-O3)
    wasm-opt -ttf "$f.bin" "${features[@]}" "${opt[@]}" -o "$f.wasm" -q 2>/dev/null &&
      batch+=("$f.wasm")
    n=$((n + 1))
  done
  if ! "$diff" --quiet "${batch[@]}" > "$work/fresh/out.txt"; then
    cat "$work/fresh/out.txt"
    for m in $(grep -o "^[^:]*\.wasm: DIFFERS" "$work/fresh/out.txt" | sed 's/: DIFFERS$//'); do
      keep=$build/jit-diff-failures/$(date +%s)-$(basename "$m")
      cp "$m" "$keep"
      cp "${m%.wasm}.bin" "${keep%.wasm}.bin"
      echo "kept $keep (and the generator input ${keep%.wasm}.bin)"
    done
    failed=$((failed + 1))
  fi
  rm -f "$work"/fresh/m*
done
echo "differential: $n fresh modules checked, $failed batch(es) with differences, $((SECONDS - start))s in all"
[ "$failed" -eq 0 ]
