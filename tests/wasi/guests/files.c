// Regular files through wasi-libc and raw calls: path_open flags, read/write/pread/pwrite,
// seek/tell, fdstat, filestat, set_size, set_times, allocate, advise, sync, set_flags,
// set_rights, and the read-only mount.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void show_size(const char* label, int fd) {
  struct stat st;
  if (fstat(fd, &st) == 0)
    printf("%s: size %lld regular %d\n", label, (long long)st.st_size, S_ISREG(st.st_mode));
  else
    printf("%s: %s\n", label, ename(errno));
}

int main(void) {
  int fd = open("/sandbox/f.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  printf("create: %s\n", fd >= 0 ? "ok" : ename(errno));
  printf("write: %d\n", (int)write(fd, "hello world\n", 12));
  SHOW_LIBC("read on write-only fd", read(fd, (char[4]){0}, 4));
  SHOW_LIBC("fsync", fsync(fd));
  SHOW_LIBC("fdatasync", fdatasync(fd));
  close(fd);

  fd = open("/sandbox/f.txt", O_RDWR);
  char buf[64] = {0};
  printf("read: %d [%.*s]\n", (int)read(fd, buf, sizeof buf), 11, buf);
  printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  printf("seek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("seek set 6: %lld\n", (long long)lseek(fd, 6, SEEK_SET));
  SHOW_LIBC("seek before start", lseek(fd, -100, SEEK_CUR));
  __wasi_filesize_t pos;
  SHOW("raw fd_tell", __wasi_fd_tell(fd, &pos));
  printf("position: %llu\n", (unsigned long long)pos);
  SHOW("raw fd_seek bad whence", __wasi_fd_seek(fd, 0, 7, &pos));
  memset(buf, 0, sizeof buf);
  printf("pread: %d [%s]\n", (int)pread(fd, buf, 5, 6), buf);
  printf("pwrite: %d\n", (int)pwrite(fd, "HELLO", 5, 0));
  memset(buf, 0, sizeof buf);
  pread(fd, buf, 12, 0);
  printf("after pwrite: %s", buf);
  printf("tell unchanged by pread/pwrite: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));

  __wasi_fdstat_t fs;
  SHOW("fdstat", __wasi_fd_fdstat_get(fd, &fs));
  printf("filetype %d flags %d read %d write %d\n", fs.fs_filetype, fs.fs_flags,
         !!(fs.fs_rights_base & __WASI_RIGHTS_FD_READ),
         !!(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
  show_size("fstat", fd);
  SHOW_LIBC("ftruncate 5", ftruncate(fd, 5));
  show_size("after truncate", fd);
  SHOW_LIBC("posix_fallocate",
            posix_fallocate(fd, 0, 100) == 0 ? 0 : (errno = posix_fallocate(fd, 0, 100), -1));
  show_size("after allocate", fd);
  SHOW("fd_allocate len 0", __wasi_fd_allocate(fd, 0, 0));
  SHOW("fd_advise", __wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_SEQUENTIAL));
  SHOW("fd_advise bad", __wasi_fd_advise(fd, 0, 100, 9));

  struct timespec ts[2] = {{2000000000, 5}, {1000000000, 7}};
  SHOW_LIBC("futimens", futimens(fd, ts));
  struct stat st;
  stat("/sandbox/f.txt", &st);
  printf("atime %lld.%ld mtime %lld.%ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  SHOW("set_times atim+atim_now",
       __wasi_fd_filestat_set_times(fd, 1, 1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  struct timespec ts2[2] = {{0, UTIME_OMIT}, {1234567890, 0}};
  SHOW_LIBC("utimensat", utimensat(AT_FDCWD, "/sandbox/f.txt", ts2, 0));
  stat("/sandbox/f.txt", &st);
  printf("atime %lld mtime %lld\n", (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec);

  // O_APPEND through fd_fdstat_set_flags.
  SHOW_LIBC("fcntl append", fcntl(fd, F_SETFL, O_APPEND));
  printf("F_GETFL has O_APPEND: %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND));
  lseek(fd, 0, SEEK_SET);
  write(fd, "!", 1);
  show_size("after append", fd);
  SHOW("set_flags sync", __wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_SYNC));
  // The flags the guest asked for, whatever the host fd has (the broker leaves O_NONBLOCK on
  // regular files it opens, where it does nothing).
  printf("F_GETFL has O_NONBLOCK: %d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
  SHOW_LIBC("fcntl nonblock", fcntl(fd, F_SETFL, O_NONBLOCK));
  printf("F_GETFL: append %d nonblock %d\n", !!(fcntl(fd, F_GETFL) & O_APPEND),
         !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
  SHOW_LIBC("fcntl none", fcntl(fd, F_SETFL, 0));

  // Rights only shrink.
  SHOW("set_rights drop write",
       __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base & ~__WASI_RIGHTS_FD_WRITE, 0));
  SHOW_LIBC("write after drop", write(fd, "x", 1));
  SHOW("set_rights regain write", __wasi_fd_fdstat_set_rights(fd, fs.fs_rights_base, 0));
  close(fd);

  SHOW_LIBC("O_EXCL on existing", open("/sandbox/f.txt", O_WRONLY | O_CREAT | O_EXCL, 0644));
  SHOW_LIBC("missing file", open("/sandbox/nope", O_RDONLY));
  SHOW_LIBC("O_DIRECTORY on a file", open("/sandbox/f.txt", O_RDONLY | O_DIRECTORY));
  SHOW_LIBC("stat missing", stat("/sandbox/nope", &st));

  // The read-only mount: reading works, every write is refused. Creating, mkdir and unlink
  // reach the broker, which answers EROFS. The mount advertises only read-side rights and
  // wasi-libc asks only for what its directory passes down, so O_WRONLY without O_CREAT
  // gives an fd without the write right and the write itself fails (a raw path_open asking
  // to write reaches the broker: EROFS, tests/wasi/guests/rights.c).
  fd = open("/ro/hello.txt", O_RDONLY);
  memset(buf, 0, sizeof buf);
  printf("ro read: %d %s", (int)read(fd, buf, sizeof buf), buf);
  printf("ro F_GETFL nonblock: %d\n", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
  int nb = open("/ro/hello.txt", O_RDONLY | O_NONBLOCK);
  printf("ro O_NONBLOCK open: F_GETFL nonblock %d\n", !!(fcntl(nb, F_GETFL) & O_NONBLOCK));
  close(nb);
  SHOW_LIBC("ro write on read fd", write(fd, "x", 1));
  SHOW_LIBC("ro set size", ftruncate(fd, 0));
  close(fd);
  fd = open("/ro/hello.txt", O_WRONLY);
  printf("ro open for writing: %s\n", fd < 0 ? ename(errno) : "ok");
  SHOW_LIBC("ro write on it", write(fd, "x", 1));
  close(fd);
  SHOW_LIBC("ro create", open("/ro/new.txt", O_WRONLY | O_CREAT, 0644));
  SHOW_LIBC("ro mkdir", mkdir("/ro/d", 0755));
  SHOW_LIBC("ro unlink", unlink("/ro/hello.txt"));
  printf("ro sub: %s\n", fopen("/ro/sub/inner.txt", "r") ? "opened" : ename(errno));

  SHOW_LIBC("unlink", unlink("/sandbox/f.txt"));
  SHOW_LIBC("unlink again", unlink("/sandbox/f.txt"));
  return 0;
}
