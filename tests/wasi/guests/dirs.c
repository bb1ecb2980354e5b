// Directories and names: mkdir, rmdir, readdir (libc), rename, link, symlink, readlink,
// unlink, path_filestat_get with and without following, and *at calls under an opened dir.
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static void list(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("opendir %s: %s\n", path, ename(errno));
    return;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) && n < 64) {
    char* s = malloc(300);
    snprintf(s, 300, "%s(%s)", e->d_name,
             e->d_type == DT_DIR   ? "dir"
             : e->d_type == DT_REG ? "file"
             : e->d_type == DT_LNK ? "link"
                                   : "other");
    names[n++] = s;
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("%s:", path);
  for (int i = 0; i < n; ++i) printf(" %s", names[i]);
  printf("\n");
}

static void touch(const char* p, const char* text) {
  FILE* f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

int main(void) {
  SHOW_LIBC("mkdir d", mkdir("/sandbox/d", 0755));
  SHOW_LIBC("mkdir d again", mkdir("/sandbox/d", 0755));
  SHOW_LIBC("mkdir d/sub", mkdir("/sandbox/d/sub", 0755));
  touch("/sandbox/d/a", "A");
  touch("/sandbox/d/b", "BB");
  list("/sandbox/d");
  SHOW_LIBC("rename a a2", rename("/sandbox/d/a", "/sandbox/d/a2"));
  SHOW_LIBC("rename missing", rename("/sandbox/d/zz", "/sandbox/d/zz2"));
  SHOW_LIBC("link b b2", link("/sandbox/d/b", "/sandbox/d/b2"));
  struct stat st;
  stat("/sandbox/d/b", &st);
  printf("nlink of b: %d\n", (int)st.st_nlink);
  SHOW_LIBC("symlink", symlink("b", "/sandbox/d/ln"));
  SHOW_LIBC("symlink long", symlink("a-rather-long-target", "/sandbox/d/ln2"));
  char buf[64] = {0};
  printf("readlink: %d [%s]\n", (int)readlink("/sandbox/d/ln", buf, sizeof buf), buf);
  memset(buf, 0, sizeof buf);
  printf("readlink short buffer: %d [%s]\n", (int)readlink("/sandbox/d/ln2", buf, 4), buf);
  SHOW_LIBC("readlink on a file", readlink("/sandbox/d/b", buf, sizeof buf));
  lstat("/sandbox/d/ln", &st);
  printf("lstat ln: link %d\n", S_ISLNK(st.st_mode));
  stat("/sandbox/d/ln", &st);
  printf("stat ln: regular %d size %lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
  list("/sandbox/d");

  SHOW_LIBC("rmdir non-empty", rmdir("/sandbox/d"));
  SHOW_LIBC("unlink a dir", unlink("/sandbox/d/sub"));
  SHOW_LIBC("rmdir a file", rmdir("/sandbox/d/a2"));
  SHOW_LIBC("rename dir over file", rename("/sandbox/d/sub", "/sandbox/d/a2"));

  // *at calls under a directory fd we opened (a broker directory handle, not a preopen).
  int dfd = open("/sandbox/d/sub", O_RDONLY | O_DIRECTORY);
  printf("open dir: %s\n", dfd >= 0 ? "ok" : ename(errno));
  SHOW_LIBC("mkdirat", mkdirat(dfd, "x", 0755));
  int f = openat(dfd, "x/y.txt", O_WRONLY | O_CREAT, 0644);
  printf("openat: %s\n", f >= 0 ? "ok" : ename(errno));
  close(f);
  SHOW_LIBC("fstatat", fstatat(dfd, "x/y.txt", &st, 0));
  SHOW_LIBC("renameat across dirs", renameat(dfd, "x/y.txt", AT_FDCWD, "/sandbox/d/y.txt"));
  __wasi_fdstat_t fs;
  (void)__wasi_fd_fdstat_get(dfd, &fs);
  printf("dir fd filetype %d\n", fs.fs_filetype);
  SHOW_LIBC("unlinkat dir flag", unlinkat(dfd, "x", AT_REMOVEDIR));
  close(dfd);
  list("/sandbox/d");

  const char* files[] = {"a2", "b", "b2", "ln", "ln2", "y.txt"};
  for (int i = 0; i < 6; ++i) {
    char p[64];
    snprintf(p, sizeof p, "/sandbox/d/%s", files[i]);
    if (unlink(p) != 0) printf("unlink %s: %s\n", files[i], ename(errno));
  }
  SHOW_LIBC("rmdir sub", rmdir("/sandbox/d/sub"));
  SHOW_LIBC("rmdir d", rmdir("/sandbox/d"));
  SHOW_LIBC("stat d", stat("/sandbox/d", &st));
  list("/sandbox");
  list("/ro");
  return 0;
}
