// WASI hello world: prints a greeting and its arguments, one per line.
//   clang-19 --target=wasm32-wasi --sysroot=/usr -O2 hello.c -o hello.wasm
//   webcontainerd hello.wasm a b c
#include <stdio.h>

int main(int argc, char** argv) {
  printf("hello from webcontainer\n");
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  return 0;
}
