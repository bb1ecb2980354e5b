#include "broker/net_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace wc::broker {
namespace {

bool fail(std::string* error, std::string_view spec, const std::string& what) {
  *error = "network address '" + std::string(spec) + "': " + what;
  return false;
}

// "HOST:PORT" or "[HOST]:PORT". IPv6 needs the brackets: "::1:80" is ambiguous.
bool split_host_port(std::string_view spec, std::string_view* host, std::string_view* port,
                     bool* bracketed, std::string* error) {
  *bracketed = !spec.empty() && spec.front() == '[';
  size_t colon;
  if (*bracketed) {
    size_t close = spec.find(']');
    if (close == std::string_view::npos || close + 1 >= spec.size() || spec[close + 1] != ':')
      return fail(error, spec, "expected [IPV6]:PORT");
    *host = spec.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = spec.rfind(':');
    if (colon == std::string_view::npos) return fail(error, spec, "expected HOST:PORT");
    *host = spec.substr(0, colon);
    if (host->find(':') != std::string_view::npos)
      return fail(error, spec, "write IPv6 addresses in brackets, as [::1]:PORT");
  }
  *port = spec.substr(colon + 1);
  if (host->empty() || port->empty()) return fail(error, spec, "expected HOST:PORT");
  return true;
}

bool parse_u16(std::string_view s, uint16_t* out) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || v > 65535) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool parse_ports(std::string_view s, uint16_t* lo, uint16_t* hi) {
  if (s == "*") {
    *lo = 0, *hi = 65535;
    return true;
  }
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return parse_u16(s, lo) && (*hi = *lo, true);
  return parse_u16(s.substr(0, dash), lo) && parse_u16(s.substr(dash + 1), hi) && *lo <= *hi;
}

// A literal address; IPv4-mapped IPv6 becomes IPv4 so that it meets the IPv4 rules.
bool parse_literal(std::string_view text, bool bracketed, int* family,
                   std::array<uint8_t, 16>* bytes) {
  std::string s(text);
  *bytes = {};
  if (!bracketed && inet_pton(AF_INET, s.c_str(), bytes->data()) == 1) {
    *family = AF_INET;
    return true;
  }
  if (bracketed && inet_pton(AF_INET6, s.c_str(), bytes->data()) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
}

bool is_v4_mapped(const uint8_t* b) {
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, prefix, 12) == 0;
}

void normalize(int* family, std::array<uint8_t, 16>* bytes, int* prefix) {
  if (*family != AF_INET6 || !is_v4_mapped(bytes->data()) || *prefix < 96) return;
  std::array<uint8_t, 16> v4{};
  std::memcpy(v4.data(), bytes->data() + 12, 4);
  *bytes = v4;
  *family = AF_INET;
  *prefix -= 96;
}

bool valid_host_name(std::string_view h) {
  if (h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

}  // namespace

bool parse_net_grant(std::string_view spec, std::vector<NetRule>* out, std::string* error) {
  std::string_view host, port;
  bool bracketed;
  if (!split_host_port(spec, &host, &port, &bracketed, error)) return false;
  NetRule base;
  base.spec = std::string(spec);
  if (!parse_ports(port, &base.port_lo, &base.port_hi))
    return fail(error, spec, "expected a port N, a range N-M (0-65535) or *");
  if (host == "*") {
    base.any_address = true;
    out->push_back(std::move(base));
    return true;
  }
  std::string_view addr = host.substr(0, host.find('/'));
  int bits = -1;
  if (addr.size() < host.size()) {
    std::string_view b = host.substr(addr.size() + 1);
    auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc{} || end != b.data() + b.size() || b.empty() || bits < 0)
      return fail(error, spec, "bad prefix length");
  }
  if (parse_literal(addr, bracketed, &base.family, &base.bytes)) {
    int max = base.family == AF_INET ? 32 : 128;
    if (bits > max) return fail(error, spec, "prefix longer than " + std::to_string(max) + " bits");
    base.prefix = bits < 0 ? max : bits;
    normalize(&base.family, &base.bytes, &base.prefix);
    out->push_back(std::move(base));
    return true;
  }
  if (bracketed || bits >= 0 || !valid_host_name(addr))
    return fail(error, spec, "not an IPv4 address, [IPv6] address, CIDR range, * or host name");

  // A host name: its addresses now, once. Later answers of the DNS do not matter.
  struct addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  std::string name(addr);  // as resolve requests compare it: lower case, no trailing dot
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return static_cast<char>(std::tolower(c)); });
  if (name.size() > 1 && name.back() == '.') name.pop_back();
  int e = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (e != 0) return fail(error, spec, std::string("cannot resolve: ") + gai_strerror(e));
  size_t before = out->size();
  for (struct addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    NetAddr a;
    if (!to_net_addr(ai->ai_addr, ai->ai_addrlen, &a)) continue;
    NetRule r = base;
    r.name = name;
    r.family = a.family;
    r.bytes = a.bytes;
    r.prefix = a.family == AF_INET ? 32 : 128;
    bool dup =
        std::any_of(out->begin() + static_cast<std::ptrdiff_t>(before), out->end(),
                    [&](const NetRule& o) { return o.family == r.family && o.bytes == r.bytes; });
    if (!dup) out->push_back(std::move(r));
  }
  freeaddrinfo(res);
  if (out->size() == before) return fail(error, spec, "the name has no IPv4 or IPv6 address");
  return true;
}

