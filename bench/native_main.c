// Native driver: runs a benchmark's run(reps) and prints the checksum like the other engines.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int64_t run(int32_t reps);

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s REPS\n", argv[0]);
    return 1;
  }
  printf("%" PRId64 "\n", run((int32_t)atoi(argv[1])));
  return 0;
}
