// Opens argv[1] again and again, never closing it, until an open fails: a guest running into
// its fd limit. Prints how many opened and the error that stopped it.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fdhog PATH\n");
    return 2;
  }
  int opened = 0;
  for (;;) {
    if (open(argv[1], O_RDONLY) < 0) break;
    opened++;
  }
  printf("opened %d, then %s\n", opened, strerror(errno));
  return 0;
}
