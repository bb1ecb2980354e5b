// Call-heavy: naive recursive Fibonacci and the Takeuchi function. Almost all time is spent
// in direct calls/returns with tiny bodies; recursion depth stays small (< 100).
#include "bench.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int32_t tak(int32_t x, int32_t y, int32_t z) {
  return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    acc = mix64(acc, fib(27 + (uint32_t)(r & 1)));
    acc = mix64(acc, (uint64_t)tak(18 + (r & 1), 12, 6));
  }
  return acc;
}
