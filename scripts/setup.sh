#!/usr/bin/env bash
# Installs everything webcontainer needs to build and test, by Debian package name.
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang-19 lld-19 libclang-rt-19-dev            # fuzzing (libFuzzer) and guest builds
  wasi-libc libclang-rt-19-dev-wasm32           # C guests for wasm32
  libxbyak-dev                                   # x86-64 encoder for the JIT tier (header-only)
  binaryen                                      # wasm-opt -ttf: generated modules for the JIT differential test
  wabt                                          # wast2json (spec comparison test, fuzz seeds), wat2wasm (unit tests), wasm-interp peer
  libgtest-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  libseccomp-dev libtomlplusplus-dev            # worker's syscall filter, policy files
  nettle-dev                                     # SHA-256 keys of the daemon's module cache
  hyperfine wrk strace                          # benchmark timing, HTTP load, syscall counts
  python3 llvm-19                               # network test client; llvm-ar for the C SDK
  golang-1.19-go                                # Go js/wasm guests, import module "go"
  nodejs                                        # peer runtime: Go's wasm_exec_node.js, node:wasi
  tzdata                                        # time-zone tests of the Go guests
  curl bc util-linux procps                     # daemon tests: raw API requests, setpriv, pgrep
  containerd runc                               # OCI runtime tests (private containerd); runc: bench peer
)
# Newer Go (js/wasm with module "gojs", and GOOS=wasip1) comes from bookworm-backports.
backports=(golang-1.23-go)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

missing_backports=()
for p in "${backports[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_backports+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# The Debian archive URI this machine already uses (the entry whose suite is "bookworm"), so
# setup follows whatever mirror the machine is configured for instead of naming one.
debian_archive_uri() {
  local f
  # deb822 stanzas: blank-line separated; a stanza may list several URIs and suites.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk '
      function flush() { if (bookworm && uri != "") { print uri; found = 1; exit } uri = ""; bookworm = 0 }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") bookworm = 1 }
      END { if (!found) flush() }
    ' "$f" | head -n1
  done
  # One-line style: deb [options] URI suite components...
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk '$1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) == "bookworm") { print $i; exit }
    }' "$f"
  done
}

if ((${#missing_backports[@]})) && ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  archive_uri=$(debian_archive_uri | head -n1)
  if [ -z "$archive_uri" ]; then
    echo "setup: cannot add bookworm-backports: no Debian archive entry with suite 'bookworm' in" \
      "/etc/apt/sources.list or /etc/apt/sources.list.d/*.sources; add one, or install" \
      "${missing_backports[*]} by hand" >&2
    exit 1
  fi
  echo "setup: adding Debian's bookworm-backports suite from $archive_uri to apt sources"
  printf '%s\n' 'Types: deb' "URIs: $archive_uri" 'Suites: bookworm-backports' \
    'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
    $SUDO tee /etc/apt/sources.list.d/webcontainer-backports.sources >/dev/null
fi
if ((${#missing[@]} + ${#missing_backports[@]})); then
  echo "setup: installing ${missing[*]} ${missing_backports[*]}"
  $SUDO apt-get update -qq
fi
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((${#missing_backports[@]})); then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -t bookworm-backports "${missing_backports[@]}" >/dev/null
fi
# npm: the JIT's real-program test fetches SQLite's amalgamation from npm (bench/sqlite/build.sh).
# Some nodejs builds bundle it; Debian's ships it as its own package.
if ! command -v npm >/dev/null; then
  echo "setup: installing npm"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "setup: all packages present"
