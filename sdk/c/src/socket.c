/* webcontainer C SDK: POSIX sockets for wasm32-wasi guests, over the WasmEdge socket extension.
 *
 * The extension's functions live in module `wasi_snapshot_preview1` next to WASI's own. Their
 * encodings differ from wasi-libc's, so every call converts:
 *   address family  wasi-libc AF_INET 1 / AF_INET6 2     extension 1 / 2 (same numbers)
 *   socket type     wasi-libc SOCK_DGRAM 5 / STREAM 6    extension 1 / 2
 *   addresses       struct sockaddr_in{,6}               {u32 buf, u32 len} naming the raw
 *                                                        4 or 16 address bytes; port separate,
 *                                                        in host order
 *   options         SOL_SOCKET 0x7fffffff, SO_* (musl)   level 0, the extension's SO_ enum
 *   errors          errno values are WASI errnos on both sides, except the getaddrinfo codes
 *                   77..87 the extension adds, which become EAI_*.
 * recv/shutdown stay wasi-libc's, and send is wasi-libc's plus MSG_NOSIGNAL: they call
 * sock_recv/sock_send/sock_shutdown, whose types WASI and the extension share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

/* ---- the extension's imports --------------------------------------------------------------- */

#define WASMEDGE(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

typedef struct { /* __wasi_address_t: a buffer holding the address bytes */
  uint8_t *buf;
  uint32_t len;
} wc_address;

typedef struct { /* __wasi_sockaddr_t, as sock_getaddrinfo fills it */
  uint8_t family;
  uint32_t data_len;
  uint8_t *data; /* Linux sockaddr.sa_data: port (network order), then the address */
} wc_sockaddr;

typedef struct { /* __wasi_addrinfo_t: 28 bytes, 4-aligned */
  uint16_t flags;
  uint8_t family;
  uint8_t socktype;
  uint8_t protocol;
  uint32_t addrlen;
  wc_sockaddr *addr;
  char *canonname;
  uint32_t canonname_len;
  void *next;
} wc_addrinfo;
_Static_assert(sizeof(wc_addrinfo) == 28, "extension addrinfo layout");
_Static_assert(sizeof(wc_sockaddr) == 12, "extension sockaddr layout");

WASMEDGE(sock_open) int32_t wc_sock_open(int32_t family, int32_t type, int32_t *fd);
WASMEDGE(sock_bind) int32_t wc_sock_bind(int32_t fd, wc_address *addr, int32_t port);
WASMEDGE(sock_connect) int32_t wc_sock_connect(int32_t fd, wc_address *addr, int32_t port);
WASMEDGE(sock_listen) int32_t wc_sock_listen(int32_t fd, int32_t backlog);
WASMEDGE(sock_getlocaladdr)
int32_t wc_sock_getlocaladdr(int32_t fd, wc_address *addr, uint32_t *family, uint32_t *port);
WASMEDGE(sock_getpeeraddr)
int32_t wc_sock_getpeeraddr(int32_t fd, wc_address *addr, uint32_t *family, uint32_t *port);
WASMEDGE(sock_getsockopt)
int32_t wc_sock_getsockopt(int32_t fd, int32_t level, int32_t name, void *value, uint32_t *len);
WASMEDGE(sock_setsockopt)
int32_t wc_sock_setsockopt(int32_t fd, int32_t level, int32_t name, const void *value,
                           uint32_t len);
WASMEDGE(sock_getaddrinfo)
int32_t wc_sock_getaddrinfo(const char *node, uint32_t node_len, const char *service,
                            uint32_t service_len, const wc_addrinfo *hints, wc_addrinfo **res,
                            uint32_t max, uint32_t *res_len);
/* The extension's two-parameter accept. WASI preview 1 has its own three-parameter
 * sock_accept under the same name; a host tells them apart by their type. The extension's is
 * the one a socket runtime implements fully (blocking waits it can interrupt, the socket state
 * shared with sock_open's sockets), so it is the default; -DWCSOCK_ACCEPT_WASI uses WASI's. */
#ifndef WCSOCK_ACCEPT_WASI
WASMEDGE(sock_accept) int32_t wc_sock_accept(int32_t fd, int32_t *new_fd);
#endif

enum { WC_AF_INET4 = 1, WC_AF_INET6 = 2 };
enum { WC_SOCK_DGRAM = 1, WC_SOCK_STREAM = 2 };
enum { WC_SOL_SOCKET = 0 };

