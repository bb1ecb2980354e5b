// The rights model end to end: what fd_fdstat_get reports for each kind of fd (stdio, the
// read-write and read-only preopens, directories and files opened beneath them, the socket),
// that a directory fd grants what it advertises, that fd_fdstat_set_rights only drops rights,
// and that every call checks its right (drop it: ENOTCAPABLE; keep it: the call works).
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

// Clean-up calls (closing, undoing a rename) are not what is checked here; an unexpected
// failure of one shows in the next line of output anyway.
#pragma clang diagnostic ignored "-Wunused-result"

#define R(name) __WASI_RIGHTS_##name
static const __wasi_rights_t kWriteSide =
    R(FD_WRITE) | R(FD_DATASYNC) | R(FD_ALLOCATE) | R(FD_FILESTAT_SET_SIZE) |
    R(FD_FILESTAT_SET_TIMES) | R(PATH_CREATE_DIRECTORY) | R(PATH_CREATE_FILE) |
    R(PATH_LINK_SOURCE) | R(PATH_LINK_TARGET) | R(PATH_RENAME_SOURCE) | R(PATH_RENAME_TARGET) |
    R(PATH_FILESTAT_SET_SIZE) | R(PATH_FILESTAT_SET_TIMES) | R(PATH_SYMLINK) |
    R(PATH_REMOVE_DIRECTORY) | R(PATH_UNLINK_FILE);
static const __wasi_rights_t kAllRights = (1ull << 30) - 1;

static __wasi_fdstat_t fdstat(__wasi_fd_t fd) {
  __wasi_fdstat_t st;
  memset(&st, 0xff, sizeof st);
  __wasi_errno_t e = __wasi_fd_fdstat_get(fd, &st);
  if (e) printf("fdstat %u: %s\n", (unsigned)fd, ename(e));
  return st;
}

static void show_fdstat(const char* label, __wasi_fd_t fd) {
  __wasi_fdstat_t st = fdstat(fd);
  printf("%s: type %d base %#llx inheriting %#llx%s%s%s\n", label, st.fs_filetype,
         (unsigned long long)st.fs_rights_base, (unsigned long long)st.fs_rights_inheriting,
         st.fs_rights_base & kWriteSide ? " [writes]" : "",
         st.fs_rights_base & (R(FD_SEEK) | R(FD_TELL)) ? " [seeks]" : "",
         st.fs_rights_inheriting & kWriteSide ? " [passes writes down]" : "");
}

static __wasi_fd_t open_or_die(__wasi_fd_t dir, const char* path, __wasi_oflags_t of,
                               __wasi_rights_t base, __wasi_rights_t inh) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dir, 0, path, of, base, inh, 0, &fd);
  if (e) {
    printf("open %s: %s\n", path, ename(e));
    exit(1);
  }
  return fd;
}

