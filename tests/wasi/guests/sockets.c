// sock_accept / sock_recv / sock_send / sock_shutdown on the pre-opened listener at fd 5.
#include <fcntl.h>
#include <unistd.h>

#include "common.h"

int main(void) {
  __wasi_fdstat_t st;
  SHOW("fdstat listener", __wasi_fd_fdstat_get(5, &st));
  printf("  filetype %d (socket_stream = 6), accept right %d\n", st.fs_filetype,
         !!(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT));
  __wasi_fd_t c = 0;
  SHOW("accept bad flags", __wasi_sock_accept(5, __WASI_FDFLAGS_APPEND, &c));
  SHOW("accept", __wasi_sock_accept(5, 0, &c));
  printf("  new fd %d\n", c);
  (void)__wasi_fd_fdstat_get(c, &st);
  printf("  filetype %d, accept right %d\n", st.fs_filetype,
         !!(st.fs_rights_base & __WASI_RIGHTS_SOCK_ACCEPT));

  // The peer sent "ping" before we accepted: poll says so, then peek, then read.
  __wasi_subscription_t sub;
  memset(&sub, 0, sizeof sub);
  sub.u.tag = __WASI_EVENTTYPE_FD_READ;
  sub.u.u.fd_read.file_descriptor = c;
  __wasi_event_t ev;
  __wasi_size_t n = 0;
  SHOW("poll readable", __wasi_poll_oneoff(&sub, &ev, 1, &n));
  printf("  events %u nbytes %llu\n", (unsigned)n, (unsigned long long)ev.fd_readwrite.nbytes);

  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, 2};
  __wasi_size_t len = 0;
  __wasi_roflags_t ro = 99;
  SHOW("recv peek", __wasi_sock_recv(c, &iov, 1, __WASI_RIFLAGS_RECV_PEEK, &len, &ro));
  printf("  %u [%.*s] roflags %d\n", (unsigned)len, (int)len, buf, ro);
  iov.buf_len = sizeof buf;
  SHOW("recv", __wasi_sock_recv(c, &iov, 1, 0, &len, &ro));
  printf("  %u [%.*s]\n", (unsigned)len, (int)len, buf);
  SHOW("recv bad flags", __wasi_sock_recv(c, &iov, 1, 8, &len, &ro));

  __wasi_ciovec_t out[2] = {{(const uint8_t*)"po", 2}, {(const uint8_t*)"ng", 2}};
  SHOW("send", __wasi_sock_send(c, out, 2, 0, &len));
  printf("  sent %u\n", (unsigned)len);
  SHOW("send bad flags", __wasi_sock_send(c, out, 2, 1, &len));
  SHOW("shutdown bad how", __wasi_sock_shutdown(c, 0));
  SHOW("shutdown write", __wasi_sock_shutdown(c, __WASI_SDFLAGS_WR));
  SHOW("send after shutdown", __wasi_sock_send(c, out, 2, 0, &len));
  SHOW("close", __wasi_fd_close(c));

  // Socket calls on things that are not sockets.
  int f = open("/ro/hello.txt", O_RDONLY);
  SHOW("recv on a file", __wasi_sock_recv(f, &iov, 1, 0, &len, &ro));
  SHOW("send on stdout", __wasi_sock_send(1, out, 1, 0, &len));
  SHOW("shutdown on a file", __wasi_sock_shutdown(f, __WASI_SDFLAGS_RD));
  SHOW("accept on a file", __wasi_sock_accept(f, 0, &c));
  SHOW("accept on a bad fd", __wasi_sock_accept(77, 0, &c));
  return 0;
}
