#include "host/sockets/socket_core.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "host/wasi/errno_map.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::sockets {

using wasi::errno_from_linux;
using wasi::FdEntry;
using wasi::GuestMemory;
namespace err = wasi::err;

Address Address::ip(int family, const uint8_t* ip_bytes, uint16_t port) {
  Address a;
  if (family == AF_INET) {
    auto* in = reinterpret_cast<struct sockaddr_in*>(&a.ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, ip_bytes, 4);
    a.len = sizeof(struct sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<struct sockaddr_in6*>(&a.ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, ip_bytes, 16);
    a.len = sizeof(struct sockaddr_in6);
  }
  return a;
}

uint16_t Address::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
}

const uint8_t* Address::ip_bytes() const {
  if (family() == AF_INET)
    return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr);
  return reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr);
}

namespace {

constexpr int kSliceMs = 100;

// The options the worker's seccomp filter lets setsockopt change (sandbox/seccomp_policy.cc):
// any other would be refused by the filter, so it is refused here, before it is remembered.
bool settable(int level, int name) {
  static const int kAllowed[][2] = {
      {SOL_SOCKET, SO_REUSEADDR},  {SOL_SOCKET, SO_KEEPALIVE},   {SOL_SOCKET, SO_LINGER},
      {SOL_SOCKET, SO_RCVBUF},     {SOL_SOCKET, SO_SNDBUF},      {SOL_SOCKET, SO_RCVTIMEO},
      {SOL_SOCKET, SO_SNDTIMEO},   {SOL_SOCKET, SO_RCVLOWAT},    {IPPROTO_TCP, TCP_NODELAY},
      {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT},
      {IPPROTO_IPV6, IPV6_V6ONLY}};
  for (const auto& a : kAllowed)
    if (a[0] == level && a[1] == name) return true;
  return false;
}

uint16_t from_broker(int r) { return r >= 0 ? err::kSuccess : errno_from_linux(r); }

}  // namespace

