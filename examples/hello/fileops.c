// File operations through granted directories, to show the broker at work:
//   fileops DIR           write DIR/out.txt, read it back, list DIR, remove nothing
//   fileops write PATH    write "written by fileops\n" to PATH (create/truncate)
//   fileops read PATH     print PATH's contents
//   fileops list DIR      print DIR's entries (sorted order not guaranteed)
// Every failure prints "fileops: OP PATH: strerror" and exits 1.
//   webcontainerd --dir /tmp/data::/data --dir-ro /etc::/ro fileops.wasm /data
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(const char* op, const char* path) {
  fprintf(stderr, "fileops: %s %s: %s\n", op, path, strerror(errno));
  return 1;
}

static int do_write(const char* path) {
  FILE* f = fopen(path, "w");
  if (!f) return fail("open for writing", path);
  if (fputs("written by fileops\n", f) < 0) return fail("write", path);
  if (fclose(f) != 0) return fail("close", path);
  printf("wrote %s\n", path);
  return 0;
}

static int do_read(const char* path) {
  FILE* f = fopen(path, "r");
  if (!f) return fail("open for reading", path);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  if (ferror(f)) return fail("read", path);
  fclose(f);
  return 0;
}

static int do_list(const char* path) {
  DIR* d = opendir(path);
  if (!d) return fail("opendir", path);
  struct dirent* e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) printf("%s\n", e->d_name);
  closedir(d);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "write") == 0) return do_write(argv[2]);
  if (argc == 3 && strcmp(argv[1], "read") == 0) return do_read(argv[2]);
  if (argc == 3 && strcmp(argv[1], "list") == 0) return do_list(argv[2]);
  if (argc == 2) {
    char path[1024];
    snprintf(path, sizeof path, "%s/out.txt", argv[1]);
    if (do_write(path) || do_read(path) || do_list(argv[1])) return 1;
    return 0;
  }
  fprintf(stderr, "usage: fileops DIR | write PATH | read PATH | list DIR\n");
  return 2;
}
