// fd_*: data operations on fds the worker holds, as plain syscalls. The two metadata changes
// (set_size, set_times) go through the broker, which checks the fd's mount is writable.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "host/sockets/socket_core.h"
#include "host/wasi/errno_map.h"
#include "host/wasi/internal.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {
namespace {

template <typename F>
ssize_t retry_eintr(F f) {
  ssize_t r;
  do r = f();
  while (r < 0 && errno == EINTR);
  return r;
}

// WASI offsets are u64, Linux's off_t is signed: anything past INT64_MAX is EINVAL.
bool to_off(uint64_t v, off_t* out) {
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  *out = static_cast<off_t>(v);
  return true;
}

uint8_t dirent_type(unsigned char d_type) {
  switch (d_type) {
    case DT_BLK: return kBlockDevice;
    case DT_CHR: return kCharacterDevice;
    case DT_DIR: return kDirectory;
    case DT_REG: return kRegularFile;
    case DT_LNK: return kSymbolicLink;
    case DT_SOCK: return kSocketStream;
    default: return kUnknown;  // DT_UNKNOWN: finding out would need a path lookup
  }
}

}  // namespace

uint16_t WasiContext::fd_advise(uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdAdvise, &e)) return r;
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  off_t off, l;
  if (advice > 5 || !to_off(offset, &off) || !to_off(len, &l)) return err::kInval;
  return errno_from_linux(posix_fadvise(e->host_fd, off, l, kAdvice[advice]));  // returns the error
}

uint16_t WasiContext::fd_allocate(uint32_t fd, uint64_t offset, uint64_t len) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdAllocate, &e)) return r;
  off_t off, l;
  if (!to_off(offset, &off) || !to_off(len, &l) || len == 0) return err::kInval;
  if (retry_eintr([&] { return fallocate(e->host_fd, 0, off, l); }) != 0) return errno_now();
  return err::kSuccess;
}

uint16_t WasiContext::fd_close(uint32_t fd) {
  std::optional<FdEntry> e = fds_.remove(fd);
  if (!e) return err::kBadf;
  release(*e);
  return err::kSuccess;
}

uint16_t WasiContext::fd_datasync(uint32_t fd) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdDatasync, &e)) return r;
  return fdatasync(e->host_fd) == 0 ? err::kSuccess : errno_now();
}

uint16_t WasiContext::fd_sync(uint32_t fd) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdSync, &e)) return r;
  return fsync(e->host_fd) == 0 ? err::kSuccess : errno_now();
}

uint16_t WasiContext::fd_fdstat_get(M& m, uint32_t fd, uint32_t out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, 0, &e)) return r;
  if (!m.in_bounds(out, layout::kFdstatSize)) return err::kFault;
  uint16_t flags = 0;
  if (e->known_fdflags) {
    flags = *e->known_fdflags;
  } else if (e->host_fd >= 0) {
    int fl = fcntl(e->host_fd, F_GETFL);
    if (fl < 0) return errno_now();
    flags = fdflags_of(fl);
  } else if (e->socket && e->socket->nonblock) {
    flags = fdflags::kNonblock;  // a socket the broker has not created yet keeps them here
  }
  std::memset(m.range(out, layout::kFdstatSize), 0, layout::kFdstatSize);
  m.store<uint8_t>(out, e->filetype);
  m.store<uint16_t>(out + 2, flags);
  m.store<uint64_t>(out + 8, e->rights_base);
  m.store<uint64_t>(out + 16, e->rights_inheriting);
  return err::kSuccess;
}

uint16_t WasiContext::fd_fdstat_set_flags(uint32_t fd, uint32_t flags) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdFdstatSetFlags, &e)) return r;
  if (flags & ~uint32_t{fdflags::kAll}) return err::kInval;
  // Linux's F_SETFL changes only O_APPEND and O_NONBLOCK; the sync flags are fixed at open.
  if (flags & (fdflags::kDsync | fdflags::kRsync | fdflags::kSync)) return err::kNotsup;
  if (e->host_fd < 0 && e->socket) {  // applied when the broker hands over the socket
    if (flags & fdflags::kAppend) return err::kInval;
    e->socket->nonblock = flags & fdflags::kNonblock;
    return err::kSuccess;
  }
  // F_SETFL leaves the access mode and creation flags alone; of the rest we only ever set
  // O_APPEND and O_NONBLOCK, so no F_GETFL is needed to keep the others.
  int fl = 0;
  if (flags & fdflags::kAppend) fl |= O_APPEND;
  if (flags & fdflags::kNonblock) fl |= O_NONBLOCK;
  if (fcntl(e->host_fd, F_SETFL, fl) != 0) return errno_now();
  if (e->known_fdflags) e->known_fdflags = static_cast<uint16_t>(flags);
  if (e->socket) e->socket->nonblock = flags & fdflags::kNonblock;  // the data path reads it
  return err::kSuccess;
}

