// Context set-up (stdio, preopens, listening sockets), fd lookup with rights, release.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "host/wasi/internal.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {

uint8_t filetype_of(const struct stat& st, int fd) {
  switch (st.st_mode & S_IFMT) {
    case S_IFBLK: return kBlockDevice;
    case S_IFCHR: return kCharacterDevice;
    case S_IFDIR: return kDirectory;
    case S_IFREG: return kRegularFile;
    case S_IFLNK: return kSymbolicLink;
    case S_IFSOCK: {
      int type = SOCK_STREAM;
      socklen_t len = sizeof(type);
      if (fd >= 0) getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
      return type == SOCK_DGRAM ? kSocketDgram : kSocketStream;
    }
    default: return kUnknown;  // FIFOs: WASI has no type for them
  }
}

uint16_t fdflags_of(int fl) {
  uint16_t flags = 0;
  if (fl & O_APPEND) flags |= fdflags::kAppend;
  if (fl & O_NONBLOCK) flags |= fdflags::kNonblock;
  if ((fl & O_SYNC) == O_SYNC)
    flags |= fdflags::kSync;  // O_SYNC includes the O_DSYNC bit
  else if (fl & O_DSYNC)
    flags |= fdflags::kDsync;
  return flags;
}

uint16_t store_filestat(GuestMemory& m, uint32_t out, const struct stat& st, uint8_t filetype) {
  uint8_t* p = m.range(out, layout::kFilestatSize);
  if (!p) return err::kFault;
  auto ns = [](const struct timespec& ts) {
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  };
  std::memset(p, 0, layout::kFilestatSize);
  m.store<uint64_t>(out + 0, st.st_dev);
  m.store<uint64_t>(out + 8, st.st_ino);
  m.store<uint8_t>(out + 16, filetype);
  m.store<uint64_t>(out + 24, st.st_nlink);
  m.store<uint64_t>(out + 32, static_cast<uint64_t>(st.st_size));
  m.store<uint64_t>(out + 40, ns(st.st_atim));
  m.store<uint64_t>(out + 48, ns(st.st_mtim));
  m.store<uint64_t>(out + 56, ns(st.st_ctim));
  return err::kSuccess;
}

uint16_t to_timespecs(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec times[2]) {
  if (fst & ~uint32_t{15}) return err::kInval;
  auto one = [](uint64_t t, bool set, bool now, struct timespec* ts) -> bool {
    if (set && now) return false;
    if (now)
      *ts = {0, UTIME_NOW};
    else if (set)
      *ts = {static_cast<time_t>(t / 1000000000ull), static_cast<long>(t % 1000000000ull)};
    else
      *ts = {0, UTIME_OMIT};
    return true;
  };
  if (!one(atim, fst & fstflags::kAtim, fst & fstflags::kAtimNow, &times[0]) ||
      !one(mtim, fst & fstflags::kMtim, fst & fstflags::kMtimNow, &times[1]))
    return err::kInval;
  return err::kSuccess;
}

