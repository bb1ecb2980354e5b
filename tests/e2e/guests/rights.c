// The WASI rights model in the confined worker, with the first preopen (fd 3) a --dir-ro
// grant holding keep.txt and sub/: what the preopen advertises (only the read side) it
// grants; a directory has no position; sock_shutdown wants a socket. Prints one
// "name: errno-name" line per check (0 = success) for tests/e2e/run.sh to match.
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

#define WRITE_SIDE                                                                  \
  (__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ALLOCATE | \
   __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_PATH_CREATE_FILE |            \
   __WASI_RIGHTS_PATH_CREATE_DIRECTORY | __WASI_RIGHTS_PATH_UNLINK_FILE |           \
   __WASI_RIGHTS_PATH_RENAME_TARGET | __WASI_RIGHTS_PATH_SYMLINK)

static void show(const char* name, int e) { printf("%s: %d\n", name, e); }

int main(void) {
  __wasi_fdstat_t pre;
  show("fdstat preopen", __wasi_fd_fdstat_get(3, &pre));
  printf("advertises write-side rights: %s\n",
         (pre.fs_rights_base | pre.fs_rights_inheriting) & WRITE_SIDE ? "yes" : "no");
  __wasi_fd_t f, d;
  show("open keep.txt with exactly the advertised rights",
       __wasi_path_open(3, 0, "keep.txt", 0, pre.fs_rights_inheriting, pre.fs_rights_inheriting, 0,
                        &f));
  char buf[64] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  __wasi_size_t n = 0;
  show("read it", __wasi_fd_read(f, &iov, 1, &n));
  printf("content: %s", buf);
  show("open sub with the preopen's own rights, O_DIRECTORY",
       __wasi_path_open(3, 0, "sub", __WASI_OFLAGS_DIRECTORY, pre.fs_rights_base,
                        pre.fs_rights_inheriting, 0, &d));
  __wasi_fdstat_t ds;
  show("fdstat sub", __wasi_fd_fdstat_get(d, &ds));
  printf(
      "sub: type %d, rights as asked %s\n", ds.fs_filetype,
      ds.fs_rights_base == pre.fs_rights_base && ds.fs_rights_inheriting == pre.fs_rights_inheriting
          ? "yes"
          : "no");
  show("open . with the preopen's own rights",
       __wasi_path_open(3, 0, ".", 0, pre.fs_rights_base, pre.fs_rights_inheriting, 0, &d));
  __wasi_filesize_t pos;
  show("seek a directory", __wasi_fd_seek(3, 0, __WASI_WHENCE_SET, &pos));
  show("tell a directory", __wasi_fd_tell(3, &pos));
  show("sock_shutdown stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
  show("open keep.txt to write",
       __wasi_path_open(3, 0, "keep.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &f));
  return 0;
}
