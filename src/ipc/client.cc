#include "ipc/client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ipc/limit_notice.h"
#include "ipc/socket.h"

namespace wc::ipc {
namespace {

// Arguments the broker would treat as a protocol violation are refused here, with the errno
// Linux would give, so a guest passing e.g. a path with a NUL gets EINVAL instead of having
// its worker killed.
int check_paths(std::string_view a, std::string_view b = {}) {
  if (int e = check_path(a)) return e;
  return check_path(b);
}

bool valid_times(const struct timespec t[2]) {
  for (int i = 0; i < 2; i++) {
    long ns = t[i].tv_nsec;
    if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns > 999'999'999)) return false;
  }
  return true;
}

Request make(Kind kind) {
  Request r;
  r.kind = kind;
  return r;
}

int dup_fd(int fd, UniqueFd* out) {
  int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (d < 0) return -errno;
  out->reset(d);
  return 0;
}

// A sockaddr in its wire form (see valid_sockaddr). AF_INET/AF_INET6 addresses are cut to
// their struct's size, as the kernel reads them; other families are passed on (at most a
// sockaddr_storage) only so the broker can refuse and audit them.
int pack_addr(int family, const struct sockaddr* addr, socklen_t len, std::vector<uint8_t>* out) {
  if (addr == nullptr || len < sizeof(sa_family_t)) return -EINVAL;
  const auto* b = reinterpret_cast<const uint8_t*>(addr);
  if (family == AF_INET || family == AF_INET6) {
    if (addr->sa_family != family) return -EAFNOSUPPORT;
    size_t want = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (len < want) return -EINVAL;
    out->assign(b, b + want);
    return 0;
  }
  if (family <= AF_UNSPEC || family >= AF_MAX) return -EAFNOSUPPORT;
  out->assign(b, b + std::min<size_t>(len, sizeof(struct sockaddr_storage)));
  sa_family_t f = static_cast<sa_family_t>(family);
  std::memcpy(out->data(), &f, sizeof f);
  return 0;
}

// SOCK_NONBLOCK / SOCK_CLOEXEC are accepted and dropped: the broker's sockets are always both.
int pack_type(int type, int32_t* out) {
  type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (type != SOCK_STREAM && type != SOCK_DGRAM) return -EPROTONOSUPPORT;
  *out = type;
  return 0;
}

}  // namespace

int ClientCodec::call(Request req, Reply* reply) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken_) return -EIO;
  req.id = next_id_++;
  Kind kind = req.kind;
  uint32_t id = req.id;
  std::optional<Message> m = transact(encode_request(std::move(req)));
  std::optional<Reply> r;
  if (m) r = decode_reply(std::move(*m), kind, id);
  if (!r) {
    broken_ = true;
    return -EIO;
  }
  *reply = std::move(*r);
  return reply->result;
}

std::vector<host::Preopen> ClientCodec::preopens() {
  Reply rep;
  std::vector<host::Preopen> out;
  if (call(make(Kind::kPreopens), &rep) != 0) return out;
  for (size_t i = 0; i < rep.preopens.size(); i++) {
    PreopenEntry& p = rep.preopens[i];
    out.push_back({std::move(p.guest_path), p.dir, rep.fds[i].release(), p.read_only});
  }
  return out;
}

int ClientCodec::open(host::DirHandle dir, std::string_view path, int oflags, uint32_t mode,
                      host::Opened* out) {
  if (int e = check_paths(path)) return e;
  if (oflags & ~kOpenFlagsAllowed || (oflags & O_ACCMODE) == O_ACCMODE) return -EINVAL;
  Request r = make(Kind::kOpen);
  r.dir = dir, r.path = path, r.oflags = oflags, r.mode = mode & kModeMask;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  *out =
      host::Opened{rep.fds[0].release(), rep.is_directory, rep.dir, rep.read_only, rep.file_type};
  return 0;
}

int ClientCodec::close_dir(host::DirHandle dir) {
  Request r = make(Kind::kCloseDir);
  r.dir = dir;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::stat(host::DirHandle dir, std::string_view path, bool follow, struct stat* out) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kStat);
  r.dir = dir, r.path = path, r.follow = follow;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  *out = rep.st;
  return 0;
}

