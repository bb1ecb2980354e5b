#!/usr/bin/env bash
# Go guests under webcontainer, compared with Go's own reference hosts.
#
#   tests/go/run.sh BUILD_DIR
#
# Builds every program in tests/go/programs/ three ways (Go 1.19 js/wasm, import module `go`;
# Go 1.23 js/wasm, module `gojs`; Go 1.23 wasip1) into BUILD_DIR/go-tests/ (rebuilt only when
# a source changed), then:
#   - runs each js/wasm binary under node with Go's own wasm_exec_node.js and under
#     BUILD_DIR/webcontainerd, with the same cwd (/), args and environment, and compares stdout,
#     stderr and the exit status exactly;
#   - runs each wasip1 binary under webcontainerd and under node's node:wasi
#     (tests/go/node_wasi_runner.mjs) and compares them the same way;
#   - checks what only webcontainer does: paths outside the grants, --dir-ro, --memory-limit
#     and --timeout.
# Prints "ok - NAME" or "FAIL - NAME" (with a diff) per case and "go: N passed, M failed";
# exits non-zero if any case failed.
#
# Needs golang-1.19-go, golang-1.23-go, nodejs (>= 18) and tzdata, and a built webcontainerd
# and webcontainerc in BUILD_DIR. No network: the programs use the standard library only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/go
if [[ $# -lt 1 ]]; then
  echo "usage: tests/go/run.sh BUILD_DIR" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd)
WCD=$BUILD/webcontainerd
GO119=${GO119:-/usr/lib/go-1.19/bin/go}
GO123=${GO123:-/usr/lib/go-1.23/bin/go}
NODE=${NODE:-$(command -v node || echo /usr/bin/node)}
for tool in "$WCD" "$BUILD/webcontainerc" "$GO119" "$GO123" "$NODE"; do
  if [[ ! -x $tool ]]; then
    echo "go: missing $tool (scripts/setup.sh installs the toolchains; build webcontainerd first)" >&2
    exit 2
  fi
done

OUT=$BUILD/go-tests
mkdir -p "$OUT"
T=$(mktemp -d /tmp/wc-go.XXXXXX)
chmod 755 "$T"  # the worker runs as nobody outside its user namespace when we are root
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
fail() {
  echo "FAIL - $1${2:+: $2}"
  FAIL=$((FAIL + 1))
}

# --- build ----------------------------------------------------------------------------------
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOCACHE=$OUT/gocache GOTELEMETRY=off
export GOPATH=$OUT/gopath
PROGRAMS=()
for d in "$HERE"/programs/*/; do
  [[ -f $d/main.go ]] && PROGRAMS+=("$(basename "$d")")
done

# variant -> "GO GOOS"
declare -A VARIANTS=([js119]="$GO119 js" [js123]="$GO123 js" [wasip1]="$GO123 wasip1")
build_failed=0
for v in js119 js123 wasip1; do
  read -r gobin goos <<<"${VARIANTS[$v]}"
  mkdir -p "$OUT/$v"
  for p in "${PROGRAMS[@]}"; do
    bin=$OUT/$v/$p.wasm
    src=$HERE/programs/$p/main.go
    if [[ -f $bin && $bin -nt $src && $bin -nt $HERE/programs/go.mod && $bin -nt $gobin ]]; then
      continue
    fi
    if ! (cd "$HERE/programs" && GOOS=$goos GOARCH=wasm "$gobin" build -o "$bin.tmp" "./$p") \
        >"$T/build.log" 2>&1; then
      fail "build $v/$p" "$(cat "$T/build.log")"
      build_failed=1
      rm -f "$bin.tmp"
      continue
    fi
    mv "$bin.tmp" "$bin"
  done
done
[[ $build_failed == 0 ]] && ok "build ${#PROGRAMS[@]} programs x {go1.19 js, go1.23 js, go1.23 wasip1}"

# Node hosts: Go 1.23's files as shipped; Go 1.19's wasm_exec_node.js assigns globalThis.crypto,
# which is a read-only getter since Node 19, so a copy guards the assignment.
NODE119=$OUT/node119
mkdir -p "$NODE119"
cp /usr/lib/go-1.19/misc/wasm/wasm_exec.js /usr/lib/go-1.19/misc/wasm/wasm_exec_node.js "$NODE119/"
sed -i 's/^globalThis\.crypto = {/if (!globalThis.crypto) globalThis.crypto = {/' "$NODE119/wasm_exec_node.js"
grep -q '^if (!globalThis.crypto) globalThis.crypto = {' "$NODE119/wasm_exec_node.js" \
  || fail "patch Go 1.19 wasm_exec_node.js" "the crypto assignment was not found"
declare -A NODE_EXEC=([js119]="$NODE119/wasm_exec_node.js" [js123]="/usr/lib/go-1.23/misc/wasm/wasm_exec_node.js")

# --- runners --------------------------------------------------------------------------------
# Each runner: RUNNER OUTPREFIX VARIANT PROGRAM ARGS...; reads the arrays ENVS (K=V), DIRS and
# DIRS_RO (host paths, granted at the same guest path) and WC_OPTS (extra webcontainerd
# options). Writes OUTPREFIX.out, .err and .rc. Every run starts in / with no stdin.
ENVS=() DIRS=() DIRS_RO=() WC_OPTS=()
record() {  # record PREFIX CMD...
  local prefix=$1; shift
  local rc=0
  (cd / && "$@") >"$prefix.out" 2>"$prefix.err" </dev/null || rc=$?
  echo "$rc" >"$prefix.rc"
}
run_node() {  # Go's wasm_exec_node.js, in an environment of exactly ENVS.
  local prefix=$1 v=$2 p=$3; shift 3
  record "$prefix" env -i "${ENVS[@]}" "$NODE" --no-experimental-fetch "${NODE_EXEC[$v]}" \
    "$OUT/$v/$p.wasm" "$@"
}
run_node_wasi() {
  local prefix=$1 v=$2 p=$3; shift 3
  local opts=() e d
  for e in "${ENVS[@]}"; do opts+=(--env "$e"); done
  for d in "${DIRS[@]}" "${DIRS_RO[@]}"; do opts+=(--dir "$d"); done
  record "$prefix" env -i "$NODE" --no-warnings "$HERE/node_wasi_runner.mjs" "${opts[@]}" \
    "$OUT/$v/$p.wasm" "$@"
}
run_wc() {
  local prefix=$1 v=$2 p=$3; shift 3
  local opts=() e d
  for e in "${ENVS[@]}"; do opts+=(--env "$e"); done
  for d in "${DIRS[@]}"; do opts+=(--dir "$d"); done
  for d in "${DIRS_RO[@]}"; do opts+=(--dir-ro "$d"); done
  record "$prefix" "$WCD" "${opts[@]}" "${WC_OPTS[@]}" "$OUT/$v/$p.wasm" -- "$@"
}

# show_diff LABEL A B: a bounded unified diff.
show_diff() {
  echo "  --- $1 (reference host vs webcontainerd):"
  diff -u --label reference --label webcontainerd "$2" "$3" | head -n 40 | sed 's/^/    /' || true
}
# same NAME REF WC: stdout, stderr and status of two runs must be identical.
same() {
  local name=$1 a=$2 b=$3 s bad=0
  for s in rc out err; do
    cmp -s "$a.$s" "$b.$s" || bad=1
  done
  if [[ $bad == 0 ]]; then ok "$name"; return; fi
  fail "$name" "differs from the reference host"
  for s in rc out err; do
    cmp -s "$a.$s" "$b.$s" || show_diff "$s" "$a.$s" "$b.$s"
  done
}

# A fresh directory at a fixed path for each run, so both hosts see the same names.
fresh_dir() {
  rm -rf "$1"
  mkdir -p "$1"
  printf 'input line\n' >"$1/input.txt"
  chmod -R a+rwX "$1"
}

TMPD=$T/tmp
mkdir -p "$TMPD"
chmod 1777 "$TMPD"
BASE_ENV=("TMPDIR=$TMPD")
umask 022  # node creates files with the process umask; webcontainer's fs uses 022

# The exit status each program has under its reference host (0 if not listed).
declare -A REF_RC=([panic]=2 [exit3]=3 [deadlock]=2)

# compare VARIANT PROGRAM [ARGS...]: the reference host (node, or node:wasi for wasip1)
# against webcontainerd. CASE (the name), ENVS, DIRS, DIRS_RO and FRESH (a directory to
# recreate before each run) are taken from the caller.
compare() {
  local v=$1 p=$2; shift 2
  local name="$v $CASE"
  [[ -f $OUT/$v/$p.wasm ]] || { fail "$name" "not built"; return; }
  [[ -n ${FRESH:-} ]] && fresh_dir "$FRESH"
  if [[ $v == wasip1 ]]; then run_node_wasi "$T/ref" "$v" "$p" "$@"
  else run_node "$T/ref" "$v" "$p" "$@"; fi
  # The reference itself must behave as the program says, or the comparison proves nothing.
  if [[ $(cat "$T/ref.rc") != "${REF_RC[$p]:-0}" || ! -s $T/ref.out ]]; then
    fail "$name" "the reference host misbehaved (status $(cat "$T/ref.rc"), expected ${REF_RC[$p]:-0})"
    head -c 1500 "$T/ref.err" | sed 's/^/    /'
    return
  fi
  [[ -n ${FRESH:-} ]] && fresh_dir "$FRESH"
  run_wc "$T/wc" "$v" "$p" "$@"
  if [[ -n ${NORMALIZE_REF:-} ]]; then
    sed -i -E "$NORMALIZE_REF" "$T/ref.out" "$T/ref.err"
  fi
  same "$name" "$T/ref" "$T/wc"
}

# --- programs compared with the reference hosts ----------------------------------------------
for v in js119 js123 wasip1; do
  ENVS=("${BASE_ENV[@]}") DIRS=() DIRS_RO=() FRESH="" NORMALIZE_REF=""
  CASE="hello"; compare "$v" hello
  ENVS=("${BASE_ENV[@]}" "GREETING=hello world" "EMPTY=" "SPACES=  a = b  " "LANG=C.UTF-8")
  CASE="args and env"; compare "$v" argsenv one "two words" "" "--flag=x" "ünïcödé"
  ENVS=("${BASE_ENV[@]}")

  CASE="files: read, write, readdir, rename, remove, stat, chdir, errors"
  DIRS=("$T/fs") FRESH="$T/fs"
  if [[ $v == wasip1 ]]; then
    # node:wasi (uvwasi) answers fd_readdir on a regular file and fd_read on a directory with
    # ENOTCAPABLE, where Linux (and webcontainer, which passes the kernel's answer on) says
    # ENOTDIR and EISDIR; those two lines are node's quirk, not the guest's.
    NORMALIZE_REF='s/^(readdir a file: readdirent [^:]*): Capabilities insufficient/\1: Not a directory/;s/^(readfile a directory: read [^:]*): Capabilities insufficient/\1: Is a directory/'
  fi
  compare "$v" fsops "$T/fs"
  DIRS=() FRESH="" NORMALIZE_REF=""

  CASE="goroutines, channels, WaitGroup, Mutex, Cond"; compare "$v" goroutines
  CASE="timers: Sleep, After, Ticker, AfterFunc, select timeouts, context"; compare "$v" timers
  CASE="crypto/rand"; compare "$v" cryptorand
  for tz in Asia/Kolkata America/New_York; do
    ENVS=("${BASE_ENV[@]}" "TZ=$tz") DIRS_RO=(/usr/share/zoneinfo)
    CASE="time zones (TZ=$tz)"; compare "$v" tz
  done
  ENVS=("${BASE_ENV[@]}") DIRS_RO=()
  CASE="panic: trace on stderr, exit 2"; compare "$v" panic
  CASE="os.Exit(3)"; compare "$v" exit3
  CASE="deadlock: fatal error, exit 2"; compare "$v" deadlock
  CASE="strconv/fmt/sort/json/regexp workout"; compare "$v" workout
  CASE="goroutine ping-pong, 100000 messages"; compare "$v" pingpong
done

# --- webcontainer only ------------------------------------------------------------------------
# expect_wc NAME CONDITION...: each CONDITION is a bash test run with $T/wc.{out,err,rc} present.
expect_wc() {
  local name=$1; shift
  local c
  for c in "$@"; do
    if ! eval "$c"; then
      fail "$name" "expected: $c"
      echo "  status $(cat "$T/wc.rc")"
      echo "  stdout:"; head -c 1500 "$T/wc.out" | sed 's/^/    /'
      echo "  stderr:"; head -c 1500 "$T/wc.err" | sed 's/^/    /'
      return
    fi
  done
  ok "$name"
}
has() { grep -Eq -- "$2" "$T/wc.$1"; }
rc_is() { [[ $(cat "$T/wc.rc") == "$1" ]]; }

OUTSIDE=$T/outside GRANT=$T/granted RO=$T/ro
for v in js119 js123 wasip1; do
  # Paths outside every grant: plain, through "..", and through a symlink in the grant.
  rm -rf "$OUTSIDE" "$GRANT" "$RO"
  mkdir -p "$OUTSIDE" "$GRANT" "$RO"
  printf 'TOP SECRET\n' >"$OUTSIDE/secret.txt"
  ln -s "$OUTSIDE/secret.txt" "$GRANT/abs-link"
  ln -s ../outside/secret.txt "$GRANT/rel-link"
  chmod -R a+rwX "$OUTSIDE" "$GRANT"
  ENVS=("${BASE_ENV[@]}") DIRS=("$GRANT") DIRS_RO=() WC_OPTS=()
  run_wc "$T/wc" "$v" denial "read:$OUTSIDE/secret.txt" "write:$OUTSIDE/created.txt" \
    "append:$OUTSIDE/secret.txt" "list:$OUTSIDE" "mkdir:$OUTSIDE/newdir" "remove:$OUTSIDE/secret.txt" \
    "rename:$OUTSIDE/secret.txt=>$GRANT/stolen.txt" "read:$GRANT/../outside/secret.txt" \
    "write:$GRANT/../outside/created.txt" "read:$GRANT/abs-link" "read:$GRANT/rel-link" \
    "read:/etc/passwd" "+write:$GRANT/inside.txt" "+read:$GRANT/inside.txt"
  expect_wc "$v denial: nothing outside the grant is read, written, listed or removed" \
    'rc_is 0' '! has out "SUCCEEDED|FAILED"' '! has out "TOP SECRET|root:"' \
    '[[ $(grep -c ": denied: " "$T/wc.out") == 12 ]]' \
    '[[ $(grep -Eci ": denied: .*(permission denied|no such file or directory|operation not permitted|bad file number|capabilities insufficient)" "$T/wc.out") == 12 ]]' \
    '[[ $(cat "$OUTSIDE/secret.txt") == "TOP SECRET" ]]' \
    '[[ ! -e $OUTSIDE/created.txt && ! -e $OUTSIDE/newdir && ! -e $GRANT/stolen.txt ]]' \
    '[[ $(cat "$GRANT/inside.txt") == "written by denial" ]]'

  # A read-only grant: reads work, every kind of write fails, the file is unchanged.
  printf 'read-only content\n' >"$RO/keep.txt"
  chmod -R a+rwX "$RO"
  DIRS=() DIRS_RO=("$RO")
  run_wc "$T/wc" "$v" denial "+read:$RO/keep.txt" "+list:$RO" "write:$RO/keep.txt" \
    "append:$RO/keep.txt" "write:$RO/new.txt" "mkdir:$RO/d" "remove:$RO/keep.txt" \
    "rename:$RO/keep.txt=>$RO/moved.txt"
  expect_wc "$v --dir-ro: reads work, writes fail, file unchanged" \
    'rc_is 0' '! has out "SUCCEEDED|FAILED"' 'has out "^\+read:.*: ok 18 bytes"' \
    '[[ $(grep -c ": denied: " "$T/wc.out") == 6 ]]' \
    '[[ $(grep -Eci ": denied: .*(read-only file system|permission denied|operation not permitted)" "$T/wc.out") == 6 ]]' \
    '[[ $(cat "$RO/keep.txt") == "read-only content" && ! -e $RO/new.txt && ! -e $RO/d && ! -e $RO/moved.txt ]]'

  # 1 GiB under a 256 MiB limit: Go's own out-of-memory failure, not a host crash.
  DIRS=() DIRS_RO=() WC_OPTS=(--memory-limit 256M)
  run_wc "$T/wc" "$v" oom
  expect_wc "$v --memory-limit 256M stops a 1 GiB allocation with Go's out-of-memory error" \
    '! rc_is 0' 'has out "^allocating 1 GiB"' '! has out "allocated and touched"' \
    'has err "out of memory"'

  # Sleeping forever in time.Sleep: --timeout stops it with 124, promptly.
  WC_OPTS=(--timeout 2)
  start=$(date +%s%N)
  run_wc "$T/wc" "$v" sleepforever
  elapsed_ms=$((($(date +%s%N) - start) / 1000000))
  expect_wc "$v --timeout 2 on time.Sleep(1h) -> 124 within 5 s (took ${elapsed_ms} ms)" \
    'rc_is 124' 'has out "^sleeping$"' '! has out "woke up"' '((elapsed_ms < 5000))'
  WC_OPTS=()
done

echo
echo "go: $PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