uint16_t WasiContext::fd_fdstat_set_rights(uint32_t fd, uint64_t base, uint64_t inheriting) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, 0, &e)) return r;
  // Rights only ever shrink.
  if ((base & ~e->rights_base) || (inheriting & ~e->rights_inheriting)) return err::kNotcapable;
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return err::kSuccess;
}

uint16_t WasiContext::fd_filestat_get(M& m, uint32_t fd, uint32_t out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdFilestatGet, &e)) return r;
  if (!m.in_bounds(out, layout::kFilestatSize)) return err::kFault;
  struct stat st {};
  if (host_fstat(e->host_fd, &st) != 0) return errno_now();
  return store_filestat(m, out, st, S_ISSOCK(st.st_mode) ? e->filetype : filetype_of(st, -1));
}

uint16_t WasiContext::fd_filestat_set_size(uint32_t fd, uint64_t size) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdFilestatSetSize, &e)) return r;
  if (size > static_cast<uint64_t>(INT64_MAX)) return err::kInval;
  if (!config_.broker) return err::kNotcapable;
  return errno_from_linux(config_.broker->fd_set_size(e->host_fd, size));
}

uint16_t WasiContext::fd_filestat_set_times(uint32_t fd, uint64_t atim, uint64_t mtim,
                                            uint32_t fst) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdFilestatSetTimes, &e)) return r;
  struct timespec times[2];
  if (uint16_t r = to_timespecs(atim, mtim, fst, times)) return r;
  if (!config_.broker) return err::kNotcapable;
  return errno_from_linux(config_.broker->fd_set_times(e->host_fd, times));
}

uint16_t WasiContext::fd_read(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t nread_out) {
  FdEntry* e;
  // Reading a directory is EISDIR (as Linux), though a directory has no read right either.
  if (FdEntry* any = fds_.get(fd); any && any->filetype == kDirectory) return err::kIsdir;
  if (uint16_t r = lookup(fd, rights::kFdRead, &e)) return r;
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(nread_out, 4)) return err::kFault;  // before the read consumes data
  ssize_t n = retry_eintr([&] { return readv(e->host_fd, v.data(), static_cast<int>(v.size())); });
  if (n < 0) return errno_now();
  m.store<uint32_t>(nread_out, static_cast<uint32_t>(n));
  return err::kSuccess;
}

uint16_t WasiContext::fd_pread(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len, uint64_t offset,
                               uint32_t nread_out) {
  FdEntry* e;
  if (FdEntry* any = fds_.get(fd); any && any->filetype == kDirectory) return err::kIsdir;
  if (uint16_t r = lookup(fd, rights::kFdRead | rights::kFdSeek, &e)) return r;
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(nread_out, 4)) return err::kFault;
  off_t off;
  if (!to_off(offset, &off)) return err::kInval;
  ssize_t n =
      retry_eintr([&] { return preadv(e->host_fd, v.data(), static_cast<int>(v.size()), off); });
  if (n < 0) return errno_now();
  m.store<uint32_t>(nread_out, static_cast<uint32_t>(n));
  return err::kSuccess;
}

uint16_t WasiContext::fd_write(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                               uint32_t nwritten_out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdWrite, &e)) return r;
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(nwritten_out, 4)) return err::kFault;  // before anything is written
  ssize_t n = retry_eintr([&] { return writev(e->host_fd, v.data(), static_cast<int>(v.size())); });
  if (n < 0) return errno_now();
  m.store<uint32_t>(nwritten_out, static_cast<uint32_t>(n));
  return err::kSuccess;
}

uint16_t WasiContext::fd_pwrite(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint64_t offset, uint32_t nwritten_out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdWrite | rights::kFdSeek, &e)) return r;
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(nwritten_out, 4)) return err::kFault;
  off_t off;
  if (!to_off(offset, &off)) return err::kInval;
  ssize_t n =
      retry_eintr([&] { return pwritev(e->host_fd, v.data(), static_cast<int>(v.size()), off); });
  if (n < 0) return errno_now();
  m.store<uint32_t>(nwritten_out, static_cast<uint32_t>(n));
  return err::kSuccess;
}

uint16_t WasiContext::fd_prestat_get(M& m, uint32_t fd, uint32_t out) {
  FdEntry* e = fds_.get(fd);
  if (!e || !e->is_preopen) return err::kBadf;  // wasi-libc's preopen scan stops here
  if (!m.in_bounds(out, layout::kPrestatSize)) return err::kFault;
  m.store<uint32_t>(out, 0);  // tag 0 = dir, padding zeroed
  m.store<uint32_t>(out + 4, static_cast<uint32_t>(e->preopen_name.size()));
  return err::kSuccess;
}

