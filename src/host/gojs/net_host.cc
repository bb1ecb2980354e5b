// globalThis.webcontainer.net: TCP sockets for sdk/go's js/wasm build (package wcnet).
//
// API. Handles are integers > 0 handed out here and never reused; every asynchronous method
// takes a Node-style callback last, called exactly once, on a later turn of the event loop,
// as callback(err, result) with err null or an Error carrying Node's `code` ("EACCES",
// "ECONNREFUSED", ...), `errno` and `syscall`:
//
//   listen(host, port, backlog, cb)  -> cb(err, {fd, localAddress, localPort})
//       A listening TCP socket from the broker (--allow-listen). host "" means 0.0.0.0;
//       port 0 picks a free port; backlog <= 0 means 511.
//   dial(host, port, cb)             -> cb(err, {fd, localAddress, localPort, remoteAddress,
//   remotePort})
//       A connected TCP socket from the broker (--allow-connect). host: an IPv4 or IPv6
//       literal (brackets allowed), "localhost" (127.0.0.1), "" (127.0.0.1), or a name the
//       broker resolves (only names a grant covers). Each address is tried in turn.
//   accept(fd, cb)                   -> cb(err, {fd, localAddress, localPort, remoteAddress,
//   remotePort}) read(fd, uint8array, cb)         -> cb(err, n): n bytes stored at the start of the
//   array;
//                                       n == 0 is the end of the stream (or an empty array).
//   write(fd, uint8array, cb)        -> cb(err, n): the whole array was written, n = length.
//   tryRead(fd, uint8array)          -> n, null or an Error, synchronously: n bytes were read
//                                       into the array now (0: end of stream); null when
//                                       nothing is there yet (then read waits for it). EBUSY
//                                       while a read is pending. A server whose next request
//                                       is already there gets it without a callback.
//   tryWrite(fd, uint8array)         -> n or an Error, synchronously: the first n bytes were
//                                       written now (0 when the socket buffer is full); the
//                                       caller sends the rest with write. EBUSY while a write
//                                       is pending (bytes must not overtake it). It saves a
//                                       callback, and so a turn of the loop and a resume of
//                                       the guest, for the common write that fits at once.
//   close(fd)                        -> true if fd was open. Operations still pending on it
//                                       complete with ECANCELED.
//   shutdown(fd, how)                -> null or an Error; how 0 = read, 1 = write, 2 = both.
//   setNoDelay(fd, bool)             -> null or an Error. Sockets start with TCP_NODELAY on.
//   localAddr(fd) / remoteAddr(fd)   -> {address, port, family: "IPv4" | "IPv6"} or an Error.
//
// At most one read, one write and one accept may be pending per handle (EBUSY otherwise).
// An unknown handle fails with EBADF (through the callback, or as the returned Error).
// Arguments of the wrong type (a callback that is not a function, a buffer that is not a
// Uint8Array, a port outside 0..65535) throw a TypeError.
//
// Sockets come from the broker (the worker may not create them); they are non-blocking and
// every wait is an fd watch on the event loop, so a goroutine waiting for a socket never
// blocks the others. Data moves with recvfrom / sendto(MSG_NOSIGNAL) on the held fd.
#include "host/gojs/net_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wc::host::gojs {
namespace {

constexpr int kDefaultBacklog = 511;
constexpr size_t kMaxSockets = 4096;  // handles open at once; more fail with EMFILE

struct Address {
  struct sockaddr_storage ss {};
  socklen_t len = 0;
  int family() const { return ss.ss_family; }
  const struct sockaddr* sa() const { return reinterpret_cast<const struct sockaddr*>(&ss); }
};

std::string ip_string(const struct sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  else if (ss.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
  return buf;
}

int port_of(const struct sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

void set_port(struct sockaddr_storage& ss, int port) {
  if (ss.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(static_cast<uint16_t>(port));
  else if (ss.ss_family == AF_INET6)
    reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(static_cast<uint16_t>(port));
}

// An IP literal ("127.0.0.1", "::1", "[::1]") as an address; false when it is not one.
bool parse_ip(std::string host, int port, Address* out) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  *out = Address{};
  auto* in = reinterpret_cast<sockaddr_in*>(&out->ss);
  if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    out->len = sizeof(sockaddr_in);
    set_port(out->ss, port);
    return true;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out->ss);
  if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    out->len = sizeof(sockaddr_in6);
    set_port(out->ss, port);
    return true;
  }
  return false;
}

JsObjectPtr address_object(const struct sockaddr_storage& ss) {
  return make_object({{"address", JsValue(ip_string(ss))},
                      {"port", JsValue(port_of(ss))},
                      {"family", JsValue(ss.ss_family == AF_INET6 ? "IPv6" : "IPv4")}});
}

// One operation waiting on a socket: its callback, its buffer and the event loop watch.
struct Pending {
  bool active = false;
  JsValue callback;
  JsValue buffer;      // the Uint8Array (kept alive until the operation completes)
  size_t done = 0;     // bytes written so far
  uint64_t watch = 0;  // 0: none
};

struct Socket {
  int fd = -1;
  bool listener = false;
  std::string name;  // "host:port" for error messages
  Pending read, write, accept;
  // The last tryRead found nothing: the read that follows it (sdk/go's pattern) waits for
  // readiness at once instead of repeating the recvfrom that just failed (a syscall per
  // message in a ping-pong). Data that came in between shows as readiness on the next poll.
  bool read_would_block = false;
};

class NetState : public std::enable_shared_from_this<NetState> {
 public:
  explicit NetState(Realm& realm) : realm_(realm) {}
  ~NetState() {
    for (auto& [handle, s] : sockets_) ::close(s.fd);
  }

