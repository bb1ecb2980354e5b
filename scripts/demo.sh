#!/usr/bin/env bash
# Set up, build, and run the bundled example: a C program compiled to wasm32 at run time and
# executed by our engine, next to the same code built natively.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
mkdir -p build/examples
clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export=primes -Wl,--strip-debug \
  examples/primes.c -o build/examples/primes.wasm
echo "demo: counting primes below 2,000,000 inside webcontainer's interpreter"
time build/wasm-run build/examples/primes.wasm --invoke primes 2000000
