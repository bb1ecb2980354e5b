#!/usr/bin/env bash
# End-to-end tests: real guests (C compiled to wasm32-wasi) run through the real webcontainerd,
# i.e. a confined webcontainerc worker in fresh namespaces with Landlock and seccomp, every path
# brokered. Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
#
#   tests/e2e/run.sh [BUILD_DIR]        (default: build-e2e, then build)
#
# Needs clang-19 with wasi-libc (scripts/setup.sh installs them) and a built webcontainerd and
# webcontainerc in BUILD_DIR.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-}
if [[ -z $BUILD ]]; then
  for b in "$ROOT/build-e2e" "$ROOT/build"; do
    [[ -x $b/webcontainerd && -x $b/webcontainerc ]] && BUILD=$b && break
  done
fi
WCD=${BUILD:-$ROOT/build}/webcontainerd
if [[ ! -x $WCD || ! -x $(dirname "$WCD")/webcontainerc ]]; then
  echo "webcontainerd/webcontainerc not built (looked in ${BUILD:-$ROOT/build-e2e and $ROOT/build})" >&2
  exit 2
fi

T=$(mktemp -d /tmp/wc-e2e.XXXXXX)
chmod 755 "$T"  # the worker runs as nobody outside its user namespace when we are root
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0

# Guests: the same flags as tests/unit/wasi_guest_test.cc.
CFLAGS=(--target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror)
# clang's driver runs binaryen's wasm-opt after linking whenever it finds one in PATH (setup.sh
# installs binaryen for the JIT differential tests), and wasm-opt drops the name section the
# backtrace checks need. Give clang a PATH with only the linker.
mkdir -p "$T/toolchain"
ln -sf "$(command -v wasm-ld-19)" "$T/toolchain/wasm-ld-19"
for src in "$ROOT"/examples/hello/hello.c "$ROOT"/examples/hello/fileops.c "$ROOT"/tests/e2e/guests/*.c; do
  name=$(basename "$src" .c)
  extra=(); [[ $name == simd128 ]] && extra=(-msimd128)  # the SIMD guest
  if ! PATH="$T/toolchain" "$(command -v clang-19)" "${CFLAGS[@]}" "${extra[@]}" "$src" -o "$T/$name.wasm" 2>"$T/clang.log"; then
    echo "FAIL build guest $name"; cat "$T/clang.log"; exit 1
  fi
done
printf 'this is not wasm\n' >"$T/bad.wasm"
printf '\0asm\1\0\0\0\1\5' >"$T/truncated.wasm"

ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() {
  echo "FAIL $1: $2"
  echo "     stdout: $(head -c 600 "$T/out" | sed 's/^/       /')"
  echo "     stderr: $(head -c 1200 "$T/err" | sed 's/^/       /')"
  FAIL=$((FAIL + 1))
}
# run CMD...: runs it with stdout/stderr in $T/out, $T/err and the status in $RC.
run() { "$@" >"$T/out" 2>"$T/err" </dev/null; RC=$?; }
# expect NAME RC [out|err] PATTERN...: the status and every (extended regex) pattern must match.
expect() {
  local name=$1 want=$2; shift 2
  if [[ $RC != "$want" ]]; then bad "$name" "exit status $RC, expected $want"; return; fi
  while [[ $# -ge 2 ]]; do
    if ! grep -Eq -- "$2" "$T/$1"; then bad "$name" "$1 does not match /$2/"; return; fi
    shift 2
  done
  ok "$name"
}
lines() { wc -l <"$T/$1" | tr -d ' '; }

# --- basics --------------------------------------------------------------------------------
run "$WCD" "$T/simd128.wasm"
expect "-msimd128 guest: v128 ops give the scalar result" 0 out '^simd sum 21888, scalar sum 21888$'

# A text-format module (.wat), told apart from binary by content, parsed inside the sandbox.
cp "$ROOT/tests/e2e/guests/hello_text.wat" "$T/"
run "$WCD" "$T/hello_text.wat"
expect "text module (.wat): WASI fd_write and proc_exit" 7 out '^hello from a text module$'
printf '(module\n  (func (export "_start")\n    (i32.const 1)\n    i32.bogus))\n' >"$T/bad.wat"
run "$WCD" "$T/bad.wat"
expect "malformed text module -> FILE:LINE:COLUMN: error" 1 err 'bad\.wat:4:5: error: unknown operator'
run "$WCD" "$T/hello.wasm"
if [[ $RC == 0 && $(cat "$T/out") == "hello from webcontainer" && ! -s $T/err ]]; then ok "hello world: stdout, exit 0, quiet stderr"
else bad "hello world" "rc=$RC"; fi

run "$WCD" run "$T/hello.wasm" a "b c" -- -x
expect "hello with args (and 'run', '--' in guest args)" 0 out '^arg 1: a$' out '^arg 2: b c$' out '^arg 3: --$' out '^arg 4: -x$'

run "$WCD" --env A=1 --env "B=x y=z" --wasm-args "p q" "$T/env.wasm" r
expect "args and env" 0 out '^argc=4$' out "^argv\[0\]=.*env.wasm$" out '^argv\[1\]=p$' out '^argv\[3\]=r$' \
  out '^env A=1$' out '^env B=x y=z$'
if grep -q '^env PATH=' "$T/out"; then bad "env: nothing leaks from the broker's environment" "PATH visible"
else ok "env: nothing leaks from the broker's environment"; fi

run "$WCD" "$T/exit7.wasm"
expect "proc_exit(7) -> exit 7, output flushed" 7 out '^about to exit 7$'

# --- errors the user can act on -----------------------------------------------------------
run "$WCD" "$T/trap.wasm"
expect "trap -> 134 with message and backtrace" 134 out '^before trap$' err 'wasm trap: unreachable' \
  err 'crash_here' err 'call_crash' err '_start'
grep -n 'crash_here' "$T/err" | head -1 | grep -q '^3:' || true

run "$WCD" "$T/missing.wasm"
if [[ $RC == 1 && $(lines err) == 1 ]] && grep -q "cannot open module.*missing.wasm.*No such file or directory" "$T/err"; then
  ok "missing module -> one clear line, exit 1"
else bad "missing module" "rc=$RC"; fi

run "$WCD" "$T/bad.wasm"
if [[ $RC == 1 && $(lines err) == 1 ]] && grep -q "bad.wasm: not a valid WebAssembly module: offset 0x0: magic header" "$T/err"; then
  ok "malformed module -> the decoder's message, one line"
else bad "malformed module" "rc=$RC"; fi

run "$WCD" "$T/truncated.wasm"
if [[ $RC == 1 && $(lines err) == 1 ]] && grep -q "truncated.wasm: not a valid WebAssembly module: offset 0x" "$T/err"; then
  ok "truncated module -> offset and reason"
else bad "truncated module" "rc=$RC"; fi

run "$WCD" "$T/import.wasm"
expect "unknown import -> the linker's message (module, field, type)" 1 \
  err 'unknown import: env\.no_such_function \(expected func \[i32\] -> \[i32\]\)'

run "$WCD" --bogus "$T/hello.wasm"
expect "unknown option -> usage error 2" 2 err "unknown option '--bogus'"
run "$WCD"
expect "no module -> usage error 2" 2 err 'no MODULE.wasm'
# Network grants: well-formed ones are accepted (the guest runs), malformed ones are usage errors.
run "$WCD" --allow-connect 127.0.0.1:80 --allow-listen 127.0.0.1:0 "$T/hello.wasm"
expect "network grants accepted" 0 out 'hello from webcontainer'
run "$WCD" --allow-connect 127.0.0.1 "$T/hello.wasm"
expect "--allow-connect without a port -> usage error" 2 err 'HOST:PORT'
run "$WCD" --tcplisten 127.0.0.1:0 "$T/hello.wasm"
expect "--tcplisten opens a listener and the guest still runs" 0 out 'hello from webcontainer'

run "$WCD" --help
missing=""
for f in --wasm-args --dir --dir-ro --env --policy --audit-log --memory-limit --cpu-time --timeout \
         --max-fds --sandbox-report --allow-connect --allow-listen --tcplisten MODULE.wasm ARGS; do
  grep -q -- "$f" "$T/out" || missing+=" $f"
done
if [[ $RC == 0 && -z $missing ]]; then ok "--help documents every flag"; else bad "--help" "missing:$missing"; fi

# --- the filesystem, brokered -------------------------------------------------------------
mkdir -p "$T/data" "$T/ro/sub"
printf 'read-only content\n' >"$T/ro/keep.txt"
printf 'secret\n' >"$T/secret.txt"
ln -s /etc/passwd "$T/data/abs-link"
ln -s ../secret.txt "$T/data/rel-link"
chmod -R a+rwX "$T/data" "$T/ro"
AUDIT="$T/audit.log"

run "$WCD" --dir "$T/data::/data" "$T/fileops.wasm" /data
expect "--dir: write, read back, list" 0 out '^wrote /data/out.txt$' out '^written by fileops$' out '^out.txt$'
if [[ $(cat "$T/data/out.txt" 2>/dev/null) == "written by fileops" ]]; then ok "--dir: the host file has the guest's bytes"
else bad "--dir: host file" "missing or wrong"; fi

run "$WCD" --dir-ro "$T/ro::/ro" "$T/fileops.wasm" read /ro/keep.txt
expect "--dir-ro: reads work" 0 out '^read-only content$'

run "$WCD" --dir-ro "$T/ro::/ro" --audit-log "$AUDIT" "$T/fileops.wasm" write /ro/keep.txt
expect "--dir-ro: write denied with an errno to the guest" 1 err 'open for writing /ro/keep.txt: Read-only file system' \
  err '^hint: .*--dir-ro .*read-only; use --dir '
if [[ $(cat "$T/ro/keep.txt") == "read-only content" ]]; then ok "--dir-ro: file unchanged"; else bad "--dir-ro: file changed" ""; fi
if grep -q '"op":"open","target":"/ro/keep.txt","rule":"read-only mount --dir-ro .*","errno":"EROFS"' "$AUDIT" 2>/dev/null; then
  ok "--dir-ro: audit line written"
else bad "--dir-ro: audit line" "$(cat "$AUDIT" 2>/dev/null)"; fi

# WASI rights in the confined worker (numbers are WASI errnos: 8 EBADF, 57 ENOTSOCK, 69 EROFS).
run "$WCD" --dir-ro "$T/ro::/ro" "$T/rights.wasm"
expect "--dir-ro: advertises only read-side rights, grants them" 0 \
  out '^advertises write-side rights: no$' out '^open keep.txt with exactly the advertised rights: 0$' \
  out '^content: read-only content$' out '^open sub with the preopen.s own rights, O_DIRECTORY: 0$' \
  out '^sub: type 3, rights as asked yes$' out '^open \. with the preopen.s own rights: 0$' \
  out '^open keep.txt to write: 69$'
expect "directories: no seek/tell (EBADF); sock_shutdown on stdout: ENOTSOCK" 0 \
  out '^seek a directory: 8$' out '^tell a directory: 8$' out '^sock_shutdown stdout: 57$'

run "$WCD" --dir-ro "$T/ro::/ro" --audit-log "$AUDIT" "$T/fileops.wasm" write /ro/new.txt
if [[ $RC == 1 && ! -e $T/ro/new.txt ]]; then ok "--dir-ro: create denied, nothing created"; else bad "--dir-ro create" "rc=$RC"; fi

: >"$AUDIT"
run "$WCD" --dir "$T/data::/data" --dir-ro "$T/ro::/ro" --audit-log "$AUDIT" "$T/fileops.wasm" read /data/../secret.txt
expect "'..' escape denied" 1 err 'open for reading /data/../secret.txt: (Operation not permitted|Permission denied|Capabilities insufficient)'
grep -q '"target":"/data/../secret.txt"' "$AUDIT" && ok "'..' escape: audit line" || bad "'..' escape: audit line" "$(cat "$AUDIT")"

run "$WCD" --dir "$T/data::/data" "$T/fileops.wasm" read /data/abs-link
if [[ $RC == 1 ]] && ! grep -q root: "$T/out"; then ok "absolute symlink out of a mount denied"; else bad "absolute symlink" "rc=$RC"; fi
run "$WCD" --dir "$T/data::/data" "$T/fileops.wasm" read /data/rel-link
if [[ $RC == 1 ]] && ! grep -q secret "$T/out"; then ok "relative symlink out of a mount denied"; else bad "relative symlink" "rc=$RC"; fi

run "$WCD" "$T/fileops.wasm" read /etc/passwd
if [[ $RC == 1 ]] && ! grep -q root: "$T/out"; then ok "no grant: /etc/passwd unreachable"; else bad "no grant" "rc=$RC"; fi

head -c 3000000 /dev/urandom >"$T/data/blob"
run "$WCD" --dir-ro "$T/data::/in" "$T/readfile.wasm" /in/blob
expect "read a file through a granted fd (byte count)" 0 out '^3000000$'

cat >"$T/policy.toml" <<EOF
args = ["from-policy"]
env = { POLICY_VAR = "yes" }
dir_ro = ["$T/ro::/ro"]
timeout = 20
EOF
run "$WCD" --policy "$T/policy.toml" "$T/env.wasm" tail
expect "--policy file: args, env" 0 out '^argv\[1\]=from-policy$' out '^argv\[2\]=tail$' out '^env POLICY_VAR=yes$'
printf 'memory_limit = "32M"\n[[mount]]\nhost = "%s"\nguest = "/ro"\nread_only = true\n' "$T/ro" >"$T/mounts.toml"
run "$WCD" --policy "$T/mounts.toml" "$T/fileops.wasm" read /ro/keep.txt
expect "--policy file: [[mount]]" 0 out '^read-only content$'
run "$WCD" --policy "$T/mounts.toml" "$T/fileops.wasm" write /ro/keep.txt
expect "--policy file: read_only mount enforced" 1 err 'Read-only file system'
printf 'dri = ["/"]\n' >"$T/typo.toml"
run "$WCD" --policy "$T/typo.toml" "$T/hello.wasm"
expect "--policy file: unknown key is an error" 2 err 'dri'

# --- limits ----------------------------------------------------------------------------------
start=$(date +%s.%N)
run "$WCD" --timeout 1 "$T/loop.wasm"
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
expect "--timeout 1 on an infinite loop -> 124" 124 out '^spinning$' err 'timeout after 1 s'
if (( $(echo "$elapsed < 3" | bc) )); then ok "--timeout: killed promptly (${elapsed%????????}s)"; else bad "--timeout slow" "$elapsed s"; fi

run "$WCD" --cpu-time 1 "$T/loop.wasm"
expect "--cpu-time 1 on an infinite loop -> stopped, 152" 152 err 'CPU time limit of 1 s exceeded'

# --- the JIT tier in the confined worker (--engine jit: code pages RX, never W+X) ----------
run "$WCD" --engine jit "$T/hello.wasm"
expect "--engine jit: hello world" 0 out '^hello from webcontainer$'
run "$WCD" --engine jit "$T/simd128.wasm"
expect "--engine jit: -msimd128 guest (SIMD left to the interpreter) matches" 0 out '^simd sum 21888, scalar sum 21888$'
run "$WCD" --engine jit "$T/trap.wasm"
expect "--engine jit: trap -> 134 with the same backtrace" 134 out '^before trap$' \
  err 'wasm trap: unreachable' err 'crash_here' err 'call_crash'
run "$WCD" --engine jit --timeout 1 "$T/loop.wasm"
expect "--engine jit: --timeout stops a compiled loop -> 124" 124 out '^spinning$' err 'timeout after 1 s'
run "$WCD" --engine jit --cpu-time 1 "$T/loop.wasm"
expect "--engine jit: --cpu-time stops a compiled loop -> 152" 152 err 'CPU time limit of 1 s exceeded'
# --engine auto, the default: hot functions tier up inside the confined worker.
run "$WCD" --engine auto --timeout 1 "$T/loop.wasm"
expect "--engine auto: --timeout stops a loop that tiered up -> 124" 124 out '^spinning$' err 'timeout after 1 s'
run "$WCD" "$T/trap.wasm"
expect "default engine (auto): trap -> 134 with the backtrace" 134 out '^before trap$' \
  err 'wasm trap: unreachable' err 'crash_here' err 'call_crash'
run "$WCD" --engine interp "$T/hello.wasm"
expect "--engine interp: hello world" 0 out '^hello from webcontainer$'
run "$WCD" --engine turbo "$T/hello.wasm"
expect "--engine turbo: refused" 2 err 'expected interp\|auto\|jit'

run "$WCD" --memory-limit 16M "$T/grow.wasm"
expect "--memory-limit 16M: memory.grow fails" 3 out 'malloc failed: memory.grow refused'
n=$(sed -n 's/^allocated \([0-9]*\) MiB$/\1/p' "$T/out")
if [[ -n $n && $n -ge 8 && $n -lt 16 ]]; then ok "--memory-limit: stopped below the limit ($n MiB)"; else bad "--memory-limit count" "$n"; fi
run "$WCD" "$T/grow.wasm" 64
expect "no --memory-limit: 64 MiB fine" 0 out '^allocated 64 MiB$'
run "$WCD" --memory-limit 64K "$T/hello.wasm"
expect "--memory-limit below the initial memory: clear message" 134 err 'memory limit exceeded'

run "$WCD" --max-fds 3 "$T/hello.wasm"
expect "--max-fds out of range -> usage error" 2 err 'max-fds'

# --- the sandbox itself ----------------------------------------------------------------------
run "$WCD" --sandbox-report
expect "--sandbox-report lists the layers" 0 out '^sandbox: ' out 'user namespace' out 'pid namespace' \
  out 'net namespace' out 'empty root' out 'no_new_privs' out 'landlock' out 'seccomp'
grep -q 'fully confined' "$T/out" && ok "--sandbox-report: fully confined on this kernel" \
  || echo "note: sandbox is partial on this kernel: $(head -1 "$T/out")"

WC_TEST_ESCAPE=1 run "$WCD" "$T/hello.wasm"
expect "compromised worker: every escape attempt fails, broker survives" 0 err ', 0 succeeded' \
  err 'held +open\(/etc/passwd\)' err 'held +execve' err 'held +socket' err 'held +ptrace'
if grep -Eq '^ *escaped|ESCAPED' "$T/err"; then bad "compromised worker" "an attempt succeeded"; fi
if grep -q 'hello from webcontainer' "$T/out"; then bad "compromised worker" "the guest ran in escape mode"; fi

echo
echo "$PASS passed, $FAIL failed"
[[ $FAIL == 0 ]]
