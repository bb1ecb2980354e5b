// The WasmEdge socket extension, as the wasmedge_wasi_socket crate and Go's / Rust's wasm socket
// libraries call it (module wasi_snapshot_preview1). ABI (wasm32, little-endian):
//   enums: address family 1 = inet4, 2 = inet6; socket type 1 = dgram, 2 = stream;
//          sockopt level 0 = SOL_SOCKET, names 0..13 as in kSoNames below.
//   __wasi_address_t {u32 buf; u32 buf_len}: buf holds the bare IP (4 or 16 bytes), or, in
//          the 128-byte form of WasmEdge >= 0.11, a u16 family at 0 and the IP at 2. The port
//          is a separate argument (host order).
//   __wasi_addrinfo_t (28 bytes): ai_flags u16 @0, ai_family u8 @2, ai_socktype u8 @3,
//          ai_protocol u8 @4, ai_addrlen u32 @8, ai_addr u32 @12 (-> __wasi_sockaddr_t),
//          ai_canonname u32 @16, ai_canonname_len u32 @20, ai_next u32 @24.
//   __wasi_sockaddr_t (12 bytes): sa_family @0, sa_data_len u32 @4, sa_data u32 @8; sa_data is
//          a sockaddr's bytes after the family: port (big-endian) then, for inet4, the IP at 2;
//          for inet6, flowinfo at 2, the IP at 6, scope id at 22.
// Errors are WASI preview 1 errnos.
#include <netinet/in.h>

#include <cstring>

