// WASIX sockets (module wasix_32v1), as wasix-libc and the wasix crate call them. ABI (wasm32):
//   Addressfamily u8: 1 = inet4, 2 = inet6; Socktype: 1 = stream, 2 = dgram; SockProto u16:
//   0 = any, 6 = TCP, 17 = UDP.
//   __wasi_addr_port_t (20 bytes): tag u8 @0, padding @1, port @2, IP @4 (4 or 16 bytes).
//   The port is read little-endian from the guest and written big-endian back, exactly as
//   wasmer (the reference runtime) does; wasix-libc is built against that asymmetry.
//   __wasi_addr_t (18 bytes, for resolve): tag u8 @0, padding @1, IP @2.
//   OptionTimestamp (16 bytes): tag u8 @0 (0 = none), nanoseconds u64 @8. Bool is a u8.
//   Sockoption u8: the kFlag/kSize/kTime tables below (wasmer's numbering).
// Errors are WASI preview 1 errnos.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/time.h>

#include <cstring>

#include "host/sockets/imports.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::sockets {
namespace {

using wasi::GuestMemory;
namespace err = wasi::err;
using S = const uint64_t*;

constexpr uint32_t kAddrPortSize = 20, kAddrSize = 18;

int host_family(uint32_t f) { return f == 1 ? AF_INET : f == 2 ? AF_INET6 : -1; }

uint16_t read_addr_port(GuestMemory& m, uint32_t ptr, Address* out) {
  const uint8_t* p = m.range(ptr, kAddrPortSize);
  if (!p) return err::kFault;
  int family = host_family(p[0]);
  if (family < 0) return err::kInval;
  uint16_t port = static_cast<uint16_t>(p[2] | (p[3] << 8));
  *out = Address::ip(family, p + 4, port);
  return err::kSuccess;
}

uint16_t write_addr_port(GuestMemory& m, uint32_t ptr, const Address& a) {
  uint8_t* p = m.range(ptr, kAddrPortSize);
  if (!p) return err::kFault;
  std::memset(p, 0, kAddrPortSize);
  p[0] = a.family() == AF_INET ? 1 : 2;
  p[2] = static_cast<uint8_t>(a.port() >> 8);
  p[3] = static_cast<uint8_t>(a.port());
  std::memcpy(p + 4, a.ip_bytes(), a.family() == AF_INET ? 4 : 16);
  return err::kSuccess;
}

struct Opt {
  uint8_t wasix;
  int level, name;
};
// Boolean options (set/get_opt_flag).
constexpr Opt kFlag[] = {{1, SOL_SOCKET, SO_REUSEPORT},  {2, SOL_SOCKET, SO_REUSEADDR},
                         {3, IPPROTO_TCP, TCP_NODELAY},  {4, SOL_SOCKET, SO_DONTROUTE},
                         {5, IPPROTO_IPV6, IPV6_V6ONLY}, {6, SOL_SOCKET, SO_BROADCAST},
                         {12, SOL_SOCKET, SO_KEEPALIVE}, {14, SOL_SOCKET, SO_OOBINLINE}};
// Sizes (set/get_opt_size); LastError (11) is get-only.
constexpr Opt kSize[] = {{15, SOL_SOCKET, SO_RCVBUF},
                         {16, SOL_SOCKET, SO_SNDBUF},
                         {23, IPPROTO_IP, IP_TTL},
                         {17, SOL_SOCKET, SO_RCVLOWAT},
                         {11, SOL_SOCKET, SO_ERROR}};
// Durations (set/get_opt_time).
constexpr Opt kTime[] = {
    {19, SOL_SOCKET, SO_RCVTIMEO}, {20, SOL_SOCKET, SO_SNDTIMEO}, {13, SOL_SOCKET, SO_LINGER}};

template <size_t N>
const Opt* find(const Opt (&table)[N], uint32_t o) {
  for (const Opt& x : table)
    if (x.wasix == o) return &x;
  return nullptr;
}

uint16_t get_int(SocketCore& c, uint32_t fd, const Opt& o, int* v) {
  socklen_t len = sizeof *v;
  *v = 0;
  return c.get_option(fd, o.level, o.name, v, &len);
}

}  // namespace