bool linux_clock(uint32_t id, clockid_t* out) {
  switch (id) {
    case clockid::kRealtime: *out = CLOCK_REALTIME; return true;
    case clockid::kMonotonic: *out = CLOCK_MONOTONIC; return true;
    case clockid::kProcessCputime: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case clockid::kThreadCputime: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

WasiContext::WasiContext(WasiConfig config) : config_(std::move(config)), fds_(config_.max_fds) {
  fds_.set_notice_fd(config_.stderr_fd);
  if (config_.broker) {
    fds_.set_on_full([broker = config_.broker, max = config_.max_fds] {
      broker->limit_reached(host::WorkerLimit::kFds,
                            "fd table full at " + std::to_string(max) + " entries");
    });
  }
  // Stdio first, at 0, 1, 2. A missing one keeps its number reserved (closed) so preopens
  // still start at 3, which is where wasi-libc looks for them.
  int stdio[3] = {config_.stdin_fd, config_.stdout_fd, config_.stderr_fd};
  std::vector<uint32_t> placeholders;
  for (int i = 0; i < 3; ++i) {
    FdEntry e;
    e.host_fd = stdio[i];
    e.owns_host_fd = false;
    struct stat st {};
    if (stdio[i] >= 0 && host_fstat(stdio[i], &st) == 0) e.filetype = filetype_of(st, stdio[i]);
    e.rights_base = rights::kFile;
    // wasi-libc's isatty() is "character device without seek/tell rights".
    if (e.filetype == kCharacterDevice) e.rights_base &= ~(rights::kFdSeek | rights::kFdTell);
    fds_.insert(std::move(e));
    if (stdio[i] < 0) placeholders.push_back(static_cast<uint32_t>(i));
  }
  if (config_.broker) {
    for (const Preopen& p : config_.broker->preopens()) {
      FdEntry e;
      e.host_fd = p.fd;
      e.filetype = kDirectory;
      // A read-only mount advertises only the read side, and grants all it advertises; the
      // broker still enforces the mount's policy on every request.
      uint64_t mask = p.read_only ? rights::kReadOnly : rights::kAll;
      e.rights_base = rights::kDirBase & mask;
      e.rights_inheriting = rights::kDirInheriting & mask;
      if (p.read_only) e.withheld_by_mount = rights::kDirBase & ~rights::kReadOnly;
      e.dir = p.dir;
      e.is_preopen = true;
      e.known_fdflags = 0;  // the broker opens it O_RDONLY | O_DIRECTORY
      e.preopen_name = p.guest_path;
      e.read_only = p.read_only;
      if (!fds_.insert(std::move(e))) {
        if (p.fd >= 0) close(p.fd);
        config_.broker->close_dir(p.dir);
      }
    }
  }
  for (int s : config_.listen_sockets)
    if (!add_socket(s)) close(s);
  for (uint32_t fd : placeholders) fds_.remove(fd);
}

WasiContext::~WasiContext() {
  for (uint32_t fd : fds_.open_fds()) {
    std::optional<FdEntry> e = fds_.remove(fd);
    if (e) release(*e);
  }
}

std::optional<uint32_t> WasiContext::add_socket(int host_fd) {
  FdEntry e;
  e.host_fd = host_fd;
  struct stat st {};
  e.filetype = host_fstat(host_fd, &st) == 0 ? filetype_of(st, host_fd) : kSocketStream;
  e.rights_base = rights::kSocket;
  return fds_.insert(std::move(e));
}

void WasiContext::release(FdEntry& e) {
  // Kept only with room to spare under the worker's fd limit (RLIMIT_NOFILE leaves room for
  // the guest's table, not more): an idle fd must never be why an fd the broker sends cannot
  // be received. Kept ones are closed again when the table needs their room (room_for_fd).
  if (e.reusable && e.owns_host_fd && e.host_fd >= 0 &&
      fds_.open_count() + reuse_.idle() + kReuseHeadroom < fds_.max_fds()) {
    reuse_.give_back(e.host_fd, std::move(*e.reusable), e.known_fdflags.value_or(0xffff),
                     OpenReuse::now_ns());
    e.host_fd = -1;
    e.reusable.reset();
  }
  if (e.owns_host_fd && e.host_fd >= 0) close(e.host_fd);
  if (e.dir) reuse_.forget_dir(*e.dir);
  if (e.dir && config_.broker) config_.broker->close_dir(*e.dir);
  e.host_fd = -1;
  e.dir.reset();
}

uint16_t WasiContext::lookup(uint32_t fd, uint64_t needed, FdEntry** out) {
  FdEntry* e = fds_.get(fd);
  if (!e) return err::kBadf;
  if ((e->rights_base & needed) != needed) return err::kNotcapable;
  *out = e;
  return err::kSuccess;
}

uint16_t WasiContext::lookup_not_dir(uint32_t fd, uint64_t needed, FdEntry** out) {
  FdEntry* e = fds_.get(fd);
  if (e && e->filetype == kDirectory) return err::kBadf;  // no position to seek or tell
  return lookup(fd, needed, out);
}

uint16_t WasiContext::lookup_dir(uint32_t fd, uint64_t needed, FdEntry** out) {
  FdEntry* e = fds_.get(fd);
  if (!e) return err::kBadf;
  if (!e->dir || !config_.broker) return err::kNotdir;
  if (needed & ~e->rights_base & ~e->withheld_by_mount) return err::kNotcapable;
  *out = e;
  return err::kSuccess;
}

bool WasiContext::room_for_fd() {
  if (fds_.full()) return false;
  size_t free_slots = fds_.max_fds() - fds_.open_count();  // at least 1: not full
  reuse_.keep_at_most(free_slots - 1);
  return true;
}

}  // namespace wc::host::wasi
