// Allocates 1 MiB blocks (touching each) until malloc fails, then prints how many it got.
// Under --memory-limit the count stops near the limit because memory.grow returns -1.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  int max = argc > 1 ? atoi(argv[1]) : 4096;
  static char* blocks[4096];
  if (max > 4096) max = 4096;
  int n = 0;
  while (n < max) {
    char* p = malloc(1 << 20);
    if (!p) break;
    memset(p, 1, 1 << 20);
    blocks[n++] = p;  // kept, so the compiler cannot elide the allocations
  }
  unsigned sum = 0;
  for (int i = 0; i < n; i++) sum += (unsigned char)blocks[i][i];
  if (sum != (unsigned)n) return 4;
  printf("allocated %d MiB\n", n);
  if (n < max) {
    printf("malloc failed: memory.grow refused\n");
    return 3;
  }
  return 0;
}
