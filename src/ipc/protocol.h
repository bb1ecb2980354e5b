// Typed requests and replies over the wire format, with the per-kind payload layout in one
// place (protocol.cc) for both directions. Decoding checks every field, the exact payload
// length and the exact number of fds a kind carries; anything else is rejected.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "ipc/wire.h"

namespace wc::ipc {

// open(2) flags a request may carry. Anything else (O_PATH, O_TMPFILE, O_DIRECT, O_NOATIME,
// O_ASYNC, unknown bits) is a protocol violation: the guest ABIs never produce them.
constexpr int kOpenFlagsAllowed = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                  O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | O_NOFOLLOW |
                                  O_CLOEXEC | O_LARGEFILE;
// Permission bits: open/mkdir modes are masked to these by the client; a set_mode request
// with any other bit is refused (EINVAL at the client, a protocol violation on the wire).
constexpr uint32_t kModeMask = 07777;
// set_owner / fd_set_owner: this uid or gid leaves that id unchanged, as in chown(2).
constexpr uint32_t kOwnerUnchanged = 0xffffffffu;
// send(2) flags a send_to may carry; the broker always adds MSG_DONTWAIT | MSG_NOSIGNAL.
constexpr int32_t kSendFlagsAllowed = MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_CONFIRM;

// A socket address as it travels: the raw struct sockaddr of `family`, exactly its size for
// AF_INET (16) and AF_INET6 (28). Other families pass the wire (2..128 bytes, sa_family equal
// to `family`) only so that the broker can refuse them with EAFNOSUPPORT and an audit line.
bool valid_sockaddr(int32_t family, const std::vector<uint8_t>& addr);

// One struct for every kind; each kind uses the fields listed in protocol.cc.
struct Request {
  Kind kind = Kind::kPreopens;
  uint32_t id = 0;
  uint32_t dir = 0, dir2 = 0;  // dir2: the second handle of rename / link
  std::string path, path2;     // path2: rename/link destination, symlink target
  int32_t oflags = 0;
  uint32_t mode = 0;               // open, mkdir, set_mode, fd_set_mode: within kModeMask
  uint32_t uid = kOwnerUnchanged;  // set_owner, fd_set_owner
  uint32_t gid = kOwnerUnchanged;
  bool follow = false;
  struct timespec times[2] = {};
  uint64_t size = 0;
  UniqueFd fd;  // fd_set_times / size / mode / owner: the file to change;
                // net_send_to: the UDP socket
  // Network kinds.
  int32_t family = 0;         // AF_INET / AF_INET6 (resolve: also AF_UNSPEC)
  int32_t socktype = 0;       // SOCK_STREAM / SOCK_DGRAM (resolve: also 0)
  std::vector<uint8_t> addr;  // connect / bind / send_to: see valid_sockaddr
  int32_t backlog = 0;        // bind: 0..kMaxBacklog
  std::string host, service;  // resolve: host non-empty
  int32_t msg_flags = 0;      // send_to: within kSendFlagsAllowed
  std::vector<uint8_t> data;  // send_to: at most kMaxDatagram bytes; output: kMaxOutput
};

struct ResolvedEntry {
  std::vector<uint8_t> addr;  // AF_INET or AF_INET6 sockaddr, exact size
  int32_t socktype = 0;       // SOCK_STREAM or SOCK_DGRAM
};

struct PreopenEntry {
  std::string guest_path;
  uint32_t dir = 0;
  bool read_only = false;
};

struct Reply {
  Kind kind = Kind::kPreopens;
  uint32_t id = 0;
  int32_t result = 0;  // 0 or -errno; the fields below only when 0
  // kOpen
  bool is_directory = false;
  bool read_only = false;
  uint32_t dir = 0;
  uint32_t file_type = 0;  // st_mode & S_IFMT of what was opened (spares an fstat)
  // kPreopens (one fd per entry, in order)
  std::vector<PreopenEntry> preopens;
  // kStat
  struct stat st = {};
  // kReadlink
  std::string link;
  // kNetConnect (plus one fd, as kNetBind)
  bool in_progress = false;
  // kNetResolve
  std::vector<ResolvedEntry> resolved;
  // kNetSendTo
  uint32_t sent = 0;
  std::vector<UniqueFd> fds;
};

Message encode_request(Request req);  // moves the fd into the message
std::optional<Request> decode_request(Message msg);

Message encode_reply(Reply reply);
// `kind` and `id` are what the caller asked: a reply to anything else is rejected.
std::optional<Reply> decode_reply(Message msg, Kind kind, uint32_t id);

}  // namespace wc::ipc
