// A test double for BrokerClient: resolves every path beneath a directory fd with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), the way the real broker does, without any
// IPC. Mounts are given as (guest path, host directory, read_only). Denials:
//   - escapes (`..`, absolute paths, symlinks out): the kernel's EXDEV, passed through;
//   - writes on a read-only mount: -EROFS.
// Used until the broker's DirectBrokerClient lands; then tests may switch to it.
#pragma once

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "host/broker_client.h"

namespace wc::host::testing {

class TestBroker : public BrokerClient {
 public:
  struct Mount {
    std::string guest_path, host_dir;
    bool read_only = false;
  };
  explicit TestBroker(std::vector<Mount> mounts) : mounts_(std::move(mounts)) {}
  ~TestBroker() override {
    for (auto& [h, d] : dirs_) close(d.fd);
  }

  int opened_dirs() const { return static_cast<int>(dirs_.size()); }
  int open_calls() const { return open_calls_; }  // every open() asked, granted or not

  std::vector<Preopen> preopens() override {
    std::vector<Preopen> out;
    for (const Mount& m : mounts_) {
      int fd = ::open(m.host_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) continue;
      DirHandle h = add_dir(fd, m.read_only);
      out.push_back({m.guest_path, h, dup_cloexec(fd), m.read_only});
    }
    return out;
  }

  int open(DirHandle dir, std::string_view path, int oflags, uint32_t mode, Opened* out) override {
    ++open_calls_;
    Dir* d = find(dir);
    if (!d) return -EBADF;
    if (d->read_only &&
        ((oflags & O_ACCMODE) != O_RDONLY || (oflags & (O_CREAT | O_TRUNC | O_APPEND))))
      return -EROFS;
    int fd = resolve(d->fd, path, oflags | O_CLOEXEC, mode);
    if (fd < 0) return fd;
    struct stat st {};
    fstat(fd, &st);
    out->fd = fd;
    out->read_only = d->read_only;
    out->is_directory = S_ISDIR(st.st_mode);
    if (out->is_directory) out->dir = add_dir(dup_cloexec(fd), d->read_only);
    return 0;
  }
  int close_dir(DirHandle dir) override {
    auto it = dirs_.find(dir);
    if (it == dirs_.end()) return -EBADF;
    close(it->second.fd);
    dirs_.erase(it);
    return 0;
  }

  int stat(DirHandle dir, std::string_view path, bool follow, struct stat* out) override {
    Dir* d = find(dir);
    if (!d) return -EBADF;
    if (follow) {
      int fd = resolve(d->fd, path, O_PATH | O_CLOEXEC, 0);
      if (fd < 0) return fd;
      int r = fstat(fd, out) == 0 ? 0 : -errno;
      close(fd);
      return r;
    }
    return at_parent(d, path, false, [&](int p, const char* name) {
      return fstatat(p, name, out, AT_SYMLINK_NOFOLLOW);
    });
  }
  int mkdir(DirHandle dir, std::string_view path, uint32_t mode) override {
    return at_parent(find(dir), path, true,
                     [&](int p, const char* n) { return mkdirat(p, n, mode); });
  }
  int rmdir(DirHandle dir, std::string_view path) override {
    return at_parent(find(dir), path, true,
                     [&](int p, const char* n) { return unlinkat(p, n, AT_REMOVEDIR); });
  }
  int unlink(DirHandle dir, std::string_view path) override {
    return at_parent(find(dir), path, true,
                     [&](int p, const char* n) { return unlinkat(p, n, 0); });
  }
  int rename(DirHandle fd, std::string_view from, DirHandle td, std::string_view to) override {
    return two_parents(fd, from, td, to, [](int p, const char* n, int q, const char* m) {
      return renameat(p, n, q, m);
    });
  }
  int link(DirHandle fd, std::string_view from, DirHandle td, std::string_view to,
           bool follow) override {
    return two_parents(fd, from, td, to, [follow](int p, const char* n, int q, const char* m) {
      return linkat(p, n, q, m, follow ? AT_SYMLINK_FOLLOW : 0);
    });
  }
  int symlink(std::string_view target, DirHandle dir, std::string_view path) override {
    std::string t(target);
    return at_parent(find(dir), path, true,
                     [&](int p, const char* n) { return symlinkat(t.c_str(), p, n); });
  }
  int readlink(DirHandle dir, std::string_view path, std::string* out) override {
    return at_parent(find(dir), path, false, [&](int p, const char* n) {
      char buf[4096];
      ssize_t r = readlinkat(p, n, buf, sizeof buf);
      if (r < 0) return -1;
      out->assign(buf, static_cast<size_t>(r));
      return 0;
    });
  }
  int set_times(DirHandle dir, std::string_view path, const struct timespec times[2],
                bool follow) override {
    return at_parent(find(dir), path, true, [&](int p, const char* n) {
      return utimensat(p, n, times, follow ? 0 : AT_SYMLINK_NOFOLLOW);
    });
  }
  int fd_set_times(int fd, const struct timespec times[2]) override {
    return futimens(fd, times) == 0 ? 0 : -errno;
  }
  int fd_set_size(int fd, uint64_t size) override {
    return ftruncate(fd, static_cast<off_t>(size)) == 0 ? 0 : -errno;
  }
  // chmod / chown: the followed form resolves the whole path beneath the mount (a final
  // symlink out is the kernel's EXDEV) and changes the inode through /proc/self/fd; the
  // no-follow form names the final component in its parent, as the real broker does in effect.
  int set_mode(DirHandle dir, std::string_view path, uint32_t mode, bool follow) override {
    if (mode & ~07777u) return -EINVAL;
    if (!follow) {
      return at_parent(find(dir), path, true, [&](int p, const char* n) {
        return fchmodat(p, n, mode, AT_SYMLINK_NOFOLLOW);  // a symlink: EOPNOTSUPP
      });
    }
    return on_resolved(find(dir), path,
                       [&](const std::string& self) { return chmod(self.c_str(), mode); });
  }
  int fd_set_mode(int fd, uint32_t mode) override {
    if (mode & ~07777u) return -EINVAL;
    return fchmod(fd, mode) == 0 ? 0 : -errno;
  }
  int set_owner(DirHandle dir, std::string_view path, uint32_t uid, uint32_t gid,
                bool follow) override {
    if (!follow) {
      return at_parent(find(dir), path, true, [&](int p, const char* n) {
        return fchownat(p, n, uid, gid, AT_SYMLINK_NOFOLLOW);
      });
    }
    return on_resolved(find(dir), path,
                       [&](const std::string& self) { return chown(self.c_str(), uid, gid); });
  }
  int fd_set_owner(int fd, uint32_t uid, uint32_t gid) override {
    return fchown(fd, uid, gid) == 0 ? 0 : -errno;
  }

