// SIMD kernel: byte-wise image and text work on 256 KiB buffers, the u8 operations clang
// vectorizes with compares, saturating adds, min/max, averages, widening multiplies, narrows
// and byte shuffles: an alpha blend of two u8 images, a saturating brighten, a threshold, an
// RGBA -> BGRA swap, and a count of newlines (with -msimd128 as i8x16.eq + bitmask + popcnt,
// as a memchr-like scanner does). Built like matmul_f32.c, with and without -msimd128; both
// builds compute the same bytes, so the checksums match. Exports int64_t run(int32_t reps).
#include <stdint.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define N (256 * 1024)
static uint8_t A[N], B[N], C[N];

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

static void blend(uint8_t* restrict out, const uint8_t* a, const uint8_t* b, uint32_t alpha) {
  for (int i = 0; i < N; i++) out[i] = (uint8_t)((a[i] * alpha + b[i] * (256 - alpha)) >> 8);
}

static void brighten(uint8_t* p, uint8_t by) {
  for (int i = 0; i < N; i++) {
    uint8_t s = (uint8_t)(p[i] + by);
    p[i] = s < p[i] ? 255 : s;
  }
}

static void threshold(uint8_t* restrict out, const uint8_t* a, const uint8_t* b) {
  for (int i = 0; i < N; i++) {
    uint8_t m = a[i] > b[i] ? a[i] : b[i];
    uint8_t avg = (uint8_t)((a[i] + b[i] + 1) >> 1);
    out[i] = m > 200 ? avg : (uint8_t)(m - avg);
  }
}

static void swap_rb(uint8_t* p) {
  for (int i = 0; i < N; i += 4) {
    uint8_t r = p[i];
    p[i] = p[i + 2];
    p[i + 2] = r;
  }
}

static uint32_t count_byte(const uint8_t* p, uint8_t c) {
  uint32_t n = 0;
#ifdef __wasm_simd128__
  const v128_t k = wasm_i8x16_splat((int8_t)c);
  for (int i = 0; i < N; i += 16)
    n += (uint32_t)__builtin_popcount(wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p + i), k)));
#else
  for (int i = 0; i < N; i++) n += p[i] == c;
#endif
  return n;
}

__attribute__((export_name("run"))) int64_t run(int32_t reps) {
  uint32_t seed = 1;
  for (int i = 0; i < N; i++) {
    seed = seed * 1103515245u + 12345u;
    A[i] = (uint8_t)(seed >> 16);
    seed = seed * 1103515245u + 12345u;
    B[i] = (uint8_t)(seed >> 20);
  }
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    A[r % N] ^= 0x5A;  // each repetition differs from the last
    blend(C, A, B, (uint32_t)(r * 37) & 255);
    brighten(C, 40);
    threshold(B, A, C);
    swap_rb(C);
    acc = mix(acc, count_byte(C, '\n'));
    acc = mix(acc, count_byte(B, (uint8_t)r));
  }
  for (int i = 0; i < N; i += 4099) acc = mix(acc, C[i] | (uint32_t)B[i] << 8);
  return (int64_t)acc;
}