// One call, made once with its right and once after dropping only that right.
typedef __wasi_errno_t (*Call)(__wasi_fd_t fd);
static uint8_t buf[64];
static __wasi_iovec_t iov = {buf, sizeof buf};
static __wasi_ciovec_t ciov = {buf, 4};
static __wasi_size_t n;
static __wasi_filesize_t pos;
static __wasi_filestat_t fst;
static __wasi_errno_t c_read(__wasi_fd_t fd) { return __wasi_fd_read(fd, &iov, 1, &n); }
static __wasi_errno_t c_pread(__wasi_fd_t fd) { return __wasi_fd_pread(fd, &iov, 1, 0, &n); }
static __wasi_errno_t c_write(__wasi_fd_t fd) { return __wasi_fd_write(fd, &ciov, 1, &n); }
static __wasi_errno_t c_pwrite(__wasi_fd_t fd) { return __wasi_fd_pwrite(fd, &ciov, 1, 0, &n); }
static __wasi_errno_t c_seek(__wasi_fd_t fd) {
  return __wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos);
}
static __wasi_errno_t c_tell(__wasi_fd_t fd) { return __wasi_fd_tell(fd, &pos); }
static __wasi_errno_t c_sync(__wasi_fd_t fd) { return __wasi_fd_sync(fd); }
static __wasi_errno_t c_datasync(__wasi_fd_t fd) { return __wasi_fd_datasync(fd); }
static __wasi_errno_t c_advise(__wasi_fd_t fd) {
  return __wasi_fd_advise(fd, 0, 4, __WASI_ADVICE_NORMAL);
}
static __wasi_errno_t c_allocate(__wasi_fd_t fd) { return __wasi_fd_allocate(fd, 0, 16); }
static __wasi_errno_t c_filestat(__wasi_fd_t fd) { return __wasi_fd_filestat_get(fd, &fst); }
static __wasi_errno_t c_set_size(__wasi_fd_t fd) { return __wasi_fd_filestat_set_size(fd, 8); }
static __wasi_errno_t c_set_times(__wasi_fd_t fd) {
  return __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
}
static __wasi_errno_t c_set_flags(__wasi_fd_t fd) { return __wasi_fd_fdstat_set_flags(fd, 0); }
static __wasi_errno_t c_poll(__wasi_fd_t fd) {
  __wasi_subscription_t sub;
  memset(&sub, 0, sizeof sub);
  sub.u.tag = __WASI_EVENTTYPE_FD_READ;
  sub.u.u.fd_read.file_descriptor = fd;
  __wasi_event_t ev;
  __wasi_errno_t e = __wasi_poll_oneoff(&sub, &ev, 1, &n);
  return e ? e : ev.error;
}
// Directory calls, each undone so the next round starts from the same tree.
static __wasi_errno_t c_mkdir(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_create_directory(d, "m");
  if (!e) __wasi_path_remove_directory(d, "m");
  return e;
}
static __wasi_errno_t c_rmdir(__wasi_fd_t d) {
  __wasi_path_create_directory(d, "r");
  __wasi_errno_t e = __wasi_path_remove_directory(d, "r");
  return e;
}
static __wasi_errno_t c_unlink(__wasi_fd_t d) {
  __wasi_fd_t f;
  if (!__wasi_path_open(d, 0, "u", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &f)) __wasi_fd_close(f);
  return __wasi_path_unlink_file(d, "u");
}
static __wasi_errno_t c_create(__wasi_fd_t d) {
  __wasi_fd_t f;
  __wasi_errno_t e = __wasi_path_open(d, 0, "c", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0, 0, &f);
  if (!e) __wasi_fd_close(f);
  return e;
}
static __wasi_errno_t c_open(__wasi_fd_t d) {
  __wasi_fd_t f;
  __wasi_errno_t e = __wasi_path_open(d, 0, "data", 0, R(FD_READ), 0, 0, &f);
  if (!e) __wasi_fd_close(f);
  return e;
}
static __wasi_errno_t c_truncate(__wasi_fd_t d) {
  __wasi_fd_t f;
  __wasi_errno_t e = __wasi_path_open(d, 0, "c", __WASI_OFLAGS_TRUNC, R(FD_WRITE), 0, 0, &f);
  if (!e) __wasi_fd_close(f);
  return e;
}
static __wasi_errno_t c_pstat(__wasi_fd_t d) {
  return __wasi_path_filestat_get(d, 0, "data", &fst);
}
static __wasi_errno_t c_ptimes(__wasi_fd_t d) {
  return __wasi_path_filestat_set_times(d, 0, "data", 0, 0, __WASI_FSTFLAGS_MTIM_NOW);
}
static __wasi_errno_t c_symlink(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_symlink("data", d, "s");
  if (!e) __wasi_path_unlink_file(d, "s");
  return e;
}
static __wasi_errno_t c_readlink(__wasi_fd_t d) {
  __wasi_path_symlink("data", d, "l");
  __wasi_errno_t e = __wasi_path_readlink(d, "l", buf, sizeof buf, &n);
  return e;
}
static __wasi_errno_t c_readdir(__wasi_fd_t d) {
  return __wasi_fd_readdir(d, buf, sizeof buf, 0, &n);
}
static __wasi_errno_t c_rename_from(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_rename(d, "data", 3, "renamed");
  if (!e) __wasi_path_rename(3, "renamed", 3, "data");
  return e;
}
static __wasi_errno_t c_rename_to(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_rename(3, "data", d, "renamed");
  if (!e) __wasi_path_rename(3, "renamed", 3, "data");
  return e;
}
static __wasi_errno_t c_link_from(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_link(d, 0, "data", 3, "hard");
  if (!e) __wasi_path_unlink_file(3, "hard");
  return e;
}
static __wasi_errno_t c_link_to(__wasi_fd_t d) {
  __wasi_errno_t e = __wasi_path_link(3, 0, "data", d, "hard");
  if (!e) __wasi_path_unlink_file(3, "hard");
  return e;
}

