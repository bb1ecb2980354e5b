#!/usr/bin/env bash
# Builds and runs the brokered open+close round-trip benchmark against a build of wc_system.
#   bench/broker/run.sh [BUILD_DIR] [ITERATIONS]     (defaults: build, 20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
iterations=${2:-20000}
ninja -C "$build" wc_system wc_engine >/dev/null
out=bench/out/broker_rtt
mkdir -p bench/out
g++ -std=gnu++20 -O2 -Isrc bench/broker/broker_rtt.cc -o "$out" \
  "$build/libwc_system.a" "$build/libwc_engine.a" -lseccomp -lpthread
"$out" "$iterations"
