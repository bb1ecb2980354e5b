#!/usr/bin/env bash
# Installs everything webcontainer needs to build and test, by Debian package name.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang-19 lld-19 libclang-rt-19-dev            # fuzzing (libFuzzer) and guest builds
  wasi-libc libclang-rt-19-dev-wasm32           # C guests for wasm32
  wabt                                          # wast2json for the spec suite, wasm-interp peer
  libgtest-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  libseccomp-dev libtomlplusplus-dev            # worker's syscall filter, policy files
  hyperfine wrk                                 # benchmark timing, HTTP load
  python3 llvm-19                               # network test client; llvm-ar for the C SDK
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
