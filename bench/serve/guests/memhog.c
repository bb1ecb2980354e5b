// Grows its linear memory 1 MiB at a time (touching every page) until memory.grow is refused
// at --memory-limit, says how far it got, then keeps that memory and rewrites a page of it every
// 10 ms for ever: a neighbour that sits at its memory limit.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void) {
  enum { kBlock = 1 << 20, kMaxBlocks = 65536 };
  static char* blocks[kMaxBlocks];
  int n = 0;
  while (n < kMaxBlocks) {
    char* p = malloc(kBlock);
    if (!p) break;
    memset(p, n & 0xff, kBlock);
    blocks[n++] = p;
  }
  printf("memhog: holding %d MiB; malloc refused\n", n);
  fflush(stdout);
  if (n == 0) return 3;
  struct timespec pause = {0, 10 * 1000 * 1000};
  for (unsigned long i = 0;; i++) {
    memset(blocks[i % (unsigned long)n], (int)(i & 0xff), 4096);
    nanosleep(&pause, NULL);
  }
}
