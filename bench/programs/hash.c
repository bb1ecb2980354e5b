// Integer ALU and bit operations: xorshift PRNG, 64-bit multiply-rotate hashing, popcount,
// count-leading-zeros and a bitwise (table-free) CRC-32. No memory traffic to speak of.
#include "bench.h"

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// MurmurHash3's finalizer: multiply/xor-shift avalanche.
static inline uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCDull;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53ull;
  return k ^ (k >> 33);
}

// One byte of CRC-32 computed bit by bit; branch-free via the (0 - bit) mask.
static inline uint32_t crc32_byte(uint32_t crc, uint32_t byte) {
  crc ^= byte;
  for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  return crc;
}

static uint64_t bench(int32_t reps) {
  uint64_t h = 0x243F6A8885A308D3ull;
  uint32_t crc = 0xFFFFFFFFu;
  for (int32_t r = 0; r < reps; r++) {
    uint64_t x = (0x9E3779B97F4A7C15ull * (uint64_t)(r + 1)) | 1;  // xorshift needs x != 0
    for (int i = 0; i < 100000; i++) {
      x ^= x << 13;  // xorshift64
      x ^= x >> 7;
      x ^= x << 17;
      h = rotl64(h ^ fmix64(x), 27) * 5 + 0x52DCE729u;
      h += (uint64_t)__builtin_popcountll(x) + (uint64_t)__builtin_clzll(x | 1);
      uint32_t lo = (uint32_t)x;
      h ^= (lo / ((lo >> 20) | 1)) + (uint32_t)(x >> 32) % 1000003u;  // integer division
      crc = crc32_byte(crc, lo & 0xFF);
    }
  }
  return h ^ crc;
}
