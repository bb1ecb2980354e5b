// Memory: dense f64 matrix multiply, C = A * B, N = 192 (three 288 KiB matrices, beyond L1/L2
// on most machines). i-k-j loop order streams rows of B and C; no reassociation, so every
// engine computes bit-identical results.
#include "bench.h"

#define N 192
static double A[N][N], B[N][N], C[N][N];

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  uint64_t seed = 42;
  for (int32_t r = 0; r < reps; r++) {
    // Refill a band of A each time so no repetition is identical to the last.
    if (r == 0)
      for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
          A[i][j] = (double)(rng_next(&seed) % 2001) / 1000.0 - 1.0;
          B[i][j] = (double)(rng_next(&seed) % 2001) / 1000.0 - 1.0;
        }
    for (int j = 0; j < N; j++) A[r % N][j] = (double)(rng_next(&seed) % 2001) / 1000.0 - 1.0;
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) C[i][j] = 0;
    for (int i = 0; i < N; i++)
      for (int k = 0; k < N; k++) {
        double a = A[i][k];
        for (int j = 0; j < N; j++) C[i][j] += a * B[k][j];
      }
    double trace = 0;
    for (int i = 0; i < N; i++) trace += C[i][i] + C[i][N - 1 - i];
    acc = mix64(acc, f64_bits(trace));
  }
  return acc;
}