#include "host/sockets/imports.h"
#include "host/wasi/errno_map.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::sockets {
namespace {

using wasi::GuestMemory;
namespace err = wasi::err;
using S = const uint64_t*;

constexpr uint8_t kInet4 = 1, kInet6 = 2;

int host_family(uint32_t f) { return f == kInet4 ? AF_INET : f == kInet6 ? AF_INET6 : -1; }
uint8_t guest_family(int f) { return f == AF_INET ? kInet4 : kInet6; }

// sockopt names 0..13 (SO_BINDTODEVICE, 14, names an interface: not for a sandboxed guest).
constexpr int kSoNames[] = {SO_REUSEADDR, SO_TYPE,     SO_ERROR,     SO_DONTROUTE, SO_BROADCAST,
                            SO_SNDBUF,    SO_RCVBUF,   SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER,
                            SO_RCVLOWAT,  SO_RCVTIMEO, SO_SNDTIMEO,  SO_ACCEPTCONN};

bool host_option(uint32_t level, uint32_t name, int* out) {
  if (level != 0 || name >= std::size(kSoNames)) return false;
  *out = kSoNames[name];
  return true;
}

// Reads the __wasi_address_t at `ptr` (family from its length or its 128-byte header).
uint16_t read_address(GuestMemory& m, uint32_t ptr, uint32_t port, Address* out) {
  uint32_t buf = 0, len = 0;
  if (!m.load(ptr, &buf) || !m.load(ptr + 4, &len)) return err::kFault;
  const uint8_t* p = m.range(buf, len);
  if (!p) return err::kFault;
  int family;
  if (len == 4 || len == 16) {
    family = len == 4 ? AF_INET : AF_INET6;
  } else if (len == 128) {
    uint16_t f;
    std::memcpy(&f, p, 2);
    family = host_family(f);
    p += 2;
  } else {
    return err::kInval;
  }
  if (family < 0) return err::kInval;
  *out = Address::ip(family, p, static_cast<uint16_t>(port));
  return err::kSuccess;
}

// Writes `a` into the guest's __wasi_address_t buffer: the bare IP when it is 4 or 16 bytes
// (the IP must fit), the 128-byte form with its family header otherwise.
uint16_t write_address(GuestMemory& m, uint32_t ptr, const Address& a) {
  uint32_t buf = 0, len = 0;
  if (!m.load(ptr, &buf) || !m.load(ptr + 4, &len)) return err::kFault;
  uint8_t* p = m.range(buf, len);
  if (!p) return err::kFault;
  const size_t n = a.family() == AF_INET ? 4 : 16;
  if (len == 128) {
    std::memset(p, 0, len);
    uint16_t f = guest_family(a.family());
    std::memcpy(p, &f, 2);
    std::memcpy(p + 2, a.ip_bytes(), n);
  } else if (len == 4 || len == 16) {
    if (len < n) return err::kInval;
    std::memset(p, 0, len);
    std::memcpy(p, a.ip_bytes(), n);
  } else {
    return err::kInval;
  }
  return err::kSuccess;
}

uint16_t addr_out(GuestMemory& m, uint16_t r, const Address& a, uint32_t addr, uint32_t type_ptr,
                  bool with_type, uint32_t port_ptr) {
  if (r) return r;
  if (with_type && !m.in_bounds(type_ptr, 4)) return err::kFault;
  if (!m.in_bounds(port_ptr, 4)) return err::kFault;
  if (uint16_t w = write_address(m, addr, a)) return w;
  // WasmEdge reports the address type as 4 / 6 here (not its family enum), kept for
  // compatibility with the applications built against it.
  if (with_type) m.store<uint32_t>(type_ptr, a.family() == AF_INET ? 4 : 6);
  m.store<uint32_t>(port_ptr, a.port());
  return err::kSuccess;
}

uint16_t recv_from(SocketCore& c, GuestMemory& m, S a, bool with_port) {
  // (fd, iovs, iovs_len, addr, riflags, [port_out], datalen_out, roflags_out)
  uint32_t flags = u32(a[4]);
  uint32_t port_out = with_port ? u32(a[5]) : 0;
  uint32_t len_out = u32(a[with_port ? 6 : 5]), ro_out = u32(a[with_port ? 7 : 6]);
  if (flags & ~uint32_t{wasi::kRecvPeek | wasi::kRecvWaitall}) return err::kInval;
  if (!m.in_bounds(len_out, 4) || !m.in_bounds(ro_out, 2) ||
      (with_port && !m.in_bounds(port_out, 2)))
    return err::kFault;
  uint32_t n = 0;
  bool trunc = false;
  Address from;
  int f = (flags & wasi::kRecvPeek) ? MSG_PEEK : 0;
  if (uint16_t r = c.recv(m, u32(a[0]), u32(a[1]), u32(a[2]), f, &n, &trunc, &from)) return r;
  if (from.len) write_address(m, u32(a[3]), from);
  // WasmEdge writes the port as a u16 (the crate declares *mut u32 and zero-initializes it).
  if (with_port) m.store<uint16_t>(port_out, from.len ? from.port() : 0);
  m.store<uint32_t>(len_out, n);
  m.store<uint16_t>(ro_out, trunc ? wasi::kRecvDataTruncated : 0);
  return err::kSuccess;
}

uint16_t getaddrinfo(SocketCore& c, GuestMemory& m, S a) {
  // (node, node_len, service, service_len, hints, res (u32* -> first addrinfo), max, res_len_out)
  auto node = m.string(u32(a[0]), u32(a[1]));
  auto service = m.string(u32(a[2]), u32(a[3]));
  uint32_t hints = u32(a[4]), res = u32(a[5]), max = u32(a[6]), count_out = u32(a[7]);
  if (!node || !service || !m.in_bounds(hints, 28) || !m.in_bounds(count_out, 4))
    return err::kFault;
  // The crate passes NUL-terminated strings with the NUL counted.
  auto trim = [](std::string_view s) { return s.substr(0, s.find('\0')); };
  uint8_t hfam = 0, htype = 0;
  m.load(hints + 2, &hfam);
  m.load(hints + 3, &htype);
  int family = hfam == 0 ? AF_UNSPEC : host_family(hfam);
  int socktype = htype == 0 ? 0 : htype == 1 ? SOCK_DGRAM : htype == 2 ? SOCK_STREAM : -1;
  if (family < 0 || socktype < 0) return err::kInval;
  std::vector<BrokerClient::ResolvedAddress> found;
  if (uint16_t r = c.resolve(trim(*node), trim(*service), family, socktype, &found)) return r;
  uint32_t info = 0;
  if (!m.load(res, &info)) return err::kFault;
  uint32_t n = 0;
  for (; n < found.size() && n < max && info != 0; ++n) {
    const auto& f = found[n];
    Address addr;
    std::memcpy(&addr.ss, &f.addr, sizeof addr.ss);
    addr.len = f.len;
    uint32_t sa = 0, next = 0;
    if (!m.in_bounds(info, 28) || !m.load(info + 12, &sa) || !m.in_bounds(sa, 12))
      return err::kFault;
    m.load(info + 24, &next);
    m.store<uint8_t>(info + 2, guest_family(addr.family()));
    m.store<uint8_t>(info + 3, f.socktype == SOCK_DGRAM ? 1 : 2);
    m.store<uint8_t>(info + 4, f.socktype == SOCK_DGRAM ? 2 : 1);  // IPPROTO_UDP / _TCP
    m.store<uint32_t>(info + 8, 12);                               // sizeof __wasi_sockaddr_t
    m.store<uint32_t>(info + 20, 0);                               // no canonical name
    m.store<uint16_t>(sa, guest_family(addr.family()));
    uint32_t data = 0, cap = 0;
    m.load(sa + 4, &cap);
    m.load(sa + 8, &data);
    uint8_t bytes[26] = {};  // sockaddr_in / sockaddr_in6 without the family
    std::memcpy(bytes, reinterpret_cast<const uint8_t*>(&addr.ss) + 2, addr.len - 2);
    size_t want = addr.family() == AF_INET ? 6 : 26;
    uint8_t* p = m.range(data, std::min<size_t>(cap, want));
    if (!p) return err::kFault;
    std::memcpy(p, bytes, std::min<size_t>(cap, want));
    info = next;
  }
  m.store<uint32_t>(count_out, n);
  return err::kSuccess;
}

}  // namespace

