// Typed requests and replies over the wire format, with the per-kind payload layout in one
// place (protocol.cc) for both directions. Decoding checks every field, the exact payload
// length and the exact number of fds a kind carries; anything else is rejected.
#pragma once

#include <fcntl.h>
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
constexpr uint32_t kModeMask = 07777;

// One struct for every kind; each kind uses the fields listed in protocol.cc.
struct Request {
  Kind kind = Kind::kPreopens;
  uint32_t id = 0;
  uint32_t dir = 0, dir2 = 0;       // dir2: the second handle of rename / link
  std::string path, path2;          // path2: rename/link destination, symlink target
  int32_t oflags = 0;
  uint32_t mode = 0;
  bool follow = false;
  struct timespec times[2] = {};
  uint64_t size = 0;
  UniqueFd fd;                      // fd_set_times / fd_set_size: the file to change
};

struct PreopenEntry {
  std::string guest_path;
  uint32_t dir = 0;
  bool read_only = false;
};

struct Reply {
  Kind kind = Kind::kPreopens;
  uint32_t id = 0;
  int32_t result = 0;               // 0 or -errno; the fields below only when 0
  // kOpen
  bool is_directory = false;
  bool read_only = false;
  uint32_t dir = 0;
  // kPreopens (one fd per entry, in order)
  std::vector<PreopenEntry> preopens;
  // kStat
  struct stat st = {};
  // kReadlink
  std::string link;
  std::vector<UniqueFd> fds;
};

Message encode_request(Request req);               // moves the fd into the message
std::optional<Request> decode_request(Message msg);

Message encode_reply(Reply reply);
// `kind` and `id` are what the caller asked: a reply to anything else is rejected.
std::optional<Reply> decode_reply(Message msg, Kind kind, uint32_t id);

}  // namespace wc::ipc