static int fail(int err) {
  errno = err;
  return -1;
}

/* ---- addresses ------------------------------------------------------------------------------ */

/* Splits a guest sockaddr into the extension's raw address bytes and a host-order port. */
static int from_sockaddr(const struct sockaddr *sa, socklen_t len, uint8_t bytes[16],
                         wc_address *out, int *port) {
  if (!sa) return EFAULT;
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    memcpy(bytes, &in->sin_addr, 4);
    *out = (wc_address){bytes, 4};
    *port = ntohs(in->sin_port);
    return 0;
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    memcpy(bytes, &in6->sin6_addr, 16);
    *out = (wc_address){bytes, 16};
    *port = ntohs(in6->sin6_port);
    return 0;
  }
  return (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) ? EINVAL : EAFNOSUPPORT;
}

/* Writes an address into the caller's buffer, truncated to *len as POSIX says, and sets *len to
 * the full size. */
static void to_sockaddr(int family, const uint8_t *bytes, int port, struct sockaddr *sa,
                        socklen_t *len) {
  struct sockaddr_storage ss;
  socklen_t full;
  memset(&ss, 0, sizeof ss);
  if (family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    memcpy(&in6->sin6_addr, bytes, 16);
    full = sizeof *in6;
  } else {
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    memcpy(&in->sin_addr, bytes, 4);
    full = sizeof *in;
  }
  if (sa && len) memcpy(sa, &ss, *len < full ? *len : full);
  if (len) *len = full;
}

typedef int32_t (*addr_query)(int32_t, wc_address *, uint32_t *, uint32_t *);

static int query_name(addr_query q, int fd, struct sockaddr *sa, socklen_t *len) {
  if (!len) return fail(EFAULT);
  uint8_t bytes[16] = {0};
  wc_address a = {bytes, sizeof bytes};
  uint32_t family = 0, port = 0;
  int32_t r = q(fd, &a, &family, &port);
  if (r) return fail(r);
  /* WasmEdge writes 4 or 6 here; other hosts the family enum (1 or 2). Accept both. */
  int af = (family == 6 || family == WC_AF_INET6) ? AF_INET6 : AF_INET;
  to_sockaddr(af, bytes, (int)port, sa, len);
  return 0;
}

int getsockname(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
  return query_name(wc_sock_getlocaladdr, fd, sa, len);
}

int getpeername(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
  return query_name(wc_sock_getpeeraddr, fd, sa, len);
}

/* ---- socket, bind, listen, connect, accept -------------------------------------------------- */

