#!/usr/bin/env bash
# Set up, build, and run every test: unit tests (release and ASan+UBSan), a fuzzing smoke run
# over the regression corpus, and the official spec suite. The last line is the spec suite's
# total.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
spec_dir=${SPEC_DIR:-$root/../shared/testdata/wasm-spec-2.0}
fuzz_seconds=${FUZZ_SECONDS:-60}
# Each step's header says how long the run has taken so far (the whole run must stay well
# under CI's limit; these show where the time goes).
step() { echo "== [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; }

scripts/setup.sh

step "release build"
scripts/build.sh build
step "unit tests (release)"
ctest --test-dir build --output-on-failure -j2

step "end to end: webcontainerd + webcontainerc in the full sandbox"
tests/e2e/run.sh "$root/build"

step "daemon: webcontainerd serve + the webcontainer client (verbs, restarts, SIGKILL durability, tenants, 500-container soak), zygote-forked workers (the default), killing zygotes"
tests/daemon/run.sh "$root/build"
step "daemon again with --no-zygote: every check against warm-pool members and fresh workers"
tests/daemon/run.sh "$root/build" --no-zygote

step "OCI runtime: webcontainer-runc under a private containerd (ctr run), lifecycle by hand"
tests/oci/run.sh "$root/build"

step "networking: C SDK and examples (echo, HTTP server and client) in the sandbox, loopback only"
tests/net/run.sh "$root/build"

step "Go: js/wasm (Go 1.19 and 1.23) and wasip1 (Go 1.23) programs, compared with node"
tests/go/run.sh "$root/build"
step "Go networking: sdk/go and its examples in the sandbox (js/wasm and wasip1), loopback only"
tests/go/net/run.sh "$root/build"

step "unit tests and spec suite under AddressSanitizer + UndefinedBehaviorSanitizer (clang)"
# clang, not gcc: it compiles the sanitized tree in about half gcc's CPU time (ninja logs of one
# CI run: the libraries 566 s under clang, 1,066 s under gcc), and this build was the largest
# share of the test command. Only the two programs the steps below run; the mains are covered by
# the release build's end-to-end tests.
CC=clang-19 CXX=clang++-19 cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DWC_SANITIZE=ON >/dev/null
ninja -C build-asan unit_tests wasm-spec-runner
# Our SIGSEGV handler turns guard-page faults into traps and chains anything else to ASan's.
export ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure -j2
build-asan/wasm-spec-runner "$spec_dir" --expected-failures tests/spec/expected_failures.txt \
  > build-asan/spec.log || { cat build-asan/spec.log; exit 1; }
tail -n 1 build-asan/spec.log | sed 's/^/asan spec suite: /'
# The JIT tier under the sanitizers: the spec suite and the interpreter's unit tests with every
# function compiled to x86-64 and every compiled instruction enterable (WC_JIT_MIN_RUN=1).
WC_JIT_MIN_RUN=1 build-asan/wasm-spec-runner --engine jit "$spec_dir" \
  --expected-failures tests/spec/expected_failures.txt > build-asan/spec-jit.log ||
  { cat build-asan/spec-jit.log; exit 1; }
tail -n 1 build-asan/spec-jit.log | sed 's/^/asan spec suite, --engine jit: /'
WC_TEST_ENGINE=jit WC_JIT_MIN_RUN=1 build-asan/unit_tests --gtest_filter='Interp*:Runtime*:Jit*' --gtest_brief=1

step "fuzzing: regression inputs, then ${fuzz_seconds}s of decode+validate+instantiate"
# Only the fuzz targets (and the libraries they link): the unit tests and tools already ran in
# the release and ASan builds, and building them a third time cost minutes of CI.
CC=clang-19 CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DWC_FUZZ=ON \
  -DWC_SANITIZE=ON >/dev/null
mapfile -t fuzz_targets < <(basename -s .cc tests/fuzz/fuzz_*.cc)
ninja -C build-fuzz "${fuzz_targets[@]}"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for f in address br_table call_indirect elem data global imports memory_grow; do
  wast2json "$spec_dir/$f.wast" -o "$corpus/$f.json" >/dev/null
done
rm -f "$corpus"/*.json "$corpus"/*.wat
if compgen -G "tests/fuzz/regressions/*" >/dev/null; then
  build-fuzz/fuzz_module tests/fuzz/regressions/* 2>&1 | tail -n 2
fi
build-fuzz/fuzz_module -max_total_time="$fuzz_seconds" -max_len=4096 -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/ "$corpus" 2>&1 | tail -n 3
step "fuzzing: the broker's IPC decoder and dispatcher, $((fuzz_seconds / 2))s"
build-fuzz/fuzz_ipc -max_total_time="$((fuzz_seconds / 2))" -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/ 2>&1 | tail -n 3
step "fuzzing: the text-format parser (.wat/.wast), ${fuzz_seconds}s"
mkdir "$corpus/text"  # seeds: spec scripts (text) and the e2e .wat guest
for f in block br_table call_indirect const float_literals names simd_lane memory if loop; do
  cp "$spec_dir/$f.wast" "$corpus/text/"
done
cp tests/e2e/guests/hello_text.wat "$corpus/text/"
build-fuzz/fuzz_text -max_total_time="$fuzz_seconds" -max_len=8192 -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/ "$corpus/text" 2>&1 | tail -n 3
step "fuzzing: the serve API's HTTP request parser, $((fuzz_seconds / 2))s"
build-fuzz/fuzz_http -max_total_time="$((fuzz_seconds / 2))" -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/ 2>&1 | tail -n 3

step "fuzzing: the JIT against the interpreter (fuzz_jit_diff), $((fuzz_seconds / 2))s"
mkdir "$corpus/jit"  # seeds: the spec modules above and fixed inputs for binaryen's generator
cp "$corpus"/*.wasm "$corpus/jit/"
python3 -c 'import random, sys
for i in range(8):
    r = random.Random(1000 + i)
    open(f"{sys.argv[1]}/ttf-{i}.bin", "wb").write(r.randbytes(r.randint(256, 4096)))' "$corpus/jit"
build-fuzz/fuzz_jit_diff -max_total_time="$((fuzz_seconds / 2))" -max_len=16384 -rss_limit_mb=4096 \
  -artifact_prefix=build-fuzz/ "$corpus/jit" 2>&1 | tail -n 3

step "spec suite with --engine jit (every function compiled to x86-64) and auto, and the interpreter's unit tests"
WC_JIT_MIN_RUN=1 build/wasm-spec-runner --engine jit "$spec_dir" --expected-failures tests/spec/expected_failures.txt \
  > build/spec-jit.log || { cat build/spec-jit.log; exit 1; }
tail -n 1 build/spec-jit.log | sed 's/^/spec suite, --engine jit: /'
build/wasm-spec-runner --engine jit "$spec_dir" --expected-failures tests/spec/expected_failures.txt \
  > build/spec-jit-default.log || { cat build/spec-jit-default.log; exit 1; }
tail -n 1 build/spec-jit-default.log | sed 's/^/spec suite, --engine jit (default entries): /'
WC_TEST_ENGINE=jit WC_JIT_MIN_RUN=1 build/unit_tests --gtest_filter='Interp*:Runtime*:Jit*' --gtest_brief=1
# --engine auto with a threshold of 2: functions move to compiled code while their frames are
# live (mid-loop, mid-recursion) as often as possible.
WC_JIT_TIER_UP_AFTER=2 WC_JIT_MIN_RUN=1 build/wasm-spec-runner --engine auto "$spec_dir" \
  --expected-failures tests/spec/expected_failures.txt > build/spec-auto.log ||
  { cat build/spec-auto.log; exit 1; }
tail -n 1 build/spec-auto.log | sed 's/^/spec suite, --engine auto (tier up after 2): /'
WC_TEST_ENGINE=auto WC_JIT_TIER_UP_AFTER=2 WC_JIT_MIN_RUN=1 build/unit_tests \
  --gtest_filter='Interp*:Runtime*:Jit*' --gtest_brief=1

step "JIT against the interpreter: wasm-jit-diff over binaryen-generated modules (50s)"
tests/jit/differential.sh build 50

step "JIT on a large real program: SQLite (from npm) in memory and on a --dir file, jit and auto against the interpreter"
tests/jit/sqlite.sh build

step "spec suite: our .wast reader against wabt's wast2json, script by script"
tests/spec/compare_with_wast2json.sh build "$spec_dir"

step "spec suite (release, .wast read by src/engine/text)"
set +e
build/wasm-spec-runner "$spec_dir" --expected-failures tests/spec/expected_failures.txt |
  tee build/spec.log
status=${PIPESTATUS[0]}
set -e
# Closing line: the scripts that must pass in full (all but those listed as expected failures).
awk 'NR == FNR { sub(/#.*/, ""); if ($1 != "") listed[$1] = 1; next }
     /^[^ ]+\.wast: [0-9]+ passed/ { name = $1; sub(/:$/, "", name);
       if (!(name in listed)) { p += $2; f += $4; s += $6 } }
     END { printf "core: %d passed, %d failed, %d skipped\n", p, f, s }' \
  tests/spec/expected_failures.txt build/spec.log
exit "$status"
