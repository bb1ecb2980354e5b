// Prints what this container was given, for the zygote's tenant-isolation check
// (tests/daemon/run.sh): every argv and environment entry, every preopened directory, the first
// line of the file argv[2] names; and the module's own memory as it found it (a string from a
// data segment, a zeroed counter), which it then overwrites with argv[1]. Two containers of
// this module forked from one zygote must each see only their own, and memory as the module
// made it.
//   tenant NAME FILE
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

extern char** environ;
static char data_segment[32] = "pristine";
static int bss_counter;

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: tenant NAME FILE\n");
    return 2;
  }
  printf("data: %s\nbss: %d\n", data_segment, bss_counter);
  for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  for (char** e = environ; *e; e++) printf("env: %s\n", *e);
  for (__wasi_fd_t fd = 3;; fd++) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != __WASI_ERRNO_SUCCESS) break;
    char name[256] = {0};
    size_t len = ps.u.dir.pr_name_len < sizeof name ? ps.u.dir.pr_name_len : sizeof name - 1;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)name, len) == __WASI_ERRNO_SUCCESS)
      printf("preopen: %s\n", name);
  }
  char line[128];
  FILE* f = fopen(argv[2], "r");
  if (f && fgets(line, sizeof line, f))
    printf("file: %s", line);
  else
    printf("file: %s: unreadable\n", argv[2]);
  strncpy(data_segment, argv[1], sizeof data_segment - 1);
  bss_counter++;
  return 0;
}