  JsValue listen(JsArgs args);
  JsValue dial(JsArgs args);
  JsValue accept(JsArgs args);
  JsValue read(JsArgs args);
  JsValue write(JsArgs args);
  JsValue try_read(JsArgs args);
  JsValue try_write(JsArgs args);
  JsValue close(JsArgs args);
  JsValue shutdown(JsArgs args);
  JsValue set_no_delay(JsArgs args);
  JsValue address(JsArgs args, bool peer);

 private:
  struct Dial {
    std::vector<Address> addrs;
    size_t next = 0;
    int first_errno = 0;
    std::string name;
    JsValue callback;
  };

  JsValue error(int err, std::string_view syscall, std::string_view name) const {
    return JsValue(make_errno_error(err, syscall, name, realm_.error_ctor));
  }
  // Delivers an error to `cb`; returns undefined (what the asynchronous methods return).
  JsValue fail(const JsValue& cb, int err, std::string_view syscall, std::string_view name) {
    realm_.callback_later(cb, {error(err, syscall, name), JsValue()});
    return JsValue();
  }
  Socket* find(const JsValue& handle);
  // The connection `handle` names, for a new `op` (read or write): 0, or the errno the call
  // fails with (EBADF, ENOTCONN for a listener, EBUSY while `op` is pending). `*s` is the
  // socket found, or null.
  int stream_for(const JsValue& handle, Pending Socket::*op, Socket** s);
  int64_t add(int fd, bool listener, std::string name);
  JsObjectPtr connection_info(int64_t handle, int fd);
  // Resolves host for listening (passive) or dialing; 0 or a positive errno.
  int resolve(const std::string& host, int port, bool passive, std::vector<Address>* out);

  void try_dial(std::shared_ptr<Dial> d);
  void finish_dial(std::shared_ptr<Dial> d, int fd);
  void do_accept(int64_t handle);
  void do_read(int64_t handle);
  void watch_readable(int64_t handle, Socket& s);
  void do_write(int64_t handle);
  void complete(Pending& p, std::vector<JsValue> args) {
    JsValue cb = std::move(p.callback);
    p = Pending{};
    realm_.callback_later(std::move(cb), std::move(args));
  }

