// poll_oneoff: relative and absolute clocks, fd readiness, errors per subscription.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static __wasi_timestamp_t now(void) {
  __wasi_timestamp_t t = 0;
  (void)__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
  return t;
}

static __wasi_subscription_t clock_sub(uint64_t userdata, __wasi_clockid_t id, uint64_t timeout,
                                       int abs) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t userdata, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

static void show_events(const char* label, __wasi_errno_t e, __wasi_event_t* ev, __wasi_size_t n) {
  printf("%s: %s, %u event(s)", label, ename(e), e ? 0 : (unsigned)n);
  for (__wasi_size_t i = 0; !e && i < n; ++i)
    printf(" [ud %llu type %d err %s nbytes %llu flags %d]", (unsigned long long)ev[i].userdata,
           ev[i].type, ename(ev[i].error), (unsigned long long)ev[i].fd_readwrite.nbytes,
           ev[i].fd_readwrite.flags);
  printf("\n");
}

int main(void) {
  __wasi_subscription_t subs[4];
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;

  __wasi_timestamp_t t0 = now();
  subs[0] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 20 * 1000000ull, 0);
  __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, 1, &n);
  show_events("relative 20ms", e, ev, n);
  printf("  waited >= 20ms: %d\n", now() - t0 >= 20 * 1000000ull);

  t0 = now();
  subs[0] = clock_sub(12, __WASI_CLOCKID_MONOTONIC, t0 + 10 * 1000000ull, 1);
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  show_events("absolute +10ms", e, ev, n);
  printf("  waited >= 10ms: %d\n", now() - t0 >= 10 * 1000000ull);

  subs[0] = clock_sub(13, __WASI_CLOCKID_MONOTONIC, 5 * 1000000ull, 0);
  subs[1] = clock_sub(14, __WASI_CLOCKID_MONOTONIC, 10 * 1000000000ull, 0);
  e = __wasi_poll_oneoff(subs, ev, 2, &n);
  show_events("5ms vs 10s", e, ev, n);

  subs[0] = clock_sub(15, __WASI_CLOCKID_REALTIME, 1000, 1);  // long past
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  show_events("realtime deadline in the past", e, ev, n);

  int fd = open("/ro/hello.txt", O_RDONLY);
  char c;
  read(fd, &c, 1);
  t0 = now();
  subs[0] = fd_sub(21, __WASI_EVENTTYPE_FD_READ, fd);
  subs[1] = fd_sub(22, __WASI_EVENTTYPE_FD_WRITE, 1);
  subs[2] = clock_sub(23, __WASI_CLOCKID_MONOTONIC, 10 * 1000000000ull, 0);
  e = __wasi_poll_oneoff(subs, ev, 3, &n);
  show_events("file read + stdout write + 10s", e, ev, n);
  printf("  did not wait: %d\n", now() - t0 < 1000000000ull);

  subs[0] = fd_sub(31, __WASI_EVENTTYPE_FD_READ, 99);
  subs[1] = clock_sub(32, __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000, 0);
  e = __wasi_poll_oneoff(subs, ev, 2, &n);
  show_events("bad fd + cputime clock", e, ev, n);

  (void)__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0);
  subs[0] = fd_sub(33, __WASI_EVENTTYPE_FD_READ, fd);
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  show_events("fd without the poll right", e, ev, n);

  e = __wasi_poll_oneoff(subs, ev, 0, &n);
  show_events("no subscriptions", e, ev, n);
  subs[0] = fd_sub(41, 7, 1);
  e = __wasi_poll_oneoff(subs, ev, 1, &n);
  show_events("unknown tag", e, ev, n);

  t0 = now();
  struct timespec ts = {0, 15 * 1000000};
  printf("nanosleep: %d, waited >= 15ms: %d\n", nanosleep(&ts, NULL),
         now() - t0 >= 15 * 1000000ull);
  return 0;
}
