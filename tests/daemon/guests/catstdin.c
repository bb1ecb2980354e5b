// Copies stdin to stdout until EOF, then says how many bytes it read and exits 3 (a status the
// client must pass on): run -i's stdin forwarding, EOF included.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[4096];
  long total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    fwrite(buf, 1, (size_t)n, stdout);
    fflush(stdout);
    total += n;
  }
  printf("eof after %ld bytes\n", total);
  return 3;
}
