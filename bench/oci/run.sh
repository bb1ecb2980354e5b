#!/usr/bin/env bash
# Containers per second through containerd, and the memory each running container adds:
# webcontainer-runc running a wasm hello vs Debian's runc running the same hello.c built
# native (gcc -static). Both images have the same shape (a rootfs holding one program and
# nothing else, `ctr run --rootfs`), both go through the same private containerd and the same
# stock shim (containerd-shim-runc-v2, `--runc-binary` picks the runtime).
#
#   bench/oci/run.sh [BUILD_DIR] [RUNS] [RUNNING]     (defaults: build 100 10)
#
# Rate: RUNS sequential `ctr run --rm` of hello, then RUNS more as 4 parallel streams.
# PSS: RUNNING detached sleepers (tests/daemon/guests/sleeper.c, wasm vs native), then the sum
# of Pss in /proc/PID/smaps_rollup over each task's process tree (webcontainer: the broker and
# its confined worker; runc: the program itself; the shim is the same for both and not
# counted). Needs root, containerd, runc, clang-19 with wasi-libc, gcc with static glibc.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
RUNS=${2:-100}
RUNNING=${3:-10}
WCRUNC=$BUILD/webcontainer-runc
for tool in containerd ctr containerd-shim-runc-v2 runc clang-19 gcc; do
  command -v "$tool" >/dev/null || { echo "$tool not installed (scripts/setup.sh)" >&2; exit 2; }
done
[[ -x $WCRUNC ]] || { echo "$WCRUNC not built" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "bench/oci/run.sh needs root (containerd)" >&2; exit 2; }

