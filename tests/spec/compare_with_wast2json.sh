#!/usr/bin/env bash
# Runs the spec suite twice, once read by our text-format parser and once converted by wabt's
# wast2json, and checks that they agree script by script: the same number of commands, none
# failing on either path, none skipped on ours, and everything the JSON path ran (all but the
# text-format assert_malformed modules wast2json cannot write) passing on ours too.
# Usage: tests/spec/compare_with_wast2json.sh BUILD_DIR SPEC_DIR
set -euo pipefail
build=$1
spec_dir=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$build/wasm-spec-runner" "$spec_dir" >"$out/direct.log" || true
"$build/wasm-spec-runner" "$spec_dir" --via-json >"$out/json.log" || true

# "NAME.wast: P passed, F failed, S skipped" -> "NAME P F S"
counts() { sed -n 's/^\([^ ]*\.wast\): \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped.*/\1 \2 \3 \4/p' "$1"; }
counts "$out/direct.log" | sort >"$out/direct"
counts "$out/json.log" | sort >"$out/json"

join "$out/direct" "$out/json" | awk -v want="$(wc -l <"$out/direct")" '
  { n++
    dp = $2; df = $3; ds = $4; jp = $5; jf = $6; js = $7
    if (df || jf || ds || dp != jp + js) { bad++; print "mismatch: " $0 " (name, direct P F S, json P F S)" }
    d += dp; j += jp; skipped += js }
  END {
    if (n != want || n == 0) { print "scripts differ between the two runs"; bad++ }
    printf "compared %d scripts: direct %d passed, 0 skipped; via wast2json %d passed, %d skipped (text assert_malformed)\n", n, d, j, skipped
    exit bad ? 1 : 0 }'
