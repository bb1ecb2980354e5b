// SIMD kernel: dense f32 matrix multiply, C = A * B, N = 128, i-k-j order. Built twice, with
// and without -msimd128: with it clang vectorizes the inner j loop into f32x4 operations.
// Each C[i][j] is still a sum in the same order, so both builds give the same checksum.
// Exports int64_t run(int32_t reps); no imports.
#include <stdint.h>

#define N 128
static float A[N][N], B[N][N], C[N][N];

static uint64_t mix(uint64_t h, uint64_t x) {
  h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

__attribute__((export_name("run"))) int64_t run(int32_t reps) {
  uint32_t seed = 1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      seed = seed * 1103515245u + 12345u;
      A[i][j] = (float)((seed >> 16) % 2001) / 1000.0f - 1.0f;
      seed = seed * 1103515245u + 12345u;
      B[i][j] = (float)((seed >> 16) % 2001) / 1000.0f - 1.0f;
    }
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    A[r % N][r % N] += 0.5f;  // each repetition differs from the last
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) C[i][j] = 0;
    for (int i = 0; i < N; i++)
      for (int k = 0; k < N; k++) {
        float a = A[i][k];
        for (int j = 0; j < N; j++) C[i][j] += a * B[k][j];
      }
    float trace = 0;
    for (int i = 0; i < N; i++) trace += C[i][i] + C[i][N - 1 - i];
    union {
      float f;
      uint32_t u;
    } bits = {trace};
    acc = mix(acc, bits.u);
  }
  return (int64_t)acc;
}
