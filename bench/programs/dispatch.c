// Call-heavy, indirect: a loop calling through a table of function pointers (call_indirect in
// wasm). The call sequence repeats every 64 calls so native branch predictors learn it and the
// cost measured is the call machinery, not mispredictions. The table is rotated every
// repetition so neither compiler can turn the calls into a switch.
#include "bench.h"

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t a, uint32_t x) { return a + x; }
static uint32_t op_sub(uint32_t a, uint32_t x) { return a - x; }
static uint32_t op_xor(uint32_t a, uint32_t x) { return a ^ x; }
static uint32_t op_mul(uint32_t a, uint32_t x) { return a * (x | 1); }
static uint32_t op_rotl(uint32_t a, uint32_t x) { return (a << (x & 31)) | (a >> ((32 - x) & 31)); }
static uint32_t op_shr(uint32_t a, uint32_t x) { return a ^ (a >> ((x & 15) + 1)); }
static uint32_t op_min(uint32_t a, uint32_t x) { return a < x ? a + 1 : x ^ a; }
static uint32_t op_div(uint32_t a, uint32_t x) { return a / ((x & 0xFF) + 1) + x; }

static op_fn table[8] = {op_add, op_sub, op_xor, op_mul, op_rotl, op_shr, op_min, op_div};

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    op_fn first = table[0];  // rotate the table
    for (int i = 0; i < 7; i++) table[i] = table[i + 1];
    table[7] = first;
    uint64_t seed = (uint64_t)r;
    uint8_t sequence[64];
    for (int i = 0; i < 64; i++) sequence[i] = (uint8_t)(rng_next(&seed) & 7);
    uint32_t a = (uint32_t)r, x = 2463534242u + (uint32_t)r;
    for (int i = 0; i < 1000000; i++) {
      x ^= x << 13;  // xorshift32
      x ^= x >> 17;
      x ^= x << 5;
      a = table[sequence[i & 63]](a, x);
    }
    acc = mix64(acc, a);
  }
  return acc;
}
