// Traps (unreachable) two calls deep, in functions whose names the backtrace must show.
#include <stdio.h>

__attribute__((noinline)) void crash_here(int x) {
  if (x > 0) __builtin_trap();
}

__attribute__((noinline)) void call_crash(int x) {
  crash_here(x);
  printf("not reached\n");
}

int main(int argc, char** argv) {
  printf("before trap\n");
  fflush(stdout);
  call_crash(argc);
  return 0;
}
