// The floor of a process-per-container start on this host (bench/RESULTS.md, "Where a serve
// start's CPU goes"): CPU of fork + the child writing PAGES pages of the parent's heap (the
// copy-on-write faults a zygote's child would take) + _exit + waitpid, parent and child
// together, averaged over 500 forks of a process holding HEAP_MB of touched heap.
//   gcc -O2 -static bench/serve/fork_floor.c -o /tmp/fork_floor && /tmp/fork_floor 6 100
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void) {
  struct rusage self, kids;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  return (self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
          kids.ru_stime.tv_sec) *
             1e3 +
         (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
          kids.ru_stime.tv_usec) /
             1e3;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fork_floor HEAP_MB PAGES\n");
    return 2;
  }
  size_t heap_bytes = (size_t)atoi(argv[1]) << 20;
  size_t pages = (size_t)atoi(argv[2]);
  if (pages * 4096 > heap_bytes) {
    fprintf(stderr, "PAGES must fit in HEAP_MB\n");
    return 2;
  }
  enum { kForks = 500 };
  char* heap = malloc(heap_bytes);
  if (!heap) return 1;
  memset(heap, 1, heap_bytes);
  double c0 = cpu_ms();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < kForks; i++) {
    pid_t p = fork();
    if (p < 0) return 1;
    if (p == 0) {
      for (size_t k = 0; k < pages; k++) heap[k * 4096] = 2;
      _exit(0);
    }
    waitpid(p, NULL, 0);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("heap %s MB, child writes %zu pages: %.3f ms wall, %.3f ms CPU per fork+exit+wait\n",
         argv[1], pages, wall / kForks, (cpu_ms() - c0) / kForks);
  return 0;
}
