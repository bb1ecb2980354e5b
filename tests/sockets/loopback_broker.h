// A test double for the broker's network methods with real sockets, on loopback only: every
// address must be 127.0.0.1 or ::1 (anything else is -EACCES, as a policy without that grant
// would say), and ports in `denied_ports` are refused with -EACCES. No filesystem.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "network_only_broker.h"

namespace wc::host::testing {

class LoopbackBroker : public NetworkOnlyBroker {
 public:
  std::set<uint16_t> denied_ports;
  int connects = 0, binds = 0;

  int net_connect(int family, int type, const sockaddr* addr, socklen_t len, int* fd,
                  bool* in_progress) override {
    if (int r = check(addr, len, family, false)) return r;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    *in_progress = false;
    if (::connect(s, addr, len) != 0) {
      if (errno != EINPROGRESS) {
        int e = errno;
        close(s);
        return -e;
      }
      *in_progress = true;
    }
    ++connects;
    *fd = s;
    return 0;
  }

  int net_bind(int family, int type, const sockaddr* addr, socklen_t len, int backlog,
               int* fd) override {
    if (int r = check(addr, len, family, true)) return r;
    int s = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(s, addr, len) != 0 || (type == SOCK_STREAM && ::listen(s, backlog) != 0)) {
      int e = errno;
      close(s);
      return -e;
    }
    ++binds;
    *fd = s;
    return 0;
  }

  int net_resolve(std::string_view host, std::string_view service, int family, int socktype,
                  std::vector<ResolvedAddress>* out) override {
    if (host != "localhost" && host != "127.0.0.1" && host != "::1") return -EACCES;
    uint16_t port = static_cast<uint16_t>(std::atoi(std::string(service).c_str()));
    if (family != AF_INET6 && host != "::1") {
      ResolvedAddress r{};
      auto* in = reinterpret_cast<sockaddr_in*>(&r.addr);
      in->sin_family = AF_INET;
      in->sin_port = htons(port);
      in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      r.len = sizeof *in;
      r.socktype = socktype ? socktype : SOCK_STREAM;
      out->push_back(r);
    }
    if (family != AF_INET && host != "127.0.0.1") {
      ResolvedAddress r{};
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&r.addr);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(port);
      in6->sin6_addr = in6addr_loopback;
      r.len = sizeof *in6;
      r.socktype = socktype ? socktype : SOCK_STREAM;
      out->push_back(r);
    }
    return 0;
  }

  int net_send_to(int fd, const void* data, size_t size, int flags, const sockaddr* addr,
                  socklen_t len) override {
    if (int r = check(addr, len, addr->sa_family, false)) return r;
    ssize_t n = sendto(fd, data, size, flags | MSG_NOSIGNAL, addr, len);
    return n < 0 ? -errno : static_cast<int>(n);
  }

 private:
  // Loopback only; a wildcard bind is narrowed to nothing (refused) as well.
  int check(const sockaddr* addr, socklen_t len, int family, bool bind) {
    if (addr->sa_family != family) return -EAFNOSUPPORT;
    uint16_t port;
    if (family == AF_INET && len >= sizeof(sockaddr_in)) {
      auto* in = reinterpret_cast<const sockaddr_in*>(addr);
      if (in->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) return -EACCES;
      port = ntohs(in->sin_port);
    } else if (family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
      if (std::memcmp(&in6->sin6_addr, &in6addr_loopback, 16) != 0) return -EACCES;
      port = ntohs(in6->sin6_port);
    } else {
      return -EINVAL;
    }
    if (denied_ports.count(port)) return -EACCES;
    return 0;
  }
};

}  // namespace wc::host::testing
