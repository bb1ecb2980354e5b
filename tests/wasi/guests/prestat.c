// fd_prestat_get / fd_prestat_dir_name, and what libc found.
#include "common.h"

int main(void) {
  for (__wasi_fd_t fd = 0; fd < 7; ++fd) {
    __wasi_prestat_t p;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &p);
    if (e) {
      printf("fd %d: %s\n", fd, ename(e));
      continue;
    }
    char name[64] = {0};
    __wasi_errno_t e2 = __wasi_fd_prestat_dir_name(fd, (uint8_t*)name, p.u.dir.pr_name_len);
    printf("fd %d: tag %d len %u name %s (%s)\n", fd, p.tag, (unsigned)p.u.dir.pr_name_len, name,
           ename(e2));
  }
  char small[4];
  SHOW("dir_name short buffer", __wasi_fd_prestat_dir_name(3, (uint8_t*)small, 3));
  SHOW("dir_name out of memory", __wasi_fd_prestat_dir_name(3, PTR(uint8_t*, mem_size() - 2), 8));
  SHOW("prestat_get out of memory",
       __wasi_fd_prestat_get(3, PTR(__wasi_prestat_t*, mem_size() - 4)));
  return 0;
}