struct Case {
  const char* name;
  __wasi_rights_t right;
  Call call;
};

// Each call on a fresh fd from `open`, with every right, then without `right` alone.
static void check_calls(const char* what, __wasi_fd_t (*open)(void), const struct Case* cases,
                        size_t count) {
  for (size_t i = 0; i < count; ++i) {
    __wasi_fd_t fd = open();
    __wasi_errno_t with = cases[i].call(fd);
    __wasi_fdstat_t st = fdstat(fd);
    __wasi_errno_t drop = __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base & ~cases[i].right,
                                                      st.fs_rights_inheriting);
    __wasi_errno_t without = cases[i].call(fd);
    __wasi_errno_t regain =
        __wasi_fd_fdstat_set_rights(fd, st.fs_rights_base, st.fs_rights_inheriting);
    printf("%s %s: with the right %s, dropped (%s) %s, regain %s\n", what, cases[i].name,
           ename(with), ename(drop), ename(without), ename(regain));
    __wasi_fd_close(fd);
  }
}

static __wasi_fd_t open_file(void) {
  return open_or_die(3, "data", 0, fdstat(3).fs_rights_inheriting & ~R(FD_READDIR), 0);
}
static __wasi_fd_t open_dir(void) {
  __wasi_fdstat_t pre = fdstat(3);
  return open_or_die(3, ".", __WASI_OFLAGS_DIRECTORY, pre.fs_rights_base, pre.fs_rights_inheriting);
}

