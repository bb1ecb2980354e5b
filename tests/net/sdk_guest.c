/* Exercises sdk/c calls the examples do not: getsockname/getpeername, accept's address,
 * options, poll on sockets and files, half-close seen through poll, non-blocking connect,
 * getaddrinfo's local cases, inet_addr/inet_ntoa. Prints "ok NAME" / "FAIL NAME: why".
 *
 *   sdk_guest PORT FILE      (needs --allow-listen and --allow-connect 127.0.0.1:PORT, and
 *                             FILE readable through a --dir grant) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int failures;
static void check(int ok, const char *name, const char *why) {
  if (ok)
    printf("ok   sdk: %s\n", name);
  else
    printf("FAIL sdk: %s: %s (errno %d %s)\n", name, why, errno, strerror(errno)), ++failures;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  setvbuf(stdout, NULL, _IONBF, 0); /* each line as it happens, even if a call hangs */
  int port = atoi(argv[1]);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = inet_addr("127.0.0.1");

  int l = socket(AF_INET, SOCK_STREAM, 0);
  check(l >= 0, "socket(AF_INET, SOCK_STREAM)", "failed");
  check(bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 8) == 0, "bind+listen",
        "failed");
  struct sockaddr_in got;
  socklen_t len = sizeof got;
  check(getsockname(l, (struct sockaddr *)&got, &len) == 0 && len == sizeof got &&
            got.sin_family == AF_INET && ntohs(got.sin_port) == port &&
            got.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
        "getsockname of the listener", "wrong address");
  struct pollfd pl = {l, POLLIN, 0};
  check(poll(&pl, 1, 0) == 0 && pl.revents == 0, "poll(timeout 0) on an idle listener -> 0",
        "ready?");

  /* Non-blocking connect: EINPROGRESS (or immediate success), then POLLOUT and SO_ERROR 0. */
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int r = connect(c, (struct sockaddr *)&sa, sizeof sa);
  check(r == 0 || errno == EINPROGRESS, "non-blocking connect -> 0 or EINPROGRESS", "failed");
  struct pollfd pc = {c, POLLOUT, 0};
  int soerr = -1;
  len = sizeof soerr;
  check(poll(&pc, 1, 5000) == 1 && (pc.revents & POLLOUT) &&
            getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0,
        "connect completes: POLLOUT, SO_ERROR 0", "not connected");
  check(poll(&pl, 1, 5000) == 1 && (pl.revents & POLLIN), "listener polls readable", "no POLLIN");

  struct sockaddr_storage peer;
  len = sizeof peer;
  int s = accept(l, (struct sockaddr *)&peer, &len);
  struct sockaddr_in local;
  socklen_t llen = sizeof local;
  getsockname(c, (struct sockaddr *)&local, &llen);
  check(s >= 0 && peer.ss_family == AF_INET && len == sizeof(struct sockaddr_in) &&
            ((struct sockaddr_in *)&peer)->sin_port == local.sin_port,
        "accept reports the client's address and port", "mismatch");
  len = sizeof got;
  check(getpeername(c, (struct sockaddr *)&got, &len) == 0 && ntohs(got.sin_port) == port,
        "getpeername of the client", "wrong address");
  char small[4];
  len = 4;
  check(getpeername(c, (struct sockaddr *)small, &len) == 0 && len == sizeof(struct sockaddr_in),
        "getpeername truncates and reports the full length", "wrong length");
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  int a2 = connect(c2, (struct sockaddr *)&sa, sizeof sa) == 0 ? accept(l, NULL, NULL) : -1;
  check(a2 >= 0, "accept(fd, NULL, NULL)", "failed");
  close(a2);
  close(c2);

  int type = 0;
  len = sizeof type;
  check(getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM,
        "getsockopt SO_TYPE -> SOCK_STREAM", "wrong type");
  int one = 1, v = 0;
  len = sizeof v;
  check(setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0 &&
            getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, &len) == 0 && v != 0,
        "setsockopt/getsockopt SO_KEEPALIVE", "not set");
  errno = 0;
  check(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 && errno == ENOPROTOOPT,
        "TCP_NODELAY -> ENOPROTOOPT (the extension has SOL_SOCKET only)", "unexpected");

  /* Data both ways, poll readiness, then a receive timeout. */
  check(send(c, "ping", 4, MSG_NOSIGNAL) == 4, "send with MSG_NOSIGNAL", "failed");
  struct pollfd ps = {s, POLLIN, 0};
  char buf[16] = {0};
  check(poll(&ps, 1, 5000) == 1 && (ps.revents & POLLIN) && recv(s, buf, sizeof buf, 0) == 4 &&
            !memcmp(buf, "ping", 4),
        "poll POLLIN then recv", "no data");
  check(sendto(s, "pong", 4, 0, NULL, 0) == 4, "sendto without an address", "failed");
  struct sockaddr_in from;
  len = sizeof from;
  fcntl(c, F_SETFL, 0);
  check(recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) == 4 &&
            ntohs(from.sin_port) == port,
        "recvfrom names the peer", "failed");

  /* Half-close seen through poll: readable, and recv returns 0. */
  shutdown(c, SHUT_WR);
  check(poll(&ps, 1, 5000) == 1 && (ps.revents & (POLLIN | POLLHUP)) &&
            recv(s, buf, sizeof buf, 0) == 0,
        "peer's SHUT_WR: poll readable, recv 0", "no EOF");
  close(c);
  close(s);

  /* poll across a socket and a regular file in one call. */
  int f = open(argv[2], O_RDONLY);
  struct pollfd mix[3] = {{l, POLLIN, 0}, {f, POLLIN, 0}, {-1, POLLIN, 0}};
  check(f >= 0 && poll(mix, 3, 1000) == 1 && mix[1].revents == POLLIN && mix[0].revents == 0 &&
            mix[2].revents == 0,
        "poll over a listener, a file and fd -1: only the file is ready", "wrong revents");
  struct pollfd bad = {9999, POLLIN, 0};
  check(poll(&bad, 1, 0) == 1 && (bad.revents & POLLNVAL), "poll on a bad fd -> POLLNVAL",
        "no POLLNVAL");

  /* getaddrinfo's guest-side cases. */
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_flags = AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  check(getaddrinfo(NULL, "8080", &hints, &res) == 0 && res && res->ai_family == AF_INET &&
            ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_ANY) &&
            ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port) == 8080 && !res->ai_next,
        "getaddrinfo(NULL, 8080, AI_PASSIVE) -> 0.0.0.0:8080", "wrong");
  freeaddrinfo(res);
  res = NULL;
  memset(&hints, 0, sizeof hints);
  check(getaddrinfo("::1", "443", &hints, &res) == 0 && res->ai_family == AF_INET6 &&
            res->ai_addrlen == sizeof(struct sockaddr_in6) && res->ai_next &&
            res->ai_next->ai_socktype == SOCK_DGRAM,
        "getaddrinfo(::1) -> IPv6, stream and datagram", "wrong");
  freeaddrinfo(res);
  hints.ai_flags = AI_NUMERICHOST;
  check(getaddrinfo("example.invalid", "80", &hints, &res) == EAI_NONAME,
        "AI_NUMERICHOST with a name -> EAI_NONAME", "wrong");
  check(getaddrinfo("127.0.0.1", "http", NULL, &res) == EAI_SERVICE,
        "service names -> EAI_SERVICE (no /etc/services)", "wrong");
  int g = getaddrinfo("name.not.granted.invalid", "80", NULL, &res);
  printf("     (resolving a name with no grant: %s%s%s)\n", gai_strerror(g),
         g == EAI_SYSTEM ? ": " : "", g == EAI_SYSTEM ? strerror(errno) : "");
  check(g != 0, "getaddrinfo of a name the policy does not cover fails", "resolved");
  struct in_addr ia;
  ia.s_addr = inet_addr("10.1.2.3");
  check(!strcmp(inet_ntoa(ia), "10.1.2.3") && inet_addr("nope") == INADDR_NONE,
        "inet_addr / inet_ntoa", "wrong");

  /* Last, since a host that ignores the option blocks here for good (run.sh's --timeout). */
  int c3 = socket(AF_INET, SOCK_STREAM, 0);
  int s3 = connect(c3, (struct sockaddr *)&sa, sizeof sa) == 0 ? accept(l, NULL, NULL) : -1;
  struct timeval tv = {0, 200000};
  check(s3 >= 0 && setsockopt(s3, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0,
        "setsockopt SO_RCVTIMEO", "failed");
  printf("     (recv with SO_RCVTIMEO 200 ms on an idle connection...)\n");
  errno = 0;
  ssize_t n = recv(s3, buf, sizeof buf, 0);
  check(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "recv times out after SO_RCVTIMEO",
        "did not time out");
  return failures ? 1 : 0;
}
