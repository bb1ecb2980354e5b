#!/usr/bin/env bash
# Benchmark harness. Builds every bench/programs/*.c natively (gcc) and to wasm32 (clang-19)
# into bench/out/, times native, our wasm-run, node and wabt's wasm-interp on each program,
# cross-checks all checksums against native, and writes bench/RESULTS.md.
#
#   bench/run.sh [PROGRAM...]          (default: every program in the table below)
#
# Environment: WASM_RUN (default build/wasm-run), RUNS (repetitions, default 3),
# WASM_RUN_DIV (wasm-run --engine interp does reps/DIV of the work, default 10), JIT_DIV
# (the same for --engine jit and auto, default 1: the whole work), TIMEOUT (s per run, 300),
# ENGINES (which columns; default all).
# wasm-run's default engine is auto, so every wasm-run column names its engine.
#
# Every engine is timed as whole-process wall time, median of RUNS. Runs are interleaved
# (run 1 of every engine, then run 2, ... with the engine order rotated) so that noise on this
# shared machine hits all engines alike. Interpreters run fewer repetitions of the same work;
# their times are scaled up linearly (each repetition does the same amount of work).
# An engine that fails is reported as "error" and does not stop the harness; a checksum that
# differs from native is a failure (exit status 1).
set -uo pipefail
export LC_ALL=C  # '.' decimal separator in $EPOCHREALTIME and awk

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
WASM_RUN=${WASM_RUN:-$ROOT/build/wasm-run}
RUNS=${RUNS:-3}
WASM_RUN_DIV=${WASM_RUN_DIV:-10}
JIT_DIV=${JIT_DIV:-1}  # wasm-run --engine jit and auto do reps/JIT_DIV of the work
TIMEOUT=${TIMEOUT:-300}
COMMAND="${ENGINES:+ENGINES=\"$ENGINES\" }WASM_RUN=$WASM_RUN RUNS=$RUNS WASM_RUN_DIV=$WASM_RUN_DIV JIT_DIV=$JIT_DIV TIMEOUT=$TIMEOUT bench/run.sh${*:+ $*}"
# ENGINES: a subset, e.g. ENGINES="native wasm-run-jit node" (native must stay first: it is
# the reference for checksums and ratios).
read -ra ENGINES <<<"${ENGINES:-native wasm-run-interp wasm-run-jit wasm-run-auto node wasm-interp}"

# program  reps (native, node: ~1 s native)  wasm-interp reps (~1-2 s; baked in at build time)
TABLE="
hash      330   3
sieve     200   1
nbody     280   2
mandel    170   2
matmul    220   1
sort      140   1
fib       600   6
dispatch  300   3
vm        250   2
strhash   220   2
"
declare -A REPS INTERP_REPS DESC
ALL=()
while read -r name reps ireps; do
  [[ -z $name ]] && continue
  ALL+=("$name"); REPS[$name]=$reps; INTERP_REPS[$name]=$ireps
done <<<"$TABLE"
PROGS=("$@")
((${#PROGS[@]})) || PROGS=("${ALL[@]}")
for p in "${PROGS[@]}"; do
  [[ -n ${REPS[$p]:-} ]] || { echo "unknown program: $p (known: ${ALL[*]})" >&2; exit 1; }
  # Each program's first comment line starts with what it stresses, up to a colon.
  DESC[$p]=$(sed -n '1s|^// *\([^:]*\).*|\1|p' "$BENCH/programs/$p.c")
done

CFLAGS=(-O2 -std=c11 -Wall -Wextra -Werror)
# shellcheck disable=SC2054  # the commas belong to -Wl, options
WASM_FLAGS=(--target=wasm32 "${CFLAGS[@]}" -ffreestanding -nostdlib -Wl,--no-entry
            -Wl,--export=run -Wl,--strip-debug)
mkdir -p "$OUT"
: >"$OUT/commands.txt"
STARTED=$EPOCHREALTIME
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine skews wall times

# Runs a command, logging it to the command list (once per distinct command).
logged() {
  local line="$*"  # no argument contains spaces, so this is exact
  grep -qxF -- "$line" "$OUT/commands.txt" || echo "$line" >>"$OUT/commands.txt"
  "$@"
}

# --- build -------------------------------------------------------------------------------
build() {
  local p=$1 src=$BENCH/programs/$1.c
  # -ffp-contract=off: never fuse multiply-add, so float checksums match wasm bit for bit.
  logged gcc "${CFLAGS[@]}" -ffp-contract=off "$src" "$BENCH/native_main.c" -lm -o "$OUT/$p.native" &&
  logged clang-19 "${WASM_FLAGS[@]}" "$src" -o "$OUT/$p.wasm" &&
  logged clang-19 "${WASM_FLAGS[@]}" -DFIXED_REPS="${INTERP_REPS[$p]}" "$src" -o "$OUT/$p.interp.wasm" ||
    return 1
  local w
  for w in "$OUT/$p.wasm" "$OUT/$p.interp.wasm"; do  # the engines get no imports at all
    if wasm-objdump -h "$w" | grep -q '^ *Import'; then echo "$w has imports" >&2; return 1; fi
  done
}
echo "building into $OUT ..."
for p in "${PROGS[@]}"; do build "$p" || { echo "build of $p failed" >&2; exit 1; }; done

# --- measure -----------------------------------------------------------------------------
engine_reps() {  # engine program
  case $1 in
    wasm-run-interp) echo $(( ${REPS[$2]} / WASM_RUN_DIV > 0 ? ${REPS[$2]} / WASM_RUN_DIV : 1 )) ;;
    wasm-run-jit|wasm-run-auto) echo $(( ${REPS[$2]} / JIT_DIV > 0 ? ${REPS[$2]} / JIT_DIV : 1 )) ;;
    wasm-interp) echo "${INTERP_REPS[$2]}" ;;
    *) echo "${REPS[$2]}" ;;
  esac
}
engine_cmd() {  # engine program reps
  case $1 in
    native) echo "$OUT/$2.native $3" ;;
    wasm-run-interp) echo "$WASM_RUN --engine interp $OUT/$2.wasm --invoke run $3" ;;
    wasm-run-jit) echo "$WASM_RUN --engine jit $OUT/$2.wasm --invoke run $3" ;;
    wasm-run-auto) echo "$WASM_RUN --engine auto $OUT/$2.wasm --invoke run $3" ;;
    node) echo "node $BENCH/run_node.mjs $OUT/$2.wasm $3" ;;
    wasm-interp) echo "wasm-interp $OUT/$2.interp.wasm --run-all-exports" ;;
  esac
}
checksum_of() { tail -n 1 "$1" | sed 's/^run() => i64://'; }  # wasm-interp: "run() => i64:N"

