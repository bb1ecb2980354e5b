// Pointers and lengths that leave guest memory: every call must fail with EFAULT without the
// host touching anything, and work again once memory has grown to cover them.
#include "common.h"

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);  // keep every line even if something traps
  uint32_t S = mem_size();
  __wasi_size_t n = 12345;
  static __wasi_ciovec_t iov[2];
  static const char msg[] = "LEAK\n";

  SHOW("iovec array past the end", __wasi_fd_write(1, PTR(__wasi_ciovec_t*, S - 4), 1, &n));
  SHOW("iovec array length overflow", __wasi_fd_write(1, iov, 0x20000000, &n));
  SHOW("iovec array at 0xfffffff8", __wasi_fd_write(1, PTR(__wasi_ciovec_t*, 0xfffffff8u), 1, &n));
  iov[0] = (__wasi_ciovec_t){(const uint8_t*)msg, 5};
  iov[1] = (__wasi_ciovec_t){PTR(const uint8_t*, S - 2), 5};
  SHOW("second buffer crosses the end", __wasi_fd_write(1, iov, 2, &n));
  iov[1] = (__wasi_ciovec_t){PTR(const uint8_t*, 0xfffffff0u), 0x20};
  SHOW("buffer wraps 32 bits", __wasi_fd_write(1, iov, 2, &n));
  SHOW("nwritten past the end", __wasi_fd_write(1, iov, 1, PTR(__wasi_size_t*, S - 2)));
  printf("n untouched: %d\n", n == 12345);
  __wasi_iovec_t riov = {PTR(uint8_t*, S - 1), 2};
  SHOW("read into the end", __wasi_fd_read(0, &riov, 1, &n));
  SHOW("pread into the end", __wasi_fd_pread(0, &riov, 1, 0, &n));
  SHOW("pwrite from the end", __wasi_fd_pwrite(1, (__wasi_ciovec_t*)&riov, 1, 0, &n));

  SHOW("args_get argv past the end", __wasi_args_get(PTR(uint8_t**, S - 4), PTR(uint8_t*, 1024)));
  SHOW("args_sizes_get", __wasi_args_sizes_get(PTR(__wasi_size_t*, S), &n));
  SHOW("environ_get buf past the end",
       __wasi_environ_get(PTR(uint8_t**, 1024), PTR(uint8_t*, S - 3)));
  SHOW("environ_sizes_get", __wasi_environ_sizes_get(&n, PTR(__wasi_size_t*, S - 1)));
  SHOW("clock_time_get", __wasi_clock_time_get(1, 0, PTR(__wasi_timestamp_t*, S - 4)));
  SHOW("clock_res_get", __wasi_clock_res_get(0, PTR(__wasi_timestamp_t*, 0xffffffffu)));
  SHOW("random_get", __wasi_random_get(PTR(uint8_t*, S - 10), 20));
  SHOW("random_get wrap", __wasi_random_get(PTR(uint8_t*, 0xffffffffu), 2));
  SHOW("fdstat_get", __wasi_fd_fdstat_get(1, PTR(__wasi_fdstat_t*, S - 8)));
  SHOW("filestat_get", __wasi_fd_filestat_get(1, PTR(__wasi_filestat_t*, S - 63)));
  __wasi_filesize_t pos;
  SHOW("fd_seek out", __wasi_fd_seek(1, 0, __WASI_WHENCE_CUR, PTR(__wasi_filesize_t*, S - 7)));
  SHOW("fd_tell out", __wasi_fd_tell(1, PTR(__wasi_filesize_t*, S)));
  (void)pos;
  __wasi_fd_t fd;
  SHOW("path_open path past the end",
       raw_path_open(3, 0, S - 2, 10, 0, 0, 0, 0, (uint32_t)(uintptr_t)&fd));
  SHOW("path_open path length wraps",
       raw_path_open(3, 0, 16, 0xfffffff0u, 0, 0, 0, 0, (uint32_t)(uintptr_t)&fd));
  SHOW("path_open fd out past the end",
       __wasi_path_open(3, 0, ".", 0, 0, 0, 0, PTR(__wasi_fd_t*, S - 3)));
  SHOW("path_filestat_get out",
       __wasi_path_filestat_get(3, 0, ".", PTR(__wasi_filestat_t*, S - 60)));
  SHOW("path_create_directory path", raw_path_create_directory(3, 0xfffffffeu, 4));
  SHOW("path_readlink buf", __wasi_path_readlink(3, "x", PTR(uint8_t*, S - 1), 10, &n));
  static __wasi_subscription_t sub;
  static __wasi_event_t ev;
  SHOW("poll_oneoff in", __wasi_poll_oneoff(PTR(__wasi_subscription_t*, S - 40), &ev, 1, &n));
  SHOW("poll_oneoff out", __wasi_poll_oneoff(&sub, PTR(__wasi_event_t*, S - 31), 1, &n));
  SHOW("poll_oneoff count overflow", __wasi_poll_oneoff(&sub, &ev, 0x10000000, &n));
  SHOW("sock_recv buffers", __wasi_sock_recv(5, &riov, 1, 0, &n, PTR(uint16_t*, 0)));

  // Grow memory: the same addresses are now fine.
  if (__builtin_wasm_memory_grow(0, 1) < 0) return 1;
  printf("grown\n");
  SHOW("clock_time_get after grow", __wasi_clock_time_get(1, 0, PTR(__wasi_timestamp_t*, S - 4)));
  SHOW("random_get after grow", __wasi_random_get(PTR(uint8_t*, S - 10), 20));
  return 0;
}
