// The messages between the daemon and a zygote (supervisor/zygotes.h) after the zygote has its
// module (the usual bootstrap message, supervisor/bootstrap.h): one fork request per container
// start, one reply each. The request carries everything of the container that a pooled worker
// gets in its assignment (supervisor/assignment.h), except the module, which the zygote already
// holds decoded, plus the container's own broker socket: the zygote's child puts it on fd 3 in
// place of the zygote's control socket, so each container has its own broker session.
//
// Wire: ipc::Messages with kinds outside the protocol's range, as kBootstrapKind.
//   request (daemon -> zygote): kind = kForkKind, flags = ipc::kFlagReply, id = 0
//     payload: u32 version (2), u64 memory limit (0 = none), u64 cpu seconds (0 = none),
//              u64 max fds (0 = the sandbox default), u32 flags (kStdioFlag*), u32 E, E x str env,
//              u32 A (>= 1), A x str args (argv[0] first), u32 N listening sockets
//     fds: 4 + N: stdin, stdout, stderr, the container's broker socket, then the sockets
//   reply (zygote -> daemon): kind = kForkReplyKind, flags = ipc::kFlagReply, id = 0
//     payload: i32 the child's pid (> 0), or -errno of the failed fork
//     fds: the child's pidfd when the pid is > 0, else none
// The daemon treats the reply as it treats any worker message: it checks that the pidfd is one
// of its own children and that the pid agrees (Zygotes::launch). Header-only: both sides use it.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/socket.h"
#include "ipc/wire.h"
#include "supervisor/assignment.h"

namespace wc::supervisor {

inline constexpr uint16_t kForkKind = 0x7b03;
inline constexpr uint16_t kForkReplyKind = 0x7b04;
inline constexpr uint32_t kForkVersion = 2;

struct ForkRequest {
  uint64_t memory_limit = 0, cpu_seconds = 0, max_fds = 0;
  uint32_t flags = 0;  // kStdioFlag* (assignment.h)
  std::vector<std::string> env, args;
  ipc::UniqueFd stdio[3];
  ipc::UniqueFd broker_socket;
  std::vector<ipc::UniqueFd> listeners;  // --tcplisten, in order
};

inline ipc::Message make_internal_message(uint16_t kind, std::vector<uint8_t> payload) {
  ipc::Message m;
  m.payload = std::move(payload);
  m.header.kind = kind;
  m.header.flags = ipc::kFlagReply;
  m.header.id = 0;
  m.header.length = static_cast<uint32_t>(m.payload.size());
  return m;
}

// Empty optional when it does not fit in one message (the caller then starts the container
// another way).
inline std::optional<ipc::Message> encode_fork_request(ForkRequest f) {
  ipc::Writer w;
  w.u32(kForkVersion);
  w.u64(f.memory_limit);
  w.u64(f.cpu_seconds);
  w.u64(f.max_fds);
  w.u32(f.flags);
  w.u32(static_cast<uint32_t>(f.env.size()));
  for (const std::string& e : f.env) w.str(e);
  w.u32(static_cast<uint32_t>(f.args.size()));
  for (const std::string& s : f.args) w.str(s);
  w.u32(static_cast<uint32_t>(f.listeners.size()));
  std::vector<uint8_t> payload = w.take();
  if (payload.size() > ipc::kMaxPayload || 4 + f.listeners.size() > ipc::kMaxFds)
    return std::nullopt;
  ipc::Message m = make_internal_message(kForkKind, std::move(payload));
  for (ipc::UniqueFd& fd : f.stdio) m.fds.push_back(std::move(fd));
  m.fds.push_back(std::move(f.broker_socket));
  for (ipc::UniqueFd& l : f.listeners) m.fds.push_back(std::move(l));
  return m;
}

// Checks everything, as decode_assignment does: kind, exact payload, 4 + N valid fds, the
// broker socket and the listeners sockets, strings without NULs.
inline std::optional<ForkRequest> decode_fork_request(ipc::Message msg, std::string* error) {
  if (msg.header.kind != kForkKind || msg.header.flags != ipc::kFlagReply || msg.header.id != 0 ||
      msg.header.length != msg.payload.size()) {
    *error = "unexpected message from the broker";
    return std::nullopt;
  }
  ipc::Reader r(msg.payload);
  ForkRequest f;
  uint32_t version = 0, n = 0, listeners = 0;
  if (!r.u32(version) || version != kForkVersion || !r.u64(f.memory_limit) ||
      !r.u64(f.cpu_seconds) || !r.u64(f.max_fds) || !r.u32(f.flags) ||
      (f.flags & ~kStdioFlagOutputToBroker) != 0 || !r.u32(n) || n > ipc::kMaxPayload)
    return *error = "malformed fork request", std::nullopt;
  for (uint32_t i = 0; i < n; i++)
    if (!r.str(f.env.emplace_back(), kMaxAssignString))
      return *error = "malformed fork request env", std::nullopt;
  if (!r.u32(n) || n == 0 || n > ipc::kMaxPayload)
    return *error = "malformed fork request args", std::nullopt;
  for (uint32_t i = 0; i < n; i++)
    if (!r.str(f.args.emplace_back(), kMaxAssignString))
      return *error = "malformed fork request args", std::nullopt;
  if (!r.u32(listeners) || !r.complete()) return *error = "malformed fork request", std::nullopt;
  if (msg.fds.size() != 4 + size_t{listeners})
    return *error = "fork request without stdio, a broker socket and the sockets", std::nullopt;
  for (const ipc::UniqueFd& fd : msg.fds)
    if (!fd.valid()) return *error = "fork request: invalid fd", std::nullopt;
  for (size_t i = 3; i < msg.fds.size(); i++) {
    struct stat st;
    if (fstat(msg.fds[i].get(), &st) != 0 || !S_ISSOCK(st.st_mode))
      return *error = "fork request: a socket fd is not a socket", std::nullopt;
  }
  for (int i = 0; i < 3; i++) f.stdio[i] = std::move(msg.fds[i]);
  f.broker_socket = std::move(msg.fds[3]);
  for (size_t i = 4; i < msg.fds.size(); i++) f.listeners.push_back(std::move(msg.fds[i]));
  return f;
}

inline ipc::Message encode_fork_reply(int32_t pid_or_error, ipc::UniqueFd pidfd) {
  ipc::Writer w;
  w.u32(static_cast<uint32_t>(pid_or_error));
  ipc::Message m = make_internal_message(kForkReplyKind, w.take());
  if (pidfd) m.fds.push_back(std::move(pidfd));
  return m;
}

// The pid (> 0) with *pidfd set, or -errno of the zygote's failed fork; 0 with *error set when
// the reply is malformed.
inline int32_t decode_fork_reply(ipc::Message msg, ipc::UniqueFd* pidfd, std::string* error) {
  ipc::Reader r(msg.payload);
  uint32_t v = 0;
  if (msg.header.kind != kForkReplyKind || msg.header.flags != ipc::kFlagReply ||
      msg.header.id != 0 || msg.header.length != msg.payload.size() || !r.u32(v) || !r.complete()) {
    *error = "malformed fork reply from the zygote";
    return 0;
  }
  auto pid = static_cast<int32_t>(v);
  if (pid > 0 && (msg.fds.size() != 1 || !msg.fds[0].valid())) {
    *error = "fork reply from the zygote without the child's pidfd";
    return 0;
  }
  if (pid <= 0 && (!msg.fds.empty() || pid == 0)) {
    *error = "malformed fork reply from the zygote";
    return 0;
  }
  if (pid > 0) *pidfd = std::move(msg.fds[0]);
  return pid;
}

}  // namespace wc::supervisor
