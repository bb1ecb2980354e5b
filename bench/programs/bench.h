// Shared by every benchmark program. Programs are freestanding (no libc) so the same source
// builds natively and for wasm32 with no imports. Each defines
//   static uint64_t bench(int32_t reps);
// whose work is linear in `reps`, and varies its input per repetition so the compiler cannot
// hoist or fold repeated work. The checksum lets the harness cross-check every engine.
#pragma once
#include <stdint.h>

static uint64_t bench(int32_t reps);

// The exported entry. wabt's wasm-interp can only call exports with no arguments
// (--run-all-exports), so its build bakes the repetition count in with -DFIXED_REPS=N.
// Masked to 63 bits so signed and unsigned printers (wasm-interp prints u64) agree.
#ifdef FIXED_REPS
int64_t run(void) { return (int64_t)(bench(FIXED_REPS) & INT64_MAX); }
#else
int64_t run(int32_t reps) { return (int64_t)(bench(reps) & INT64_MAX); }
#endif

// splitmix64: small, good-quality PRNG for input data.
static inline uint64_t rng_next(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h;
}

// Exact bits of a double, so float results are compared bit-for-bit across engines.
static inline uint64_t f64_bits(double d) {
  union {
    double d;
    uint64_t u;
  } u = {d};
  return u.u;
}