// mkdir, rmdir and unlink: a path beneath a directory and nothing back but the status.
int ClientCodec::path_call(Kind kind, host::DirHandle dir, std::string_view path, uint32_t mode) {
  if (int e = check_paths(path)) return e;
  Request r = make(kind);
  r.dir = dir, r.path = path, r.mode = mode & kModeMask;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::mkdir(host::DirHandle dir, std::string_view path, uint32_t mode) {
  return path_call(Kind::kMkdir, dir, path, mode);
}

int ClientCodec::rmdir(host::DirHandle dir, std::string_view path) {
  return path_call(Kind::kRmdir, dir, path, 0);
}

int ClientCodec::unlink(host::DirHandle dir, std::string_view path) {
  return path_call(Kind::kUnlink, dir, path, 0);
}

int ClientCodec::rename(host::DirHandle from_dir, std::string_view from, host::DirHandle to_dir,
                        std::string_view to) {
  if (int e = check_paths(from, to)) return e;
  Request r = make(Kind::kRename);
  r.dir = from_dir, r.path = from, r.dir2 = to_dir, r.path2 = to;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::link(host::DirHandle from_dir, std::string_view from, host::DirHandle to_dir,
                      std::string_view to, bool follow) {
  if (int e = check_paths(from, to)) return e;
  Request r = make(Kind::kLink);
  r.dir = from_dir, r.path = from, r.dir2 = to_dir, r.path2 = to, r.follow = follow;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::symlink(std::string_view target, host::DirHandle dir, std::string_view path) {
  if (int e = check_paths(target, path)) return e;
  Request r = make(Kind::kSymlink);
  r.path2 = target, r.dir = dir, r.path = path;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::readlink(host::DirHandle dir, std::string_view path, std::string* out) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kReadlink);
  r.dir = dir, r.path = path;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  *out = std::move(rep.link);
  return 0;
}

int ClientCodec::set_times(host::DirHandle dir, std::string_view path,
                           const struct timespec times[2], bool follow) {
  if (int e = check_paths(path)) return e;
  if (!valid_times(times)) return -EINVAL;
  Request r = make(Kind::kSetTimes);
  r.dir = dir, r.path = path, r.follow = follow;
  r.times[0] = times[0], r.times[1] = times[1];
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::fd_set_times(int fd, const struct timespec times[2]) {
  if (!valid_times(times)) return -EINVAL;
  Request r = make(Kind::kFdSetTimes);
  if (int e = dup_fd(fd, &r.fd)) return e;
  r.times[0] = times[0], r.times[1] = times[1];
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::fd_set_size(int fd, uint64_t size) {
  if (size > static_cast<uint64_t>(INT64_MAX)) return -EINVAL;
  Request r = make(Kind::kFdSetSize);
  if (int e = dup_fd(fd, &r.fd)) return e;
  r.size = size;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::set_mode(host::DirHandle dir, std::string_view path, uint32_t mode, bool follow) {
  if (int e = check_paths(path)) return e;
  if (mode & ~kModeMask) return -EINVAL;  // not masked as for open: chmod must not half-apply
  Request r = make(Kind::kSetMode);
  r.dir = dir, r.path = path, r.mode = mode, r.follow = follow;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::fd_set_mode(int fd, uint32_t mode) {
  if (mode & ~kModeMask) return -EINVAL;
  Request r = make(Kind::kFdSetMode);
  if (int e = dup_fd(fd, &r.fd)) return e;
  r.mode = mode;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::set_owner(host::DirHandle dir, std::string_view path, uint32_t uid, uint32_t gid,
                           bool follow) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kSetOwner);
  r.dir = dir, r.path = path, r.uid = uid, r.gid = gid, r.follow = follow;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::fd_set_owner(int fd, uint32_t uid, uint32_t gid) {
  Request r = make(Kind::kFdSetOwner);
  if (int e = dup_fd(fd, &r.fd)) return e;
  r.uid = uid, r.gid = gid;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::net_connect(int family, int type, const struct sockaddr* addr, socklen_t len,
                             int* fd, bool* in_progress) {
  Request r = make(Kind::kNetConnect);
  r.family = family;
  if (int e = pack_type(type, &r.socktype)) return e;
  if (int e = pack_addr(family, addr, len, &r.addr)) return e;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  *fd = rep.fds[0].release();
  *in_progress = rep.in_progress;
  return 0;
}

int ClientCodec::net_bind(int family, int type, const struct sockaddr* addr, socklen_t len,
                          int backlog, int* fd) {
  Request r = make(Kind::kNetBind);
  r.family = family;
  if (int e = pack_type(type, &r.socktype)) return e;
  if (int e = pack_addr(family, addr, len, &r.addr)) return e;
  // As listen(2): a negative or huge backlog means "as many as allowed".
  r.backlog = r.socktype == SOCK_DGRAM               ? 0
              : backlog < 0 || backlog > kMaxBacklog ? kMaxBacklog
                                                     : backlog;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  *fd = rep.fds[0].release();
  return 0;
}

int ClientCodec::net_resolve(std::string_view host, std::string_view service, int family,
                             int socktype, std::vector<ResolvedAddress>* out) {
  if (host.empty() || host.size() > kMaxHostName || host.find('\0') != std::string_view::npos ||
      service.size() > kMaxService || service.find('\0') != std::string_view::npos) {
    return -EINVAL;
  }
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return -EAFNOSUPPORT;
  Request r = make(Kind::kNetResolve);
  r.host = host, r.service = service, r.family = family, r.socktype = 0;
  if (socktype != 0 && pack_type(socktype, &r.socktype) != 0) return -ESOCKTNOSUPPORT;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  out->clear();
  for (const ResolvedEntry& e : rep.resolved) {
    ResolvedAddress a{};
    std::memcpy(&a.addr, e.addr.data(), e.addr.size());
    a.len = static_cast<socklen_t>(e.addr.size());
    a.socktype = e.socktype;
    out->push_back(a);
  }
  return 0;
}

int ClientCodec::net_send_to(int fd, const void* data, size_t size, int flags,
                             const struct sockaddr* addr, socklen_t len) {
  if (size > kMaxDatagram) return -EMSGSIZE;
  if (flags & ~kSendFlagsAllowed) return -EOPNOTSUPP;
  if (data == nullptr && size != 0) return -EFAULT;
  if (addr == nullptr) return -EDESTADDRREQ;
  if (len < sizeof(sa_family_t)) return -EINVAL;
  Request r = make(Kind::kNetSendTo);
  r.msg_flags = flags;
  r.family = addr->sa_family;
  if (int e = pack_addr(r.family, addr, len, &r.addr)) return e;
  const auto* p = static_cast<const uint8_t*>(data);
  r.data.assign(p, p + size);
  if (int e = dup_fd(fd, &r.fd)) return e;
  Reply rep;
  if (int e = call(std::move(r), &rep)) return e;
  return static_cast<int>(rep.sent);
}

int ClientCodec::output(const void* data, size_t size) {
  if (size > kMaxOutput) return -EMSGSIZE;
  Request r = make(Kind::kOutput);
  const auto* p = static_cast<const uint8_t*>(data);
  r.data.assign(p, p + size);
  Reply rep;
  return call(std::move(r), &rep);
}

void ClientCodec::limit_reached(host::WorkerLimit limit, std::string_view detail) {
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t bit = 1u << (static_cast<uint16_t>(limit) & 31);
  if (broken_ || (limits_sent_ & bit)) return;
  limits_sent_ |= bit;
  notify(encode_limit_notice({static_cast<uint16_t>(limit), printable_detail(detail)}));
}

void IpcBrokerClient::notify(Message message) { (void)send_message(sock_, message); }

std::optional<Message> IpcBrokerClient::transact(Message request) {
  if (send_message(sock_, request) != 0) return std::nullopt;
  request.fds.clear();  // the broker has its own copies now
  Message reply;
  if (recv_message(sock_, &reply) != 1) return std::nullopt;
  return reply;
}

}  // namespace wc::ipc