  Realm& realm_;
  std::map<int64_t, Socket> sockets_;
  int64_t next_handle_ = 1;
};

// ---- Argument checks

const JsValue& arg(JsArgs args, size_t i) {
  static const JsValue kUndefined;
  return i < args.size() ? args[i] : kUndefined;
}

JsValue callback_arg(JsArgs args, size_t i, const char* method) {
  const JsValue& cb = arg(args, i);
  if (!cb.is_callable())
    throw type_error(std::string(method) + ": the callback must be a function");
  return cb;
}

std::string host_arg(JsArgs args, size_t i, const char* method) {
  const JsValue& h = arg(args, i);
  if (h.is_nullish()) return "";
  if (!h.is_string()) throw type_error(std::string(method) + ": the host must be a string");
  if (h.as_string().size() > 253 + 2)
    throw type_error(std::string(method) + ": the host is too long");
  return h.as_string();
}

int port_arg(JsArgs args, size_t i, const char* method) {
  const JsValue& p = arg(args, i);
  double d = p.is_number() ? p.as_number() : NAN;
  if (!(d >= 0 && d <= 65535) || d != std::floor(d))
    throw type_error(std::string(method) + ": the port must be an integer in 0..65535");
  return static_cast<int>(d);
}

JsUint8Array* buffer_arg(JsArgs args, size_t i, const char* method) {
  JsUint8Array* b = arg(args, i).object_as<JsUint8Array>();
  if (!b) throw type_error(std::string(method) + ": the buffer must be a Uint8Array");
  return b;
}

std::string join_host_port(const std::string& host, int port) {
  if (host.find(':') != std::string::npos && host.front() != '[')
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// ---- Table

Socket* NetState::find(const JsValue& handle) {
  if (!handle.is_number()) return nullptr;
  double d = handle.as_number();
  if (!(d >= 1 && d < 9007199254740992.0) || d != std::floor(d)) return nullptr;
  auto it = sockets_.find(static_cast<int64_t>(d));
  return it == sockets_.end() ? nullptr : &it->second;
}

int NetState::stream_for(const JsValue& handle, Pending Socket::*op, Socket** s) {
  *s = find(handle);
  if (!*s) return EBADF;
  if ((*s)->listener) return ENOTCONN;
  return ((*s)->*op).active ? EBUSY : 0;
}

int64_t NetState::add(int fd, bool listener, std::string name) {
  int64_t h = next_handle_++;
  Socket& s = sockets_[h];
  s.fd = fd;
  s.listener = listener;
  s.name = std::move(name);
  return h;
}

JsObjectPtr NetState::connection_info(int64_t handle, int fd) {
  struct sockaddr_storage local {
  }, peer{};
  socklen_t llen = sizeof local, plen = sizeof peer;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &llen);
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen);
  return make_object({{"fd", JsValue(handle)},
                      {"localAddress", JsValue(ip_string(local))},
                      {"localPort", JsValue(port_of(local))},
                      {"remoteAddress", JsValue(ip_string(peer))},
                      {"remotePort", JsValue(port_of(peer))}});
}

int NetState::resolve(const std::string& host, int port, bool passive, std::vector<Address>* out) {
  Address a;
  if (host.empty()) {
    parse_ip(passive ? "0.0.0.0" : "127.0.0.1", port, &a);
    out->push_back(a);
    return 0;
  }
  if (host == "localhost") {
    parse_ip("127.0.0.1", port, &a);
    out->push_back(a);
    return 0;
  }
  if (parse_ip(host, port, &a)) {
    out->push_back(a);
    return 0;
  }
  if (!realm_.broker) return ENOSYS;
  std::vector<BrokerClient::ResolvedAddress> found;
  int r = realm_.broker->net_resolve(host, std::to_string(port), AF_UNSPEC, SOCK_STREAM, &found);
  if (r < 0) return -r;
  for (const auto& f : found) {
    if (f.addr.ss_family != AF_INET && f.addr.ss_family != AF_INET6) continue;
    if (f.socktype != 0 && f.socktype != SOCK_STREAM) continue;
    Address x;
    std::memcpy(&x.ss, &f.addr, sizeof x.ss);
    x.len = f.len;
    set_port(x.ss, port);
    out->push_back(x);
  }
  return out->empty() ? ENOENT : 0;
}

// ---- listen / dial / accept

