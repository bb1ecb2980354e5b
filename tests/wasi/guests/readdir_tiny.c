// fd_readdir by hand: tiny buffers, truncated entries, cookies, end of directory.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

int main(void) {
  mkdir("/sandbox/rd", 0755);
  const char* names[] = {"alpha", "beta", "a_much_longer_entry_name_than_the_others"};
  for (int i = 0; i < 3; ++i) {
    char p[128];
    snprintf(p, sizeof p, "/sandbox/rd/%s", names[i]);
    close(open(p, O_WRONLY | O_CREAT, 0644));
  }
  __wasi_fd_t dir;
  SHOW("path_open rd",
       __wasi_path_open(3, 0, "rd", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &dir));

  static uint8_t buf[4096];
  __wasi_size_t used = 99;
  SHOW("len 0", __wasi_fd_readdir(dir, buf, 0, 0, &used));
  printf("  used %u\n", (unsigned)used);
  memset(buf, 0xAA, sizeof buf);
  SHOW("len 1", __wasi_fd_readdir(dir, buf, 1, 0, &used));
  printf("  used %u, byte after untouched %d\n", (unsigned)used, buf[1] == 0xAA);
  SHOW("len 24", __wasi_fd_readdir(dir, buf, 24, 0, &used));
  __wasi_dirent_t d;
  memcpy(&d, buf, sizeof d);
  // Which entry comes first depends on the file system; its full name length is one of these.
  int known = d.d_namlen == 1 || d.d_namlen == 2 || d.d_namlen == 4 || d.d_namlen == 5 ||
              d.d_namlen == strlen(names[2]);
  printf("  used %u, first entry has its full namlen: %d\n", (unsigned)used, known);
  SHOW("len 25", __wasi_fd_readdir(dir, buf, 25, 0, &used));
  printf("  used %u, byte after untouched %d\n", (unsigned)used, buf[25] == 0xAA);

  // Whole directory in one go: bufused < buf_len means the end was reached.
  SHOW("len 4096", __wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
  int count = 0;
  __wasi_dircookie_t last = 0;
  for (size_t at = 0; at + sizeof d <= used;) {
    memcpy(&d, buf + at, sizeof d);
    at += sizeof d + d.d_namlen;
    last = d.d_next;
    ++count;
  }
  printf("  entries %d, used < len %d\n", count, used < sizeof buf);
  SHOW("from the last cookie", __wasi_fd_readdir(dir, buf, sizeof buf, last, &used));
  printf("  used %u\n", (unsigned)used);

  // One entry at a time through a buffer that fits only the header plus 8 bytes: an entry
  // whose name is cut is read again with a bigger buffer, as wasi-libc does.
  char* seen[16];
  int n = 0;
  __wasi_dircookie_t cookie = 0;
  size_t len = sizeof d + 8;
  for (;;) {
    if (__wasi_fd_readdir(dir, buf, len, cookie, &used) != 0) break;
    if (used < sizeof d) break;  // end
    memcpy(&d, buf, sizeof d);
    if (sizeof d + d.d_namlen > used) {
      len = sizeof d + d.d_namlen;  // grow and retry the same cookie
      continue;
    }
    seen[n] = calloc(1, d.d_namlen + 1);
    memcpy(seen[n++], buf + sizeof d, d.d_namlen);
    cookie = d.d_next;
    if (n == 16) break;
  }
  qsort(seen, n, sizeof seen[0], cmp);
  printf("one by one:");
  for (int i = 0; i < n; ++i) printf(" %s", seen[i]);
  printf("\n");

  SHOW("out of memory", __wasi_fd_readdir(dir, PTR(uint8_t*, mem_size() - 10), 100, 0, &used));
  SHOW("bufused out of memory",
       __wasi_fd_readdir(dir, buf, 100, 0, PTR(__wasi_size_t*, mem_size())));
  __wasi_fd_t file;
  SHOW("open a file",
       __wasi_path_open(3, 0, "rd/alpha", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, 0, 0,
                        &file));
  SHOW("readdir on a file", __wasi_fd_readdir(file, buf, 100, 0, &used));
  SHOW("readdir on stdout", __wasi_fd_readdir(1, buf, 100, 0, &used));
  __wasi_fd_t unlisted;
  SHOW("open a dir without the readdir right",
       __wasi_path_open(3, 0, "rd", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, 0, 0,
                        &unlisted));
  SHOW("readdir without the right", __wasi_fd_readdir(unlisted, buf, 100, 0, &used));
  return 0;
}