int socket(int domain, int type, int protocol) {
  int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  int32_t wfamily, wtype;
  if (domain == AF_INET)
    wfamily = WC_AF_INET4;
  else if (domain == AF_INET6)
    wfamily = WC_AF_INET6;
  else
    return fail(EAFNOSUPPORT);
  if (type == SOCK_STREAM)
    wtype = WC_SOCK_STREAM;
  else if (type == SOCK_DGRAM)
    wtype = WC_SOCK_DGRAM;
  else
    return fail(EPROTOTYPE);
  if (protocol != 0 && protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
    return fail(EPROTONOSUPPORT);
  int32_t fd = -1;
  int32_t r = wc_sock_open(wfamily, wtype, &fd);
  if (r) return fail(r);
  /* SOCK_CLOEXEC means nothing without exec; SOCK_NONBLOCK is an fd flag. */
  if ((flags & SOCK_NONBLOCK) && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
    int e = errno;
    close(fd);
    return fail(e);
  }
  return fd;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
  uint8_t bytes[16];
  wc_address a;
  int port;
  int e = from_sockaddr(sa, len, bytes, &a, &port);
  if (e) return fail(e);
  int32_t r = wc_sock_bind(fd, &a, port);
  return r ? fail(r) : 0;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
  uint8_t bytes[16];
  wc_address a;
  int port;
  int e = from_sockaddr(sa, len, bytes, &a, &port);
  if (e) return fail(e);
  int32_t r = wc_sock_connect(fd, &a, port);
  return r ? fail(r) : 0;
}

int listen(int fd, int backlog) {
  if (backlog < 0) backlog = 0;
  int32_t r = wc_sock_listen(fd, backlog);
  return r ? fail(r) : 0;
}

/* Replaces wasi-libc's accept, which ignores the peer and writes through addr/addrlen even
 * when they are null. */
int accept4(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len, int flags) {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return fail(EINVAL);
  int32_t nfd = -1;
#ifndef WCSOCK_ACCEPT_WASI
  int32_t r = wc_sock_accept(fd, &nfd);
  if (r) return fail(r);
  if ((flags & SOCK_NONBLOCK) && fcntl(nfd, F_SETFL, O_NONBLOCK) < 0) {
    int e = errno;
    close(nfd);
    return fail(e);
  }
#else
  __wasi_fd_t wfd = 0;
  __wasi_errno_t r =
      __wasi_sock_accept(fd, (flags & SOCK_NONBLOCK) ? __WASI_FDFLAGS_NONBLOCK : 0, &wfd);
  if (r) return fail(r);
  nfd = (int32_t)wfd;
#endif
  if (sa && len && getpeername(nfd, sa, len) < 0) {
    /* The connection is real even when the host cannot name the peer. */
    if (*len >= sizeof(sa_family_t)) sa->sa_family = AF_UNSPEC;
    *len = sizeof(struct sockaddr);
  }
  return nfd;
}

int accept(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
  return accept4(fd, sa, len, 0);
}

/* ---- options ------------------------------------------------------------------------------- */

/* Our SO_* (musl numbers) to the extension's enumeration; -1 = not supported. */
static int32_t so_name(int name) {
  switch (name) {
    case SO_REUSEADDR: return 0;
    case SO_TYPE: return 1;
    case SO_ERROR: return 2;
    case SO_DONTROUTE: return 3;
    case SO_BROADCAST: return 4;
    case SO_SNDBUF: return 5;
    case SO_RCVBUF: return 6;
    case SO_KEEPALIVE: return 7;
    case SO_OOBINLINE: return 8;
    case SO_LINGER: return 9;
    case SO_RCVLOWAT: return 10;
    case SO_RCVTIMEO: return 11;
    case SO_SNDTIMEO: return 12;
    case SO_ACCEPTCONN: return 13;
    default: return -1;
  }
}

/* The values are passed through unchanged: int, struct linger {int, int} and struct timeval
 * {int64, int64} have the same layout in wasm32 guests as on an x86-64 or arm64 host. */
int setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  if (level != SOL_SOCKET) return fail(ENOPROTOOPT); /* the extension has only SOL_SOCKET */
  int32_t n = so_name(name);
  if (n < 0 || name == SO_TYPE || name == SO_ERROR || name == SO_ACCEPTCONN)
    return fail(ENOPROTOOPT);
  if (!value) return fail(EFAULT);
  int32_t r = wc_sock_setsockopt(fd, WC_SOL_SOCKET, n, value, len);
  return r ? fail(r) : 0;
}

int getsockopt(int fd, int level, int name, void *__restrict value, socklen_t *__restrict len) {
  if (!value || !len) return fail(EFAULT);
  if (level != SOL_SOCKET) return fail(ENOPROTOOPT);
  if (name == SO_TYPE) {
    /* The fd's WASI file type already is wasi-libc's SOCK_STREAM/SOCK_DGRAM. */
    __wasi_fdstat_t st;
    __wasi_errno_t r = __wasi_fd_fdstat_get(fd, &st);
    if (r) return fail(r);
    if (st.fs_filetype != __WASI_FILETYPE_SOCKET_STREAM &&
        st.fs_filetype != __WASI_FILETYPE_SOCKET_DGRAM)
      return fail(ENOTSOCK);
    if (*len < sizeof(int)) return fail(EINVAL);
    *(int *)value = st.fs_filetype;
    *len = sizeof(int);
    return 0;
  }
  int32_t n = so_name(name);
  if (n < 0) return fail(ENOPROTOOPT);
  uint32_t l = *len;
  int32_t r = wc_sock_getsockopt(fd, WC_SOL_SOCKET, n, value, &l);
  if (r) return fail(r);
  *len = l;
  return 0;
}

/* ---- data ---------------------------------------------------------------------------------- */

