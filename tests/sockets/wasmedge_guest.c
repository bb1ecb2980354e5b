// A guest written against WasmEdge's socket extension (imports declared by hand, as the
// wasmedge_wasi_socket crate declares them). Modes (argv[1]):
//   server N      echo server on 127.0.0.1 (any port, printed as "port P"), N connections
//                 one after the other; a connection's error is printed and the next served
//   nbserver N    the same with non-blocking sockets multiplexed by poll() (poll_oneoff),
//                 data through read()/write() (fd_read/fd_write)
//   client PORT   options, connect, addresses, send, shutdown(WR), read to EOF
//   resolve       sock_getaddrinfo("localhost", "8080")
//   denied PORT   connect to a port the broker refuses
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WE(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))
typedef struct {
  uint8_t* buf;
  uint32_t len;
} we_addr;
typedef struct {
  void* buf;
  uint32_t len;
} we_iovec;
WE("sock_open") uint32_t we_open(uint8_t family, uint8_t type, uint32_t* fd);
WE("sock_bind") uint32_t we_bind(uint32_t fd, we_addr* addr, uint32_t port);
WE("sock_listen") uint32_t we_listen(uint32_t fd, uint32_t backlog);
WE("sock_accept") uint32_t we_accept(uint32_t fd, uint32_t* new_fd);
WE("sock_connect") uint32_t we_connect(uint32_t fd, we_addr* addr, uint32_t port);
WE("sock_recv")
uint32_t we_recv(uint32_t fd, we_iovec* iov, uint32_t n, uint16_t flags, uint32_t* len,
                 uint16_t* oflags);
WE("sock_send")
uint32_t we_send(uint32_t fd, const we_iovec* iov, uint32_t n, uint16_t flags, uint32_t* len);
WE("sock_shutdown") uint32_t we_shutdown(uint32_t fd, uint8_t how);
WE("sock_getsockopt")
uint32_t we_getsockopt(uint32_t fd, int32_t level, int32_t name, int32_t* v, uint32_t* size);
WE("sock_setsockopt")
uint32_t we_setsockopt(uint32_t fd, int32_t level, int32_t name, const int32_t* v, uint32_t size);
WE("sock_getlocaladdr")
uint32_t we_getlocaladdr(uint32_t fd, we_addr* a, uint32_t* type, uint32_t* port);
WE("sock_getpeeraddr")
uint32_t we_getpeeraddr(uint32_t fd, we_addr* a, uint32_t* type, uint32_t* port);
typedef struct {
  uint16_t family;
  uint32_t sa_data_len;
  uint8_t* sa_data;
} we_sockaddr;
typedef struct __attribute__((packed, aligned(4))) {
  uint16_t ai_flags;
  uint8_t ai_family, ai_socktype, ai_protocol, pad[3];
  uint32_t ai_addrlen;
  we_sockaddr* ai_addr;
  char* ai_canonname;
  uint32_t ai_canonnamelen;
  void* ai_next;
} we_addrinfo;
WE("sock_getaddrinfo")
uint32_t
    we_getaddrinfo(const char* node, uint32_t node_len, const char* service, uint32_t service_len,
                   const we_addrinfo* hints, uint32_t* res, uint32_t max, uint32_t* res_len);

static uint8_t loopback[4] = {127, 0, 0, 1};

static int echo_one(uint32_t c) {  // returns 0 at EOF, else the errno
  char buf[4096];
  for (;;) {
    we_iovec iov = {buf, sizeof buf};
    uint32_t n = 0;
    uint16_t of = 0;
    uint32_t e = we_recv(c, &iov, 1, 0, &n, &of);
    if (e) return (int)e;
    if (n == 0) return 0;
    we_iovec out = {buf, n};
    uint32_t sent = 0;
    while (out.len) {
      if ((e = we_send(c, &out, 1, 0, &sent))) return (int)e;
      out.buf = (char*)out.buf + sent;
      out.len -= sent;
    }
  }
}

static uint32_t listen_any(int nonblocking) {
  uint32_t fd, type, port;
  we_addr a = {loopback, 4};
  if (we_open(1, 2, &fd) || we_bind(fd, &a, 0) || we_listen(fd, 256)) exit(10);
  uint8_t out[16];
  we_addr o = {out, 16};
  if (we_getlocaladdr(fd, &o, &type, &port)) exit(11);
  if (nonblocking) {  // before the port is known to any client: nothing can be pending
    uint32_t c;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) exit(12);
    if (we_accept(fd, &c) != 6) exit(13);  // __WASI_ERRNO_AGAIN
  }
  printf("port %u\n", port);
  fflush(stdout);
  return fd;
}

static int server(int count) {
  uint32_t fd = listen_any(0);
  for (int i = 0; i < count; ++i) {
    uint32_t c;
    uint32_t e = we_accept(fd, &c);
    if (e) {
      printf("accept: errno %u\n", e);
      return 1;
    }
    int r = echo_one(c);
    if (r) printf("conn %d: errno %d\n", i, r);
    close(c);
  }
  printf("served %d\n", count);
  return 0;
}

struct conn {
  int fd;
  char buf[256];
  size_t have;
  int eof;
};

