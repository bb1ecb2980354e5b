// The one message the daemon sends a pooled worker (supervisor/warm_pool.h) when it gives it a
// container: everything a fresh worker would have had in its argv and its fd layout, plus the
// bootstrap (the module and the --tcplisten sockets). A pooled worker has confined itself
// before any container existed, with limits no tighter than the pool's ceiling; on this message
// it puts the guest's stdio on 0-2 and lowers its rlimits to the container's (soft = hard, so
// they cannot be raised again), and only then reads a byte of the module.
//
// Wire: an ipc::Message with a kind outside the protocol's range (like kBootstrapKind), only
// ever daemon -> worker and only as the first datagram.
//
//   kind = kAssignKind, flags = ipc::kFlagReply, id = 0
//   payload: u32 version (2), u64 memory limit (0 = none), u64 cpu seconds (0 = none),
//            u64 max fds (0 = the sandbox default), u32 flags (kStdioFlagOutputToBroker), u32 E, E
//            x str env, u32 A (>= 1), A x str args (argv[0] first), u64 module size, u32 N
//            listening sockets
//   fds: 4 + N: stdin, stdout, stderr, the module (sealed memfd), then the sockets
// Header-only: both mains include it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/socket.h"
#include "ipc/wire.h"
#include "supervisor/bootstrap.h"

namespace wc::supervisor {

inline constexpr uint16_t kAssignKind = 0x7b02;
inline constexpr uint32_t kAssignVersion = 2;
// The guest's stdout and stderr go to the broker as output requests (WorkerSpec::
// output_to_broker, ipc/output_forwarder.h); also a fork request's flag (fork_request.h).
inline constexpr uint32_t kStdioFlagOutputToBroker = 1;
inline constexpr size_t kMaxAssignString = 32 * 1024;

struct Assignment {
  uint64_t memory_limit = 0, cpu_seconds = 0, max_fds = 0;
  uint32_t flags = 0;  // kStdioFlag*
  std::vector<std::string> env, args;
  ipc::UniqueFd stdio[3];
  Bootstrap boot;
};

// Empty optional when it does not fit in one message (the caller then spawns a fresh worker,
// whose argv has room for it).
inline std::optional<ipc::Message> encode_assignment(Assignment a) {
  ipc::Writer w;
  w.u32(kAssignVersion);
  w.u64(a.memory_limit);
  w.u64(a.cpu_seconds);
  w.u64(a.max_fds);
  w.u32(a.flags);
  w.u32(static_cast<uint32_t>(a.env.size()));
  for (const std::string& e : a.env) w.str(e);
  w.u32(static_cast<uint32_t>(a.args.size()));
  for (const std::string& s : a.args) w.str(s);
  w.u64(a.boot.module_size);
  w.u32(static_cast<uint32_t>(a.boot.listeners.size()));
  ipc::Message m;
  m.payload = w.take();
  if (m.payload.size() > ipc::kMaxPayload || 4 + a.boot.listeners.size() > ipc::kMaxFds)
    return std::nullopt;
  m.header.kind = kAssignKind;
  m.header.flags = ipc::kFlagReply;
  m.header.id = 0;
  m.header.length = static_cast<uint32_t>(m.payload.size());
  for (ipc::UniqueFd& fd : a.stdio) m.fds.push_back(std::move(fd));
  m.fds.push_back(std::move(a.boot.module_fd));
  for (ipc::UniqueFd& l : a.boot.listeners) m.fds.push_back(std::move(l));
  return m;
}

// Checks everything, as decode_bootstrap does: kind, exact payload, 4 + N valid fds, the module
// a regular file of the announced size, the sockets sockets, strings without NULs.
inline std::optional<Assignment> decode_assignment(ipc::Message msg, std::string* error) {
  if (msg.header.kind != kAssignKind || msg.header.flags != ipc::kFlagReply || msg.header.id != 0 ||
      msg.header.length != msg.payload.size()) {
    *error = "unexpected first message from the broker";
    return std::nullopt;
  }
  ipc::Reader r(msg.payload);
  Assignment a;
  uint32_t version = 0, n = 0, listeners = 0;
  if (!r.u32(version) || version != kAssignVersion || !r.u64(a.memory_limit) ||
      !r.u64(a.cpu_seconds) || !r.u64(a.max_fds) || !r.u32(a.flags) ||
      (a.flags & ~kStdioFlagOutputToBroker) != 0 || !r.u32(n) || n > ipc::kMaxPayload) {
    *error = "malformed assignment message";
    return std::nullopt;
  }
  for (uint32_t i = 0; i < n; i++)
    if (!r.str(a.env.emplace_back(), kMaxAssignString))
      return *error = "malformed assignment env", std::nullopt;
  if (!r.u32(n) || n == 0 || n > ipc::kMaxPayload) {
    *error = "malformed assignment args";
    return std::nullopt;
  }
  for (uint32_t i = 0; i < n; i++)
    if (!r.str(a.args.emplace_back(), kMaxAssignString))
      return *error = "malformed assignment args", std::nullopt;
  if (!r.u64(a.boot.module_size) || !r.u32(listeners) || !r.complete() ||
      a.boot.module_size > kMaxModuleBytes) {
    *error = "malformed assignment message";
    return std::nullopt;
  }
  if (msg.fds.size() != 4 + size_t{listeners}) {
    *error = "assignment without stdio, the module and the announced sockets";
    return std::nullopt;
  }
  for (const ipc::UniqueFd& fd : msg.fds)
    if (!fd.valid()) return *error = "assignment: invalid fd", std::nullopt;
  struct stat st;
  if (fstat(msg.fds[3].get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != a.boot.module_size) {
    *error = "assignment fd is not the announced module";
    return std::nullopt;
  }
  for (size_t i = 4; i < msg.fds.size(); i++)
    if (fstat(msg.fds[i].get(), &st) != 0 || !S_ISSOCK(st.st_mode))
      return *error = "assignment: a --tcplisten fd is not a socket", std::nullopt;
  for (int i = 0; i < 3; i++) a.stdio[i] = std::move(msg.fds[i]);
  a.boot.module_fd = std::move(msg.fds[3]);
  for (size_t i = 4; i < msg.fds.size(); i++) a.boot.listeners.push_back(std::move(msg.fds[i]));
  return a;
}

}  // namespace wc::supervisor
