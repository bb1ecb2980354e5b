/* webcontainer C SDK: the BSD socket calls Debian's wasi-libc (0.0~git20220510) leaves out.
 *
 * wasi-libc declares accept/recv/send/shutdown/getsockopt and the address structs, but has no
 * socket/bind/listen/connect/getsockname/getpeername/setsockopt/getaddrinfo, and keeps most
 * SO_ and MSG_ constants inside `#ifdef __wasilibc_unmodified_upstream`. This header adds the
 * missing declarations and constants with wasi-libc's own conventions (AF_INET = 1,
 * SOCK_STREAM = 6, SOL_SOCKET = 0x7fffffff, errno = WASI errno); libwcsocket.a implements them
 * over the WasmEdge socket extension (imports `sock_*` in module `wasi_snapshot_preview1`) and
 * converts to that extension's encodings.
 *
 * Include it directly, or put sdk/c/include first on the include path: its sys/socket.h and
 * netdb.h pull it in (and its arpa/inet.h adds inet_addr/inet_ntoa), so ordinary server code
 * compiles unchanged. */
#ifndef WEBCONTAINER_SOCKET_H
#define WEBCONTAINER_SOCKET_H

#ifndef __wasi__
#error "webcontainer/socket.h is for wasm32-wasi guests; native builds use the system headers"
#endif

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Option names (musl's numbers, so they read as usual in a debugger); setsockopt maps them
 * to the extension's own enumeration. SO_TYPE (3) already comes from wasi-libc. */
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_RCVLOWAT 18
#define SO_ACCEPTCONN 30
#define SO_RCVTIMEO 66
#define SO_SNDTIMEO 67
#endif
#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif
/* WASI has no signals, so MSG_NOSIGNAL is accepted and ignored by send(). */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x0040
#endif
#ifndef PF_INET
#define PF_UNSPEC AF_UNSPEC
#define PF_INET AF_INET
#define PF_INET6 AF_INET6
#endif
#ifndef INADDR_ANY
#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001)
#endif

struct sockaddr;
struct linger;

int socket(int domain, int type, int protocol);
int bind(int fd, const struct sockaddr *addr, socklen_t len);
int listen(int fd, int backlog);
int connect(int fd, const struct sockaddr *addr, socklen_t len);
int getsockname(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
int getpeername(int fd, struct sockaddr *__restrict addr, socklen_t *__restrict len);
int setsockopt(int fd, int level, int name, const void *value, socklen_t len);
/* Stream sockets only: with a null address these are send/recv. */
ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
               socklen_t alen);
ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict addr, socklen_t *__restrict alen);

#ifdef __cplusplus
}
#endif
#endif
