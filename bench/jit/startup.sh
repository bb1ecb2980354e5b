#!/usr/bin/env bash
# Start-to-finish wall time of `webcontainerd run` under each --engine: a C hello world
# (examples/hello/hello.c, clang-19 wasm32-wasi) and a large Go wasip1 program (map, fmt,
# sort, strings, a recursive fib(27); ~2.4 MB of wasm), so the cost of tiering up (auto) or of
# compiling everything first (jit) shows next to the interpreter. hyperfine medians.
#
#   bench/jit/startup.sh [BUILD_DIR]      (default: build)
#   RUNS=10 ENGINES="interp auto jit" GO=/usr/lib/go-1.23/bin/go bench/jit/startup.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
WCD=$BUILD/webcontainerd
GO=${GO:-/usr/lib/go-1.23/bin/go}
RUNS=${RUNS:-10}
ENGINES=${ENGINES:-interp auto jit}
command -v hyperfine >/dev/null || { echo "startup.sh: hyperfine is not installed" >&2; exit 2; }
T=$(mktemp -d /tmp/wc-jitstart.XXXXXX)
trap 'rm -rf "$T"' EXIT

clang-19 --target=wasm32-wasi --sysroot=/usr -O2 "$ROOT/examples/hello/hello.c" -o "$T/hello.wasm"
mkdir -p "$T/gohello"
cat >"$T/gohello/main.go" <<'GO'
package main

import (
	"fmt"
	"sort"
	"strings"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	m := map[string]int{}
	for i := 0; i < 20000; i++ {
		m[fmt.Sprintf("k%d", i%777)] += i
	}
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(len(keys), strings.Join(keys[:3], ","), fib(27))
}
GO
printf 'module gohello\n\ngo 1.21\n' >"$T/gohello/go.mod"
(cd "$T/gohello" && GOCACHE=$BUILD/go-cache GOPATH=$T/gopath GOPROXY=off GOTOOLCHAIN=local \
  GOOS=wasip1 GOARCH=wasm "$GO" build -o "$T/gohello.wasm" .)

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| program | engine | median ms | min ms | max ms | runs |"
echo "|---|---|--:|--:|--:|--:|"
for prog in hello gohello; do
  for e in $ENGINES; do
    hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$T/r.json" \
      "$WCD --engine $e $T/$prog.wasm" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; exit 1; }
    python3 -c '
import json,sys; r=json.load(open(sys.argv[1]))["results"][0]
ms=[r[k]*1e3 for k in ("median","min","max")]
print("| %s | %s | %.1f | %.1f | %.1f | %d |" % (sys.argv[2], sys.argv[3], *ms, len(r["times"])))' \
      "$T/r.json" "$prog" "$e"
  done
done