std::vector<ImportImpl> wasmedge_imports(SocketCore& core) {
  SocketCore* c = &core;
  std::vector<ImportImpl> v;
  v.push_back({"sock_open", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 int family = host_family(u32(a[0]));
                 uint32_t t = u32(a[1]);
                 if (family < 0 || (t != 1 && t != 2)) return err::kInval;
                 if (!m.in_bounds(u32(a[2]), 4)) return err::kFault;
                 uint32_t fd = 0;
                 if (uint16_t r = c->open(family, t == 1 ? SOCK_DGRAM : SOCK_STREAM, &fd)) return r;
                 m.store<uint32_t>(u32(a[2]), fd);
                 return err::kSuccess;
               }});
  v.push_back({"sock_bind", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address addr;
                 if (uint16_t r = read_address(m, u32(a[1]), u32(a[2]), &addr)) return r;
                 return c->bind(u32(a[0]), addr);
               }});
  v.push_back({"sock_listen", "ii", [c](GuestMemory&, S a) -> uint16_t {
                 return c->listen(u32(a[0]), static_cast<int32_t>(a[1]));
               }});
  v.push_back({"sock_connect", "iii", [c](GuestMemory& m, S a) -> uint16_t {
                 Address addr;
                 if (uint16_t r = read_address(m, u32(a[1]), u32(a[2]), &addr)) return r;
                 return c->connect(u32(a[0]), addr);
               }});
  // The 2-parameter form; WASI preview 1's own sock_accept has 3 and stays WASI's.
  v.push_back({"sock_accept", "ii", [c](GuestMemory& m, S a) -> uint16_t {
                 if (!m.in_bounds(u32(a[1]), 4)) return err::kFault;
                 uint32_t fd = 0;
                 if (uint16_t r = c->accept(u32(a[0]), false, &fd, nullptr)) return r;
                 m.store<uint32_t>(u32(a[1]), fd);
                 return err::kSuccess;
               }});
  v.push_back({"sock_recv", "iiiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 uint32_t flags = u32(a[3]), len_out = u32(a[4]), ro_out = u32(a[5]);
                 if (flags & ~uint32_t{wasi::kRecvPeek | wasi::kRecvWaitall}) return err::kInval;
                 if (!m.in_bounds(len_out, 4) || !m.in_bounds(ro_out, 2)) return err::kFault;
                 uint32_t n = 0;
                 bool trunc = false;
                 int f = (flags & wasi::kRecvPeek) ? MSG_PEEK : 0;
                 if (uint16_t r =
                         c->recv(m, u32(a[0]), u32(a[1]), u32(a[2]), f, &n, &trunc, nullptr))
                   return r;
                 m.store<uint32_t>(len_out, n);
                 m.store<uint16_t>(ro_out, trunc ? wasi::kRecvDataTruncated : 0);
                 return err::kSuccess;
               }});
  v.push_back({"sock_recv_from", "iiiiiii",
               [c](GuestMemory& m, S a) { return recv_from(*c, m, a, false); }});
  v.push_back({"sock_recv_from", "iiiiiiii",
               [c](GuestMemory& m, S a) { return recv_from(*c, m, a, true); }});
  v.push_back({"sock_send", "iiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 if (u32(a[3]) != 0) return err::kInval;  // no siflags are defined
                 if (!m.in_bounds(u32(a[4]), 4)) return err::kFault;
                 uint32_t n = 0;
                 if (uint16_t r = c->send(m, u32(a[0]), u32(a[1]), u32(a[2]), nullptr, &n))
                   return r;
                 m.store<uint32_t>(u32(a[4]), n);
                 return err::kSuccess;
               }});
  v.push_back({"sock_send_to", "iiiiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 // (fd, iovs, iovs_len, addr, port, siflags, sent_out)
                 if (u32(a[5]) != 0) return err::kInval;
                 if (!m.in_bounds(u32(a[6]), 4)) return err::kFault;
                 Address to;
                 if (uint16_t r = read_address(m, u32(a[3]), u32(a[4]), &to)) return r;
                 uint32_t n = 0;
                 if (uint16_t r = c->send(m, u32(a[0]), u32(a[1]), u32(a[2]), &to, &n)) return r;
                 m.store<uint32_t>(u32(a[6]), n);
                 return err::kSuccess;
               }});
  v.push_back({"sock_shutdown", "ii", [c](GuestMemory&, S a) -> uint16_t {
                 uint32_t how = u32(a[1]);
                 if (how == 0 || how > 3) return err::kInval;
                 return c->shutdown(u32(a[0]), how == 3 ? SHUT_RDWR : how == 1 ? SHUT_RD : SHUT_WR);
               }});
  v.push_back({"sock_getsockopt", "iiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 int name;
                 if (!host_option(u32(a[1]), u32(a[2]), &name)) return err::kInval;
                 uint32_t size = 0;
                 if (!m.load(u32(a[4]), &size)) return err::kFault;
                 uint8_t* p = m.range(u32(a[3]), size);
                 if (!p) return err::kFault;
                 socklen_t len = size;
                 if (uint16_t r = c->get_option(u32(a[0]), SOL_SOCKET, name, p, &len)) return r;
                 m.store<uint32_t>(u32(a[4]), len);
                 return err::kSuccess;
               }});
  v.push_back({"sock_setsockopt", "iiiii", [c](GuestMemory& m, S a) -> uint16_t {
                 int name;
                 if (!host_option(u32(a[1]), u32(a[2]), &name)) return err::kInval;
                 if (name == SO_TYPE || name == SO_ERROR || name == SO_ACCEPTCONN)
                   return err::kInval;
                 uint32_t size = u32(a[4]);
                 if (size > 64) return err::kInval;
                 const uint8_t* p = m.range(u32(a[3]), size);
                 if (!p) return err::kFault;
                 // int and struct linger / timeval (wasm32 wasi-libc: two i64) match the host's
                 // layout.
                 return c->set_option(u32(a[0]), SOL_SOCKET, name, p, size);
               }});
  for (const char* name : {"sock_getlocaladdr", "sock_getpeeraddr"}) {
    const bool local = name[8] == 'l';
    auto get = [c, local](uint32_t fd, Address* out) {
      return local ? c->local_address(fd, out) : c->peer_address(fd, out);
    };
    v.push_back({name, "iiii", [get](GuestMemory& m, S a) -> uint16_t {  // (fd, addr, type*, port*)
                   Address out;
                   uint16_t r = get(u32(a[0]), &out);
                   return addr_out(m, r, out, u32(a[1]), u32(a[2]), true, u32(a[3]));
                 }});
    v.push_back({name, "iii", [get](GuestMemory& m, S a) -> uint16_t {  // (fd, addr128, port*)
                   Address out;
                   uint16_t r = get(u32(a[0]), &out);
                   return addr_out(m, r, out, u32(a[1]), 0, false, u32(a[2]));
                 }});
  }
  v.push_back(
      {"sock_getaddrinfo", "iiiiiiii", [c](GuestMemory& m, S a) { return getaddrinfo(*c, m, a); }});
  return v;
}

}  // namespace wc::host::sockets
