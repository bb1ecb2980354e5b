// clock_res_get / clock_time_get on every clock, random_get, sched_yield, proc_raise,
// proc_exit.
#include <stdlib.h>

#include "common.h"

int main(void) {
  for (__wasi_clockid_t id = 0; id < 4; ++id) {
    __wasi_timestamp_t res = 0, t1 = 0, t2 = 0;
    __wasi_errno_t a = __wasi_clock_res_get(id, &res);
    __wasi_errno_t b = __wasi_clock_time_get(id, 1, &t1);
    __wasi_errno_t c = __wasi_clock_time_get(id, 1, &t2);
    printf("clock %u: res %s (%s), time %s %s, monotone %s\n", (unsigned)id, ename(a),
           res > 0 && res <= 1000000000 ? "sane" : "odd", ename(b), ename(c),
           t2 >= t1 ? "yes" : "no");
  }
  __wasi_timestamp_t now = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 0, &now);
  printf("realtime after 2020: %s\n", now > 1577836800ull * 1000000000ull ? "yes" : "no");
  __wasi_timestamp_t x;
  SHOW("clock_res_get(4)", __wasi_clock_res_get(4, &x));
  SHOW("clock_time_get(99)", __wasi_clock_time_get(99, 0, &x));

  uint8_t a[64] = {0}, b[64] = {0};
  SHOW("random_get", __wasi_random_get(a, sizeof a));
  (void)__wasi_random_get(b, sizeof b);
  int zeros = 0;
  for (int i = 0; i < 64; ++i) zeros += a[i] == 0;
  printf("random differs: %s, mostly nonzero: %s\n", memcmp(a, b, 64) ? "yes" : "no",
         zeros < 16 ? "yes" : "no");
  SHOW("random_get(len 0)", __wasi_random_get(a, 0));
  static uint8_t big[1 << 20];
  SHOW("random_get(1 MiB)", __wasi_random_get(big, sizeof big));
  SHOW("sched_yield", __wasi_sched_yield());
  SHOW("proc_raise", raw_proc_raise(6));
  fflush(stdout);
  __wasi_proc_exit(3);
}
