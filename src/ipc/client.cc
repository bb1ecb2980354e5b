#include "ipc/client.h"

#include <cerrno>
#include <cstring>

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
  *out = host::Opened{rep.fds[0].release(), rep.is_directory, rep.dir, rep.read_only};
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

int ClientCodec::mkdir(host::DirHandle dir, std::string_view path, uint32_t mode) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kMkdir);
  r.dir = dir, r.path = path, r.mode = mode & kModeMask;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::rmdir(host::DirHandle dir, std::string_view path) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kRmdir);
  r.dir = dir, r.path = path;
  Reply rep;
  return call(std::move(r), &rep);
}

int ClientCodec::unlink(host::DirHandle dir, std::string_view path) {
  if (int e = check_paths(path)) return e;
  Request r = make(Kind::kUnlink);
  r.dir = dir, r.path = path;
  Reply rep;
  return call(std::move(r), &rep);
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

std::optional<Message> IpcBrokerClient::transact(Message request) {
  if (send_message(sock_, request) != 0) return std::nullopt;
  request.fds.clear();  // the broker has its own copies now
  Message reply;
  if (recv_message(sock_, &reply) != 1) return std::nullopt;
  return reply;
}

}  // namespace wc::ipc
