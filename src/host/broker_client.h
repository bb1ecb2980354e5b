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

#include <sys/stat.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wc::host {

using DirHandle = uint32_t;

struct Preopen {
  std::string guest_path;  // e.g. "/data" or "."
  DirHandle dir = 0;
  int fd = -1;             // the directory itself, held by the worker (for readdir, fstat)
  bool read_only = false;
};

struct Opened {
  int fd = -1;                 // the new file or directory, now owned by the caller
  bool is_directory = false;
  DirHandle dir = 0;           // valid when is_directory: resolve further paths beneath it
  bool read_only = false;      // from a read-only mount: no writes, no metadata changes
};

class BrokerClient {
 public:
  virtual ~BrokerClient() = default;

  virtual std::vector<Preopen> preopens() = 0;

  // `oflags` are Linux open(2) flags (O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NOFOLLOW,
  // O_RDONLY/O_WRONLY/O_RDWR, O_APPEND, ...). The broker refuses writing flags on read-only
  // mounts.
  virtual int open(DirHandle dir, std::string_view path, int oflags, uint32_t mode, Opened* out) = 0;
  virtual int close_dir(DirHandle dir) = 0;  // the guest closed a directory fd

  virtual int stat(DirHandle dir, std::string_view path, bool follow_symlinks, struct stat* out) = 0;
  virtual int mkdir(DirHandle dir, std::string_view path, uint32_t mode) = 0;
  virtual int rmdir(DirHandle dir, std::string_view path) = 0;
  virtual int unlink(DirHandle dir, std::string_view path) = 0;
  virtual int rename(DirHandle from_dir, std::string_view from, DirHandle to_dir,
                     std::string_view to) = 0;
  virtual int link(DirHandle from_dir, std::string_view from, DirHandle to_dir,
                   std::string_view to, bool follow_symlinks) = 0;
  virtual int symlink(std::string_view target, DirHandle dir, std::string_view path) = 0;
  virtual int readlink(DirHandle dir, std::string_view path, std::string* out) = 0;
  // times[0] = atime, times[1] = mtime, with UTIME_NOW / UTIME_OMIT as in utimensat(2).
  virtual int set_times(DirHandle dir, std::string_view path, const struct timespec times[2],
                        bool follow_symlinks) = 0;
  // Metadata changes on an fd the worker holds (fd_filestat_set_times / set_size): the fd
  // travels to the broker, which checks it came from a writable mount.
  virtual int fd_set_times(int fd, const struct timespec times[2]) = 0;
  virtual int fd_set_size(int fd, uint64_t size) = 0;
};

}  // namespace wc::host
