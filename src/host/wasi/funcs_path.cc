// path_*: every one is a request to the broker, resolved beneath the directory capability of
// the guest fd. Denials come back as negative Linux errnos and reach the guest unchanged
// (mapped to WASI's numbering).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "host/wasi/errno_map.h"
#include "host/wasi/internal.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {

uint16_t WasiContext::path_create_directory(M& m, uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathCreateDirectory, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  return errno_from_linux(config_.broker->mkdir(*e->dir, p, 0777));
}

uint16_t WasiContext::path_remove_directory(M& m, uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathRemoveDirectory, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  return errno_from_linux(config_.broker->rmdir(*e->dir, p));
}

uint16_t WasiContext::path_unlink_file(M& m, uint32_t fd, uint32_t path, uint32_t len) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathUnlinkFile, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  return errno_from_linux(config_.broker->unlink(*e->dir, p));
}

uint16_t WasiContext::path_filestat_get(M& m, uint32_t fd, uint32_t flags, uint32_t path,
                                        uint32_t len, uint32_t out) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathFilestatGet, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  if (!m.in_bounds(out, layout::kFilestatSize)) return err::kFault;
  struct stat st {};
  int r = config_.broker->stat(*e->dir, p, flags & kLookupSymlinkFollow, &st);
  if (r < 0) return errno_from_linux(r);
  return store_filestat(m, out, st, filetype_of(st, -1));
}

uint16_t WasiContext::path_filestat_set_times(M& m, uint32_t fd, uint32_t flags, uint32_t path,
                                              uint32_t len, uint64_t atim, uint64_t mtim,
                                              uint32_t fst) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathFilestatSetTimes, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  struct timespec times[2];
  if (uint16_t r = to_timespecs(atim, mtim, fst, times)) return r;
  return errno_from_linux(
      config_.broker->set_times(*e->dir, p, times, flags & kLookupSymlinkFollow));
}

uint16_t WasiContext::path_link(M& m, uint32_t old_fd, uint32_t old_flags, uint32_t old_path,
                                uint32_t old_len, uint32_t new_fd, uint32_t new_path,
                                uint32_t new_len) {
  FdEntry *from, *to;
  if (uint16_t r = lookup_dir(old_fd, rights::kPathLinkSource, &from)) return r;
  if (uint16_t r = lookup_dir(new_fd, rights::kPathLinkTarget, &to)) return r;
  std::string_view a, b;
  if (uint16_t r = read_path(m, old_path, old_len, &a)) return r;
  if (uint16_t r = read_path(m, new_path, new_len, &b)) return r;
  return errno_from_linux(
      config_.broker->link(*from->dir, a, *to->dir, b, old_flags & kLookupSymlinkFollow));
}

uint16_t WasiContext::path_rename(M& m, uint32_t fd, uint32_t old_path, uint32_t old_len,
                                  uint32_t new_fd, uint32_t new_path, uint32_t new_len) {
  FdEntry *from, *to;
  if (uint16_t r = lookup_dir(fd, rights::kPathRenameSource, &from)) return r;
  if (uint16_t r = lookup_dir(new_fd, rights::kPathRenameTarget, &to)) return r;
  std::string_view a, b;
  if (uint16_t r = read_path(m, old_path, old_len, &a)) return r;
  if (uint16_t r = read_path(m, new_path, new_len, &b)) return r;
  return errno_from_linux(config_.broker->rename(*from->dir, a, *to->dir, b));
}

uint16_t WasiContext::path_symlink(M& m, uint32_t old_path, uint32_t old_len, uint32_t fd,
                                   uint32_t new_path, uint32_t new_len) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathSymlink, &e)) return r;
  std::string_view target, p;
  if (uint16_t r = read_path(m, old_path, old_len, &target)) return r;
  if (uint16_t r = read_path(m, new_path, new_len, &p)) return r;
  return errno_from_linux(config_.broker->symlink(target, *e->dir, p));
}

// POSIX readlink semantics: the target is cut to the buffer, bufused says how much was put.
uint16_t WasiContext::path_readlink(M& m, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                                    uint32_t buf_len, uint32_t bufused_out) {
  FdEntry* e;
  if (uint16_t r = lookup_dir(fd, rights::kPathReadlink, &e)) return r;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  uint8_t* out = m.range(buf, buf_len);
  if (!out || !m.in_bounds(bufused_out, 4)) return err::kFault;
  std::string target;
  int r = config_.broker->readlink(*e->dir, p, &target);
  if (r < 0) return errno_from_linux(r);
  uint32_t n = static_cast<uint32_t>(std::min<size_t>(target.size(), buf_len));
  std::memcpy(out, target.data(), n);
  m.store<uint32_t>(bufused_out, n);
  return err::kSuccess;
}

