// The socket state machine shared by the socket dialects (WasmEdge, WASIX): sockets are WASI
// fds in the WasiContext's table, so fd_read/fd_write/fd_close/poll_oneoff work on them.
//
// The worker cannot create sockets (seccomp forbids socket/bind/connect), so a socket is first
// only a record: open -> bind (address remembered) -> listen or connect, where the broker
// checks the address and hands back the host socket. Options set before that are remembered
// and applied with setsockopt on the handed-over fd. Data then moves on the fd directly.
//
// Blocking calls (connect, accept, recv, send) poll in 100 ms slices and give up with EINTR
// once the store's interrupt flag is set, so --timeout / interrupt() stop a blocked guest.
// A socket whose fdstat flags say NONBLOCK gets EAGAIN / EINPROGRESS instead of waiting.
//
// Every method returns a WASI errno (both dialects use WASI preview 1's errno numbering).
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "host/broker_client.h"
#include "host/wasi/guest_memory.h"
#include "host/wasi/wasi.h"

namespace wc::host::sockets {

// A host socket address (AF_INET or AF_INET6).
struct Address {
  struct sockaddr_storage ss {};
  socklen_t len = 0;

  static Address ip(int family, const uint8_t* ip_bytes, uint16_t port);  // 4 or 16 bytes
  int family() const { return ss.ss_family; }
  uint16_t port() const;
  const uint8_t* ip_bytes() const;  // 4 bytes for AF_INET, 16 for AF_INET6
  const struct sockaddr* sa() const { return reinterpret_cast<const struct sockaddr*>(&ss); }
};

struct SocketState {
  int family = AF_INET;
  int type = SOCK_STREAM;
  // O_NONBLOCK as the guest set it: kept here (fd_fdstat_set_flags keeps it in step) so the
  // data path never asks the kernel, and applied when the broker hands over the host fd.
  bool nonblock = false;
  bool has_bound = false;  // bind() was called; the broker binds at listen time
  Address bound;
  struct Option {
    int level, name;
    std::vector<uint8_t> value;
  };
  std::vector<Option> options;  // set before the host socket existed
};

class SocketCore {
 public:
  explicit SocketCore(wasi::WasiContext& wasi) : wasi_(wasi) {}

  uint16_t open(int family, int type, uint32_t* fd_out);
  uint16_t bind(uint32_t fd, const Address& addr);
  uint16_t listen(uint32_t fd, int backlog);
  uint16_t connect(uint32_t fd, const Address& addr);
  // `peer` may be null.
  uint16_t accept(uint32_t fd, bool nonblock, uint32_t* fd_out, Address* peer);
  // recvmsg into the guest's iovecs; `from` (may be null) receives the source address.
  uint16_t recv(wasi::GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, int flags,
                uint32_t* n, bool* truncated, Address* from);
  // sendmsg from the guest's iovecs; `to` (may be null) sends an unconnected datagram, which
  // goes through the broker (the destination must be checked).
  uint16_t send(wasi::GuestMemory& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                const Address* to, uint32_t* n);
  uint16_t shutdown(uint32_t fd, int how);  // SHUT_RD / SHUT_WR / SHUT_RDWR
  uint16_t local_address(uint32_t fd, Address* out);
  uint16_t peer_address(uint32_t fd, Address* out);
  // Linux level/name; the value's bytes are passed to setsockopt as they are.
  uint16_t set_option(uint32_t fd, int level, int name, const void* value, socklen_t len);
  // *len: capacity in, size out. SO_ERROR comes back in WASI numbering (the guest's errno).
  uint16_t get_option(uint32_t fd, int level, int name, void* value, socklen_t* len);
  uint16_t resolve(std::string_view host, std::string_view service, int family, int socktype,
                   std::vector<BrokerClient::ResolvedAddress>* out);

 private:
  // The socket entry for `fd`: EBADF if none, ENOTSOCK if not a socket. Sockets that came
  // from elsewhere (--tcplisten, WASI's sock_accept) get a state on first use.
  uint16_t lookup(uint32_t fd, wasi::FdEntry** e, SocketState** s);
  // Takes ownership of the broker's `host_fd`: fdstat flags, then the remembered options.
  uint16_t adopt(wasi::FdEntry& e, SocketState& s, int host_fd);
  // Waits for `events` on `host_fd`, waking to check the interrupt flag.
  uint16_t wait(int host_fd, short events);
  bool is_nonblocking(int host_fd) const;

  wasi::WasiContext& wasi_;
};

}  // namespace wc::host::sockets