JsValue NetState::listen(JsArgs args) {
  std::string host = host_arg(args, 0, "listen");
  int port = port_arg(args, 1, "listen");
  const JsValue& b = arg(args, 2);
  int backlog = b.is_number() && b.as_number() >= 1 && b.as_number() <= 65535
                    ? static_cast<int>(b.as_number())
                    : kDefaultBacklog;
  JsValue cb = callback_arg(args, 3, "listen");
  std::string name = join_host_port(host.empty() ? "0.0.0.0" : host, port);
  if (!realm_.broker) return fail(cb, ENOSYS, "listen", name);
  if (sockets_.size() >= kMaxSockets) return fail(cb, EMFILE, "listen", name);
  std::vector<Address> addrs;
  if (int e = resolve(host, port, true, &addrs)) return fail(cb, e, "getaddrinfo", host);
  const Address& a = addrs.front();
  int fd = -1;
  int r = realm_.broker->net_bind(a.family(), SOCK_STREAM, a.sa(), a.len, backlog, &fd);
  if (r < 0) return fail(cb, -r, "listen", name);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct sockaddr_storage local {};
  socklen_t len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  int64_t h = add(fd, true, name);
  realm_.callback_later(
      cb, {JsValue::null(), JsValue(make_object({{"fd", JsValue(h)},
                                                 {"localAddress", JsValue(ip_string(local))},
                                                 {"localPort", JsValue(port_of(local))}}))});
  return JsValue();
}

JsValue NetState::dial(JsArgs args) {
  std::string host = host_arg(args, 0, "dial");
  int port = port_arg(args, 1, "dial");
  JsValue cb = callback_arg(args, 2, "dial");
  auto d = std::make_shared<Dial>();
  d->name = join_host_port(host.empty() ? "127.0.0.1" : host, port);
  d->callback = cb;
  if (!realm_.broker) return fail(cb, ENOSYS, "connect", d->name);
  if (int e = resolve(host, port, false, &d->addrs)) return fail(cb, e, "getaddrinfo", host);
  try_dial(std::move(d));
  return JsValue();
}

