// Built with -msimd128 (tests/e2e/run.sh): explicit v128 intrinsics and an auto-vectorized
// loop; prints what both compute next to a plain scalar computation of the same.
#include <stdio.h>
#include <wasm_simd128.h>

static float a[64], b[64], c[64];

int main(void) {
  for (int i = 0; i < 64; ++i) {
    a[i] = (float)i * 0.5f;
    b[i] = (float)(64 - i);
  }
  for (int i = 0; i < 64; ++i) c[i] = a[i] * b[i] + 1.0f;  // vectorized by clang
  v128_t acc = wasm_i32x4_splat(0);
  for (int i = 0; i < 64; i += 4) {
    v128_t x = wasm_v128_load(&c[i]);
    acc = wasm_i32x4_add(acc, wasm_i32x4_trunc_sat_f32x4(x));
  }
  int lanes = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
              wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
  int scalar = 0;
  for (int i = 0; i < 64; ++i) scalar += (int)((float)i * 0.5f * (float)(64 - i) + 1.0f);
  printf("simd sum %d, scalar sum %d\n", lanes, scalar);
  return lanes == scalar ? 0 : 1;
}
