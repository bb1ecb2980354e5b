// Writes argv[1] MiB to stdout as fast as it can, then "flood done": a guest flooding its log.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  int mib = argc > 1 ? atoi(argv[1]) : 64;
  static char line[1024];
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 1] = '\n';
  for (long i = 0; i < (long)mib * 1024; i++) fwrite(line, 1, sizeof line, stdout);
  printf("flood done\n");
  return 0;
}