T=$(mktemp -d /tmp/wc-oci-bench.XXXXXX)
chmod 755 "$T"
NS=wc-oci-bench-$$
SOCK=$T/containerd.sock
CPID=
CTR=(ctr -a "$SOCK" -n "$NS")
cleanup() {
  if [[ -S $SOCK ]]; then
    for t in $("${CTR[@]}" task ls -q 2>/dev/null); do "${CTR[@]}" task kill -s KILL "$t" >/dev/null 2>&1; done
    sleep 0.3
    for t in $("${CTR[@]}" task ls -q 2>/dev/null); do "${CTR[@]}" task delete -f "$t" >/dev/null 2>&1; done
    for c in $("${CTR[@]}" container ls -q 2>/dev/null); do "${CTR[@]}" container rm "$c" >/dev/null 2>&1; done
  fi
  [[ -n $CPID ]] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
  find /sys/fs/cgroup/*/"$NS" -depth -type d -exec rmdir {} + 2>/dev/null
  grep -o " $T[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
}
trap cleanup EXIT

# ---- the two rootfs: one program each ------------------------------------------------------
mkdir -p "$T/wasm" "$T/native"
W=(--target=wasm32-wasi --sysroot=/usr -O2)
clang-19 "${W[@]}" "$ROOT/examples/hello/hello.c" -o "$T/wasm/hello.wasm" &&
  clang-19 "${W[@]}" "$ROOT/tests/daemon/guests/sleeper.c" -o "$T/wasm/sleeper.wasm" &&
  gcc -static -O2 "$ROOT/examples/hello/hello.c" -o "$T/native/hello" &&
  gcc -static -O2 "$ROOT/tests/daemon/guests/sleeper.c" -o "$T/native/sleeper" ||
  { echo "building the programs failed" >&2; exit 1; }
chmod -R a+rX "$T"

# ---- a private containerd (as tests/oci/run.sh) ------------------------------------------
cat >"$T/config.toml" <<EOF
version = 2
root = "$T/containerd-root"
state = "$T/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  level = "warn"
EOF
containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 &
CPID=$!
for _ in $(seq 100); do ctr -a "$SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr -a "$SOCK" version >/dev/null 2>&1 || { echo "containerd did not start" >&2; cat "$T/containerd.log"; exit 1; }

# run_one RUNTIME ROOTFS PROG ID: one `ctr run --rm`, its output checked (a failed run must not
# count as a fast one).
run_one() {
  local out
  out=$("${CTR[@]}" run --rm --runc-binary "$1" --runc-root "$T/rr-$(basename "$1")" \
    --rootfs "$2" "$4" "$3" 2>&1 </dev/null)
  [[ $out == *"hello from webcontainer"* ]] || { echo "run $4 failed: $out" >&2; return 1; }
}
export -f run_one

# rate RUNTIME ROOTFS PROG LABEL ID: containers per second, sequential then 4 streams.
rate() {
  local rt=$1 fs=$2 prog=$3 label=$4 id=$5 t0 t1 i
  run_one "$rt" "$fs" "$prog" "warm-$id" || exit 1
  t0=$(date +%s.%N)
  for ((i = 0; i < RUNS; i++)); do run_one "$rt" "$fs" "$prog" "s-$id-$i" || exit 1; done
  t1=$(date +%s.%N)
  local seq_rate
  seq_rate=$(echo "$RUNS / ($t1 - $t0)" | bc -l)
  t0=$(date +%s.%N)
  seq 0 $((RUNS - 1)) | CTRA="${CTR[*]}" xargs -P 4 -I{} bash -c \
    'CTR=($CTRA); run_one "$0" "$1" "$2" "p-$3-$4"' "$rt" "$fs" "$prog" "$id" {} || exit 1
  t1=$(date +%s.%N)
  local par
  par=$(echo "$RUNS / ($t1 - $t0)" | bc -l)
  printf '%-22s %8.1f /s sequential  %8.1f /s 4 streams   (%d runs each)\n' "$label" "$seq_rate" "$par" "$RUNS"
}

# pss RUNTIME ROOTFS PROG LABEL ID: mean Pss (KiB) of one running container's process tree.
tree_pids() {
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
pss() {
  local rt=$1 fs=$2 prog=$3 label=$4 id=$5 i total=0 n=0 pid kb
  for ((i = 0; i < RUNNING; i++)); do
    "${CTR[@]}" run -d --runc-binary "$rt" --runc-root "$T/rr-$(basename "$rt")" --rootfs "$fs" \
      "d-$id-$i" "$prog" 600 >/dev/null 2>&1 </dev/null || { echo "run -d $id-$i failed" >&2; exit 1; }
  done
  sleep 1
  for ((i = 0; i < RUNNING; i++)); do
    pid=$("${CTR[@]}" task ls | awk -v id="d-$id-$i" '$1 == id && $3 == "RUNNING" {print $2}')
    [[ -n $pid ]] || { echo "task d-$id-$i not running" >&2; exit 1; }
    for p in $(tree_pids "$pid"); do
      kb=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null)
      total=$((total + ${kb:-0}))
    done
    n=$((n + 1))
  done
  printf '%-22s %8d KiB Pss per running container (mean of %d; processes: %s)\n' "$label" \
    $((total / n)) "$n" "$(tree_pids "$pid" | xargs -I{} cat /proc/{}/comm | tr '\n' ' ')"
  for ((i = 0; i < RUNNING; i++)); do "${CTR[@]}" task kill -s KILL "d-$id-$i" >/dev/null 2>&1; done
  sleep 0.5
  for ((i = 0; i < RUNNING; i++)); do
    "${CTR[@]}" task delete -f "d-$id-$i" >/dev/null 2>&1
    "${CTR[@]}" container rm "d-$id-$i" >/dev/null 2>&1
  done
}

echo "containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'), $(nproc) cores"
rate "$WCRUNC" "$T/wasm" /hello.wasm webcontainer-runc wc
rate "$(command -v runc)" "$T/native" /hello "runc (native static)" runc
pss "$WCRUNC" "$T/wasm" /sleeper.wasm webcontainer-runc wc
pss "$(command -v runc)" "$T/native" /sleeper "runc (native static)" runc
