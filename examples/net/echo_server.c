/* TCP echo server: many clients at once with poll(2), non-blocking sockets, half-close.
 *
 *   echo_server [ADDR [PORT [MAX_CONNECTIONS]]]    (default 127.0.0.1 7000, 0 = for ever)
 *
 * Every byte a client sends comes back. When a client shuts down its sending side, the server
 * sends what is left and then shuts down its own, so the client reads everything and then EOF.
 * A client that does not read is not allowed to stall the others: its output waits in its own
 * buffer and the server stops reading from it until the buffer drains.
 *
 * The same source builds natively (gcc) and for wasm32-wasi with sdk/c (clang-19). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifndef __wasi__
#include <signal.h>
#endif

enum { kMaxClients = 1024, kBuf = 16384 };

struct client {
  int fd;
  int eof;         /* the client shut down its sending side */
  size_t off, len; /* pending echo: buf[off, len) */
  char buf[kBuf];
};

static struct client *clients[kMaxClients];
static int nclients;

static void drop(int i) {
  close(clients[i]->fd);
  free(clients[i]);
  clients[i] = clients[--nclients];
}

/* Sends pending bytes; returns -1 when the connection is gone. */
static int flush(struct client *c) {
  while (c->off < c->len) {
    ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    c->off += (size_t)n;
  }
  c->off = c->len = 0;
  return 0;
}

int main(int argc, char **argv) {
  const char *addr = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? atoi(argv[2]) : 7000;
  long max_conns = argc > 3 ? atol(argv[3]) : 0;
#ifndef __wasi__
  signal(SIGPIPE, SIG_IGN);
#endif

  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    fprintf(stderr, "echo_server: bad address %s\n", addr);
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (lfd < 0) {
    perror("echo_server: socket");
    return 1;
  }
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* best effort */
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, SOMAXCONN) < 0) {
    fprintf(stderr, "echo_server: bind/listen %s:%d: %s\n", addr, port, strerror(errno));
    return 1;
  }
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  printf("echo_server: listening on %s:%d\n", addr, port);
  fflush(stdout);

  static struct pollfd pfds[kMaxClients + 1];
  long accepted = 0;
  for (;;) {
    int accepting = nclients < kMaxClients && (max_conns == 0 || accepted < max_conns);
    if (!accepting && nclients == 0) break; /* served MAX_CONNECTIONS: done */
    pfds[0].fd = accepting ? lfd : -1;
    pfds[0].events = POLLIN;
    for (int i = 0; i < nclients; ++i) {
      struct client *c = clients[i];
      pfds[i + 1].fd = c->fd;
      /* Back-pressure: read only when nothing is waiting to go out. */
      pfds[i + 1].events = c->len ? POLLOUT : POLLIN;
    }
    int n = poll(pfds, (nfds_t)nclients + 1, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("echo_server: poll");
      return 1;
    }
    /* Clients first (indices stay valid while we walk backwards and drop). */
    for (int i = nclients - 1; i >= 0; --i) {
      short re = pfds[i + 1].revents;
      struct client *c = clients[i];
      if (!re) continue;
      if (re & POLLNVAL) {
        drop(i);
        continue;
      }
      if (c->len) {
        if (flush(c) < 0) {
          drop(i);
          continue;
        }
      } else {
        ssize_t r = recv(c->fd, c->buf, kBuf, 0);
        if (r > 0) {
          c->len = (size_t)r;
          if (flush(c) < 0) {
            drop(i);
            continue;
          }
        } else if (r == 0) {
          c->eof = 1;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
          drop(i); /* reset by the peer */
          continue;
        }
      }
      if (c->eof && !c->len) {
        shutdown(c->fd, SHUT_WR); /* half-close answered: everything was echoed */
        drop(i);
      }
    }
    if (pfds[0].revents & POLLIN) {
      while (nclients < kMaxClients && (max_conns == 0 || accepted < max_conns)) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) break; /* EAGAIN: no more waiting */
        fcntl(fd, F_SETFL, O_NONBLOCK);
        struct client *c = calloc(1, sizeof *c);
        if (!c) {
          close(fd);
          break;
        }
        c->fd = fd;
        clients[nclients++] = c;
        ++accepted;
      }
    }
  }
  printf("echo_server: served %ld connections\n", accepted);
  close(lfd);
  return 0;
}
