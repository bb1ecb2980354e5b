// Listens on ADDR:PORT and connects to itself as fast as it can, accepting each connection and
// keeping both ends, until socket, connect or accept is refused (its fd limit); then it closes
// them all and starts again, for ever: a neighbour that opens and accepts connections without
// end, every one of them a brokered operation.
//
//   connhog ADDR PORT
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { kMaxHeld = 8192 };
static int held[kMaxHeld];

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: connhog ADDR PORT\n");
    return 2;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
    fprintf(stderr, "connhog: bad address %s\n", argv[1]);
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (lfd < 0 || bind(lfd, (struct sockaddr*)&sa, sizeof sa) < 0 || listen(lfd, 128) < 0) {
    fprintf(stderr, "connhog: listen %s:%s: %s\n", argv[1], argv[2], strerror(errno));
    return 1;
  }
  printf("connhog: listening\n");
  fflush(stdout);
  for (unsigned long round = 0;; round++) {
    int n = 0;
    while (n + 2 <= kMaxHeld) {
      int c = socket(AF_INET, SOCK_STREAM, 0);
      if (c < 0) break;
      held[n++] = c;
      if (connect(c, (struct sockaddr*)&sa, sizeof sa) < 0) break;
      int a = accept(lfd, NULL, NULL);
      if (a < 0) break;
      held[n++] = a;
    }
    if (round < 3) {
      printf("connhog: round %lu held %d fds (%s)\n", round, n, strerror(errno));
      fflush(stdout);
    }
    for (int i = 0; i < n; i++) close(held[i]);
  }
}
