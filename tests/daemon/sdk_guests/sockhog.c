// Opens TCP sockets (brokered, sdk/c) until argv[1] attempts, never closing one: a guest that
// runs into its fd/socket limit. Prints how many opened and how many were refused.
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  int tries = argc > 1 ? atoi(argv[1]) : 100;
  int opened = 0, refused = 0;
  for (int i = 0; i < tries; i++) {
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0)
      opened++;
    else
      refused++;
  }
  printf("opened %d, refused %d\n", opened, refused);
  return 0;
}
