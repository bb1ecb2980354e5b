#include "ipc/protocol.h"

#include <cstdint>
#include <cstring>

namespace wc::ipc {
namespace {

// The payload layout of each request kind, shared by encoding (IO = Writer, R = const
// Request) and decoding (IO = Reader, R = Request), so the two cannot drift apart.
template <class IO, class R>
void request_fields(IO& io, R& r) {
  switch (r.kind) {
    case Kind::kPreopens: break;
    case Kind::kOpen: io.u32(r.dir), io.i32(r.oflags), io.u32(r.mode), io.path(r.path); break;
    case Kind::kCloseDir: io.u32(r.dir); break;
    case Kind::kStat: io.u32(r.dir), io.boolean(r.follow), io.path(r.path); break;
    case Kind::kMkdir: io.u32(r.dir), io.u32(r.mode), io.path(r.path); break;
    case Kind::kRmdir:
    case Kind::kUnlink:
    case Kind::kReadlink: io.u32(r.dir), io.path(r.path); break;
    case Kind::kRename: io.u32(r.dir), io.path(r.path), io.u32(r.dir2), io.path(r.path2); break;
    case Kind::kLink:
      io.u32(r.dir), io.path(r.path), io.u32(r.dir2), io.path(r.path2), io.boolean(r.follow);
      break;
    case Kind::kSymlink: io.path(r.path2), io.u32(r.dir), io.path(r.path); break;
    case Kind::kSetTimes:
      io.u32(r.dir), io.boolean(r.follow), io.times(r.times), io.path(r.path);
      break;
    case Kind::kFdSetTimes: io.times(r.times); break;
    case Kind::kFdSetSize: io.u64(r.size); break;
    case Kind::kNetConnect:
      io.i32(r.family), io.i32(r.socktype), io.bytes(r.addr, sizeof(struct sockaddr_storage));
      break;
    case Kind::kNetBind:
      io.i32(r.family), io.i32(r.socktype), io.bytes(r.addr, sizeof(struct sockaddr_storage));
      io.i32(r.backlog);
      break;
    case Kind::kNetResolve:
      io.str(r.host, kMaxHostName), io.str(r.service, kMaxService);
      io.i32(r.family), io.i32(r.socktype);
      break;
    case Kind::kNetSendTo:
      io.i32(r.msg_flags), io.i32(r.family), io.bytes(r.addr, sizeof(struct sockaddr_storage));
      io.bytes(r.data, kMaxDatagram);
      break;
    case Kind::kSetMode:
      io.u32(r.dir), io.boolean(r.follow), io.u32(r.mode), io.path(r.path);
      break;
    case Kind::kFdSetMode: io.u32(r.mode); break;
    case Kind::kSetOwner:
      io.u32(r.dir), io.boolean(r.follow), io.u32(r.uid), io.u32(r.gid), io.path(r.path);
      break;
    case Kind::kFdSetOwner: io.u32(r.uid), io.u32(r.gid); break;
    case Kind::kOutput: io.bytes(r.data, kMaxOutput); break;
  }
}

bool carries_fd(Kind k) {
  return k == Kind::kFdSetTimes || k == Kind::kFdSetSize || k == Kind::kFdSetMode ||
         k == Kind::kFdSetOwner || k == Kind::kNetSendTo;
}

bool stream_or_dgram(int32_t t) { return t == SOCK_STREAM || t == SOCK_DGRAM; }

// The network fields of a decoded request: each kind's own, and nothing else set.
bool valid_net_fields(const Request& r) {
  switch (r.kind) {
    case Kind::kNetConnect: return stream_or_dgram(r.socktype) && valid_sockaddr(r.family, r.addr);
    case Kind::kNetBind:
      return stream_or_dgram(r.socktype) && valid_sockaddr(r.family, r.addr) && r.backlog >= 0 &&
             r.backlog <= kMaxBacklog;
    case Kind::kNetResolve:
      return !r.host.empty() &&
             (r.family == AF_UNSPEC || r.family == AF_INET || r.family == AF_INET6) &&
             (r.socktype == 0 || stream_or_dgram(r.socktype));
    case Kind::kNetSendTo:
      return (r.msg_flags & ~kSendFlagsAllowed) == 0 && valid_sockaddr(r.family, r.addr);
    default: return true;
  }
}

Message finish(Kind kind, uint16_t flags, uint32_t id, Writer& w) {
  Message m;
  m.payload = w.take();
  m.header =
      Header{static_cast<uint16_t>(kind), flags, id, static_cast<uint32_t>(m.payload.size())};
  return m;
}

void write_stat(Writer& w, const struct stat& st) {
  w.u64(st.st_dev), w.u64(st.st_ino), w.u32(st.st_mode), w.u64(st.st_nlink);
  w.u32(st.st_uid), w.u32(st.st_gid), w.u64(st.st_rdev);
  w.i64(st.st_size), w.i64(st.st_blksize), w.i64(st.st_blocks);
  for (const struct timespec* t : {&st.st_atim, &st.st_mtim, &st.st_ctim}) {
    w.i64(t->tv_sec), w.i64(t->tv_nsec);
  }
}

void read_stat(Reader& r, struct stat& st) {
  uint64_t dev = 0, ino = 0, nlink = 0, rdev = 0;
  uint32_t mode = 0, uid = 0, gid = 0;
  int64_t size = 0, blksize = 0, blocks = 0;
  r.u64(dev), r.u64(ino), r.u32(mode), r.u64(nlink), r.u32(uid), r.u32(gid), r.u64(rdev);
  r.i64(size), r.i64(blksize), r.i64(blocks);
  st = {};
  st.st_dev = dev, st.st_ino = ino, st.st_mode = mode, st.st_nlink = nlink;
  st.st_uid = uid, st.st_gid = gid, st.st_rdev = rdev;
  st.st_size = size, st.st_blksize = blksize, st.st_blocks = blocks;
  for (struct timespec* t : {&st.st_atim, &st.st_mtim, &st.st_ctim}) {
    int64_t sec = 0, nsec = 0;
    r.i64(sec), r.i64(nsec);
    t->tv_sec = sec, t->tv_nsec = nsec;
  }
}

}  // namespace

bool valid_sockaddr(int32_t family, const std::vector<uint8_t>& addr) {
  if (family <= AF_UNSPEC || family >= AF_MAX || addr.size() < sizeof(sa_family_t)) return false;
  sa_family_t f;
  std::memcpy(&f, addr.data(), sizeof f);
  if (f != family) return false;
  if (family == AF_INET) return addr.size() == sizeof(struct sockaddr_in);
  if (family == AF_INET6) return addr.size() == sizeof(struct sockaddr_in6);
  return addr.size() <= sizeof(struct sockaddr_storage);
}

Message encode_request(Request req) {
  Writer w;
  request_fields(w, static_cast<const Request&>(req));
  Message m = finish(req.kind, 0, req.id, w);
  if (req.fd) m.fds.push_back(std::move(req.fd));
  return m;
}

std::optional<Request> decode_request(Message msg) {
  const Header& h = msg.header;
  if (!valid_kind(h.kind) || h.flags != 0 || h.length != msg.payload.size()) return std::nullopt;
  Request r;
  r.kind = static_cast<Kind>(h.kind);
  r.id = h.id;
  Reader rd(msg.payload);
  request_fields(rd, r);
  if (!rd.complete()) return std::nullopt;
  // Field values a correct client never sends.
  if (r.oflags & ~kOpenFlagsAllowed || (r.oflags & O_ACCMODE) == O_ACCMODE) return std::nullopt;
  if (r.mode & ~kModeMask) return std::nullopt;
  if (r.size > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  if (!valid_net_fields(r)) return std::nullopt;
  if (msg.fds.size() != (carries_fd(r.kind) ? 1u : 0u)) return std::nullopt;
  if (carries_fd(r.kind)) r.fd = std::move(msg.fds[0]);
  return r;
}

Message encode_reply(Reply reply) {
  Writer w;
  w.i32(reply.result);
  if (reply.result == 0) {
    switch (reply.kind) {
      case Kind::kOpen:
        w.boolean(reply.is_directory), w.boolean(reply.read_only), w.u32(reply.dir);
        w.u32(reply.file_type);
        break;
      case Kind::kPreopens:
        w.u32(static_cast<uint32_t>(reply.preopens.size()));
        for (const PreopenEntry& p : reply.preopens) {
          w.str(p.guest_path), w.u32(p.dir), w.boolean(p.read_only);
        }
        break;
      case Kind::kStat: write_stat(w, reply.st); break;
      case Kind::kReadlink: w.str(reply.link); break;
      case Kind::kNetConnect: w.boolean(reply.in_progress); break;
      case Kind::kNetResolve:
        w.u32(static_cast<uint32_t>(reply.resolved.size()));
        for (const ResolvedEntry& e : reply.resolved) w.i32(e.socktype), w.bytes(e.addr);
        break;
      case Kind::kNetSendTo: w.u32(reply.sent); break;
      default: break;
    }
  }
  Message m = finish(reply.kind, kFlagReply, reply.id, w);
  if (reply.result == 0) m.fds = std::move(reply.fds);
  return m;
}

std::optional<Reply> decode_reply(Message msg, Kind kind, uint32_t id) {
  const Header& h = msg.header;
  if (h.kind != static_cast<uint16_t>(kind) || h.flags != kFlagReply || h.id != id ||
      h.length != msg.payload.size()) {
    return std::nullopt;
  }
  Reply r;
  r.kind = kind;
  r.id = id;
  Reader rd(msg.payload);
  if (!rd.i32(r.result) || r.result > 0 || r.result < -4095) return std::nullopt;
  size_t want_fds = 0;
  if (r.result == 0) {
    switch (kind) {
      case Kind::kOpen:
        rd.boolean(r.is_directory), rd.boolean(r.read_only), rd.u32(r.dir), rd.u32(r.file_type);
        want_fds = 1;
        break;
      case Kind::kPreopens: {
        uint32_t n = 0;
        if (!rd.u32(n) || n > kMaxFds) return std::nullopt;
        r.preopens.resize(n);
        for (PreopenEntry& p : r.preopens) {
          rd.str(p.guest_path, kMaxGuestPath), rd.u32(p.dir), rd.boolean(p.read_only);
        }
        want_fds = n;
        break;
      }
      case Kind::kStat: read_stat(rd, r.st); break;
      case Kind::kReadlink: rd.path(r.link); break;
      case Kind::kNetConnect:
        rd.boolean(r.in_progress);
        want_fds = 1;
        break;
      case Kind::kNetBind: want_fds = 1; break;
      case Kind::kNetResolve: {
        uint32_t n = 0;
        if (!rd.u32(n) || n > kMaxResolved) return std::nullopt;
        r.resolved.resize(n);
        for (ResolvedEntry& e : r.resolved) {
          rd.i32(e.socktype), rd.bytes(e.addr, sizeof(struct sockaddr_in6));
          bool inet = valid_sockaddr(AF_INET, e.addr) || valid_sockaddr(AF_INET6, e.addr);
          if (rd.ok() && (!stream_or_dgram(e.socktype) || !inet)) return std::nullopt;
        }
        break;
      }
      case Kind::kNetSendTo:
        if (rd.u32(r.sent) && r.sent > kMaxDatagram) return std::nullopt;
        break;
      default: break;
    }
  }
  if (!rd.complete() || msg.fds.size() != want_fds) return std::nullopt;
  r.fds = std::move(msg.fds);
  return r;
}

}  // namespace wc::ipc
