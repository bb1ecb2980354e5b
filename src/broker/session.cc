#include "broker/session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "broker/resolve.h"
#include "ipc/limit_notice.h"

namespace wc::broker {
namespace {

constexpr size_t kDefaultMaxHandles = 1024;
constexpr size_t kMaxHandlesCap = 65536;
constexpr size_t kMaxWritable = 65536;
// Permission bits a guest may give what it creates: never setuid, setgid or sticky, which a
// broker running with privileges would otherwise plant on the host for others to execute.
constexpr uint32_t kCreateMode = 0777;
// For the same reason set_mode refuses these bits outright (sticky only restricts: allowed).
constexpr uint32_t kSetIdBits = S_ISUID | S_ISGID;

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452  // Linux 6.6; one number on every architecture
#endif

std::string join(std::string_view base, std::string_view path) {
  std::string s(base);
  if (!s.empty() && s.back() != '/') s += '/';
  s += path;
  return s;
}

// Linux's answer for a trailing slash on a name that must not be a directory.
int exists_error(int dirfd, const std::string& name) {
  struct stat st;
  return fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST : -ENOENT;
}

// chmod of the inode an O_PATH fd names. fchmod() refuses O_PATH fds (EBADF) and glibc's
// fchmodat() has no AT_EMPTY_PATH, so: the fchmodat2 syscall with AT_EMPTY_PATH (Linux 6.6+),
// else the broker's own /proc/self/fd link to the fd, which names exactly the inode already
// resolved beneath the mount (the guest's path is never walked a second time).
int chmod_resolved(int fd, uint32_t mode) {
  if (syscall(__NR_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0) return 0;
  if (errno != ENOSYS && errno != EINVAL) return -errno;  // EINVAL: no AT_EMPTY_PATH support
  std::string self = "/proc/self/fd/" + std::to_string(fd);
  return chmod(self.c_str(), mode) == 0 ? 0 : -errno;
}

// The broker's effective group or one of its supplementary groups.
bool broker_in_group(gid_t gid) {
  if (gid == getegid()) return true;
  int n = getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  n = getgroups(n, groups.data());
  return n > 0 && std::find(groups.begin(), groups.begin() + n, gid) != groups.begin() + n;
}

// The ownership changes an unprivileged owner could make: the owner stays what it is, and
// the group may become one of the broker's groups if the broker owns the file. Checked here
// rather than left to the kernel so that a broker running with CAP_CHOWN (as root) still
// never lets a guest give files to other users or groups of the host.
bool owner_change_allowed(const struct stat& st, uint32_t uid, uint32_t gid) {
  if (uid != ipc::kOwnerUnchanged && uid != st.st_uid) return false;
  if (gid == ipc::kOwnerUnchanged || gid == st.st_gid) return true;
  return st.st_uid == geteuid() && broker_in_group(gid);
}

}  // namespace

Session::Session(const Policy& policy, std::string container_id, AuditLog* audit)
    : container_(std::move(container_id)),
      audit_(audit),
      mounts_(policy.mounts),
      limits_(policy.limits),
      net_(policy.net) {
  size_t limit = policy.limits.max_fds != 0 ? policy.limits.max_fds : kDefaultMaxHandles;
  max_handles_ = std::clamp<size_t>(limit, mounts_.size(), kMaxHandlesCap);
  max_sockets_ = std::min(limit, kMaxHandlesCap);
}

std::unique_ptr<Session> Session::create(const Policy& policy, std::string container_id,
                                         AuditLog* audit, std::string* error) {
  if (!validate_policy(policy, error)) return nullptr;
  std::unique_ptr<Session> s(new Session(policy, std::move(container_id), audit));
  for (size_t i = 0; i < s->mounts_.size(); i++) {
    const Mount& m = s->mounts_[i];
    // The host path is trusted configuration: it may contain symlinks, resolved once here.
    ipc::UniqueFd fd(::open(m.host.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct stat st;
    if (!fd || fstat(fd.get(), &st) != 0) {
      *error = "mount " + m.host + ": " + std::strerror(errno);
      return nullptr;
    }
    if (!m.read_only) s->note_writable(st);
    s->handles_.push_back(Handle{std::move(fd), m.guest, i, m.read_only});
  }
  s->preopen_count_ = s->mounts_.size();
  return s;
}

std::optional<ipc::Message> Session::handle(ipc::Message request) {
  std::optional<ipc::Request> req = ipc::decode_request(std::move(request));
  if (!req || req->id != next_id_) return std::nullopt;
  next_id_++;
  ipc::Reply reply;
  reply.kind = req->kind;
  reply.id = req->id;
  execute(*req, reply);
  return ipc::encode_reply(std::move(reply));
}

bool Session::notice(ipc::Message message) {
  std::optional<ipc::LimitNotice> n = ipc::decode_limit_notice(std::move(message));
  if (!n) return false;
  const char* name = ipc::worker_limit_name(n->limit);
  if (name == nullptr) {
    if (audit_ != nullptr && !unknown_notice_audited_) {
      unknown_notice_audited_ = true;
      audit_->record({container_, "limit_notice", "limit " + std::to_string(n->limit),
                      "unknown limit in a worker's notice: ignored", EINVAL, ""});
    }
    return true;
  }
  // The broker's own words, with the limit from the policy it holds; the worker's (printable,
  // bounded, but unverified) follow as what it says.
  std::string detail;
  if (n->limit == static_cast<uint16_t>(host::WorkerLimit::kFds)) {
    // The guest's table holds somewhat fewer than --max-fds: the worker's own descriptors
    // (its broker socket) count against the same process limit.
    detail = "the guest's file descriptor table is full" +
             (limits_.max_fds ? " under --max-fds " + std::to_string(limits_.max_fds) +
                                    " (the worker's own descriptors count too)"
                              : std::string()) +
             "; further opens fail with EMFILE (raise it with --max-fds)";
  } else {
    detail = "linear memory refused at --memory-limit " +
             (limits_.memory_limit ? std::to_string(limits_.memory_limit) + " bytes"
                                   : std::string("(the 4 GiB default)")) +
             "; memory.grow returns -1 (raise it with --memory-limit)";
  }
  if (!n->detail.empty()) detail += "; the worker says: " + n->detail;
  report_limit(name, std::move(detail), true);  // the worker said it on the guest's stderr
  return true;
}

void Session::report_limit(const std::string& limit, std::string detail, bool already_said) {
  if (audit_ == nullptr || !limits_reported_.insert(limit).second) return;
  audit_->limit({container_, limit, std::move(detail), already_said});
}

void Session::execute(ipc::Request& req, ipc::Reply& reply) {
  using ipc::Kind;
  int r = -ENOSYS;
  switch (req.kind) {
    case Kind::kPreopens: r = do_preopens(reply); break;
    case Kind::kOpen: r = do_open(req, reply); break;
    case Kind::kCloseDir: r = do_close_dir(req.dir); break;
    case Kind::kStat: r = do_stat(req, reply); break;
    case Kind::kMkdir: r = do_mkdir(req); break;
    case Kind::kRmdir: r = do_remove(req, true); break;
    case Kind::kUnlink: r = do_remove(req, false); break;
    case Kind::kRename: r = do_rename(req); break;
    case Kind::kLink: r = do_link(req); break;
    case Kind::kSymlink: r = do_symlink(req); break;
    case Kind::kReadlink: r = do_readlink(req, reply); break;
    case Kind::kSetTimes: r = do_set_times(req); break;
    case Kind::kSetMode: r = do_set_mode(req); break;
    case Kind::kSetOwner: r = do_set_owner(req); break;
    case Kind::kFdSetTimes:
    case Kind::kFdSetSize:
    case Kind::kFdSetMode:
    case Kind::kFdSetOwner: r = do_fd_change(req); break;
    case Kind::kNetConnect: r = do_net_connect(req, reply); break;
    case Kind::kNetBind: r = do_net_bind(req, reply); break;
    case Kind::kNetResolve: r = do_net_resolve(req, reply); break;
    case Kind::kNetSendTo: r = do_net_send_to(req, reply); break;
    case Kind::kOutput:
      r = output_ ? 0 : -ENOSYS;
      if (output_)
        held_ = !output_(
            std::string_view(reinterpret_cast<const char*>(req.data.data()), req.data.size()));
      break;
  }
  reply.result = r;
  if (r != 0) reply.fds.clear();  // nothing escapes on a failed request
}

// --- handle table and the writable-inode set ---

Session::Handle* Session::find(uint32_t dir) {
  if (dir >= handles_.size() || !handles_[dir]) return nullptr;
  return &*handles_[dir];
}

size_t Session::handle_count() const {
  return std::count_if(handles_.begin(), handles_.end(),
                       [](const auto& h) { return h.has_value(); });
}

int Session::add_handle(Handle h, uint32_t* out) {
  // Slots of closed preopens are never reused: a handle below preopen_count_ is a preopen.
  size_t slot = preopen_count_;
  while (slot < handles_.size() && handles_[slot]) slot++;
  if (slot == handles_.size()) {
    if (handles_.size() >= max_handles_) return -EMFILE;
    handles_.emplace_back();
  }
  handles_[slot] = std::move(h);
  *out = static_cast<uint32_t>(slot);
  return 0;
}

int Session::do_close_dir(uint32_t dir) {
  if (find(dir) == nullptr) return -EBADF;
  handles_[dir].reset();
  while (handles_.size() > preopen_count_ && !handles_.back()) handles_.pop_back();
  return 0;
}

void Session::note_writable(const struct stat& st) {
  auto key = std::make_pair(st.st_dev, st.st_ino);
  if (!writable_.insert(key).second) return;
  writable_order_.push_back(key);
  if (writable_order_.size() > kMaxWritable) {
    writable_.erase(writable_order_.front());
    writable_order_.pop_front();
  }
}

bool Session::is_writable(const struct stat& st) const {
  return writable_.count({st.st_dev, st.st_ino}) != 0;
}

// --- denials ---

int Session::deny_read_only(const char* op, const Handle& h, std::string_view path) {
  const Mount& m = mounts_[h.mount];
  std::string flag = mount_flag(m);
  Mount rw = m;
  rw.read_only = false;
  if (audit_ != nullptr) {
    audit_->record({container_, op, join(h.guest_path, path), "read-only mount " + flag, EROFS,
                    flag + " is read-only; use " + mount_flag(rw) + " to allow writes"});
  }
  return -EROFS;
}

int Session::deny_escape(const char* op, const Handle& h, std::string_view path) {
  const Mount& m = mounts_[h.mount];
  if (audit_ != nullptr) {
    audit_->record(
        {container_, op, join(h.guest_path, path), "path escapes the mount " + m.guest, EPERM,
         "paths under " + m.guest +
             " cannot leave it (absolute paths, '..' above it "
             "and symlinks out are refused); grant other directories with --dir or --dir-ro"});
  }
  return -EPERM;
}

int Session::deny_fd(const char* op, int error) {
  if (audit_ != nullptr) {
    audit_->record({container_, op, "fd", "fd not opened from a writable mount", error,
                    "changing a file's size, times, mode or owner through its fd needs a file "
                    "opened from a --dir mount"});
  }
  return -error;
}

int Session::deny_set_id(const char* op, std::string target) {
  if (audit_ != nullptr) {
    audit_->record({container_, op, std::move(target), "setuid/setgid bits are never granted",
                    EPERM,
                    "guests cannot set the setuid or setgid bits: they would plant a set-id "
                    "program on the host"});
  }
  return -EPERM;
}

int Session::deny_owner(const char* op, std::string target) {
  if (audit_ != nullptr) {
    audit_->record({container_, op, std::move(target),
                    "ownership change beyond the owner's own and the broker's groups", EPERM,
                    "guests cannot give files to other users; a file's group may only become "
                    "one of the broker's own groups"});
  }
  return -EPERM;
}

int Session::open_in(const char* op, const Handle& h, const std::string& path, uint64_t flags,
                     uint64_t mode) {
  if (path.empty()) return -ENOENT;
  int fd = path.front() == '/' ? -EXDEV : open_beneath(h.fd.get(), path, flags, mode);
  return fd == -EXDEV ? deny_escape(op, h, path) : fd;
}

int Session::open_parent(const char* op, const Handle& h, std::string_view path, SplitPath* sp) {
  int r = split_path(path, sp);
  if (r == -EXDEV) return deny_escape(op, h, path);
  if (r < 0) return r;
  int fd = open_beneath(h.fd.get(), sp->parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
  return fd == -EXDEV ? deny_escape(op, h, path) : fd;
}

// --- operations ---

int Session::do_preopens(ipc::Reply& reply) {
  for (size_t i = 0; i < preopen_count_ && i < handles_.size(); i++) {
    if (!handles_[i]) continue;  // closed by the guest
    const Handle& h = *handles_[i];
    // A readable fd (for readdir) of the same directory; "." walks nothing.
    int fd = openat(h.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    reply.fds.emplace_back(fd);
    reply.preopens.push_back({mounts_[h.mount].guest, static_cast<uint32_t>(i), h.read_only});
  }
  return 0;
}

int Session::do_open(ipc::Request& req, ipc::Reply& reply) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  bool writes =
      (req.oflags & O_ACCMODE) != O_RDONLY || (req.oflags & (O_CREAT | O_TRUNC | O_APPEND));
  if (writes && h->read_only) return deny_read_only("open", *h, req.path);
  // Opened non-blocking so that a FIFO or device in the mount cannot stall the broker (and
  // every other worker with it); the guest's blocking mode is restored afterwards.
  uint64_t flags = static_cast<uint32_t>(req.oflags) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  int r = open_in("open", *h, req.path, flags, (req.oflags & O_CREAT) ? req.mode & kCreateMode : 0);
  if (r < 0) return r;
  ipc::UniqueFd file(r);
  struct stat st;
  if (fstat(file.get(), &st) != 0) return -errno;
  // O_NONBLOCK does nothing to a regular file or a directory (no read, write or getdents of
  // one returns EAGAIN for it), so there it stays, saving an fcntl on every open of a file
  // server's hot path; the worker reports the guest's own flags for them (FdEntry's
  // known_fdflags, from the file_type below). F_SETFL changes only the status flags
  // (O_APPEND, O_NONBLOCK, ...), and those are the ones we opened with: no F_GETFL needed.
  if (!(req.oflags & O_NONBLOCK) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
      fcntl(file.get(), F_SETFL, static_cast<int>(flags & ~uint64_t{O_NONBLOCK})) != 0)
    return -errno;
  if (!h->read_only) note_writable(st);
  reply.read_only = h->read_only;
  reply.file_type = st.st_mode & S_IFMT;
  if (S_ISDIR(st.st_mode)) {
    int d = fcntl(file.get(), F_DUPFD_CLOEXEC, 0);
    if (d < 0) return -errno;
    Handle sub{ipc::UniqueFd(d), join(h->guest_path, req.path), h->mount, h->read_only};
    if (int e = add_handle(std::move(sub), &reply.dir)) return e;  // h is stale from here
    reply.is_directory = true;
  }
  reply.fds.push_back(std::move(file));
  return 0;
}

int Session::do_stat(ipc::Request& req, ipc::Reply& reply) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  // O_PATH|O_NOFOLLOW yields the symlink itself, so fstat gives lstat's answer.
  int r = open_in("stat", *h, req.path, O_PATH | O_CLOEXEC | (req.follow ? 0 : O_NOFOLLOW));
  if (r < 0) return r;
  ipc::UniqueFd fd(r);
  return fstat(fd.get(), &reply.st) == 0 ? 0 : -errno;
}

int Session::do_mkdir(ipc::Request& req) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only("mkdir", *h, req.path);
  SplitPath sp;
  int r = open_parent("mkdir", *h, req.path, &sp);
  if (r < 0) return r;
  ipc::UniqueFd parent(r);
  if (is_dot_or_dotdot(sp.name)) return -EEXIST;
  return mkdirat(parent.get(), sp.name.c_str(), req.mode & kCreateMode) == 0 ? 0 : -errno;
}

int Session::do_remove(ipc::Request& req, bool directory) {
  const char* op = directory ? "rmdir" : "unlink";
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only(op, *h, req.path);
  SplitPath sp;
  int r = open_parent(op, *h, req.path, &sp);
  if (r < 0) return r;
  ipc::UniqueFd parent(r);
  if (is_dot_or_dotdot(sp.name))
    return !directory ? -EISDIR : sp.name == "." ? -EINVAL : -ENOTEMPTY;
  if (!directory && sp.trailing_slash) {
    struct stat st;
    if (fstatat(parent.get(), sp.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    return S_ISDIR(st.st_mode) ? -EISDIR : -ENOTDIR;
  }
  return unlinkat(parent.get(), sp.name.c_str(), directory ? AT_REMOVEDIR : 0) == 0 ? 0 : -errno;
}

int Session::do_rename(ipc::Request& req) {
  Handle* from = find(req.dir);
  Handle* to = find(req.dir2);
  if (from == nullptr || to == nullptr) return -EBADF;
  // Out of a read-only mount is a write to it as much as into one.
  if (from->read_only) return deny_read_only("rename", *from, req.path);
  if (to->read_only) return deny_read_only("rename", *to, req.path2);
  SplitPath a, b;
  int r = open_parent("rename", *from, req.path, &a);
  if (r < 0) return r;
  ipc::UniqueFd pa(r);
  r = open_parent("rename", *to, req.path2, &b);
  if (r < 0) return r;
  ipc::UniqueFd pb(r);
  if (is_dot_or_dotdot(a.name) || is_dot_or_dotdot(b.name)) return -EBUSY;
  if (a.trailing_slash || b.trailing_slash) {  // only a directory may be named "x/"
    struct stat st;
    if (fstatat(pa.get(), a.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
  }
  return renameat(pa.get(), a.name.c_str(), pb.get(), b.name.c_str()) == 0 ? 0 : -errno;
}

int Session::do_link(ipc::Request& req) {
  Handle* from = find(req.dir);
  Handle* to = find(req.dir2);
  if (from == nullptr || to == nullptr) return -EBADF;
  // A hard link out of a read-only mount would make its file writable through the new name.
  if (from->read_only) return deny_read_only("link", *from, req.path);
  if (to->read_only) return deny_read_only("link", *to, req.path2);
  SplitPath b;
  int r = open_parent("link", *to, req.path2, &b);
  if (r < 0) return r;
  ipc::UniqueFd pb(r);
  if (is_dot_or_dotdot(b.name)) return -EEXIST;
  if (b.trailing_slash) return exists_error(pb.get(), b.name);

  if (req.follow) {
    // Resolve the source (following symlinks, beneath) to an fd and link that.
    r = open_in("link", *from, req.path, O_PATH | O_CLOEXEC);
    if (r < 0) return r;
    ipc::UniqueFd src(r);
    if (linkat(src.get(), "", pb.get(), b.name.c_str(), AT_EMPTY_PATH) == 0) return 0;
    if (errno != ENOENT) return -errno;
    // Without CAP_DAC_READ_SEARCH AT_EMPTY_PATH fails with ENOENT; the broker's own
    // /proc/self/fd link to the fd it just resolved names the same inode.
    std::string self = "/proc/self/fd/" + std::to_string(src.get());
    return linkat(AT_FDCWD, self.c_str(), pb.get(), b.name.c_str(), AT_SYMLINK_FOLLOW) == 0
               ? 0
               : -errno;
  }
  SplitPath a;
  r = open_parent("link", *from, req.path, &a);
  if (r < 0) return r;
  ipc::UniqueFd pa(r);
  if (is_dot_or_dotdot(a.name)) return -EPERM;
  if (a.trailing_slash) {
    struct stat st;
    if (fstatat(pa.get(), a.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
    return S_ISDIR(st.st_mode) ? -EPERM : -ENOTDIR;
  }
  return linkat(pa.get(), a.name.c_str(), pb.get(), b.name.c_str(), 0) == 0 ? 0 : -errno;
}

int Session::do_symlink(ipc::Request& req) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only("symlink", *h, req.path);
  const std::string& target = req.path2;
  if (target.empty()) return -ENOENT;
  // Absolute targets could never be followed through the broker, but the host's own tools
  // would follow them out of the mount: refused, as cap-std does.
  if (target.front() == '/') return deny_escape("symlink", *h, req.path + " -> " + target);
  SplitPath sp;
  int r = open_parent("symlink", *h, req.path, &sp);
  if (r < 0) return r;
  ipc::UniqueFd parent(r);
  if (is_dot_or_dotdot(sp.name)) return -EEXIST;
  if (sp.trailing_slash) return exists_error(parent.get(), sp.name);
  return symlinkat(target.c_str(), parent.get(), sp.name.c_str()) == 0 ? 0 : -errno;
}

int Session::do_readlink(ipc::Request& req, ipc::Reply& reply) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  int r = open_in("readlink", *h, req.path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (r < 0) return r;
  ipc::UniqueFd fd(r);
  char buf[ipc::kMaxPath + 1];
  ssize_t n = readlinkat(fd.get(), "", buf, sizeof(buf));
  if (n < 0) return errno == ENOENT ? -EINVAL : -errno;  // ENOENT: not a symlink
  if (static_cast<size_t>(n) > ipc::kMaxPath) return -ENAMETOOLONG;
  reply.link.assign(buf, static_cast<size_t>(n));
  return 0;
}

int Session::do_set_times(ipc::Request& req) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only("set_times", *h, req.path);
  int r = open_in("set_times", *h, req.path, O_PATH | O_CLOEXEC | (req.follow ? 0 : O_NOFOLLOW));
  if (r < 0) return r;
  ipc::UniqueFd fd(r);
  return utimensat(fd.get(), "", req.times, AT_EMPTY_PATH) == 0 ? 0 : -errno;
}

int Session::do_set_mode(ipc::Request& req) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only("set_mode", *h, req.path);
  if (req.mode & kSetIdBits) return deny_set_id("set_mode", join(h->guest_path, req.path));
  int r = open_in("set_mode", *h, req.path, O_PATH | O_CLOEXEC | (req.follow ? 0 : O_NOFOLLOW));
  if (r < 0) return r;
  ipc::UniqueFd fd(r);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return -errno;
  if (S_ISLNK(st.st_mode)) return -EOPNOTSUPP;  // lchmod: a Linux symlink's mode is fixed
  return chmod_resolved(fd.get(), req.mode);
}

int Session::do_set_owner(ipc::Request& req) {
  Handle* h = find(req.dir);
  if (h == nullptr) return -EBADF;
  if (h->read_only) return deny_read_only("set_owner", *h, req.path);
  int r = open_in("set_owner", *h, req.path, O_PATH | O_CLOEXEC | (req.follow ? 0 : O_NOFOLLOW));
  if (r < 0) return r;
  ipc::UniqueFd fd(r);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return -errno;
  if (!owner_change_allowed(st, req.uid, req.gid)) {
    return deny_owner("set_owner", join(h->guest_path, req.path));
  }
  // AT_EMPTY_PATH: the inode just resolved and checked (the symlink itself for lchown).
  return fchownat(fd.get(), "", req.uid, req.gid, AT_EMPTY_PATH) == 0 ? 0 : -errno;
}

// Metadata changes through an fd the worker sent: only files it opened from writable mounts.
int Session::do_fd_change(ipc::Request& req) {
  const char* op = ipc::kind_name(req.kind);
  int fd = req.fd.get();
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  if (!is_writable(st)) return deny_fd(op, EPERM);
  switch (req.kind) {
    case ipc::Kind::kFdSetTimes: return futimens(fd, req.times) == 0 ? 0 : -errno;
    case ipc::Kind::kFdSetSize:
      return ftruncate(fd, static_cast<off_t>(req.size)) == 0 ? 0 : -errno;
    case ipc::Kind::kFdSetMode:
      if (req.mode & kSetIdBits) return deny_set_id(op, "fd");
      return fchmod(fd, req.mode) == 0 ? 0 : -errno;
    case ipc::Kind::kFdSetOwner:
      if (!owner_change_allowed(st, req.uid, req.gid)) return deny_owner(op, "fd");
      return fchown(fd, req.uid, req.gid) == 0 ? 0 : -errno;
    default: return -ENOSYS;  // not an fd kind: execute() never sends one here
  }
}

}  // namespace wc::broker