uint16_t WasiContext::path_open(M& m, uint32_t dirfd, uint32_t dirflags, uint32_t path,
                                uint32_t len, uint32_t of, uint64_t base, uint64_t inheriting,
                                uint32_t fdf, uint32_t fd_out) {
  uint64_t needed = rights::kPathOpen;
  if (of & oflags::kCreat) needed |= rights::kPathCreateFile;
  if (of & oflags::kTrunc) needed |= rights::kPathFilestatSetSize;
  FdEntry* dir;
  if (uint16_t r = lookup_dir(dirfd, needed, &dir)) return r;
  // A new fd never holds more than its directory passes down. The rights that decide the
  // open mode are refused when not passed down (asking to write under a read-only mount is
  // left to the broker, whose EROFS says why); every other right asked for and not passed
  // down, or not applying to what was opened, is left out of the new fd, as the spec allows
  // for the latter: wasi-libc asks for all its directory passes down, Go for its whole right
  // set, whatever the file turns out to be.
  uint64_t unpassed = base & (rights::kOpenRead | rights::kOpenWrite) & ~dir->rights_inheriting;
  if (dir->read_only) unpassed &= ~rights::kOpenWrite;
  if (unpassed) return err::kNotcapable;
  if ((of & ~uint32_t{oflags::kAll}) || (fdf & ~uint32_t{fdflags::kAll})) return err::kInval;
  std::string_view p;
  if (uint16_t r = read_path(m, path, len, &p)) return r;
  if (!m.in_bounds(fd_out, 4)) return err::kFault;

  // The access mode follows the rights asked for, as wasi-libc encodes O_RDONLY/O_WRONLY.
  // fd_filestat_set_size does not count as writing: Go (1.21+) keeps that right on files it
  // opens read-only (it strips path_filestat_set_size instead), and a read-only open must
  // still work on a --dir-ro grant. A later set_size goes through the broker, which checks
  // the fd came from a writable mount.
  bool read = base & rights::kOpenRead;
  bool write = (base & rights::kOpenWrite) || (fdf & fdflags::kAppend);
  int flags = O_CLOEXEC | O_NOCTTY;
  if (of & oflags::kDirectory)
    flags |= O_DIRECTORY;
  else
    flags |= (read && write) ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (of & oflags::kCreat) flags |= O_CREAT;
  if (of & oflags::kExcl) flags |= O_EXCL;
  if (of & oflags::kTrunc) flags |= O_TRUNC;
  if (!(dirflags & kLookupSymlinkFollow)) flags |= O_NOFOLLOW;
  if (fdf & fdflags::kAppend) flags |= O_APPEND;
  if (fdf & fdflags::kDsync) flags |= O_DSYNC;
  if (fdf & fdflags::kNonblock) flags |= O_NONBLOCK;
  if (fdf & (fdflags::kRsync | fdflags::kSync)) flags |= O_SYNC;

  // A plain read-only open the broker granted a moment ago, kept since the guest closed it,
  // is taken back without asking again (open_reuse.h).
  if (!room_for_fd()) return err::kMfile;  // before the broker: see room_for_fd()
  Opened opened;
  int64_t decided_ns = 0;
  int64_t now = 0;
  int plain = flags & ~(O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
  if (config_.reuse_read_only_opens && plain == O_RDONLY) {
    now = OpenReuse::now_ns();
    opened.fd = reuse_.take(*dir->dir, p, flags, now, &decided_ns);
    if (opened.fd >= 0) {
      opened.read_only = true;  // only such opens are kept
      opened.file_type = S_IFREG;
    }
  }
  if (opened.fd < 0) {
    int r = config_.broker->open(*dir->dir, p, flags, 0666, &opened);
    if (r < 0) return errno_from_linux(r);
    decided_ns = now;
  }
  FdEntry e;
  e.host_fd = opened.fd;
  e.read_only = opened.read_only;
  if (opened.is_directory) e.dir = opened.dir;
  // The broker fstat'ed what it opened and says its type: a regular file or a directory
  // needs no second fstat here (one syscall less per open on a file server's hot path). Other
  // kinds (sockets, devices, FIFOs) are rare and filetype_of needs the fd itself for sockets.
  if (opened.file_type == S_IFREG && !opened.is_directory) {
    e.filetype = kRegularFile;
  } else if (opened.file_type == S_IFDIR && opened.is_directory) {
    e.filetype = kDirectory;
  } else {
    struct stat st {};
    if (host_fstat(opened.fd, &st) == 0)
      e.filetype = filetype_of(st, opened.fd);
    else
      e.filetype = opened.is_directory ? kDirectory : kUnknown;
  }
  // What the new fd can do: what was asked for, passed down, and applies to its type. Only a
  // directory passes rights further down.
  bool is_dir = e.filetype == kDirectory;
  bool is_socket = e.filetype == kSocketStream || e.filetype == kSocketDgram;
  uint64_t applies = is_dir ? rights::kDirBase : is_socket ? rights::kSocket : rights::kFile;
  e.rights_base = base & dir->rights_inheriting & applies;
  e.rights_inheriting = is_dir ? inheriting & dir->rights_inheriting & rights::kDirInheriting : 0;
  if (is_dir && opened.read_only) e.withheld_by_mount = rights::kDirBase & ~rights::kReadOnly;
  if (is_dir || e.filetype == kRegularFile) e.known_fdflags = fdflags_of(flags);
  if (now && OpenReuse::eligible(flags, opened, e.filetype == kRegularFile))
    e.reusable = ReusableOpen{*dir->dir, std::string(p), flags, fdflags_of(flags), decided_ns};
  std::optional<uint32_t> fd = fds_.insert(std::move(e));
  if (!fd) {
    FdEntry lost;
    lost.host_fd = opened.fd;
    if (opened.is_directory) lost.dir = opened.dir;
    release(lost);
    return err::kMfile;
  }
  m.store<uint32_t>(fd_out, *fd);
  return err::kSuccess;
}

}  // namespace wc::host::wasi