/* wasi-libc's send refuses every flag; MSG_NOSIGNAL is harmless here (WASI has no signals). */
ssize_t send(int fd, const void *buf, size_t len, int flags) {
  if (flags & ~MSG_NOSIGNAL) return fail(EOPNOTSUPP);
  __wasi_ciovec_t iov = {buf, len};
  size_t n = 0;
  __wasi_errno_t r = __wasi_sock_send(fd, &iov, 1, 0, &n);
  return r ? fail(r) : (ssize_t)n;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
               socklen_t alen) {
  (void)alen;
  if (sa) return fail(EOPNOTSUPP); /* datagrams to an address are not supported yet */
  return send(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
                 struct sockaddr *__restrict sa, socklen_t *__restrict alen) {
  ssize_t n = recv(fd, buf, len, flags);
  if (n >= 0 && sa && alen && getpeername(fd, sa, alen) < 0) *alen = 0;
  return n;
}

/* ---- poll ---------------------------------------------------------------------------------- */

/* One poll_oneoff call: a read and/or write subscription per fd, plus a clock for the timeout.
 * Works on sockets, pipes and files alike, since the host polls whatever fd it holds. */
int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
  static __wasi_subscription_t *subs;
  static __wasi_event_t *events;
  static size_t cap;
  const uint64_t kClock = UINT64_MAX;
  if (nfds > (SIZE_MAX / sizeof *subs - 1) / 2) return fail(EINVAL);
  size_t need = nfds * 2 + 1;
  if (need > cap) {
    size_t c = need < 64 ? 64 : need + need / 2;
    __wasi_subscription_t *s = realloc(subs, c * sizeof *s);
    if (!s) return fail(ENOMEM);
    subs = s;
    __wasi_event_t *e = realloc(events, c * sizeof *e);
    if (!e) return fail(ENOMEM);
    events = e;
    cap = c;
  }
  size_t n = 0;
  for (nfds_t i = 0; i < nfds; ++i) {
    fds[i].revents = 0;
    if (fds[i].fd < 0) continue;
    if (fds[i].events & POLLIN) {
      memset(&subs[n], 0, sizeof subs[n]);
      subs[n].userdata = (uint64_t)i << 1;
      subs[n].u.tag = __WASI_EVENTTYPE_FD_READ;
      subs[n].u.u.fd_read.file_descriptor = (__wasi_fd_t)fds[i].fd;
      ++n;
    }
    if (fds[i].events & POLLOUT) {
      memset(&subs[n], 0, sizeof subs[n]);
      subs[n].userdata = ((uint64_t)i << 1) | 1;
      subs[n].u.tag = __WASI_EVENTTYPE_FD_WRITE;
      subs[n].u.u.fd_write.file_descriptor = (__wasi_fd_t)fds[i].fd;
      ++n;
    }
  }
  /* A negative timeout waits for ever; with nothing to wait on, that is a very long sleep. */
  if (timeout >= 0 || n == 0) {
    memset(&subs[n], 0, sizeof subs[n]);
    subs[n].userdata = kClock;
    subs[n].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[n].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[n].u.u.clock.timeout = timeout >= 0 ? (uint64_t)timeout * 1000000ull : UINT64_MAX / 2;
    ++n;
  }
  size_t nevents = 0;
  __wasi_errno_t r = __wasi_poll_oneoff(subs, events, n, &nevents);
  if (r) return fail(r);
  int ready = 0;
  for (size_t k = 0; k < nevents; ++k) {
    const __wasi_event_t *ev = &events[k];
    if (ev->userdata == kClock) continue;
    struct pollfd *p = &fds[ev->userdata >> 1];
    short before = p->revents;
    if (ev->error) {
      p->revents |= ev->error == __WASI_ERRNO_BADF ? POLLNVAL : POLLERR;
    } else {
      p->revents |= ev->type == __WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT;
      if (ev->fd_readwrite.flags & __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP) p->revents |= POLLHUP;
    }
    if (!before && p->revents) ++ready;
  }
  return ready;
}

/* ---- names ---------------------------------------------------------------------------------- */