std::vector<ImportImpl> wasix_imports(SocketCore& core) {
  SocketCore* c = &core;
  std::vector<ImportImpl> v;
  v.push_back({"sock_open", "iiii", [c](GuestMemory& m, S a) -> uint16_t {  // (af, ty, proto, fd*)
                 int family = host_family(u32(a[0]));
                 uint32_t ty = u32(a[1]), proto = u32(a[2]);
                 if (family < 0) return err::kInval;
                 int type = ty == 1 ? SOCK_STREAM : ty == 2 ? SOCK_DGRAM : -1;
                 if (type < 0) return err::kNotsup;
                 if (proto != 0 && proto != (type == SOCK_STREAM ? 6u : 17u)) return err::kInval;
                 if (!m.in_bounds(u32(a[3]), 4)) return err::kFault;
                 uint32_t fd = 0;
                 if (uint16_t r = c->open(family, type, &fd)) return r;
                 m.store<uint32_t>(u32(a[3]), fd);
                 return err::kSuccess;
               }});
  v.push_back({"sock_bind", "ii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address addr;
                 if (uint16_t r = read_addr_port(m, u32(a[1]), &addr)) return r;
                 return c->bind(u32(a[0]), addr);
               }});
  v.push_back({"sock_listen", "ii", [c](GuestMemory&, S a) -> uint16_t {
                 return c->listen(u32(a[0]), static_cast<int32_t>(a[1]));
               }});
  v.push_back({"sock_connect", "ii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address addr;
                 if (uint16_t r = read_addr_port(m, u32(a[1]), &addr)) return r;
                 return c->connect(u32(a[0]), addr);
               }});
  for (const char* name : {"sock_accept_v2", "sock_accept"}) {  // wasix_32v1.sock_accept is v2
    v.push_back({name, "iiii", [c](GuestMemory& m, S a) -> uint16_t {  // (fd, fdflags, fd*, addr*)
                   uint32_t flags = u32(a[1]);
                   if (flags & ~uint32_t{wasi::fdflags::kNonblock}) return err::kInval;
                   if (!m.in_bounds(u32(a[2]), 4) || !m.in_bounds(u32(a[3]), kAddrPortSize))
                     return err::kFault;
                   uint32_t fd = 0;
                   Address peer;
                   if (uint16_t r =
                           c->accept(u32(a[0]), flags & wasi::fdflags::kNonblock, &fd, &peer))
                     return r;
                   m.store<uint32_t>(u32(a[2]), fd);
                   write_addr_port(m, u32(a[3]), peer);
                   return err::kSuccess;
                 }});
  }
  auto recv = [c](GuestMemory& m, S a, uint32_t addr_out) -> uint16_t {
    // (fd, iovs, iovs_len, riflags, datalen*, roflags*[, addr*])
    uint32_t flags = u32(a[3]);
    if (flags & ~uint32_t{wasi::kRecvPeek | wasi::kRecvWaitall}) return err::kInval;
    if (!m.in_bounds(u32(a[4]), 4) || !m.in_bounds(u32(a[5]), 2) ||
        (addr_out && !m.in_bounds(addr_out, kAddrPortSize)))
      return err::kFault;
    uint32_t n = 0;
    bool trunc = false;
    Address from;
    int f = (flags & wasi::kRecvPeek) ? MSG_PEEK : 0;
    if (uint16_t r = c->recv(m, u32(a[0]), u32(a[1]), u32(a[2]), f, &n, &trunc, &from)) return r;
    m.store<uint32_t>(u32(a[4]), n);
    m.store<uint16_t>(u32(a[5]), trunc ? wasi::kRecvDataTruncated : 0);
    if (addr_out && from.len) write_addr_port(m, addr_out, from);
    return err::kSuccess;
  };
  v.push_back({"sock_recv", "iiiiii", [recv](GuestMemory& m, S a) { return recv(m, a, 0); }});
  v.push_back({"sock_recv_from", "iiiiiii", [recv](GuestMemory& m, S a) {
                 return m.in_bounds(u32(a[6]), kAddrPortSize) && u32(a[6]) ? recv(m, a, u32(a[6]))
                                                                           : err::kFault;
               }});
  auto send = [c](GuestMemory& m, S a, uint32_t addr, uint32_t n_out) -> uint16_t {
    if (u32(a[3]) != 0) return err::kInval;
    if (!m.in_bounds(n_out, 4)) return err::kFault;
    Address to;
    if (addr)
      if (uint16_t r = read_addr_port(m, addr, &to)) return r;
    uint32_t n = 0;
    if (uint16_t r = c->send(m, u32(a[0]), u32(a[1]), u32(a[2]), addr ? &to : nullptr, &n))
      return r;
    m.store<uint32_t>(n_out, n);
    return err::kSuccess;
  };
  v.push_back(
      {"sock_send", "iiiii", [send](GuestMemory& m, S a) { return send(m, a, 0, u32(a[4])); }});
  v.push_back({"sock_send_to", "iiiiii", [send](GuestMemory& m, S a) {  // (.., siflags, addr, n*)
                 return send(m, a, u32(a[4]), u32(a[5]));
               }});
  v.push_back({"sock_shutdown", "ii", [c](GuestMemory&, S a) -> uint16_t {
                 uint32_t how = u32(a[1]);
                 if (how == 0 || how > 3) return err::kInval;
                 return c->shutdown(u32(a[0]), how == 3 ? SHUT_RDWR : how == 1 ? SHUT_RD : SHUT_WR);
               }});
  v.push_back({"sock_addr_local", "ii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address out;
                 if (uint16_t r = c->local_address(u32(a[0]), &out)) return r;
                 return write_addr_port(m, u32(a[1]), out);
               }});
  v.push_back({"sock_addr_peer", "ii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address out;
                 if (uint16_t r = c->peer_address(u32(a[0]), &out)) return r;
                 return write_addr_port(m, u32(a[1]), out);
               }});
  v.push_back({"sock_set_opt_flag", "iii", [c](GuestMemory&, S a) -> uint16_t {
                 const Opt* o = find(kFlag, u32(a[1]));
                 if (!o || u32(a[2]) > 1) return err::kInval;
                 int val = static_cast<int>(u32(a[2]));
                 return c->set_option(u32(a[0]), o->level, o->name, &val, sizeof val);
               }});
  v.push_back({"sock_get_opt_flag", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 const Opt* o = find(kFlag, u32(a[1]));
                 if (!o) return err::kInval;
                 if (!m.in_bounds(u32(a[2]), 1)) return err::kFault;
                 int val;
                 if (uint16_t r = get_int(*c, u32(a[0]), *o, &val)) return r;
                 m.store<uint8_t>(u32(a[2]), val ? 1 : 0);
                 return err::kSuccess;
               }});
  v.push_back({"sock_set_opt_size", "iiI", [c](GuestMemory&, S a) -> uint16_t {
                 const Opt* o = find(kSize, u32(a[1]));
                 if (!o || o->name == SO_ERROR || a[2] > INT32_MAX) return err::kInval;
                 int val = static_cast<int>(a[2]);
                 return c->set_option(u32(a[0]), o->level, o->name, &val, sizeof val);
               }});
  v.push_back({"sock_get_opt_size", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 const Opt* o = find(kSize, u32(a[1]));
                 if (!o) return err::kInval;
                 if (!m.in_bounds(u32(a[2]), 8)) return err::kFault;
                 int val;
                 if (uint16_t r = get_int(*c, u32(a[0]), *o, &val)) return r;
                 m.store<uint64_t>(u32(a[2]), static_cast<uint64_t>(static_cast<uint32_t>(val)));
                 return err::kSuccess;
               }});
  v.push_back({"sock_set_opt_time", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 const Opt* o = find(kTime, u32(a[1]));
                 if (!o) return err::kInval;
                 uint8_t tag = 0;
                 uint64_t ns = 0;
                 if (!m.load(u32(a[2]), &tag) || !m.load(u32(a[2]) + 8, &ns)) return err::kFault;
                 if (o->name == SO_LINGER) {
                   struct linger l {
                     tag != 0, static_cast<int>(ns / 1000000000ull)
                   };
                   return c->set_option(u32(a[0]), o->level, o->name, &l, sizeof l);
                 }
                 struct timeval tv {};  // none = no timeout (zero)
                 if (tag)
                   tv = {static_cast<time_t>(ns / 1000000000ull),
                         static_cast<suseconds_t>(ns % 1000000000ull / 1000)};
                 return c->set_option(u32(a[0]), o->level, o->name, &tv, sizeof tv);
               }});
  v.push_back({"sock_get_opt_time", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 const Opt* o = find(kTime, u32(a[1]));
                 if (!o) return err::kInval;
                 if (!m.in_bounds(u32(a[2]), 16)) return err::kFault;
                 uint8_t tag = 0;
                 uint64_t ns = 0;
                 if (o->name == SO_LINGER) {
                   struct linger l {};
                   socklen_t len = sizeof l;
                   if (uint16_t r = c->get_option(u32(a[0]), o->level, o->name, &l, &len)) return r;
                   tag = l.l_onoff != 0;
                   ns = static_cast<uint64_t>(l.l_linger) * 1000000000ull;
                 } else {
                   struct timeval tv {};
                   socklen_t len = sizeof tv;
                   if (uint16_t r = c->get_option(u32(a[0]), o->level, o->name, &tv, &len))
                     return r;
                   ns = static_cast<uint64_t>(tv.tv_sec) * 1000000000ull +
                        static_cast<uint64_t>(tv.tv_usec) * 1000;
                   tag = ns != 0;
                 }
                 m.store<uint64_t>(u32(a[2]), 0);
                 m.store<uint8_t>(u32(a[2]), tag);
                 m.store<uint64_t>(u32(a[2]) + 8, ns);
                 return err::kSuccess;
               }});
  v.push_back({"resolve", "iiiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 // (host, host_len, port, addrs (__wasi_addr_t[naddrs]), naddrs, count*)
                 auto host = m.string(u32(a[0]), u32(a[1]));
                 uint32_t addrs = u32(a[3]), max = u32(a[4]), count_out = u32(a[5]);
                 if (!host || !m.in_bounds(addrs, uint64_t{max} * kAddrSize) ||
                     !m.in_bounds(count_out, 4))
                   return err::kFault;
                 std::vector<BrokerClient::ResolvedAddress> found;
                 // Addresses only: one answer per address, whatever the socket type.
                 std::string port = std::to_string(u32(a[2]) & 0xffff);
                 if (uint16_t r = c->resolve(*host, port, AF_UNSPEC, SOCK_STREAM, &found)) return r;
                 uint32_t n = 0;
                 for (const auto& f : found) {
                   if (n == max) break;
                   Address addr;
                   std::memcpy(&addr.ss, &f.addr, sizeof addr.ss);
                   uint8_t* p = m.range(addrs + uint64_t{n} * kAddrSize, kAddrSize);
                   std::memset(p, 0, kAddrSize);
                   p[0] = addr.family() == AF_INET ? 1 : 2;
                   std::memcpy(p + 2, addr.ip_bytes(), addr.family() == AF_INET ? 4 : 16);
                   ++n;
                 }
                 m.store<uint32_t>(count_out, n);
                 return err::kSuccess;
               }});
  return v;
}

}  // namespace wc::host::sockets