bool parse_socket_address(std::string_view spec, struct sockaddr_storage* out, socklen_t* len,
                          std::string* error) {
  std::string_view host, port;
  bool bracketed;
  if (!split_host_port(spec, &host, &port, &bracketed, error)) return false;
  int family;
  std::array<uint8_t, 16> bytes;
  uint16_t p;
  if (!parse_literal(host, bracketed, &family, &bytes))
    return fail(error, spec, "expected a literal IPv4 or [IPv6] address");
  if (!parse_u16(port, &p)) return fail(error, spec, "expected a port 0-65535");
  *out = {};
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<struct sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(p);
    std::memcpy(&sin->sin_addr, bytes.data(), 4);
    *len = sizeof(*sin);
  } else {
    auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(p);
    std::memcpy(&sin6->sin6_addr, bytes.data(), 16);
    *len = sizeof(*sin6);
  }
  return true;
}

bool to_net_addr(const struct sockaddr* sa, socklen_t len, NetAddr* out) {
  NetAddr a;
  if (sa->sa_family == AF_INET && len == sizeof(struct sockaddr_in)) {
    const auto* sin = reinterpret_cast<const struct sockaddr_in*>(sa);
    a.family = AF_INET;
    std::memcpy(a.bytes.data(), &sin->sin_addr, 4);
    a.port = ntohs(sin->sin_port);
  } else if (sa->sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6)) {
    const auto* sin6 = reinterpret_cast<const struct sockaddr_in6*>(sa);
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), &sin6->sin6_addr, 16);
    a.port = ntohs(sin6->sin6_port);
    int prefix = 128;
    normalize(&a.family, &a.bytes, &prefix);
  } else {
    return false;
  }
  *out = a;
  return true;
}

bool is_unspecified(const NetAddr& a) {
  size_t n = a.family == AF_INET ? 4 : 16;
  return std::all_of(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(n),
                     [](uint8_t b) { return b == 0; });
}

const NetRule* match_net(const std::vector<NetRule>& rules, const NetAddr& a, bool any_port) {
  for (const NetRule& r : rules) {
    if (!any_port && (a.port < r.port_lo || a.port > r.port_hi)) continue;
    if (r.any_address) return &r;
    if (r.family != a.family) continue;
    int full = r.prefix / 8, rest = r.prefix % 8;
    if (std::memcmp(r.bytes.data(), a.bytes.data(), static_cast<size_t>(full)) != 0) continue;
    if (rest != 0) {
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((r.bytes[static_cast<size_t>(full)] & mask) !=
          (a.bytes[static_cast<size_t>(full)] & mask))
        continue;
    }
    return &r;
  }
  return nullptr;
}

std::string format_net_addr(const NetAddr& a) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
  std::string port = std::to_string(a.port);
  return a.family == AF_INET6 ? "[" + std::string(buf) + "]:" + port : buf + (":" + port);
}

int open_tcp_listener(std::string_view spec, std::string* error) {
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_socket_address(spec, &ss, &len, error)) return -1;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  bool ok = fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
            bind(fd, reinterpret_cast<struct sockaddr*>(&ss), len) == 0 &&
            listen(fd, SOMAXCONN) == 0;
  if (!ok) {
    *error = "--tcplisten " + std::string(spec) + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace wc::broker