static int nbserver(int count) {
  uint32_t lfd = listen_any(1), c;
  static struct conn conns[1024];
  static struct pollfd pfds[1025];
  int nconn = 0, done = 0, maxopen = 0, open_now = 0;
  while (done < count) {
    int n = 0;
    pfds[n++] = (struct pollfd){.fd = (int)lfd, .events = POLLIN};
    for (int i = 0; i < nconn; ++i)
      if (conns[i].fd >= 0)
        pfds[n++] = (struct pollfd){.fd = conns[i].fd, .events = conns[i].have ? POLLOUT : POLLIN};
    if (poll(pfds, n, 5000) <= 0) {
      printf("poll timed out\n");
      return 14;
    }
    if (pfds[0].revents & POLLIN) {
      while (we_accept(lfd, &c) == 0) {
        fcntl(c, F_SETFL, O_NONBLOCK);
        conns[nconn++] = (struct conn){.fd = (int)c};
        if (++open_now > maxopen) maxopen = open_now;
      }
    }
    for (int i = 0; i < nconn; ++i) {
      struct conn* k = &conns[i];
      if (k->fd < 0) continue;
      if (k->have) {
        ssize_t w = write(k->fd, k->buf, k->have);
        if (w > 0) {
          memmove(k->buf, k->buf + w, k->have - w);
          k->have -= w;
        }
      } else {
        ssize_t r = read(k->fd, k->buf, sizeof k->buf);
        if (r > 0)
          k->have = r;
        else if (r == 0 || errno != EAGAIN)
          k->eof = 1;
      }
      if (k->eof && !k->have) {
        close(k->fd);
        k->fd = -1;
        ++done;
        --open_now;
      }
    }
  }
  printf("served %d, at most %d at once\n", done, maxopen);
  return 0;
}

static int client(uint32_t port) {
  uint32_t fd, e;
  if (we_open(1, 2, &fd)) return 20;
  int32_t one = 1, v = 0;
  uint32_t size = 4;
  // Set before connect: remembered, then applied to the broker's socket.
  if ((e = we_setsockopt(fd, 0, 7 /* SO_KEEPALIVE */, &one, 4))) {
    printf("setsockopt %u\n", e);
    return 21;
  }
  uint8_t storage[128] = {1, 0, 127, 0, 0, 1};  // the 128-byte form: u16 family, then the IP
  we_addr a = {storage, 128};
  if ((e = we_connect(fd, &a, port))) {
    printf("connect: errno %u\n", e);
    return 22;
  }
  if (we_getsockopt(fd, 0, 7, &v, &size)) return 23;
  printf("keepalive %d\n", v);
  size = 4;
  if (we_getsockopt(fd, 0, 1 /* SO_TYPE */, &v, &size)) return 23;
  printf("type %d\n", v);
  uint8_t ip[16] = {0};
  we_addr o = {ip, 16};
  uint32_t type = 0, p = 0;
  if (we_getpeeraddr(fd, &o, &type, &p)) return 24;
  printf("peer %u.%u.%u.%u type %u port_ok %d\n", ip[0], ip[1], ip[2], ip[3], type, p == port);
  if (we_getlocaladdr(fd, &o, &type, &p)) return 25;
  printf("local %u.%u.%u.%u port_nonzero %d\n", ip[0], ip[1], ip[2], ip[3], p != 0);
  const char* msg = "hello from wasmedge";
  we_iovec iov = {(void*)msg, (uint32_t)strlen(msg)};
  uint32_t n;
  if (we_send(fd, &iov, 1, 0, &n) || n != strlen(msg)) return 26;
  if (we_shutdown(fd, 2)) return 27;
  char got[256];
  size_t have = 0;
  for (;;) {
    we_iovec in = {got + have, (uint32_t)(sizeof got - 1 - have)};
    uint16_t of;
    if ((e = we_recv(fd, &in, 1, 0, &n, &of))) {
      printf("recv: errno %u\n", e);
      return 28;
    }
    if (n == 0) break;
    have += n;
  }
  got[have] = 0;
  printf("received \"%s\"\n", got);
  return 0;
}

static int resolve(void) {
  static we_addrinfo res[4];
  static we_sockaddr sa[4];
  static uint8_t data[4][26];
  for (int i = 0; i < 4; ++i) {
    sa[i] = (we_sockaddr){0, 26, data[i]};
    res[i].ai_addr = &sa[i];
    res[i].ai_next = i < 3 ? &res[i + 1] : 0;
  }
  we_addrinfo hints = {0};
  hints.ai_family = 1;
  hints.ai_socktype = 2;
  uint32_t first = (uint32_t)(uintptr_t)&res[0], count = 0;
  uint32_t e = we_getaddrinfo("localhost", 10, "8080", 5, &hints, &first, 4, &count);
  if (e) {
    printf("getaddrinfo: errno %u\n", e);
    return 30;
  }
  for (uint32_t i = 0; i < count; ++i)
    printf("family %u type %u port %u addr %u.%u.%u.%u\n", res[i].ai_family, res[i].ai_socktype,
           (data[i][0] << 8) | data[i][1], data[i][2], data[i][3], data[i][4], data[i][5]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* mode = argv[1];
  int arg = argc > 2 ? atoi(argv[2]) : 0;
  if (!strcmp(mode, "server")) return server(arg);
  if (!strcmp(mode, "nbserver")) return nbserver(arg);
  if (!strcmp(mode, "client")) return client((uint32_t)arg);
  if (!strcmp(mode, "resolve")) return resolve();
  if (!strcmp(mode, "denied")) {
    uint32_t fd, e;
    we_addr a = {loopback, 4};
    if (we_open(1, 2, &fd)) return 40;
    e = we_connect(fd, &a, (uint32_t)arg);
    printf("connect: errno %u\n", e);
    return 0;
  }
  return 2;
}