int main(void) {
  // What each kind of fd reports.
  show_fdstat("stdin (file)", 0);
  show_fdstat("stdout (file)", 1);
  show_fdstat("rw preopen /sandbox", 3);
  show_fdstat("ro preopen /ro", 4);
  show_fdstat("socket", 5);

  // A read-only preopen grants exactly what it advertises.
  __wasi_fdstat_t ro = fdstat(4);
  __wasi_fd_t f, d;
  SHOW("ro: open a file with exactly the advertised rights",
       __wasi_path_open(4, 0, "hello.txt", 0, ro.fs_rights_inheriting, ro.fs_rights_inheriting, 0,
                        &f));
  show_fdstat("  that file", f);
  SHOW("  read it", __wasi_fd_read(f, &iov, 1, &n));
  printf("  %.*s", (int)n, buf);
  SHOW("  write it", __wasi_fd_write(f, &ciov, 1, &n));
  __wasi_fd_close(f);
  SHOW("ro: open a subdirectory with exactly the advertised rights",
       __wasi_path_open(4, 0, "sub", __WASI_OFLAGS_DIRECTORY, ro.fs_rights_inheriting,
                        ro.fs_rights_inheriting, 0, &d));
  show_fdstat("  that directory", d);
  SHOW("  open beneath it with its inheriting rights",
       __wasi_path_open(d, 0, "inner.txt", 0, fdstat(d).fs_rights_inheriting, 0, 0, &f));
  SHOW("  read that", __wasi_fd_read(f, &iov, 1, &n));
  printf("  %.*s", (int)n, buf);
  __wasi_fd_close(f);
  __wasi_fd_close(d);
  SHOW("ro: open \".\" with the preopen's own rights",
       __wasi_path_open(4, 0, ".", 0, ro.fs_rights_base, ro.fs_rights_inheriting, 0, &d));
  __wasi_fd_close(d);
  SHOW("ro: open for writing",
       __wasi_path_open(4, 0, "hello.txt", 0, R(FD_READ) | R(FD_WRITE), 0, 0, &f));
  SHOW("ro: create", __wasi_path_open(4, 0, "new.txt", __WASI_OFLAGS_CREAT, R(FD_READ), 0, 0, &f));
  SHOW("ro: mkdir", __wasi_path_create_directory(4, "newdir"));
  // Go asks for its whole right set minus the write side with every read-only open.
  SHOW("ro: open asking every right but the writes",
       __wasi_path_open(4, 0, "hello.txt", 0,
                        kAllRights & ~(R(FD_WRITE) | R(FD_DATASYNC) | R(FD_ALLOCATE) |
                                       R(PATH_FILESTAT_SET_SIZE)),
                        kAllRights, 0, &f));
  show_fdstat("  that file", f);
  __wasi_fd_close(f);
  SHOW_LIBC("libc open /ro/hello.txt read-only", open("/ro/hello.txt", O_RDONLY));
  DIR* dir = opendir("/ro/sub");
  printf("libc opendir /ro/sub: %s\n", dir ? "ok" : ename(errno));
  if (dir) {
    int names = 0;
    while (readdir(dir)) ++names;
    printf("  %d entries\n", names);
    closedir(dir);
  }

  // Directories: no seek or tell; "." opens as a directory with the preopen's rights.
  __wasi_fdstat_t rw = fdstat(3);
  SHOW("seek the preopen", __wasi_fd_seek(3, 0, __WASI_WHENCE_SET, &pos));
  SHOW("tell the preopen", __wasi_fd_tell(3, &pos));
  SHOW("open \".\" with the preopen's rights",
       __wasi_path_open(3, 0, ".", 0, rw.fs_rights_base, rw.fs_rights_inheriting, 0, &d));
  show_fdstat("  that directory", d);
  __wasi_fd_close(d);
  SHOW("open \".\" O_DIRECTORY with the preopen's rights",
       __wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, rw.fs_rights_base,
                        rw.fs_rights_inheriting, 0, &d));
  __wasi_fdstat_t dst = fdstat(d);
  printf("  directory: type %d, rights as asked: %s, inheriting as asked: %s\n", dst.fs_filetype,
         dst.fs_rights_base == rw.fs_rights_base ? "yes" : "no",
         dst.fs_rights_inheriting == rw.fs_rights_inheriting ? "yes" : "no");
  SHOW("  seek it", __wasi_fd_seek(d, 0, __WASI_WHENCE_CUR, &pos));
  SHOW("  tell it", __wasi_fd_tell(d, &pos));
  SHOW("  read it", __wasi_fd_read(d, &iov, 1, &n));
  SHOW("open \".\" asking to write",
       __wasi_path_open(3, 0, ".", 0, R(FD_READ) | R(FD_WRITE), 0, 0, &f));
  __wasi_fd_close(d);
  SHOW_LIBC("libc open /sandbox O_DIRECTORY", open("/sandbox", O_RDONLY | O_DIRECTORY));

  // Files opened beneath the read-write preopen; the data file the call checks use.
  f = open_or_die(3, "data", __WASI_OFLAGS_CREAT, R(FD_WRITE), 0);
  SHOW("write data",
       __wasi_fd_write(f, &(__wasi_ciovec_t){(const uint8_t*)"0123456789", 10}, 1, &n));
  __wasi_fd_close(f);
  f = open_or_die(3, "data", 0, rw.fs_rights_inheriting, rw.fs_rights_inheriting);
  show_fdstat("rw file asking the preopen's inheriting rights", f);
  __wasi_fd_close(f);
  f = open_or_die(3, "data", 0, R(FD_READ) | R(FD_SEEK), 0);
  show_fdstat("file opened read-only", f);
  SHOW("  write it", __wasi_fd_write(f, &ciov, 1, &n));

  // fd_fdstat_set_rights only drops.
  SHOW("  widen its base",
       __wasi_fd_fdstat_set_rights(f, R(FD_READ) | R(FD_SEEK) | R(FD_WRITE), 0));
  SHOW("  widen its inheriting", __wasi_fd_fdstat_set_rights(f, R(FD_READ), R(FD_READ)));
  SHOW("  drop seek", __wasi_fd_fdstat_set_rights(f, R(FD_READ), 0));
  show_fdstat("  now", f);
  SHOW("  seek", __wasi_fd_seek(f, 0, __WASI_WHENCE_SET, &pos));
  SHOW("  take seek back", __wasi_fd_fdstat_set_rights(f, R(FD_READ) | R(FD_SEEK), 0));
  __wasi_fd_close(f);

  // sock_shutdown on what is not a socket; on the socket without the right.
  SHOW("sock_shutdown stdout", __wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
  SHOW("sock_shutdown a directory", __wasi_sock_shutdown(3, __WASI_SDFLAGS_WR));
  f = open_or_die(3, "data", 0, R(FD_READ), 0);
  SHOW("sock_shutdown a file", __wasi_sock_shutdown(f, __WASI_SDFLAGS_WR));
  __wasi_fd_close(f);
  SHOW("sock_shutdown fd 1000", __wasi_sock_shutdown(1000, __WASI_SDFLAGS_WR));
  __wasi_fd_t c;
  SHOW("accept the queued connection", __wasi_sock_accept(5, 0, &c));
  show_fdstat("  connection", c);
  __wasi_fdstat_t cs = fdstat(c);
  SHOW("  drop its shutdown right",
       __wasi_fd_fdstat_set_rights(c, cs.fs_rights_base & ~R(SOCK_SHUTDOWN), 0));
  SHOW("  shutdown without the right", __wasi_sock_shutdown(c, __WASI_SDFLAGS_WR));
  __wasi_fd_close(c);

  // Every call checks its right.
  static const struct Case file_cases[] = {
      {"fd_read", R(FD_READ), c_read},
      {"fd_pread", R(FD_READ), c_pread},
      {"fd_pread (seek)", R(FD_SEEK), c_pread},
      {"fd_write", R(FD_WRITE), c_write},
      {"fd_pwrite", R(FD_WRITE), c_pwrite},
      {"fd_seek", R(FD_SEEK), c_seek},
      {"fd_tell", R(FD_TELL), c_tell},
      {"fd_sync", R(FD_SYNC), c_sync},
      {"fd_datasync", R(FD_DATASYNC), c_datasync},
      {"fd_advise", R(FD_ADVISE), c_advise},
      {"fd_allocate", R(FD_ALLOCATE), c_allocate},
      {"fd_filestat_get", R(FD_FILESTAT_GET), c_filestat},
      {"fd_filestat_set_size", R(FD_FILESTAT_SET_SIZE), c_set_size},
      {"fd_filestat_set_times", R(FD_FILESTAT_SET_TIMES), c_set_times},
      {"fd_fdstat_set_flags", R(FD_FDSTAT_SET_FLAGS), c_set_flags},
      {"poll_oneoff", R(POLL_FD_READWRITE), c_poll},
  };
  check_calls("file", open_file, file_cases, sizeof file_cases / sizeof file_cases[0]);
  static const struct Case dir_cases[] = {
      {"path_open", R(PATH_OPEN), c_open},
      {"path_open O_CREAT", R(PATH_CREATE_FILE), c_create},
      {"path_open O_TRUNC", R(PATH_FILESTAT_SET_SIZE), c_truncate},
      {"path_create_directory", R(PATH_CREATE_DIRECTORY), c_mkdir},
      {"path_remove_directory", R(PATH_REMOVE_DIRECTORY), c_rmdir},
      {"path_unlink_file", R(PATH_UNLINK_FILE), c_unlink},
      {"path_filestat_get", R(PATH_FILESTAT_GET), c_pstat},
      {"path_filestat_set_times", R(PATH_FILESTAT_SET_TIMES), c_ptimes},
      {"path_symlink", R(PATH_SYMLINK), c_symlink},
      {"path_readlink", R(PATH_READLINK), c_readlink},
      {"path_rename (from)", R(PATH_RENAME_SOURCE), c_rename_from},
      {"path_rename (to)", R(PATH_RENAME_TARGET), c_rename_to},
      {"path_link (from)", R(PATH_LINK_SOURCE), c_link_from},
      {"path_link (to)", R(PATH_LINK_TARGET), c_link_to},
      {"fd_readdir", R(FD_READDIR), c_readdir},
      {"fd_filestat_get", R(FD_FILESTAT_GET), c_filestat},
      {"fd_filestat_set_times", R(FD_FILESTAT_SET_TIMES), c_set_times},
      {"fd_sync", R(FD_SYNC), c_sync},
  };
  check_calls("dir", open_dir, dir_cases, sizeof dir_cases / sizeof dir_cases[0]);
  return 0;
}
