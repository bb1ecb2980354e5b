// Reads the lines of tests/daemon/guests/ticker.c from stdin (through whatever client carries
// them) and prints how long each took from the guest's write to arriving here:
//   N P50_US P99_US MAX_US GAP_S
// from the clock the guest stamped each line with (CLOCK_REALTIME, the same clock as ours);
// GAP_S is the time between the first and the last line's arrival (a client that shows output
// only at the end gives ~0). Native C, so it is reading before the guest starts writing.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  static double lat[100000];
  int n = 0;
  long long first = 0, last = 0;
  char line[256];
  size_t len = 0;
  char ch;
  // read(2) a byte at a time: each line is taken the moment it arrives, never buffered.
  while (read(0, &ch, 1) == 1) {
    if (ch != '\n') {
      if (len < sizeof line - 1) line[len++] = ch;
      continue;
    }
    line[len] = 0;
    len = 0;
    long long t = now_ns(), stamp;
    int i;
    if (sscanf(line, "tick %d %lld", &i, &stamp) != 2 || n >= 100000) continue;
    lat[n++] = (double)(t - stamp) / 1000.0;
    if (!first) first = t;
    last = t;
  }
  if (!n) {
    printf("0 0 0 0 0\n");
    return 1;
  }
  qsort(lat, (size_t)n, sizeof lat[0], cmp);
  int p99 = (int)(0.99 * n);
  printf("%d %.0f %.0f %.0f %.3f\n", n, lat[n / 2], lat[p99 < n ? p99 : n - 1], lat[n - 1],
         (double)(last - first) / 1e9);
  return 0;
}
