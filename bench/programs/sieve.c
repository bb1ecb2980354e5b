// Integer + memory: sieve of Eratosthenes over a byte array (strided stores), then a linear
// pass counting and summing primes. The limit varies per repetition.
#include "bench.h"

#define MAX_N (1 << 20)
static uint8_t composite[MAX_N + 1];

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    uint32_t n = MAX_N - (uint32_t)(r & 1023);
    for (uint32_t i = 0; i <= n; i++) composite[i] = 0;
    for (uint32_t i = 2; i * i <= n; i++)
      if (!composite[i])
        for (uint32_t j = i * i; j <= n; j += i) composite[j] = 1;
    uint32_t count = 0;
    uint64_t sum = 0;
    for (uint32_t i = 2; i <= n; i++)
      if (!composite[i]) {
        count++;
        sum += i;
      }
    acc = mix64(acc, ((uint64_t)count << 40) ^ sum);
  }
  return acc;
}
