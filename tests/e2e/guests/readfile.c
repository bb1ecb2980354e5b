// Reads a file in 1 MiB chunks with read(2) (WASI fd_read on a granted fd) and prints the
// byte count. Used by the e2e test and bench/sandbox/run.sh.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: readfile PATH\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    fprintf(stderr, "readfile: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  static char buf[1 << 20];
  unsigned long long total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      fprintf(stderr, "readfile: read: %s\n", strerror(errno));
      return 1;
    }
    if (n == 0) break;
    total += (unsigned long long)n;
  }
  close(fd);
  printf("%llu\n", total);
  return 0;
}