uint16_t SocketCore::lookup(uint32_t fd, FdEntry** e, SocketState** s) {
  FdEntry* entry = wasi_.fds().get(fd);
  if (!entry) return err::kBadf;
  if (!entry->socket) {
    if (entry->filetype != wasi::kSocketStream && entry->filetype != wasi::kSocketDgram)
      return err::kNotsock;
    auto st = std::make_shared<SocketState>();
    int v = 0;
    socklen_t len = sizeof v;
    if (entry->host_fd >= 0 && getsockopt(entry->host_fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0)
      st->family = v;
    st->type = entry->filetype == wasi::kSocketDgram ? SOCK_DGRAM : SOCK_STREAM;
    st->nonblock = entry->host_fd >= 0 && is_nonblocking(entry->host_fd);  // asked once
    entry->socket = std::move(st);
  }
  *e = entry;
  *s = entry->socket.get();
  return err::kSuccess;
}

bool SocketCore::is_nonblocking(int host_fd) const {
  int fl = fcntl(host_fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK);
}

uint16_t SocketCore::adopt(FdEntry& e, SocketState& s, int host_fd) {
  e.host_fd = host_fd;
  e.owns_host_fd = true;
  // The broker creates sockets non-blocking; the guest's fdstat flags decide from now on, so
  // fd_read/fd_write block (or not) as the guest asked.
  int fl = fcntl(host_fd, F_GETFL);
  if (fl >= 0) fcntl(host_fd, F_SETFL, s.nonblock ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
  for (const SocketState::Option& o : s.options)
    if (setsockopt(host_fd, o.level, o.name, o.value.data(),
                   static_cast<socklen_t>(o.value.size())) != 0)
      return wasi::errno_now();
  s.options.clear();
  return err::kSuccess;
}

uint16_t SocketCore::wait(int host_fd, short events) {
  std::atomic<bool>* interrupt = wasi_.interrupt_flag();
  // A blocking call honours the socket's SO_RCVTIMEO / SO_SNDTIMEO like the kernel would:
  // we wait here (where the interrupt flag is seen), not in the kernel, so apply it ourselves.
  struct timeval tv {};
  socklen_t tv_len = sizeof tv;
  int timeout_opt = (events & POLLIN) ? SO_RCVTIMEO : SO_SNDTIMEO;
  int64_t timeout_ms = -1;
  if (getsockopt(host_fd, SOL_SOCKET, timeout_opt, &tv, &tv_len) == 0 && (tv.tv_sec || tv.tv_usec))
    timeout_ms = int64_t{tv.tv_sec} * 1000 + tv.tv_usec / 1000;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    if (interrupt && interrupt->load(std::memory_order_relaxed)) return errno_from_linux(EINTR);
    int slice = interrupt ? kSliceMs : -1;
    if (timeout_ms >= 0) {
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      int64_t elapsed =
          (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
      if (elapsed >= timeout_ms) return errno_from_linux(EAGAIN);
      int64_t left = timeout_ms - elapsed;
      if (slice < 0 || left < slice) slice = static_cast<int>(left);
    }
    struct pollfd p {
      host_fd, events, 0
    };
    int n = poll(&p, 1, slice);
    if (n > 0) return err::kSuccess;  // ready, or an error the next call will report
    if (n < 0 && errno != EINTR) return wasi::errno_now();
  }
}

uint16_t SocketCore::open(int family, int type, uint32_t* fd_out) {
  if (family != AF_INET && family != AF_INET6) return errno_from_linux(EAFNOSUPPORT);
  if (type != SOCK_STREAM && type != SOCK_DGRAM) return errno_from_linux(EPROTOTYPE);
  FdEntry e;
  e.host_fd = -1;  // until the broker creates it
  e.filetype = type == SOCK_STREAM ? wasi::kSocketStream : wasi::kSocketDgram;
  e.rights_base = wasi::rights::kSocket;
  e.socket = std::make_shared<SocketState>();
  e.socket->family = family;
  e.socket->type = type;
  std::optional<uint32_t> n = wasi_.fds().insert(std::move(e));
  if (!n) return err::kMfile;
  *fd_out = *n;
  return err::kSuccess;
}

uint16_t SocketCore::bind(uint32_t fd, const Address& addr) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (addr.family() != s->family) return errno_from_linux(EAFNOSUPPORT);
  if (e->host_fd >= 0 || s->has_bound) return err::kInval;  // already bound or connected
  if (s->type == SOCK_DGRAM) {  // nothing more is coming: a UDP socket is bound now
    if (!wasi_.broker()) return err::kNotsup;
    int hfd = -1;
    int r = wasi_.broker()->net_bind(s->family, s->type, addr.sa(), addr.len, 0, &hfd);
    if (r < 0) return from_broker(r);
    return adopt(*e, *s, hfd);
  }
  // TCP: the broker creates the listening socket at listen() (it needs the backlog).
  s->bound = addr;
  s->has_bound = true;
  return err::kSuccess;
}

uint16_t SocketCore::listen(uint32_t fd, int backlog) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (s->type != SOCK_STREAM) return errno_from_linux(EOPNOTSUPP);
  if (e->host_fd >= 0)
    return e->rights_base & wasi::rights::kSockAccept ? err::kSuccess : err::kInval;
  if (!s->has_bound) {  // listen without bind: any address, any port (as POSIX)
    static const uint8_t kAny[16] = {};
    s->bound = Address::ip(s->family, kAny, 0);
  }
  if (!wasi_.broker()) return err::kNotsup;
  int hfd = -1;
  int r = wasi_.broker()->net_bind(s->family, SOCK_STREAM, s->bound.sa(), s->bound.len,
                                   backlog > 0 ? backlog : 128, &hfd);
  if (r < 0) return from_broker(r);
  return adopt(*e, *s, hfd);
}

uint16_t SocketCore::connect(uint32_t fd, const Address& addr) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (addr.family() != s->family) return errno_from_linux(EAFNOSUPPORT);
  if (e->host_fd >= 0 && s->type == SOCK_STREAM) return errno_from_linux(EISCONN);
  if (e->host_fd >= 0) return err::kNotsup;  // re-connecting a bound UDP socket
  if (!wasi_.broker()) return err::kNotsup;
  int hfd = -1;
  bool in_progress = false;
  int r = wasi_.broker()->net_connect(s->family, s->type, addr.sa(), addr.len, &hfd, &in_progress);
  if (r < 0) return from_broker(r);
  if (uint16_t a = adopt(*e, *s, hfd)) return a;
  e->rights_base &= ~wasi::rights::kSockAccept;  // a connection, not a listener
  if (!in_progress) return err::kSuccess;
  if (s->nonblock) return errno_from_linux(EINPROGRESS);
  if (uint16_t w = wait(hfd, POLLOUT)) return w;
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (getsockopt(hfd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) return wasi::errno_now();
  return errno_from_linux(so_error);
}