uint16_t WasiContext::fd_prestat_dir_name(M& m, uint32_t fd, uint32_t path, uint32_t path_len) {
  FdEntry* e = fds_.get(fd);
  if (!e || !e->is_preopen) return err::kBadf;
  if (path_len < e->preopen_name.size()) return err::kNametoolong;  // as wasmtime
  uint8_t* p = m.range(path, e->preopen_name.size());
  if (!p) return err::kFault;
  std::memcpy(p, e->preopen_name.data(), e->preopen_name.size());
  return err::kSuccess;
}

// Entries from `cookie` on, each a 24-byte header then the name, packed into the buffer and
// cut off when it is full: bufused < buf_len means the end of the directory was reached. The
// cookie is the kernel's d_off (a telldir position), so we seek to it on every call and keep
// no per-fd state.
uint16_t WasiContext::fd_readdir(M& m, uint32_t fd, uint32_t buf, uint32_t buf_len, uint64_t cookie,
                                 uint32_t bufused_out) {
  FdEntry* e;
  // The kind of fd first: listing a file is ENOTDIR (as Linux), whatever its rights.
  if (FdEntry* any = fds_.get(fd); any && any->filetype != kDirectory) return err::kNotdir;
  if (uint16_t r = lookup(fd, rights::kFdReaddir, &e)) return r;
  uint8_t* out = m.range(buf, buf_len);
  if (!out || !m.in_bounds(bufused_out, 4)) return err::kFault;
  off_t pos;
  if (!to_off(cookie, &pos)) return err::kInval;
  if (lseek(e->host_fd, pos, SEEK_SET) < 0) return errno_now();

  alignas(8) char host[16384];
  uint32_t used = 0;
  while (used < buf_len) {
    ssize_t n = retry_eintr([&] { return getdents64(e->host_fd, host, sizeof host); });
    if (n < 0) return errno_now();
    if (n == 0) break;
    for (ssize_t at = 0; at < n && used < buf_len;) {
      auto* d = reinterpret_cast<struct dirent64*>(host + at);
      at += d->d_reclen;
      uint32_t namlen = static_cast<uint32_t>(strnlen(d->d_name, 256));
      uint8_t header[layout::kDirentSize] = {};
      uint64_t next = static_cast<uint64_t>(d->d_off), ino = d->d_ino;
      std::memcpy(header, &next, 8);
      std::memcpy(header + 8, &ino, 8);
      std::memcpy(header + 16, &namlen, 4);
      header[20] = dirent_type(d->d_type);
      uint32_t take = std::min<uint32_t>(layout::kDirentSize, buf_len - used);
      std::memcpy(out + used, header, take);
      used += take;
      take = std::min<uint32_t>(namlen, buf_len - used);
      std::memcpy(out + used, d->d_name, take);
      used += take;
    }
  }
  m.store<uint32_t>(bufused_out, used);
  return err::kSuccess;
}

uint16_t WasiContext::fd_renumber(uint32_t from, uint32_t to) {
  std::optional<FdEntry> displaced;
  if (!fds_.renumber(from, to, &displaced)) return err::kBadf;
  if (displaced) release(*displaced);
  return err::kSuccess;
}

uint16_t WasiContext::fd_seek(M& m, uint32_t fd, int64_t offset, uint32_t wh,
                              uint32_t newoffset_out) {
  // A pure "where am I" needs only the tell right (wasi-libc's ftell/lseek(fd, 0, SEEK_CUR)).
  uint64_t need = (wh == whence::kCur && offset == 0) ? rights::kFdTell : rights::kFdSeek;
  FdEntry* e;
  if (uint16_t r = lookup_not_dir(fd, need, &e)) return r;
  int how = wh == whence::kSet   ? SEEK_SET
            : wh == whence::kCur ? SEEK_CUR
            : wh == whence::kEnd ? SEEK_END
                                 : -1;
  if (how < 0) return err::kInval;
  if (!m.in_bounds(newoffset_out, 8)) return err::kFault;
  off_t r = lseek(e->host_fd, offset, how);
  if (r < 0) return errno_now();
  m.store<uint64_t>(newoffset_out, static_cast<uint64_t>(r));
  return err::kSuccess;
}

uint16_t WasiContext::fd_tell(M& m, uint32_t fd, uint32_t offset_out) {
  FdEntry* e;
  if (uint16_t r = lookup_not_dir(fd, rights::kFdTell, &e)) return r;
  if (!m.in_bounds(offset_out, 8)) return err::kFault;
  off_t r = lseek(e->host_fd, 0, SEEK_CUR);
  if (r < 0) return errno_now();
  m.store<uint64_t>(offset_out, static_cast<uint64_t>(r));
  return err::kSuccess;
}

}  // namespace wc::host::wasi
