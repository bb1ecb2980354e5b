// Prints argv[1] lines "tick I T" (T: the realtime clock in ns when it was written), sleeping
// argv[2] ms (poll_oneoff) after each: how fast a client sees a guest's output.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
  int count = argc > 1 ? atoi(argv[1]) : 2;
  int interval_ms = argc > 2 ? atoi(argv[2]) : 1000;
  for (int i = 0; i < count; i++) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("tick %d %lld\n", i, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    fflush(stdout);
    struct timespec pause = {interval_ms / 1000, (interval_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
  }
  return 0;
}
