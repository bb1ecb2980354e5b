// The network grants (--allow-connect, --allow-listen, --tcplisten) and how an address is
// matched against them. Rules hold addresses only: a host name in a grant is resolved once,
// by the broker, when the policy is loaded, so DNS answers that change later (rebinding)
// cannot widen a grant. Addresses are normalized before matching: an IPv4-mapped IPv6
// address (::ffff:a.b.c.d) is the IPv4 address, and matches IPv4 rules only.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wc::broker {

// An endpoint, normalized: family AF_INET (bytes[0..3]) or AF_INET6 (never v4-mapped).
struct NetAddr {
  int family = 0;
  std::array<uint8_t, 16> bytes{};
  uint16_t port = 0;
};

// One address range and port range. A grant spec may expand to several (a host name with
// several addresses); each keeps the spec it came from, for audit lines and hints.
struct NetRule {
  std::string spec;          // as the user wrote it: "10.0.0.0/8:443", "localhost:8080"
  std::string name;          // the host name the addresses came from, lower case; "" for literals
  bool any_address = false;  // "*": every address of both families
  int family = 0;
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;  // leading bits of `bytes` that must match
  uint16_t port_lo = 0, port_hi = 65535;
};

// "HOST:PORT" as --allow-connect / --allow-listen take it. HOST: an IPv4 address, an IPv6
// address in brackets ("[::1]"), either with "/BITS" (CIDR, "[fd00::/8]"), "*", or a host
// name (resolved now with getaddrinfo; an error if it has no address). PORT: N, N-M or "*".
// Appends the rules to *out.
bool parse_net_grant(std::string_view spec, std::vector<NetRule>* out, std::string* error);

// "ADDR:PORT" as --tcplisten takes it: a literal address (no name, no CIDR), a single port
// (0 for any).
bool parse_socket_address(std::string_view spec, struct sockaddr_storage* out, socklen_t* len,
                          std::string* error);

// A sockaddr of family AF_INET/AF_INET6 (with the right length) as a NetAddr; false otherwise.
bool to_net_addr(const struct sockaddr* sa, socklen_t len, NetAddr* out);
bool is_unspecified(const NetAddr& a);  // 0.0.0.0 or ::

// The first rule covering `a`; with `any_port` the port is not compared (a name resolved
// without a service). nullptr: not granted.
const NetRule* match_net(const std::vector<NetRule>& rules, const NetAddr& a,
                         bool any_port = false);

// "127.0.0.1:80", "[::1]:80" (the spelling the flags take back).
std::string format_net_addr(const NetAddr& a);

// The broker's half of --tcplisten: a listening TCP socket (SO_REUSEADDR, close-on-exec,
// blocking, as a program's own listen() would give) at `spec`. The fd, or -1 with *error.
int open_tcp_listener(std::string_view spec, std::string* error);

}  // namespace wc::broker