in_addr_t inet_addr(const char *cp) {
  struct in_addr a;
  return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in) {
  static char buf[16];
  const uint8_t *b = (const uint8_t *)&in.s_addr;
  snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

const char *gai_strerror(int code) {
  switch (code) {
    case 0: return "Success";
    case EAI_BADFLAGS: return "Bad value for ai_flags";
    case EAI_NONAME: return "Name or service not known";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_NODATA: return "No address associated with hostname";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case EAI_ADDRFAMILY: return "Address family for hostname not supported";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_SYSTEM: return "System error (see errno)";
    case EAI_OVERFLOW: return "Argument buffer overflow";
    default: return "Unknown error";
  }
}

void freeaddrinfo(struct addrinfo *ai) {
  while (ai) {
    struct addrinfo *next = ai->ai_next;
    free(ai); /* one allocation holds the entry, its address and its canonical name */
    ai = next;
  }
}

/* Appends one result; the sockaddr and name share the entry's allocation. */
static int add_result(struct addrinfo ***tail, int family, int socktype, int protocol,
                      const uint8_t *addr, int port, const char *canon) {
  size_t clen = canon ? strlen(canon) + 1 : 0;
  struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_storage) + clen);
  if (!ai) return EAI_MEMORY;
  struct sockaddr *sa = (struct sockaddr *)(ai + 1);
  socklen_t len = sizeof(struct sockaddr_storage);
  to_sockaddr(family, addr, port, sa, &len);
  ai->ai_family = family;
  ai->ai_socktype = socktype;
  ai->ai_protocol = protocol;
  ai->ai_addr = sa;
  ai->ai_addrlen = len;
  if (canon) ai->ai_canonname = memcpy((char *)sa + sizeof(struct sockaddr_storage), canon, clen);
  **tail = ai;
  *tail = &ai->ai_next;
  return 0;
}

/* Socket types to return: the hint's, or stream and datagram like glibc. */
static int add_for_types(struct addrinfo ***tail, const struct addrinfo *h, int family,
                         const uint8_t *addr, int port, const char *canon) {
  static const int types[2] = {SOCK_STREAM, SOCK_DGRAM};
  for (int i = 0; i < 2; ++i) {
    if (h->ai_socktype && h->ai_socktype != types[i]) continue;
    int proto = types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    if (h->ai_protocol && h->ai_protocol != proto) continue;
    int e = add_result(tail, family, types[i], proto, addr, port, i == 0 ? canon : NULL);
    if (e) return e;
  }
  return 0;
}

static int eai_from_wasi(int32_t r) {
  switch (r) {
    case 77: return EAI_ADDRFAMILY;
    case 78: return EAI_AGAIN;
    case 79: return EAI_BADFLAGS;
    case 80: return EAI_FAIL;
    case 81: return EAI_FAMILY;
    case 82: return EAI_MEMORY;
    case 83: return EAI_NODATA;
    case 84: return EAI_NONAME;
    case 85: return EAI_SERVICE;
    case 86: return EAI_SOCKTYPE;
    case ENOENT: return EAI_NONAME;        /* how a host says the name does not exist */
    default: errno = r; return EAI_SYSTEM; /* e.g. EACCES: the policy refused the name */
  }
}

/* Asks the host to resolve a name: sock_getaddrinfo fills a chain of entries we lay out. */
static int resolve_on_host(const char *node, int port, const struct addrinfo *h,
                           struct addrinfo ***tail) {
  enum { kMax = 16, kDataLen = 26, kCanonLen = 256 };
  struct slot {
    wc_addrinfo ai;
    wc_sockaddr sa;
    uint8_t data[kDataLen];
    char canon[kCanonLen];
  };
  struct slot *s = calloc(kMax, sizeof *s);
  if (!s) return EAI_MEMORY;
  for (int i = 0; i < kMax; ++i) {
    s[i].sa.data = s[i].data;
    s[i].sa.data_len = kDataLen;
    s[i].ai.addr = &s[i].sa;
    s[i].ai.canonname = s[i].canon;
    s[i].ai.canonname_len = kCanonLen;
    s[i].ai.next = i + 1 < kMax ? &s[i + 1].ai : NULL;
  }
  wc_addrinfo hint = {0};
  /* Flags: ours are glibc's bits; the extension numbers them 1 << 0 .. 1 << 6. */
  if (h->ai_flags & AI_PASSIVE) hint.flags |= 1 << 0;
  if (h->ai_flags & AI_CANONNAME) hint.flags |= 1 << 1;
  if (h->ai_flags & AI_V4MAPPED) hint.flags |= 1 << 4;
  if (h->ai_flags & AI_ALL) hint.flags |= 1 << 5;
  if (h->ai_flags & AI_ADDRCONFIG) hint.flags |= 1 << 6;
  hint.flags |= 1 << 3; /* the service is numeric: we pass the port ourselves */
  hint.family = h->ai_family == AF_INET ? WC_AF_INET4 : h->ai_family == AF_INET6 ? WC_AF_INET6 : 0;
  hint.socktype = h->ai_socktype == SOCK_STREAM  ? WC_SOCK_STREAM
                  : h->ai_socktype == SOCK_DGRAM ? WC_SOCK_DGRAM
                                                 : 0;
  hint.protocol = h->ai_protocol == IPPROTO_TCP ? 1 : h->ai_protocol == IPPROTO_UDP ? 2 : 0;
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  /* Lengths include the terminating NUL, as the extension's Rust client passes them. */
  wc_addrinfo *first = &s[0].ai;
  uint32_t count = 0;
  int32_t r = wc_sock_getaddrinfo(node, (uint32_t)strlen(node) + 1, service,
                                  (uint32_t)strlen(service) + 1, &hint, &first, kMax, &count);
  int e = 0;
  if (r) {
    e = eai_from_wasi(r);
  } else {
    /* Follow the chain as the host left it (it starts at `first`, normally &s[0].ai). */
    const wc_addrinfo *w = first;
    for (uint32_t i = 0; i < count && i < kMax && w && !e; ++i, w = w->next) {
      const wc_sockaddr *sa = w->addr;
      int family = sa->family == WC_AF_INET6 ? AF_INET6 : AF_INET;
      const uint8_t *d = sa->data;
      int p = port ? port : (d[0] << 8 | d[1]);
      const uint8_t *addr = family == AF_INET6 ? d + 6 : d + 2; /* after port (+ flowinfo) */
      if (family == AF_INET6 && sa->data_len < 22) continue;
      if (family == AF_INET && sa->data_len < 6) continue;
      int type = w->socktype == WC_SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM;
      if (h->ai_socktype && h->ai_socktype != type) continue;
      const char *canon = (h->ai_flags & AI_CANONNAME) && w->canonname_len ? w->canonname : NULL;
      if (canon && w->canonname_len >= kCanonLen) canon = NULL;
      e = add_result(tail, family, type, type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP, addr, p,
                     canon);
    }
    if (!e && count == 0) e = EAI_NONAME;
  }
  free(s);
  return e;
}

