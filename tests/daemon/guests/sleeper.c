// Prints a line, then sleeps (a long-running container that costs no CPU): argv[1] seconds,
// default 3600.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int seconds = argc > 1 ? atoi(argv[1]) : 3600;
  printf("sleeper up\n");
  fflush(stdout);
  sleep((unsigned)seconds);
  printf("sleeper done\n");
  return 0;
}
