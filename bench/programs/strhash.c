// Mixed: string workload. Generates pseudo-random words from a vocabulary, counts them in an
// open-addressing hash table (FNV-1a hash, byte-wise compares, an arena of copied keys).
// Byte loads/stores, hashing arithmetic, unpredictable branches.
#include "bench.h"

#define TABLE_SIZE (1 << 15)  // power of two, > 2x the vocabulary
#define VOCAB 12000
#define WORDS 60000

struct entry {
  uint32_t offset, len, hash, count;
};
static struct entry table[TABLE_SIZE];
static char arena[VOCAB * 16];

// Word `id` is a fixed lowercase string of 3..12 letters derived from the id.
static uint32_t make_word(uint32_t id, char* out) {
  uint64_t s = (uint64_t)id * 0x2545F4914F6CDD1Dull;
  uint32_t len = 3 + (uint32_t)(rng_next(&s) % 10);
  for (uint32_t i = 0; i < len; i++) out[i] = (char)('a' + rng_next(&s) % 26);
  return len;
}

static uint32_t fnv1a(const char* p, uint32_t len) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < len; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
  return h;
}

static int bytes_equal(const char* a, const char* b, uint32_t len) {
  for (uint32_t i = 0; i < len; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static uint64_t bench(int32_t reps) {
  uint64_t acc = 0;
  for (int32_t r = 0; r < reps; r++) {
    for (uint32_t i = 0; i < TABLE_SIZE; i++) table[i].count = 0;
    uint32_t used = 0, distinct = 0;
    uint64_t seed = (uint64_t)r + 1;
    for (uint32_t w = 0; w < WORDS; w++) {
      char word[16];
      uint32_t len = make_word((uint32_t)(rng_next(&seed) % VOCAB), word);
      uint32_t h = fnv1a(word, len), slot = h & (TABLE_SIZE - 1);
      for (;;) {  // linear probing
        struct entry* e = &table[slot];
        if (e->count == 0) {
          for (uint32_t i = 0; i < len; i++) arena[used + i] = word[i];
          e->offset = used;
          e->len = len;
          e->hash = h;
          e->count = 1;
          used += len;
          distinct++;
          break;
        }
        if (e->hash == h && e->len == len && bytes_equal(arena + e->offset, word, len)) {
          e->count++;
          break;
        }
        slot = (slot + 1) & (TABLE_SIZE - 1);
      }
    }
    uint64_t sum = distinct;
    for (uint32_t i = 0; i < TABLE_SIZE; i++) sum = sum * 7 + table[i].count * table[i].hash;
    acc = mix64(acc, sum);
  }
  return acc;
}
