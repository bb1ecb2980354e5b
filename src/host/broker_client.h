// What guest ABIs (WASI, Go js/wasm, sockets) may ask of the broker: every operation that
// *names* something outside the worker. Implemented over IPC in the worker (ipc/), and in
// process for tests. Data operations (read, write, seek, readdir on a held fd) never come here.
//
// Directories are capabilities: a guest path is always resolved beneath a directory handle
// (a preopen, or a directory the broker opened earlier), with `..`, absolute paths and symlinks
// unable to leave it. Every call returns 0 (or a non-negative value) on success and a negative
// Linux errno on failure or denial (-EACCES / -EPERM / -ENOTCAPABLE-like -ENOTRECOVERABLE are
// the denial codes; see each implementation).
#pragma once

#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wc::host {

using DirHandle = uint32_t;

// Limits the worker enforces itself (the broker never sees them happen): reported to the
// broker once per kind per run, so the daemon can log, show and count them.
enum class WorkerLimit : uint16_t {
  kFds = 1,     // the guest's fd table is full (--max-fds): its opens fail with EMFILE
  kMemory = 2,  // linear memory refused at --memory-limit: memory.grow returns -1
};

struct Preopen {
  std::string guest_path;  // e.g. "/data" or "."
  DirHandle dir = 0;
  int fd = -1;  // the directory itself, held by the worker (for readdir, fstat)
  bool read_only = false;
};

struct Opened {
  int fd = -1;  // the new file or directory, now owned by the caller
  bool is_directory = false;
  DirHandle dir = 0;       // valid when is_directory: resolve further paths beneath it
  bool read_only = false;  // from a read-only mount: no writes, no metadata changes
  uint32_t file_type = 0;  // st_mode & S_IFMT as the broker saw it at open (0: unknown)
};

class BrokerClient {
 public:
  virtual ~BrokerClient() = default;

  virtual std::vector<Preopen> preopens() = 0;

  // `oflags` are Linux open(2) flags (O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW,
  // O_RDONLY/O_WRONLY/O_RDWR, O_APPEND, ...). The broker refuses writing flags on read-only
  // mounts.
  virtual int open(DirHandle dir, std::string_view path, int oflags, uint32_t mode,
                   Opened* out) = 0;
  virtual int close_dir(DirHandle dir) = 0;  // the guest closed a directory fd

  virtual int stat(DirHandle dir, std::string_view path, bool follow_symlinks,
                   struct stat* out) = 0;
  virtual int mkdir(DirHandle dir, std::string_view path, uint32_t mode) = 0;
  virtual int rmdir(DirHandle dir, std::string_view path) = 0;
  virtual int unlink(DirHandle dir, std::string_view path) = 0;
  virtual int rename(DirHandle from_dir, std::string_view from, DirHandle to_dir,
                     std::string_view to) = 0;
  virtual int link(DirHandle from_dir, std::string_view from, DirHandle to_dir, std::string_view to,
                   bool follow_symlinks) = 0;
  virtual int symlink(std::string_view target, DirHandle dir, std::string_view path) = 0;
  virtual int readlink(DirHandle dir, std::string_view path, std::string* out) = 0;
  // times[0] = atime, times[1] = mtime, with UTIME_NOW / UTIME_OMIT as in utimensat(2).
  virtual int set_times(DirHandle dir, std::string_view path, const struct timespec times[2],
                        bool follow_symlinks) = 0;
  // Metadata changes on an fd the worker holds (fd_filestat_set_times / set_size): the fd
  // travels to the broker, which checks it came from a writable mount.
  virtual int fd_set_times(int fd, const struct timespec times[2]) = 0;
  virtual int fd_set_size(int fd, uint64_t size) = 0;

  // ---- Permissions and ownership (chmod, chown and their fd and no-follow forms). Refused on
  // read-only mounts like every other write. Implementations without them return -ENOSYS.

  // chmod: `mode` may hold only permission bits (07777; anything else is -EINVAL). The broker
  // refuses setuid and setgid (-EPERM: a guest must not plant a set-id program on the host).
  // With follow_symlinks false a symlink itself is named, and Linux cannot change a
  // symlink's mode: -EOPNOTSUPP, as lchmod gives.
  virtual int set_mode(DirHandle dir, std::string_view path, uint32_t mode, bool follow_symlinks) {
    return -38;  // -ENOSYS
  }
  // fchmod on an fd the worker holds: as fd_set_times, only files opened from writable mounts.
  virtual int fd_set_mode(int fd, uint32_t mode) { return -38; }
  // chown / lchown (follow_symlinks false). uid or gid 0xffffffff ((uint32_t)-1) leaves that
  // id unchanged. The broker never gives a file away: the owner may only stay what it is and
  // the group may become one of the broker's own groups (an unprivileged chown's rule, kept
  // even if the broker has CAP_CHOWN); beyond that the kernel decides, and its errno returns.
  virtual int set_owner(DirHandle dir, std::string_view path, uint32_t uid, uint32_t gid,
                        bool follow_symlinks) {
    return -38;
  }
  // fchown on an fd the worker holds, with fd_set_mode's rule on where the fd came from.
  virtual int fd_set_owner(int fd, uint32_t uid, uint32_t gid) { return -38; }

  // ---- Network (issue 5). Default deny; the broker checks every address against the
  // --allow-connect / --allow-listen grants and hands back the socket, after which data moves
  // directly. Implementations that have no network service return -ENOSYS.

  // A connected socket: TCP (SOCK_STREAM) or UDP (SOCK_DGRAM), AF_INET or AF_INET6. Created
  // non-blocking; for TCP the connect may still be in progress (returns 0 with *fd set and
  // *in_progress true: wait for POLLOUT and read SO_ERROR).
  virtual int net_connect(int family, int type, const struct sockaddr* addr, socklen_t len, int* fd,
                          bool* in_progress) {
    return -38;  // -ENOSYS
  }
  // A bound socket: TCP listening with `backlog`, or UDP bound (backlog ignored). Port 0 asks
  // for any port (read it back with getsockname on the fd).
  virtual int net_bind(int family, int type, const struct sockaddr* addr, socklen_t len,
                       int backlog, int* fd) {
    return -38;
  }
  // Name resolution done by the broker and subject to the same grants: only names (and
  // results) a connect or listen grant covers are answered.
  struct ResolvedAddress {
    struct sockaddr_storage addr;
    socklen_t len;
    int socktype;
  };
  virtual int net_resolve(std::string_view host, std::string_view service, int family, int socktype,
                          std::vector<ResolvedAddress>* out) {
    return -38;
  }
  // A datagram to `addr` on a UDP socket the worker holds: the destination is checked by the
  // broker (the worker's seccomp filter cannot check sendto's address, so unconnected UDP
  // sends go through here).
  virtual int net_send_to(int fd, const void* data, size_t size, int flags,
                          const struct sockaddr* addr, socklen_t len) {
    return -38;
  }

  // One-way: tells the broker a WorkerLimit was reached (no reply; implementations send each
  // kind at most once). `detail` is for people: what was asked and what the limit is.
  virtual void limit_reached(WorkerLimit limit, std::string_view detail) {}
};

}  // namespace wc::host
