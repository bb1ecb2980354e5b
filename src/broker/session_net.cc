// The network half of Session: connect, bind(+listen), resolve and send_to, each checked
// against the grants before a socket exists, so a denial never leaves one open. The broker's
// loop serves every worker, so nothing here may block it: sockets are non-blocking, connect
// may return "in progress", sends use MSG_DONTWAIT, and name lookups have a deadline.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "broker/session.h"

namespace wc::broker {
namespace {

// The request's address as a sockaddr (copied: the payload bytes carry no alignment).
struct SockAddr {
  struct sockaddr_storage ss = {};
  socklen_t len = 0;
  const struct sockaddr* get() const { return reinterpret_cast<const struct sockaddr*>(&ss); }
};

SockAddr sockaddr_of(const ipc::Request& req) {
  SockAddr a;
  a.len = static_cast<socklen_t>(std::min(req.addr.size(), sizeof a.ss));
  std::memcpy(&a.ss, req.addr.data(), a.len);
  return a;
}

std::string family_target(const ipc::Request& req) {
  if (req.family == AF_UNIX && req.addr.size() > sizeof(sa_family_t)) {
    std::string path(req.addr.begin() + sizeof(sa_family_t), req.addr.end());
    if (path[0] == '\0') path[0] = '@';  // abstract namespace, as ss(8) writes it
    return "unix:" + path.substr(0, path.find('\0'));
  }
  return "address family " + std::to_string(req.family);
}

double monotonic_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// getaddrinfo with a deadline, so a slow or unreachable DNS server cannot hold the loop (and
// every other worker) for the resolver's own 5 s x attempts. glibc's getaddrinfo_a runs the
// lookup on a helper thread; one still running at the deadline is cancelled or, if already
// under way, kept here and freed by a later call.
int lookup(const std::string& host, int family, int timeout_ms, std::vector<NetAddr>* out) {
  struct Pending {
    struct gaicb cb = {};
    struct addrinfo hints = {};
    std::string host;
  };
  static std::mutex mu;
  static std::vector<std::unique_ptr<Pending>> abandoned;
  std::lock_guard<std::mutex> lock(mu);
  std::erase_if(abandoned, [](const std::unique_ptr<Pending>& p) {
    if (gai_error(&p->cb) == EAI_INPROGRESS) return false;
    if (p->cb.ar_result != nullptr) freeaddrinfo(p->cb.ar_result);
    return true;
  });

  auto p = std::make_unique<Pending>();
  p->host = host;
  p->hints.ai_family = family;
  p->hints.ai_socktype = SOCK_STREAM;  // one answer per address
  p->cb.ar_name = p->host.c_str();
  p->cb.ar_request = &p->hints;
  struct gaicb* list[] = {&p->cb};
  if (getaddrinfo_a(GAI_NOWAIT, list, 1, nullptr) != 0) return -EAGAIN;
  double deadline = monotonic_ms() + timeout_ms;
  while (gai_error(&p->cb) == EAI_INPROGRESS) {
    double left = deadline - monotonic_ms();
    if (left <= 0) break;
    struct timespec ts = {static_cast<time_t>(left / 1000),
                          static_cast<long>(std::fmod(left, 1000.0) * 1e6)};
    gai_suspend(list, 1, &ts);
  }
  int e = gai_error(&p->cb);
  if (e == EAI_INPROGRESS) {
    if (gai_cancel(&p->cb) != EAI_CANCELED) abandoned.push_back(std::move(p));
    return -EAGAIN;
  }
  if (e != 0) {
    if (p->cb.ar_result != nullptr) freeaddrinfo(p->cb.ar_result);
    return e == EAI_NONAME || e == EAI_NODATA || e == EAI_ADDRFAMILY ? -ENOENT
           : e == EAI_AGAIN                                          ? -EAGAIN
                                                                     : -EIO;
  }
  for (struct addrinfo* ai = p->cb.ar_result; ai != nullptr; ai = ai->ai_next) {
    NetAddr a;
    if (to_net_addr(ai->ai_addr, ai->ai_addrlen, &a)) out->push_back(a);
  }
  freeaddrinfo(p->cb.ar_result);
  return 0;
}

// A service as getaddrinfo takes it: a number, or a name from /etc/services (local, never
// the network). -ESRCH: no such service.
int service_port(const std::string& service, int socktype, uint16_t* port) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(service.data(), service.data() + service.size(), v);
  if (ec == std::errc{} && end == service.data() + service.size()) {
    if (v > 65535) return -ESRCH;
    *port = static_cast<uint16_t>(v);
    return 0;
  }
  struct servent se, *res = nullptr;
  char buf[1024];
  getservbyname_r(service.c_str(), socktype == SOCK_DGRAM ? "udp" : "tcp", &se, buf, sizeof buf,
                  &res);
  if (res == nullptr) return -ESRCH;
  *port = ntohs(static_cast<uint16_t>(res->s_port));
  return 0;
}

std::vector<uint8_t> sockaddr_bytes(const NetAddr& a) {
  std::vector<uint8_t> out;
  if (a.family == AF_INET) {
    struct sockaddr_in sin = {};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(a.port);
    std::memcpy(&sin.sin_addr, a.bytes.data(), 4);
    out.resize(sizeof sin);
    std::memcpy(out.data(), &sin, sizeof sin);
  } else {
    struct sockaddr_in6 sin6 = {};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(a.port);
    std::memcpy(&sin6.sin6_addr, a.bytes.data(), 16);
    out.resize(sizeof sin6);
    std::memcpy(out.data(), &sin6, sizeof sin6);
  }
  return out;
}

}  // namespace

