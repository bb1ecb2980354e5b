# Sourced by bench/simd/run.sh and engines.sh: builds matmul_f32.c into $OUT/matmul_f32.scalar.wasm
# and $OUT/matmul_f32.simd.wasm (the same with -msimd128), printing each command.
build_matmul() {  # ROOT OUT
  local v
  for v in scalar simd; do
    local flags=()
    [[ $v == simd ]] && flags=(-msimd128)
    local cmd=(clang-19 --target=wasm32-wasi --sysroot=/usr -O2 ${flags[@]+"${flags[@]}"}
      -nostartfiles -Wl,--no-entry -Wl,--strip-debug "$1/bench/simd/matmul_f32.c"
      -o "$2/matmul_f32.$v.wasm")
    echo "${cmd[*]}"
    "${cmd[@]}"
  done
}