uint16_t SocketCore::accept(uint32_t fd, bool nonblock, uint32_t* fd_out, Address* peer) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd < 0 || !(e->rights_base & wasi::rights::kSockAccept)) return err::kInval;
  if (!wasi_.room_for_fd()) return err::kMfile;
  const int listener = e->host_fd;
  const bool wait_for_it = !s->nonblock;
  const int family = s->family;
  Address a;
  int c;
  for (;;) {
    // A blocking listener would block inside accept4, where the interrupt flag is not seen:
    // wait in poll first. (The new socket is non-blocking only if the guest asked.)
    if (wait_for_it)
      if (uint16_t w = wait(listener, POLLIN)) return w;
    a.len = sizeof a.ss;
    c = accept4(listener, reinterpret_cast<sockaddr*>(&a.ss), &a.len,
                SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
    if (c >= 0) break;
    if (errno == EINTR || errno == ECONNABORTED || (errno == EAGAIN && wait_for_it)) continue;
    return wasi::errno_now();
  }
  FdEntry ne;
  ne.host_fd = c;
  ne.filetype = wasi::kSocketStream;
  ne.rights_base = wasi::rights::kSocket & ~wasi::rights::kSockAccept;
  ne.socket = std::make_shared<SocketState>();
  ne.socket->family = family;
  ne.socket->nonblock = nonblock;
  std::optional<uint32_t> n = wasi_.fds().insert(std::move(ne));  // may move `e`'s slot
  if (!n) {
    close(c);
    return err::kMfile;
  }
  *fd_out = *n;
  if (peer) *peer = a;
  return err::kSuccess;
}

uint16_t SocketCore::recv(GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, int flags,
                          uint32_t* n, bool* truncated, Address* from) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd < 0) return errno_from_linux(ENOTCONN);
  std::vector<struct iovec> v;
  if (uint16_t r = wasi::gather_iovecs(m, iovs, iovs_len, &v)) return r;
  const int hfd = e->host_fd;
  const bool wait_for_it = !s->nonblock;
  for (;;) {
    struct msghdr msg {};
    Address a;
    msg.msg_name = &a.ss;
    msg.msg_namelen = sizeof a.ss;
    msg.msg_iov = v.data();
    msg.msg_iovlen = v.size();
    // MSG_DONTWAIT: we wait in poll instead, where the interrupt flag is seen.
    ssize_t got = recvmsg(hfd, &msg, (flags & ~MSG_WAITALL) | MSG_DONTWAIT);
    if (got >= 0) {
      *n = static_cast<uint32_t>(got);
      *truncated = msg.msg_flags & MSG_TRUNC;
      if (from) {
        a.len = msg.msg_namelen;
        if (a.len == 0) getpeername(hfd, reinterpret_cast<sockaddr*>(&a.ss), &a.len);
        *from = a;
      }
      return err::kSuccess;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !wait_for_it) return wasi::errno_now();
    if (uint16_t w = wait(hfd, POLLIN)) return w;
  }
}

uint16_t SocketCore::send(GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                          const Address* to, uint32_t* n) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  std::vector<struct iovec> v;
  if (uint16_t r = wasi::gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (to && s->type == SOCK_DGRAM) {
    // The worker's seccomp filter cannot check sendto's address: the broker sends it. The
    // datagram is gathered into one buffer for that.
    if (!wasi_.broker()) return err::kNotsup;
    if (e->host_fd < 0) {  // an unbound UDP socket: bound to any port first, as POSIX does
      static const uint8_t kAny[16] = {};
      Address any = Address::ip(s->family, kAny, 0);
      int hfd = -1;
      int r = wasi_.broker()->net_bind(s->family, SOCK_DGRAM, any.sa(), any.len, 0, &hfd);
      if (r < 0) return from_broker(r);
      if (uint16_t a = adopt(*e, *s, hfd)) return a;
    }
    std::vector<uint8_t> buf;
    for (const iovec& io : v)
      buf.insert(buf.end(), static_cast<uint8_t*>(io.iov_base),
                 static_cast<uint8_t*>(io.iov_base) + io.iov_len);
    int r = wasi_.broker()->net_send_to(e->host_fd, buf.data(), buf.size(), 0, to->sa(), to->len);
    if (r < 0) return from_broker(r);
    *n = static_cast<uint32_t>(r);
    return err::kSuccess;
  }
  if (e->host_fd < 0) return errno_from_linux(ENOTCONN);
  const int hfd = e->host_fd;
  const bool wait_for_it = !s->nonblock;
  // sendto without an address, one iovec at a time: the worker's seccomp filter allows sendmsg
  // only on the IPC socket (its msg_name could aim a datagram anywhere). A short write ends it.
  uint64_t total = 0;
  for (const iovec& io : v) {
    for (;;) {
      // MSG_NOSIGNAL: a closed peer is EPIPE for the guest, not SIGPIPE for the worker.
      ssize_t put = sendto(hfd, io.iov_base, io.iov_len, MSG_NOSIGNAL | MSG_DONTWAIT, nullptr, 0);
      if (put >= 0) {
        total += static_cast<uint64_t>(put);
        if (static_cast<size_t>(put) < io.iov_len) {
          *n = static_cast<uint32_t>(total);
          return err::kSuccess;
        }
        break;
      }
      if (errno == EINTR) continue;
      if (total > 0) {  // report what went; the error comes again on the next call
        *n = static_cast<uint32_t>(total);
        return err::kSuccess;
      }
      if (errno != EAGAIN || !wait_for_it) return wasi::errno_now();
      if (uint16_t w = wait(hfd, POLLOUT)) return w;
    }
  }
  *n = static_cast<uint32_t>(total);
  return err::kSuccess;
}