// --- denials and the socket count ---

int Session::deny_net(const char* op, const NetAddr& a, const char* flag) {
  std::string target = format_net_addr(a);
  bool listen = std::string_view(op) == "bind";
  std::string verb = listen                              ? "listen on"
                     : std::string_view(op) == "send_to" ? "send to"
                                                         : op + std::string(" to");
  std::string what = verb + " " + target;
  std::string hint = what + " denied; allow it with " + flag + " " + target;
  if (listen && is_unspecified(a)) hint += " (every interface: grant it only if you mean it)";
  if (audit_ != nullptr) {
    audit_->record(
        {container_, op, target, std::string("no ") + flag + " grant covers it", EACCES, hint});
  }
  return -EACCES;
}

int Session::deny_family(const char* op, const ipc::Request& req) {
  if (audit_ != nullptr) {
    audit_->record({container_, op, family_target(req), "only IPv4 and IPv6 sockets are brokered",
                    EAFNOSUPPORT,
                    "Unix, abstract and other non-IP sockets are never reachable from a guest"});
  }
  return -EAFNOSUPPORT;
}

int Session::socket_room(const char* op) {
  if (sockets_.size() >= max_sockets_) prune_sockets();
  if (sockets_.size() < max_sockets_) return 0;
  std::string rule =
      "limit of " + std::to_string(max_sockets_) + " open sockets per worker reached";
  if (audit_ != nullptr)
    audit_->record({container_, op, "socket", rule, EMFILE, "raise it with --max-fds"});
  report_limit("fds", rule + "; raise it with --max-fds", true);  // the hint says it
  return -EMFILE;
}

void Session::track_socket(int fd, bool udp) {
  struct stat st;
  if (fstat(fd, &st) == 0) sockets_[{st.st_dev, st.st_ino}] = udp;
}

// The broker holds no copy of a socket it handed out (a copy would keep the connection open
// after the guest closed it), so whether one is still open is read from the kernel's socket
// tables of the broker's network namespace, which list the inode of every open socket.
void Session::prune_sockets() {
  std::set<ino_t> live;
  for (const char* table :
       {"/proc/self/net/tcp", "/proc/self/net/tcp6", "/proc/self/net/udp", "/proc/self/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string f;
      for (int i = 0; i < 10 && fields >> f; i++) {
      }
      unsigned long ino = 0;
      if (std::from_chars(f.data(), f.data() + f.size(), ino).ec == std::errc{} && ino != 0)
        live.insert(static_cast<ino_t>(ino));
    }
  }
  std::erase_if(sockets_, [&](const auto& s) { return live.count(s.first.second) == 0; });
}

// --- operations ---

