// A guest written against WASIX sockets (module wasix_32v1, imports declared by hand as
// wasix-libc declares them). Modes (argv[1]):
//   server N      echo server on 127.0.0.1 (any port, printed as "port P"), N connections
//                 in turn; a connection's error is printed and the next one served
//   client PORT   options (flag / size / time), connect, addresses, send, shutdown, read to EOF
//   resolve       resolve("localhost")
//   denied PORT   connect to a port the broker refuses
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WX(name) __attribute__((import_module("wasix_32v1"), import_name(name)))
typedef struct {
  uint8_t tag, pad;
  uint8_t octs[18];
} addr_port;  // port @2, ip @4
typedef struct {
  uint8_t tag, pad;
  uint8_t octs[16];
} addr;
typedef struct {
  void* buf;
  uint32_t len;
} iovec_t;
typedef struct {
  uint8_t tag;
  uint64_t ns;
} opt_time;
WX("sock_open") int32_t wx_open(int32_t af, int32_t ty, int32_t proto, uint32_t* fd);
WX("sock_bind") int32_t wx_bind(int32_t fd, const addr_port* a);
WX("sock_listen") int32_t wx_listen(int32_t fd, int32_t backlog);
WX("sock_accept_v2") int32_t wx_accept(int32_t fd, int32_t flags, uint32_t* nfd, addr_port* a);
WX("sock_connect") int32_t wx_connect(int32_t fd, const addr_port* a);
WX("sock_recv_from")
int32_t wx_recv_from(int32_t fd, iovec_t* iov, int32_t n, int32_t flags, uint32_t* len,
                     uint16_t* of, addr_port* from);
WX("sock_send")
int32_t wx_send(int32_t fd, const iovec_t* iov, int32_t n, int32_t flags, uint32_t* len);
WX("sock_shutdown") int32_t wx_shutdown(int32_t fd, int32_t how);
WX("sock_addr_local") int32_t wx_addr_local(int32_t fd, addr_port* a);
WX("sock_addr_peer") int32_t wx_addr_peer(int32_t fd, addr_port* a);
WX("sock_set_opt_flag") int32_t wx_set_flag(int32_t fd, int32_t opt, int32_t flag);
WX("sock_get_opt_flag") int32_t wx_get_flag(int32_t fd, int32_t opt, uint8_t* flag);
WX("sock_set_opt_size") int32_t wx_set_size(int32_t fd, int32_t opt, int64_t size);
WX("sock_get_opt_size") int32_t wx_get_size(int32_t fd, int32_t opt, uint64_t* size);
WX("sock_set_opt_time") int32_t wx_set_time(int32_t fd, int32_t opt, const opt_time* t);
WX("sock_get_opt_time") int32_t wx_get_time(int32_t fd, int32_t opt, opt_time* t);
WX("resolve")
int32_t
    wx_resolve(const char* host, int32_t len, int32_t port, addr* out, int32_t n, uint32_t* count);

static addr_port loopback(uint16_t port) {  // the guest writes the port little-endian
  addr_port a = {1, 0, {(uint8_t)port, (uint8_t)(port >> 8), 127, 0, 0, 1}};
  return a;
}
static uint16_t port_of(const addr_port* a) { return (uint16_t)((a->octs[0] << 8) | a->octs[1]); }

static int server(int count) {
  uint32_t fd, c;
  addr_port a = loopback(0);
  if (wx_open(1, 1, 0, &fd) || wx_bind(fd, &a) || wx_listen(fd, 64)) return 10;
  if (wx_addr_local(fd, &a)) return 11;
  printf("port %u\n", port_of(&a));
  fflush(stdout);
  for (int i = 0; i < count; ++i) {
    addr_port peer;
    int32_t e = wx_accept(fd, 0, &c, &peer);
    if (e) {
      printf("accept: errno %d\n", e);
      return 12;
    }
    char buf[4096];
    for (;;) {
      iovec_t iov = {buf, sizeof buf};
      uint32_t n;
      uint16_t of;
      addr_port from;
      if ((e = wx_recv_from(c, &iov, 1, 0, &n, &of, &from))) {
        printf("conn %d: errno %d\n", i, e);
        break;
      }
      if (n == 0) break;
      iovec_t out = {buf, n};
      if ((e = wx_send(c, &out, 1, 0, &n))) {
        printf("conn %d: send errno %d\n", i, e);
        break;
      }
    }
    close(c);
  }
  printf("served %d\n", count);
  return 0;
}

