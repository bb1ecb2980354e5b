// The one message the broker sends a new worker before the request/reply protocol starts:
// the guest module, as a sealed memfd, and the --tcplisten sockets the broker opened for it
// (the guest sees them as the fds after its preopens). The worker cannot open files (no path
// syscalls after confine()), and spawn_worker's fd layout has no slot for it, so it rides the IPC
// socket.
//
// Wire: a normal ipc::Message (12-byte header + payload, one fd as SCM_RIGHTS) with a kind
// outside the protocol's range, so it can never be mistaken for a reply, and a Session never
// accepts it as a request (decode_request rejects unknown kinds). Only ever broker -> worker,
// and only as the first datagram. Header-only: both mains include it.
//
//   kind  = kBootstrapKind, flags = ipc::kFlagReply, id = 0
//   payload: u32 version (2), u64 module size in bytes, u32 number of listening sockets N
//   fds: 1 + N: the module (read-only memfd, sealed against writes and resizes), then the
//        listening sockets in --tcplisten order
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/socket.h"
#include "ipc/wire.h"

namespace wc::supervisor {

inline constexpr uint16_t kBootstrapKind = 0x7b01;
inline constexpr uint32_t kBootstrapVersion = 2;
// The largest module we hand to a worker (the decoder would accept more; nobody needs it).
inline constexpr uint64_t kMaxModuleBytes = uint64_t{1} << 30;

inline ipc::Message encode_bootstrap(ipc::UniqueFd module_fd, uint64_t module_size,
                                     std::vector<ipc::UniqueFd> listeners = {}) {
  ipc::Writer w;
  w.u32(kBootstrapVersion);
  w.u64(module_size);
  w.u32(static_cast<uint32_t>(listeners.size()));
  ipc::Message m;
  m.payload = w.take();
  m.header.kind = kBootstrapKind;
  m.header.flags = ipc::kFlagReply;
  m.header.id = 0;
  m.header.length = static_cast<uint32_t>(m.payload.size());
  m.fds.push_back(std::move(module_fd));
  for (ipc::UniqueFd& l : listeners) m.fds.push_back(std::move(l));
  return m;
}

struct Bootstrap {
  ipc::UniqueFd module_fd;
  uint64_t module_size = 0;
  std::vector<ipc::UniqueFd> listeners;  // --tcplisten, in order
};

// Checks everything: kind, flags, id, exact payload, exactly 1 + N fds: a regular file of
// exactly the announced size, then N sockets. *error says what was wrong.
inline std::optional<Bootstrap> decode_bootstrap(ipc::Message msg, std::string* error) {
  if (msg.header.kind != kBootstrapKind || msg.header.flags != ipc::kFlagReply ||
      msg.header.id != 0 || msg.header.length != msg.payload.size()) {
    *error = "unexpected first message from the broker";
    return std::nullopt;
  }
  ipc::Reader r(msg.payload);
  uint32_t version = 0, listeners = 0;
  Bootstrap b;
  if (!r.u32(version) || !r.u64(b.module_size) || !r.u32(listeners) || !r.complete() ||
      version != kBootstrapVersion) {
    *error = "malformed bootstrap message";
    return std::nullopt;
  }
  if (msg.fds.size() != 1 + size_t{listeners} || !msg.fds[0].valid()) {
    *error = "bootstrap message without the module and the announced sockets";
    return std::nullopt;
  }
  for (size_t i = 1; i < msg.fds.size(); i++) {
    struct stat st;
    if (fstat(msg.fds[i].get(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      *error = "bootstrap: a --tcplisten fd is not a socket";
      return std::nullopt;
    }
  }
  if (b.module_size > kMaxModuleBytes) {
    *error = "module too large";
    return std::nullopt;
  }
  struct stat st;
  if (fstat(msg.fds[0].get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != b.module_size) {
    *error = "bootstrap fd is not the announced module";
    return std::nullopt;
  }
  b.module_fd = std::move(msg.fds[0]);
  for (size_t i = 1; i < msg.fds.size(); i++) b.listeners.push_back(std::move(msg.fds[i]));
  return b;
}

}  // namespace wc::supervisor