int Session::do_net_connect(ipc::Request& req, ipc::Reply& reply) {
  NetAddr a;
  SockAddr sa = sockaddr_of(req);
  if (!to_net_addr(sa.get(), sa.len, &a)) return deny_family("connect", req);
  if (match_net(net_.allow_connect, a) == nullptr) return deny_net("connect", a, "--allow-connect");
  if (int e = socket_room("connect")) return e;
  ipc::UniqueFd s(socket(req.family, req.socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s) return -errno;
  if (connect(s.get(), sa.get(), sa.len) != 0) {
    // The handshake goes on without us (EINTR too, on Linux); the guest waits for POLLOUT.
    if (errno != EINPROGRESS && errno != EINTR) return -errno;
    reply.in_progress = true;
  }
  track_socket(s.get(), req.socktype == SOCK_DGRAM);
  reply.fds.push_back(std::move(s));
  return 0;
}

int Session::do_net_bind(ipc::Request& req, ipc::Reply& reply) {
  NetAddr a;
  SockAddr sa = sockaddr_of(req);
  if (!to_net_addr(sa.get(), sa.len, &a)) return deny_family("bind", req);
  if (match_net(net_.allow_listen, a) == nullptr) return deny_net("bind", a, "--allow-listen");
  if (int e = socket_room("bind")) return e;
  bool tcp = req.socktype == SOCK_STREAM;
  ipc::UniqueFd s(socket(req.family, req.socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s) return -errno;
  int one = 1;
  if (tcp && setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return -errno;
  // An IPv6 grant must not open the IPv4 side too: "::" would otherwise also take every IPv4
  // address. A v4-mapped address was matched as IPv4, and needs the dual-stack socket.
  if (req.family == AF_INET6 && a.family == AF_INET6 &&
      setsockopt(s.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) {
    return -errno;
  }
  if (bind(s.get(), sa.get(), sa.len) != 0) return -errno;
  if (tcp && listen(s.get(), req.backlog) != 0) return -errno;
  track_socket(s.get(), !tcp);
  reply.fds.push_back(std::move(s));
  return 0;
}

int Session::do_net_resolve(ipc::Request& req, ipc::Reply& reply) {
  std::string name = req.host;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  uint16_t port = 0;
  bool any_port = req.service.empty();
  if (!any_port) {
    if (int e = service_port(req.service, req.socktype, &port)) return e;
  }

  // Where the addresses come from, in order: a literal needs no lookup; a name some grant
  // was written with has the addresses resolved when the policy was loaded (the same ones a
  // connect is checked against); any other name is asked of the DNS, but only if some grant
  // is an address range that its answer could fall in, so that a guest without such a grant
  // cannot use the broker's resolver to send queries (and data in them) out.
  std::vector<NetAddr> found;
  struct sockaddr_storage ss = {};
  if (inet_pton(AF_INET, name.c_str(), &reinterpret_cast<struct sockaddr_in*>(&ss)->sin_addr) ==
      1) {
    ss.ss_family = AF_INET;
  } else if (inet_pton(AF_INET6, name.c_str(),
                       &reinterpret_cast<struct sockaddr_in6*>(&ss)->sin6_addr) == 1) {
    ss.ss_family = AF_INET6;
  }
  NetAddr literal;
  if (ss.ss_family != 0 && to_net_addr(reinterpret_cast<struct sockaddr*>(&ss),
                                       ss.ss_family == AF_INET ? sizeof(struct sockaddr_in)
                                                               : sizeof(struct sockaddr_in6),
                                       &literal)) {
    found.push_back(literal);
  }
  bool is_literal = !found.empty(), by_name = false, ranges = false;
  for (const auto* rules : {&net_.allow_connect, &net_.allow_listen}) {
    for (const NetRule& r : *rules) {
      ranges |= r.name.empty();
      if (!is_literal && r.name == name) {
        by_name = true;
        NetAddr a;
        a.family = r.family;
        a.bytes = r.bytes;
        found.push_back(a);
      }
    }
  }
  if (found.empty() && !by_name && ranges && net_.resolve_timeout_ms > 0) {
    int e = lookup(req.host, req.family, net_.resolve_timeout_ms, &found);
    if (e != 0) return e;
  }

  std::vector<int> types = req.socktype != 0 ? std::vector<int>{req.socktype}
                                             : std::vector<int>{SOCK_STREAM, SOCK_DGRAM};
  std::set<std::pair<int, std::array<uint8_t, 16>>> seen;
  for (NetAddr a : found) {
    a.port = port;
    if (req.family != AF_UNSPEC && a.family != req.family) continue;
    if (match_net(net_.allow_connect, a, any_port) == nullptr &&
        match_net(net_.allow_listen, a, any_port) == nullptr) {
      continue;
    }
    if (!seen.insert({a.family, a.bytes}).second) continue;
    for (int t : types) {
      if (reply.resolved.size() < ipc::kMaxResolved)
        reply.resolved.push_back({sockaddr_bytes(a), t});
    }
  }
  if (reply.resolved.empty()) {
    if (audit_ != nullptr) {
      std::string target = req.host + (any_port ? "" : ":" + req.service);
      audit_->record({container_, "resolve", target,
                      "no --allow-connect or --allow-listen grant covers its addresses", EACCES,
                      "resolve " + req.host + " denied; allow it with --allow-connect " + req.host +
                          ":" + (any_port ? "PORT" : std::to_string(port))});
    }
    return -EACCES;
  }
  return 0;
}

int Session::do_net_send_to(ipc::Request& req, ipc::Reply& reply) {
  // Only a UDP socket this broker made for this worker: the worker cannot create sockets, so
  // anything else it holds (a listening socket from --tcplisten, an accepted connection, a
  // socketpair end) must not be turned into a sender through us.
  struct stat st;
  int type = 0;
  socklen_t tlen = sizeof type;
  if (fstat(req.fd.get(), &st) != 0) return -errno;
  auto it = sockets_.find({st.st_dev, st.st_ino});
  if (it == sockets_.end() || !it->second ||
      getsockopt(req.fd.get(), SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM) {
    if (audit_ != nullptr) {
      audit_->record({container_, "send_to", "fd",
                      "not a UDP socket the broker created for this worker", EBADF, ""});
    }
    return -EBADF;
  }
  NetAddr a;
  SockAddr sa = sockaddr_of(req);
  if (!to_net_addr(sa.get(), sa.len, &a)) return deny_family("send_to", req);
  if (match_net(net_.allow_connect, a) == nullptr) return deny_net("send_to", a, "--allow-connect");
  ssize_t n = sendto(req.fd.get(), req.data.data(), req.data.size(),
                     req.msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL, sa.get(), sa.len);
  if (n < 0) return -errno;
  reply.sent = static_cast<uint32_t>(n);
  return 0;
}

}  // namespace wc::broker