uint16_t SocketCore::shutdown(uint32_t fd, int how) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd < 0) return errno_from_linux(ENOTCONN);
  return ::shutdown(e->host_fd, how) == 0 ? err::kSuccess : wasi::errno_now();
}

uint16_t SocketCore::local_address(uint32_t fd, Address* out) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd < 0) {
    if (s->has_bound) {
      *out = s->bound;
    } else {  // unbound: the wildcard address, port 0 (as getsockname says)
      static const uint8_t kAny[16] = {};
      *out = Address::ip(s->family, kAny, 0);
    }
    return err::kSuccess;
  }
  out->len = sizeof out->ss;
  if (getsockname(e->host_fd, reinterpret_cast<sockaddr*>(&out->ss), &out->len) != 0)
    return wasi::errno_now();
  return err::kSuccess;
}

uint16_t SocketCore::peer_address(uint32_t fd, Address* out) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd < 0) return errno_from_linux(ENOTCONN);
  out->len = sizeof out->ss;
  if (getpeername(e->host_fd, reinterpret_cast<sockaddr*>(&out->ss), &out->len) != 0)
    return wasi::errno_now();
  return err::kSuccess;
}

uint16_t SocketCore::set_option(uint32_t fd, int level, int name, const void* value,
                                socklen_t len) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (!settable(level, name)) return err::kNotsup;
  if (e->host_fd >= 0)
    return setsockopt(e->host_fd, level, name, value, len) == 0 ? err::kSuccess : wasi::errno_now();
  const auto* p = static_cast<const uint8_t*>(value);
  for (SocketState::Option& o : s->options) {
    if (o.level == level && o.name == name) {
      o.value.assign(p, p + len);
      return err::kSuccess;
    }
  }
  s->options.push_back({level, name, std::vector<uint8_t>(p, p + len)});
  return err::kSuccess;
}

uint16_t SocketCore::get_option(uint32_t fd, int level, int name, void* value, socklen_t* len) {
  FdEntry* e;
  SocketState* s;
  if (uint16_t r = lookup(fd, &e, &s)) return r;
  if (e->host_fd >= 0) {
    if (getsockopt(e->host_fd, level, name, value, len) != 0) return wasi::errno_now();
    if (level == SOL_SOCKET && name == SO_ERROR && *len >= sizeof(int)) {
      int v;
      std::memcpy(&v, value, sizeof v);
      v = errno_from_linux(v);
      std::memcpy(value, &v, sizeof v);
    }
    return err::kSuccess;
  }
  // No host socket yet: what was set, else what a fresh socket would say.
  for (const SocketState::Option& o : s->options) {
    if (o.level == level && o.name == name) {
      *len = std::min<socklen_t>(*len, static_cast<socklen_t>(o.value.size()));
      std::memcpy(value, o.value.data(), *len);
      return err::kSuccess;
    }
  }
  int v = 0;
  if (level == SOL_SOCKET && name == SO_TYPE) v = s->type;
  if (level == SOL_SOCKET && name == SO_DOMAIN) v = s->family;
  if (level == SOL_SOCKET && name == SO_RCVBUF) v = 131072;
  if (level == SOL_SOCKET && name == SO_SNDBUF) v = 16384;
  std::memset(value, 0, *len);
  *len = std::min<socklen_t>(*len, sizeof v);
  std::memcpy(value, &v, *len);
  return err::kSuccess;
}

uint16_t SocketCore::resolve(std::string_view host, std::string_view service, int family,
                             int socktype, std::vector<BrokerClient::ResolvedAddress>* out) {
  if (!wasi_.broker()) return err::kNotsup;
  return from_broker(wasi_.broker()->net_resolve(host, service, family, socktype, out));
}

}  // namespace wc::host::sockets
