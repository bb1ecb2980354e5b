// Exits through proc_exit(7) after some output (which must not be lost).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("about to exit 7\n");
  exit(7);
}
