// The demo guest: a freestanding wasm32 module (no WASI) exporting primes(n), the number of
// primes below n, by a sieve over a static buffer.
#define LIMIT 4000000
static unsigned char composite[LIMIT];

__attribute__((export_name("primes"))) int primes(int n) {
  if (n > LIMIT) n = LIMIT;
  int count = 0;
  for (int i = 2; i < n; ++i) {
    if (composite[i]) continue;
    ++count;
    for (long long j = (long long)i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}