static int client(uint16_t port) {
  uint32_t fd;
  int32_t e;
  if (wx_open(1, 1, 0, &fd)) return 20;
  // Set before connect: remembered, then applied to the broker's socket.
  opt_time t = {1, 1500000000ull};
  if (wx_set_flag(fd, 3 /* NoDelay */, 1) || wx_set_flag(fd, 12 /* KeepAlive */, 1) ||
      wx_set_size(fd, 15 /* RecvBufSize */, 65536) || wx_set_time(fd, 19 /* RecvTimeout */, &t))
    return 21;
  addr_port a = loopback(port);
  if ((e = wx_connect(fd, &a))) {
    printf("connect: errno %d\n", e);
    return 22;
  }
  uint8_t nodelay = 0, keepalive = 0;
  uint64_t rcvbuf = 0;
  opt_time got_t = {0, 0};
  if (wx_get_flag(fd, 3, &nodelay) || wx_get_flag(fd, 12, &keepalive) ||
      wx_get_size(fd, 15, &rcvbuf) || wx_get_time(fd, 19, &got_t))
    return 23;
  printf("nodelay %u keepalive %u rcvbuf_set %d rcvtimeo %u %llu ms\n", nodelay, keepalive,
         rcvbuf >= 65536, got_t.tag, (unsigned long long)(got_t.ns / 1000000));
  addr_port peer, local;
  if (wx_addr_peer(fd, &peer) || wx_addr_local(fd, &local)) return 24;
  printf("peer %u.%u.%u.%u port_ok %d local_port_nonzero %d\n", peer.octs[2], peer.octs[3],
         peer.octs[4], peer.octs[5], port_of(&peer) == port, port_of(&local) != 0);
  const char* msg = "hello from wasix";
  iovec_t iov = {(void*)msg, (uint32_t)strlen(msg)};
  uint32_t n;
  if (wx_send(fd, &iov, 1, 0, &n) || wx_shutdown(fd, 2)) return 25;
  char buf[256];
  size_t have = 0;
  for (;;) {
    iovec_t in = {buf + have, (uint32_t)(sizeof buf - 1 - have)};
    uint16_t of;
    addr_port from;
    if ((e = wx_recv_from(fd, &in, 1, 0, &n, &of, &from))) {
      printf("recv: errno %d\n", e);
      return 26;
    }
    if (n == 0) break;
    have += n;
  }
  buf[have] = 0;
  printf("received \"%s\"\n", buf);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int arg = argc > 2 ? atoi(argv[2]) : 0;
  if (!strcmp(argv[1], "server")) return server(arg);
  if (!strcmp(argv[1], "client")) return client((uint16_t)arg);
  if (!strcmp(argv[1], "resolve")) {
    addr out[4];
    uint32_t count = 0;
    int32_t e = wx_resolve("localhost", 9, 80, out, 4, &count);
    if (e) {
      printf("resolve: errno %d\n", e);
      return 30;
    }
    for (uint32_t i = 0; i < count; ++i)
      if (out[i].tag == 1)
        printf("inet4 %u.%u.%u.%u\n", out[i].octs[0], out[i].octs[1], out[i].octs[2],
               out[i].octs[3]);
      else
        printf("inet6 loopback %d\n", out[i].octs[15] == 1);
    return 0;
  }
  if (!strcmp(argv[1], "denied")) {
    uint32_t fd;
    if (wx_open(1, 1, 0, &fd)) return 40;
    addr_port a = loopback((uint16_t)arg);
    printf("connect: errno %d\n", wx_connect(fd, &a));
    return 0;
  }
  return 2;
}
