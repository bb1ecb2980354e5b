// args, environ, stdin, stdout, stderr, exit code.
#include <stdlib.h>

#include "common.h"

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  printf("GREETING=%s\n", getenv("GREETING"));
  printf("EMPTY=[%s]\n", getenv("EMPTY"));
  printf("MISSING=%s\n", getenv("MISSING") ? "set" : "unset");
  char line[64] = {0};
  if (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
  printf("eof: %s\n", fgets(line, sizeof line, stdin) ? "no" : "yes");
  fprintf(stderr, "to stderr\n");

  // The raw size calls agree with what libc built.
  __wasi_size_t n, size;
  SHOW("args_sizes_get", __wasi_args_sizes_get(&n, &size));
  printf("args: %u strings, %u bytes\n", (unsigned)n, (unsigned)size);
  SHOW("environ_sizes_get", __wasi_environ_sizes_get(&n, &size));
  printf("environ: %u strings, %u bytes\n", (unsigned)n, (unsigned)size);
  return 7;
}
