// File probes for the OCI tests, run as a sequence of commands:
//   files cat PATH | write PATH TEXT | ls DIR ...
// Each prints one line: the content, "wrote PATH", the names, or "PATH: error: REASON", so a
// test can check what a container may and may not reach. Exit status 0 unless the command
// line is malformed (2).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void cat(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: error: %s\n", path, strerror(errno));
    return;
  }
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) {
    printf("%s: error: %s\n", path, strerror(errno));
    return;
  }
  buf[n] = '\0';
  if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = '\0';
  printf("%s: %s\n", path, buf);
}

static void write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
    printf("%s: error: %s\n", path, strerror(errno));
    if (fd >= 0) close(fd);
    return;
  }
  close(fd);
  printf("wrote %s\n", path);
}

static void list(const char* path) {
  DIR* d = opendir(path);
  if (!d) {
    printf("%s: error: %s\n", path, strerror(errno));
    return;
  }
  printf("%s:", path);
  for (struct dirent* e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) printf(" %s", e->d_name);
  printf("\n");
  closedir(d);
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc;) {
    if (!strcmp(argv[i], "cat") && i + 1 < argc) {
      cat(argv[i + 1]);
      i += 2;
    } else if (!strcmp(argv[i], "write") && i + 2 < argc) {
      write_file(argv[i + 1], argv[i + 2]);
      i += 3;
    } else if (!strcmp(argv[i], "ls") && i + 1 < argc) {
      list(argv[i + 1]);
      i += 2;
    } else {
      fprintf(stderr, "usage: files (cat PATH | write PATH TEXT | ls DIR)...\n");
      return 2;
    }
  }
  return 0;
}
