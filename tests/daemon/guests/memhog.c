// Takes memory in 1 MiB blocks (each touched, and all kept, so the compiler cannot drop them)
// until malloc fails: a guest running into its --memory-limit. Prints how many MiB it got.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char* blocks[4096];

int main(void) {
  int mib = 0;
  while (mib < 4096) {
    char* p = malloc(1 << 20);
    if (p == NULL) break;
    memset(p, mib & 0x7f, 1 << 20);
    blocks[mib++] = p;
  }
  long sum = 0;
  for (int i = 0; i < mib; i++) sum += blocks[i][i];
  printf("got %d MiB (checksum %ld), then malloc failed\n", mib, sum);
  return 0;
}