 private:
  struct Dir {
    int fd;
    bool read_only;
  };
  static int dup_cloexec(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }
  DirHandle add_dir(int fd, bool ro) {
    DirHandle h = next_++;
    dirs_[h] = {fd, ro};
    return h;
  }
  Dir* find(DirHandle h) {
    auto it = dirs_.find(h);
    return it == dirs_.end() ? nullptr : &it->second;
  }
  static int resolve(int dirfd, std::string_view path, int flags, uint32_t mode) {
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    std::string p(path);
    long fd = syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  // Opens the parent of `path` beneath the mount; `last` is the final component, which may
  // not be "." or ".." (it would name the parent or beyond).
  static int parent(Dir* d, std::string_view path, bool writes, int* pfd, std::string* last) {
    if (!d) return -EBADF;
    if (writes && d->read_only) return -EROFS;
    std::string p(path);
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    size_t slash = p.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
    *last = slash == std::string::npos ? p : p.substr(slash + 1);
    if (last->empty()) return -ENOENT;
    if (*last == "." || *last == "..") return -EPERM;
    *pfd = resolve(d->fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    return *pfd < 0 ? *pfd : 0;
  }
  template <typename Op>
  int at_parent(Dir* d, std::string_view path, bool writes, Op op) {
    int pfd;
    std::string last;
    if (int r = parent(d, path, writes, &pfd, &last)) return r;
    int r = op(pfd, last.c_str());
    int saved = errno;
    close(pfd);
    return r < 0 ? -saved : r;
  }
  // Resolves the whole path beneath a writable mount (following symlinks) and calls `op`
  // with the /proc/self/fd path of the O_PATH fd.
  template <typename Op>
  int on_resolved(Dir* d, std::string_view path, Op op) {
    if (!d) return -EBADF;
    if (d->read_only) return -EROFS;
    int fd = resolve(d->fd, path, O_PATH | O_CLOEXEC, 0);
    if (fd < 0) return fd;
    int r = op("/proc/self/fd/" + std::to_string(fd));
    int saved = errno;
    close(fd);
    return r < 0 ? -saved : 0;
  }
  template <typename Op>
  int two_parents(DirHandle a, std::string_view pa, DirHandle b, std::string_view pb, Op op) {
    int fa, fb;
    std::string la, lb;
    if (int r = parent(find(a), pa, true, &fa, &la)) return r;
    if (int r = parent(find(b), pb, true, &fb, &lb)) {
      close(fa);
      return r;
    }
    int r = op(fa, la.c_str(), fb, lb.c_str());
    int saved = errno;
    close(fa);
    close(fb);
    return r < 0 ? -saved : 0;
  }
  std::vector<Mount> mounts_;
  int open_calls_ = 0;
  std::map<DirHandle, Dir> dirs_;
  DirHandle next_ = 1;
};

}  // namespace wc::host::testing
