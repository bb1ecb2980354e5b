#!/usr/bin/env bash
# Set up, build, and run the bundled examples: a WASI program in the full sandbox (broker +
# confined worker), and a CPU-bound module on the bare engine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
mkdir -p build/examples build/examples/data
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 examples/hello/hello.c -o build/examples/hello.wasm
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 examples/hello/fileops.c -o build/examples/fileops.wasm
echo "demo: a WASI program in the sandbox (webcontainerd --sandbox-report shows the layers)"
build/webcontainerd build/examples/hello.wasm -- one two
echo "demo: file operations beneath a granted directory"
build/webcontainerd --dir build/examples/data::/data build/examples/fileops.wasm /data
clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export=primes -Wl,--strip-debug \
  examples/primes.c -o build/examples/primes.wasm
echo "demo: counting primes below 2,000,000 inside webcontainer's interpreter"
time build/wasm-run build/examples/primes.wasm --invoke primes 2000000
