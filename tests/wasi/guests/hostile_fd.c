// Descriptor games: narrowing rights, closing and renumbering preopens, bad numbers. None may
// yield more authority than the guest started with.
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

int main(void) {
  __wasi_fd_t d, f;
  // A directory fd whose inheritable rights are narrowed cannot open files with more.
  SHOW("open dir", __wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN,
                                    __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, &d));
  SHOW("create via dir without path_create_file",
       __wasi_path_open(d, 0, "f", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &f));
  SHOW("create via preopen",
       __wasi_path_open(3, 0, "f", __WASI_OFLAGS_CREAT,
                        __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_READ, 0, 0, &f));
  SHOW("close it", __wasi_fd_close(f));
  SHOW("open with inherited rights",
       __wasi_path_open(d, 0, "f", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f));
  // Rights asked for beyond what is passed down are left out of the new fd (the ones that
  // decide the open mode are refused: write below); no open yields more than was inherited.
  __wasi_fdstat_t got;
  SHOW("open with more than inherited",
       __wasi_path_open(d, 0, "f", 0, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK, 0, 0, &f));
  SHOW("  fdstat", __wasi_fd_fdstat_get(f, &got));
  printf("  base is only fd_read: %s\n",
         got.fs_rights_base == __WASI_RIGHTS_FD_READ ? "yes" : "no");
  SHOW("  seek it", __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &(__wasi_filesize_t){0}));
  SHOW("inheriting more than inherited",
       __wasi_path_open(d, 0, "f", 0, __WASI_RIGHTS_FD_READ, __WASI_RIGHTS_FD_SEEK, 0, &f));
  SHOW("  fdstat", __wasi_fd_fdstat_get(f, &got));
  printf("  inheriting is empty: %s\n", got.fs_rights_inheriting == 0 ? "yes" : "no");
  SHOW("narrow the dir to read-only",
       __wasi_fd_fdstat_set_rights(d, __WASI_RIGHTS_PATH_OPEN, __WASI_RIGHTS_FD_READ));
  SHOW("open for writing via it", __wasi_path_open(d, 0, "f", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &f));
  SHOW("mkdir via narrowed dir", __wasi_path_create_directory(d, "x"));
  SHOW("widen base rights",
       __wasi_fd_fdstat_set_rights(d, __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_PATH_CREATE_DIRECTORY,
                                   0));
  SHOW("drop to nothing", __wasi_fd_fdstat_set_rights(d, 0, 0));
  SHOW("open via rightless dir", __wasi_path_open(d, 0, "f", 0, 0, 0, 0, &f));
  SHOW("close dir", __wasi_fd_close(d));
  SHOW("close dir again", __wasi_fd_close(d));

  // A socket without the accept right.
  SHOW("narrow socket", __wasi_fd_fdstat_set_rights(5, __WASI_RIGHTS_FD_READ, 0));
  SHOW("accept without the right", __wasi_sock_accept(5, 0, &f));

  // Bad numbers.
  __wasi_fdstat_t st;
  SHOW("fdstat on 1000", __wasi_fd_fdstat_get(1000, &st));
  SHOW("close 1000", __wasi_fd_close(1000));
  SHOW("close 0xffffffff", __wasi_fd_close(0xffffffffu));
  SHOW("renumber from unopened", __wasi_fd_renumber(1000, 3));
  SHOW("renumber to unopened", __wasi_fd_renumber(3, 1000));
  SHOW("renumber onto itself", __wasi_fd_renumber(3, 3));
  SHOW("path_open on stdout", __wasi_path_open(1, 0, "x", 0, 0, 0, 0, &f));

  // Renumber a file over the /ro preopen: /ro is gone, the file is not a directory.
  SHOW("open ro file", __wasi_path_open(4, 0, "hello.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &f));
  SHOW("renumber file over fd 4", __wasi_fd_renumber(f, 4));
  __wasi_prestat_t pre;
  SHOW("prestat 4", __wasi_fd_prestat_get(4, &pre));
  SHOW("old number", __wasi_fd_fdstat_get(f, &st));
  SHOW("path_open via the file", __wasi_path_open(4, 0, "sub", 0, 0, 0, 0, &d));
  char buf[32] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n = 0;
  SHOW("read the file at 4", __wasi_fd_read(4, &iov, 1, &n));
  printf("  %.*s", (int)n, buf);
  SHOW("libc open under /ro now", open("/ro/hello.txt", O_RDONLY) < 0 ? errno : 0);

  // Close the /sandbox preopen; a later file takes number 3 and is no directory.
  SHOW("close preopen 3", __wasi_fd_close(3));
  SHOW("prestat 3", __wasi_fd_prestat_get(3, &pre));
  SHOW("path_open via closed 3", __wasi_path_open(3, 0, "f", 0, 0, 0, 0, &d));
  SHOW("close stdin", __wasi_fd_close(0));
  SHOW("read stdin", __wasi_fd_read(0, &iov, 1, &n));
  return 0;
}