declare -A TIMES STATUS NOTE REF
FAILED=0
for p in "${PROGS[@]}"; do
  for e in "${ENGINES[@]}"; do  # reference checksums from native, untimed
    n=$(engine_reps "$e" "$p")
    [[ -n ${REF[$p:$n]:-} ]] || REF[$p:$n]=$("$OUT/$p.native" "$n")
    STATUS[$p:$e]=ok; TIMES[$p:$e]=""
  done
  for ((run = 0; run < RUNS; run++)); do
    for ((i = 0; i < ${#ENGINES[@]}; i++)); do
      e=${ENGINES[(i + run) % ${#ENGINES[@]}]}
      [[ ${STATUS[$p:$e]} == ok ]] || continue  # failed once: don't retry
      n=$(engine_reps "$e" "$p")
      read -ra cmd <<<"$(engine_cmd "$e" "$p" "$n")"
      start=$EPOCHREALTIME
      logged timeout "$TIMEOUT" "${cmd[@]}" >"$OUT/stdout" 2>"$OUT/stderr"
      rc=$?
      elapsed=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.4f", e - s }')
      sum=$(checksum_of "$OUT/stdout")
      if ((rc != 0)) || [[ -z $sum ]]; then
        STATUS[$p:$e]=error
        NOTE[$p:$e]="exit $rc: $(head -c 300 "$OUT/stderr" | tr '\n' ' ')"
      elif [[ $sum != "${REF[$p:$n]}" ]]; then
        STATUS[$p:$e]=MISMATCH; FAILED=1
        NOTE[$p:$e]="checksum $sum, native says ${REF[$p:$n]} (reps $n)"
      else
        TIMES[$p:$e]+=" $elapsed"
      fi
    done
  done
  line="$p:"
  for e in "${ENGINES[@]}"; do line+=" $e=[${TIMES[$p:$e]# }] ${STATUS[$p:$e]/#ok/}"; done
  echo "$line"
done

# Startup cost of each engine: run(0) of the first program (wasm-interp: a FIXED_REPS=0 build).
p0=${PROGS[0]}
logged clang-19 "${WASM_FLAGS[@]}" -DFIXED_REPS=0 "$BENCH/programs/$p0.c" -o "$OUT/startup.interp.wasm"
declare -A STARTUP
for e in "${ENGINES[@]}"; do
  read -ra cmd <<<"$(engine_cmd "$e" "$p0" 0)"
  [[ $e == wasm-interp ]] && cmd=(wasm-interp "$OUT/startup.interp.wasm" --run-all-exports)
  ts=()
  for ((run = 0; run < RUNS; run++)); do
    start=$EPOCHREALTIME
    logged timeout "$TIMEOUT" "${cmd[@]}" >/dev/null 2>&1 || { ts=(); break; }
    ts+=("$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.4f", e - s }')")
  done
  STARTUP[$e]=$( ((${#ts[@]})) && printf '%s\n' "${ts[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f s", a[int((NR + 1) / 2)] }' || echo error)
done

# --- report ------------------------------------------------------------------------------
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

declare -A NORM
for p in "${PROGS[@]}"; do
  for e in "${ENGINES[@]}"; do
    [[ ${STATUS[$p:$e]} == ok ]] || continue
    # shellcheck disable=SC2086
    NORM[$p:$e]=$(awk -v m="$(median ${TIMES[$p:$e]})" -v full="${REPS[$p]}" -v n="$(engine_reps "$e" "$p")" \
      'BEGIN { printf "%.4f", m * full / n }')
  done
done

ELAPSED_TOTAL=$(awk -v s="$STARTED" -v e="$EPOCHREALTIME" 'BEGIN { printf "%d", e - s }')
RESULTS=$BENCH/RESULTS.md
# The sandbox figures (bench/sandbox, bench/broker) are measured separately: keep that section.
SANDBOX_SECTION=""
[[ -f $RESULTS ]] && SANDBOX_SECTION=$(sed -n '/^## Sandbox and broker/,$p' "$RESULTS")
{
  echo "# Benchmark results"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(uname -sr)"
  echo "- Load average (1/5/15 min): $LOAD_BEFORE at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
  echo "- Command: \`$COMMAND\` (total $((ELAPSED_TOTAL / 60)) min $((ELAPSED_TOTAL % 60)) s)"
  echo "- Engines: native = $(gcc --version | head -n 1) -O2; wasm-run = \`$WASM_RUN\` (tree $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown));"
  echo "  node $(node --version); wasm-interp (wabt) $(wasm-interp --version); wasm built by $(clang-19 --version | head -n 1)"
  echo
  echo "Seconds are whole-process wall time (startup, compilation and all), median of $RUNS runs,"
  echo "interleaved across engines. Interpreters run fewer repetitions of the same work (see Sizes)"
  echo "and their time is scaled to the full size; \`×\` is the ratio to native (lower is better)."
  echo "Sizes are chosen so native takes ~1 s, large next to process startup, which is included;"
  startups=()
  for e in "${ENGINES[@]}"; do startups+=("$e ${STARTUP[$e]}"); done
  echo "run(0) of $p0 (startup, load and compile only) takes: $(IFS=,; echo "${startups[*]}" | sed 's/,/, /g')."
  echo
  printf '| Program | native s |'
  for e in "${ENGINES[@]:1}"; do printf ' %s s | %s × |' "$e" "$e"; done
  echo
  printf '|---|--:|'; for e in "${ENGINES[@]:1}"; do printf -- '--:|--:|'; done; echo
  for p in "${PROGS[@]}"; do
    if [[ -n ${NORM[$p:native]:-} ]]; then native=$(awk -v t="${NORM[$p:native]}" 'BEGIN { printf "%.3f", t }')
    else native=${STATUS[$p:native]}; fi
    printf '| %s | %s |' "$p" "$native"
    for e in "${ENGINES[@]:1}"; do
      if [[ -n ${NORM[$p:$e]:-} && -n ${NORM[$p:native]:-} ]]; then
        awk -v t="${NORM[$p:$e]}" -v b="${NORM[$p:native]}" 'BEGIN { printf " %.3f | %.2f |", t, t / b }'
      else
        printf ' %s | |' "${STATUS[$p:$e]}"
      fi
    done
    echo
  done
  printf '| **geometric mean** | |'
  for e in "${ENGINES[@]:1}"; do
    for p in "${PROGS[@]}"; do
      [[ -n ${NORM[$p:$e]:-} && -n ${NORM[$p:native]:-} ]] && echo "${NORM[$p:$e]} ${NORM[$p:native]}"
    done | awk -v total="${#PROGS[@]}" '{ s += log($1 / $2); n++ }
      END { if (n) printf " | **%.2f**%s |", exp(s / n), n < total ? sprintf(" (%d/%d)", n, total) : ""; else printf " | error |" }'
  done
  echo
  echo
  echo "## Sizes and checksums"
  echo
  echo "| Program | stresses | reps (native, node) | wasm-run-interp reps | wasm-interp reps | checksum (full size) |"
  echo "|---|---|--:|--:|--:|--:|"
  for p in "${PROGS[@]}"; do
    echo "| $p | ${DESC[$p]} | ${REPS[$p]} | $(engine_reps wasm-run-interp "$p") | ${INTERP_REPS[$p]} | ${REF[$p:${REPS[$p]}]} |"
  done
  echo
  echo "## Failures"
  echo
  any=0
  for p in "${PROGS[@]}"; do
    for e in "${ENGINES[@]}"; do
      [[ ${STATUS[$p:$e]} == ok ]] && continue
      any=1; echo "- $p / $e: **${STATUS[$p:$e]}** — \`${NOTE[$p:$e]% }\`"
    done
  done
  ((any)) || echo "None: every engine produced the native checksum for every program."
  echo
  echo "## Commands"
  echo
  echo "Every command the harness ran (build, then each engine's run; each run command was repeated $RUNS times):"
  echo
  echo '```sh'
  cat "$OUT/commands.txt"
  echo '```'
} >"$RESULTS"
[[ -n $SANDBOX_SECTION ]] && printf '\n%s\n' "$SANDBOX_SECTION" >>"$RESULTS"

echo "wrote $RESULTS in ${ELAPSED_TOTAL} s"
sed -n '/^| Program | native/,/geometric/p' "$RESULTS"
((FAILED == 0)) || { echo "checksum mismatch: see Failures in $RESULTS" >&2; exit 1; }
