# Sourced by bench/simd/run.sh and engines.sh: builds bench/simd/$KERNEL.c (matmul_f32 or
# bytes_u8) into $OUT/$KERNEL.scalar.wasm and $OUT/$KERNEL.simd.wasm (the same with
# -msimd128), printing each command.
build_kernel() {  # ROOT OUT KERNEL
  local v
  for v in scalar simd; do
    local flags=()
    [[ $v == simd ]] && flags=(-msimd128)
    local cmd=(clang-19 --target=wasm32-wasi --sysroot=/usr -O2 ${flags[@]+"${flags[@]}"}
      -nostartfiles -Wl,--no-entry -Wl,--strip-debug "$1/bench/simd/$3.c"
      -o "$2/$3.$v.wasm")
    echo "${cmd[*]}"
    "${cmd[@]}"
  done
}