int getaddrinfo(const char *__restrict node, const char *__restrict service,
                const struct addrinfo *__restrict hints, struct addrinfo **__restrict res) {
  struct addrinfo h = {0};
  if (hints) h = *hints;
  if (!res) return EAI_SYSTEM;
  *res = NULL;
  if (!node && !service) return EAI_NONAME;
  if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET && h.ai_family != AF_INET6)
    return EAI_FAMILY;
  if (h.ai_socktype != 0 && h.ai_socktype != SOCK_STREAM && h.ai_socktype != SOCK_DGRAM)
    return EAI_SOCKTYPE;
  if (h.ai_flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL |
                     AI_ADDRCONFIG | AI_NUMERICSERV))
    return EAI_BADFLAGS;

  /* Services are port numbers: there is no /etc/services in a sandbox. */
  int port = 0;
  if (service && *service) {
    char *end;
    long p = strtol(service, &end, 10);
    if (*end || p < 0 || p > 65535) return EAI_SERVICE;
    port = (int)p;
  }

  struct addrinfo *head = NULL, **tail = &head;
  uint8_t a[16] = {0};
  int e = 0;
  if (!node) {
    /* No host: the wildcard for a server (AI_PASSIVE), else loopback; IPv4 unless the hint
     * asks for IPv6. */
    int passive = h.ai_flags & AI_PASSIVE;
    if (h.ai_family == AF_INET6) {
      if (!passive) a[15] = 1;
      e = add_for_types(&tail, &h, AF_INET6, a, port, NULL);
    } else {
      in_addr_t v4 = htonl(passive ? INADDR_ANY : INADDR_LOOPBACK);
      memcpy(a, &v4, 4);
      e = add_for_types(&tail, &h, AF_INET, a, port, NULL);
    }
  } else if (h.ai_family != AF_INET6 && inet_pton(AF_INET, node, a) == 1) {
    e = add_for_types(&tail, &h, AF_INET, a, port, (h.ai_flags & AI_CANONNAME) ? node : NULL);
  } else if (h.ai_family != AF_INET && inet_pton(AF_INET6, node, a) == 1) {
    e = add_for_types(&tail, &h, AF_INET6, a, port, (h.ai_flags & AI_CANONNAME) ? node : NULL);
  } else if (h.ai_flags & AI_NUMERICHOST) {
    e = EAI_NONAME;
  } else {
    /* A name: only the host (and the broker's policy behind it) can resolve it. */
    e = resolve_on_host(node, port, &h, &tail);
  }
  if (e) {
    freeaddrinfo(head);
    return e;
  }
  if (!head) return EAI_NONAME;
  *res = head;
  return 0;
}
