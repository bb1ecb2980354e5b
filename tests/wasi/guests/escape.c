// Paths that try to leave the preopen: the broker refuses and its errno reaches the guest.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void try_open(const char* path) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                      __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  printf("open %s: %s\n", path, ename(e));
  if (!e) (void)__wasi_fd_close(fd);
}

int main(void) {
  mkdir("/sandbox/sub", 0755);
  close(open("/sandbox/f", O_WRONLY | O_CREAT, 0644));
  try_open("f");
  try_open("sub/../f");
  try_open(".");
  try_open("..");
  try_open("../f");
  try_open("sub/../../f");
  try_open("/etc/passwd");
  try_open("/");
  SHOW("symlink to /etc/passwd", __wasi_path_symlink("/etc/passwd", 3, "abs"));
  SHOW("symlink to ../..", __wasi_path_symlink("../..", 3, "up"));
  try_open("abs");
  try_open("up");
  try_open("up/etc/passwd");
  try_open("sub/../up");
  SHOW("mkdir ../x", __wasi_path_create_directory(3, "../x"));
  SHOW("mkdir /tmp/x", __wasi_path_create_directory(3, "/tmp/x"));
  SHOW("mkdir up/x", __wasi_path_create_directory(3, "up/x"));
  SHOW("rename f to ../f", __wasi_path_rename(3, "f", 3, "../f"));
  SHOW("link f to /tmp/f", __wasi_path_link(3, 0, "f", 3, "/tmp/f"));
  SHOW("unlink ../f", __wasi_path_unlink_file(3, "../f"));
  SHOW("rmdir ..", __wasi_path_remove_directory(3, ".."));
  __wasi_filestat_t st;
  SHOW("stat ..", __wasi_path_filestat_get(3, 0, "..", &st));
  SHOW("stat up (nofollow)", __wasi_path_filestat_get(3, 0, "up", &st));
  SHOW("stat up (follow)",
       __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "up", &st));
  SHOW("set_times /etc",
       __wasi_path_filestat_set_times(3, 0, "/etc", 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  static const char nul_path[] = {'f', 0, 'x'};
  SHOW("embedded NUL", raw_path_unlink_file(3, (uint32_t)(uintptr_t)nul_path, 3));
  __wasi_fd_t fd;
  SHOW("bad UTF-8", __wasi_path_open(3, 0, "\xff\xfe", 0, 0, 0, 0, &fd));
  // Through libc: an absolute path outside every preopen never reaches the host.
  errno = 0;
  printf("libc open /etc/passwd: %s\n",
         open("/etc/passwd", O_RDONLY) < 0 ? ename(errno) : "OPENED");
  printf("libc open /sandbox/../etc/passwd: %s\n",
         open("/sandbox/../etc/passwd", O_RDONLY) < 0 ? ename(errno) : "OPENED");
  return 0;
}