// Tries the next address of a dial; reports the first address's error when all failed.
void NetState::try_dial(std::shared_ptr<Dial> d) {
  while (d->next < d->addrs.size()) {
    if (sockets_.size() >= kMaxSockets) {
      d->first_errno = d->first_errno ? d->first_errno : EMFILE;
      break;
    }
    const Address& a = d->addrs[d->next++];
    int fd = -1;
    bool in_progress = false;
    int r = realm_.broker->net_connect(a.family(), SOCK_STREAM, a.sa(), a.len, &fd, &in_progress);
    if (r < 0) {
      if (!d->first_errno) d->first_errno = -r;
      continue;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!in_progress) return finish_dial(std::move(d), fd);
    std::weak_ptr<NetState> self = weak_from_this();
    realm_.loop.watch_fd(fd, POLLOUT, [self, d, fd](short) {
      auto s = self.lock();
      if (!s) {
        ::close(fd);
        return;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
      if (so_error == 0) return s->finish_dial(d, fd);
      ::close(fd);
      if (!d->first_errno) d->first_errno = so_error;
      s->try_dial(d);
    });
    return;
  }
  fail(d->callback, d->first_errno ? d->first_errno : EHOSTUNREACH, "connect", d->name);
}

void NetState::finish_dial(std::shared_ptr<Dial> d, int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int64_t h = add(fd, false, d->name);
  realm_.callback_later(d->callback, {JsValue::null(), JsValue(connection_info(h, fd))});
}

JsValue NetState::accept(JsArgs args) {
  JsValue cb = callback_arg(args, 1, "accept");
  Socket* s = find(arg(args, 0));
  if (!s) return fail(cb, EBADF, "accept", "");
  if (!s->listener) return fail(cb, EINVAL, "accept", s->name);
  if (s->accept.active) return fail(cb, EBUSY, "accept", s->name);
  s->accept.active = true;
  s->accept.callback = cb;
  do_accept(static_cast<int64_t>(arg(args, 0).as_number()));
  return JsValue();
}

void NetState::do_accept(int64_t handle) {
  auto it = sockets_.find(handle);
  if (it == sockets_.end() || !it->second.accept.active) return;
  Socket& s = it->second;
  s.accept.watch = 0;
  for (;;) {
    if (sockets_.size() >= kMaxSockets)
      return complete(s.accept, {error(EMFILE, "accept", s.name), JsValue()});
    int c = accept4(s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c >= 0) {
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int64_t h = add(c, false, s.name);  // may not invalidate `s` (std::map)
      return complete(s.accept, {JsValue::null(), JsValue(connection_info(h, c))});
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return complete(s.accept, {error(errno, "accept", s.name), JsValue()});
  }
  std::weak_ptr<NetState> self = weak_from_this();
  s.accept.watch = realm_.loop.watch_fd(s.fd, POLLIN, [self, handle](short) {
    if (auto st = self.lock()) st->do_accept(handle);
  });
}

// ---- read / write

JsValue NetState::read(JsArgs args) {
  buffer_arg(args, 1, "read");
  JsValue cb = callback_arg(args, 2, "read");
  Socket* s;
  if (int e = stream_for(arg(args, 0), &Socket::read, &s))
    return fail(cb, e, "read", s ? s->name : "");
  s->read.active = true;
  s->read.callback = cb;
  s->read.buffer = arg(args, 1);
  const int64_t handle = static_cast<int64_t>(arg(args, 0).as_number());
  if (std::exchange(s->read_would_block, false) && s->read.buffer.object_as<JsUint8Array>()->size())
    watch_readable(handle, *s);
  else
    do_read(handle);
  return JsValue();
}

void NetState::do_read(int64_t handle) {
  auto it = sockets_.find(handle);
  if (it == sockets_.end() || !it->second.read.active) return;
  Socket& s = it->second;
  s.read.watch = 0;
  JsUint8Array* buf = s.read.buffer.object_as<JsUint8Array>();
  if (!buf || buf->size() == 0) return complete(s.read, {JsValue::null(), JsValue(0)});
  for (;;) {
    ssize_t n = ::recvfrom(s.fd, buf->data(), buf->size(), MSG_DONTWAIT, nullptr, nullptr);
    if (n >= 0) return complete(s.read, {JsValue::null(), JsValue(static_cast<int64_t>(n))});
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return complete(s.read, {error(errno, "read", s.name), JsValue()});
  }
  watch_readable(handle, s);
}

void NetState::watch_readable(int64_t handle, Socket& s) {
  std::weak_ptr<NetState> self = weak_from_this();
  s.read.watch = realm_.loop.watch_fd(s.fd, POLLIN, [self, handle](short) {
    if (auto st = self.lock()) st->do_read(handle);
  });
}

JsValue NetState::write(JsArgs args) {
  buffer_arg(args, 1, "write");
  JsValue cb = callback_arg(args, 2, "write");
  Socket* s;
  if (int e = stream_for(arg(args, 0), &Socket::write, &s))
    return fail(cb, e, "write", s ? s->name : "");
  s->write.active = true;
  s->write.callback = cb;
  s->write.buffer = arg(args, 1);
  s->write.done = 0;
  do_write(static_cast<int64_t>(arg(args, 0).as_number()));
  return JsValue();
}

void NetState::do_write(int64_t handle) {
  auto it = sockets_.find(handle);
  if (it == sockets_.end() || !it->second.write.active) return;
  Socket& s = it->second;
  s.write.watch = 0;
  JsUint8Array* buf = s.write.buffer.object_as<JsUint8Array>();
  const size_t size = buf ? buf->size() : 0;
  while (s.write.done < size) {
    ssize_t n = ::sendto(s.fd, buf->data() + s.write.done, size - s.write.done,
                         MSG_NOSIGNAL | MSG_DONTWAIT, nullptr, 0);
    if (n >= 0) {
      s.write.done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      std::weak_ptr<NetState> self = weak_from_this();
      s.write.watch = realm_.loop.watch_fd(s.fd, POLLOUT, [self, handle](short) {
        if (auto st = self.lock()) st->do_write(handle);
      });
      return;
    }
    return complete(s.write, {error(errno, "write", s.name), JsValue()});
  }
  complete(s.write, {JsValue::null(), JsValue(static_cast<int64_t>(size))});
}

JsValue NetState::try_read(JsArgs args) {
  JsUint8Array* buf = buffer_arg(args, 1, "tryRead");
  Socket* s;
  if (int e = stream_for(arg(args, 0), &Socket::read, &s))
    return error(e, "read", s ? s->name : "");
  s->read_would_block = false;
  if (buf->size() == 0) return JsValue(0);
  for (;;) {
    ssize_t n = ::recvfrom(s->fd, buf->data(), buf->size(), MSG_DONTWAIT, nullptr, nullptr);
    if (n >= 0) return JsValue(static_cast<int64_t>(n));
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      s->read_would_block = true;
      return JsValue::null();
    }
    return error(errno, "read", s->name);
  }
}

JsValue NetState::try_write(JsArgs args) {
  JsUint8Array* buf = buffer_arg(args, 1, "tryWrite");
  Socket* s;
  if (int e = stream_for(arg(args, 0), &Socket::write, &s))
    return error(e, "write", s ? s->name : "");
  size_t done = 0;
  while (done < buf->size()) {
    ssize_t n = ::sendto(s->fd, buf->data() + done, buf->size() - done, MSG_NOSIGNAL | MSG_DONTWAIT,
                         nullptr, 0);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    // Bytes already sent count: the error shows again on the next write.
    if (done > 0) break;
    return error(errno, "write", s->name);
  }
  return JsValue(static_cast<int64_t>(done));
}

// ---- close / shutdown / options / addresses

JsValue NetState::close(JsArgs args) {
  Socket* s = find(arg(args, 0));
  if (!s) return JsValue(false);
  const int64_t handle = static_cast<int64_t>(arg(args, 0).as_number());
  for (auto [p, op] : {std::pair{&s->read, "read"}, {&s->write, "write"}, {&s->accept, "accept"}}) {
    if (!p->active) continue;
    if (p->watch) realm_.loop.cancel_watch(p->watch);
    complete(*p, {error(ECANCELED, op, s->name), JsValue()});
  }
  ::close(s->fd);
  sockets_.erase(handle);
  return JsValue(true);
}

JsValue NetState::shutdown(JsArgs args) {
  Socket* s = find(arg(args, 0));
  if (!s) return error(EBADF, "shutdown", "");
  const JsValue& how = arg(args, 1);
  // Exactly 0, 1 or 2: checked on the double, before any conversion (a NaN or 1e12 cast to
  // int would be undefined behaviour; 1.5 is not a mode).
  double d = how.is_number() ? how.as_number() : -1;
  if (!(d == 0 || d == 1 || d == 2)) return error(EINVAL, "shutdown", s->name);
  int h = static_cast<int>(d);
  if (::shutdown(s->fd, h == 0 ? SHUT_RD : h == 1 ? SHUT_WR : SHUT_RDWR) != 0)
    return error(errno, "shutdown", s->name);
  return JsValue::null();
}

JsValue NetState::set_no_delay(JsArgs args) {
  Socket* s = find(arg(args, 0));
  if (!s) return error(EBADF, "setsockopt", "");
  int on = arg(args, 1).truthy() ? 1 : 0;
  if (setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
    return error(errno, "setsockopt", s->name);
  return JsValue::null();
}

JsValue NetState::address(JsArgs args, bool peer) {
  const char* op = peer ? "getpeername" : "getsockname";
  Socket* s = find(arg(args, 0));
  if (!s) return error(EBADF, op, "");
  struct sockaddr_storage ss {};
  socklen_t len = sizeof ss;
  int r = peer ? getpeername(s->fd, reinterpret_cast<sockaddr*>(&ss), &len)
               : getsockname(s->fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r != 0) return error(errno, op, s->name);
  return JsValue(address_object(ss));
}

}  // namespace

JsObjectPtr make_net_object(Realm& realm) {
  auto st = std::make_shared<NetState>(realm);
  using Method = JsValue (NetState::*)(JsArgs);
  auto method = [&st](const char* name, Method m) -> std::pair<std::string, JsValue> {
    return {name, JsValue(make_function(
                      name, [st, m](const JsValue&, JsArgs args) { return ((*st).*m)(args); }))};
  };
  auto addr = [&st](const char* name, bool peer) -> std::pair<std::string, JsValue> {
    return {name, JsValue(make_function(name, [st, peer](const JsValue&, JsArgs args) {
              return st->address(args, peer);
            }))};
  };
  return make_object({method("listen", &NetState::listen), method("dial", &NetState::dial),
                      method("accept", &NetState::accept), method("read", &NetState::read),
                      method("write", &NetState::write), method("tryRead", &NetState::try_read),
                      method("tryWrite", &NetState::try_write), method("close", &NetState::close),
                      method("shutdown", &NetState::shutdown),
                      method("setNoDelay", &NetState::set_no_delay), addr("localAddr", false),
                      addr("remoteAddr", true)});
}

}  // namespace wc::host::gojs
