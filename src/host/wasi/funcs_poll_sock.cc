// poll_oneoff (clocks and fd readiness through ppoll(2) on held fds) and sock_* on held
// sockets. Naming calls (socket/bind/connect) are not here: they belong to the broker.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "host/wasi/errno_map.h"
#include "host/wasi/internal.h"
#include "host/wasi/wasi.h"
#include "host/wasi/wasi_abi.h"

namespace wc::host::wasi {
namespace {

constexpr uint64_t kInterruptCheckNs = 100000000;  // 100 ms

uint64_t now_ns(clockid_t c) {
  struct timespec ts {};
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct Event {
  uint64_t userdata = 0;
  uint16_t error = 0;
  uint8_t type = 0;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

// Bytes readable now: what is left of a regular file, or what the socket/pipe holds.
uint64_t readable_bytes(int fd, uint8_t filetype) {
  if (filetype == kRegularFile) {
    struct stat st {};
    off_t pos = lseek(fd, 0, SEEK_CUR);
    if (host_fstat(fd, &st) == 0 && pos >= 0 && st.st_size > pos)
      return static_cast<uint64_t>(st.st_size - pos);
    return 0;
  }
  int n = 0;
  return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? static_cast<uint64_t>(n) : 0;
}

bool is_socket(const FdEntry& e) {
  return e.socket || e.filetype == kSocketStream || e.filetype == kSocketDgram;
}

}  // namespace

uint16_t WasiContext::poll_oneoff(M& m, uint32_t in, uint32_t out, uint32_t nsubs,
                                  uint32_t nevents_out) {
  if (nsubs == 0) return err::kInval;  // would block forever
  if (!m.in_bounds(in, uint64_t{nsubs} * layout::kSubscriptionSize) ||
      !m.in_bounds(out, uint64_t{nsubs} * layout::kEventSize) || !m.in_bounds(nevents_out, 4))
    return err::kFault;

  struct Clock {
    uint64_t userdata;
    clockid_t clock;
    uint64_t deadline;
  };
  struct Waiter {
    uint64_t userdata;
    uint8_t type;
    uint8_t filetype;
  };
  std::vector<Event> events;  // ready now (including per-subscription errors)
  std::vector<Clock> clocks;
  std::vector<struct pollfd> pfds;
  std::vector<Waiter> waiters;  // parallel to pfds

  for (uint32_t i = 0; i < nsubs; ++i) {
    uint64_t s = uint64_t{in} + uint64_t{i} * layout::kSubscriptionSize;
    uint64_t userdata = 0;
    uint8_t tag = 0;
    m.load(s, &userdata);
    m.load(s + 8, &tag);
    if (tag == eventtype::kClock) {
      uint32_t id = 0;
      uint64_t timeout = 0;
      uint16_t flags = 0;
      m.load(s + 16, &id);
      m.load(s + 24, &timeout);
      m.load(s + 40, &flags);
      clockid_t c;
      // Waiting on a CPU-time clock makes no sense for a sleeping process.
      if ((id != clockid::kRealtime && id != clockid::kMonotonic) || !linux_clock(id, &c)) {
        events.push_back({userdata, err::kInval, tag, 0, 0});
        continue;
      }
      uint64_t deadline = timeout;
      if (!(flags & kSubscriptionClockAbstime)) {
        uint64_t now = now_ns(c);
        deadline = timeout > UINT64_MAX - now ? UINT64_MAX : now + timeout;
      }
      clocks.push_back({userdata, c, deadline});
    } else if (tag == eventtype::kFdRead || tag == eventtype::kFdWrite) {
      uint32_t fd = 0;
      m.load(s + 16, &fd);
      FdEntry* e;
      if (uint16_t r = lookup(fd, rights::kPollFdReadwrite, &e)) {
        events.push_back({userdata, r, tag, 0, 0});
        continue;
      }
      pfds.push_back(
          {e->host_fd, static_cast<short>(tag == eventtype::kFdRead ? POLLIN : POLLOUT), 0});
      waiters.push_back({userdata, tag, e->filetype});
    } else {
      return err::kInval;
    }
  }

  for (;;) {
    // Wait until the earliest clock, not at all if something is already decided.
    bool infinite = events.empty() && clocks.empty();
    uint64_t wait = 0;
    if (events.empty() && !clocks.empty()) {
      wait = UINT64_MAX;
      for (const Clock& c : clocks) {
        uint64_t now = now_ns(c.clock);
        wait = std::min(wait, c.deadline > now ? c.deadline - now : 0);
      }
    }
    if (interrupt_ && !interrupt_by_signal_only_ &&
        (infinite || wait > kInterruptCheckNs)) {  // see set_interrupt_flag
      infinite = false;
      wait = kInterruptCheckNs;
    }
    struct timespec ts {
      static_cast<time_t>(std::min<uint64_t>(wait / 1000000000ull, INT32_MAX)),
          static_cast<long>(wait % 1000000000ull)
    };
    int n = ppoll(pfds.data(), pfds.size(), infinite ? nullptr : &ts, nullptr);
    int e = errno;
    if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) return errno_from_linux(EINTR);
    if (n < 0) {
      if (e == EINTR) continue;
      return errno_from_linux(e);
    }
    for (size_t i = 0; i < pfds.size(); ++i) {
      short rev = pfds[i].revents;
      if (!rev) continue;
      Event ev{waiters[i].userdata, 0, waiters[i].type, 0, 0};
      if (rev & POLLNVAL)
        ev.error = err::kBadf;
      else if ((rev & POLLERR) && !(rev & (POLLIN | POLLOUT)))
        ev.error = err::kIo;
      if (rev & POLLHUP) ev.flags |= kEventFdReadwriteHangup;
      if (!ev.error && waiters[i].type == eventtype::kFdRead)
        ev.nbytes = readable_bytes(pfds[i].fd, waiters[i].filetype);
      events.push_back(ev);
    }
    for (const Clock& c : clocks)
      if (now_ns(c.clock) >= c.deadline) events.push_back({c.userdata, 0, eventtype::kClock, 0, 0});
    if (!events.empty()) break;
  }

  for (size_t i = 0; i < events.size(); ++i) {
    uint64_t o = uint64_t{out} + i * layout::kEventSize;
    std::memset(m.range(o, layout::kEventSize), 0, layout::kEventSize);
    m.store<uint64_t>(o, events[i].userdata);
    m.store<uint16_t>(o + 8, events[i].error);
    m.store<uint8_t>(o + 10, events[i].type);
    m.store<uint64_t>(o + 16, events[i].nbytes);
    m.store<uint16_t>(o + 24, events[i].flags);
  }
  m.store<uint32_t>(nevents_out, static_cast<uint32_t>(events.size()));
  return err::kSuccess;
}

uint16_t WasiContext::sock_accept(M& m, uint32_t fd, uint32_t flags, uint32_t fd_out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, 0, &e)) return r;
  if (!is_socket(*e)) return err::kNotsock;  // the kind of fd before its rights, as Linux
  if (uint16_t r = lookup(fd, rights::kSockAccept, &e)) return r;
  if (flags & ~uint32_t{fdflags::kNonblock}) return err::kInval;
  if (!m.in_bounds(fd_out, 4)) return err::kFault;
  if (!room_for_fd()) return err::kMfile;
  int s =
      static_cast<int>(accept4(e->host_fd, nullptr, nullptr,
                               SOCK_CLOEXEC | ((flags & fdflags::kNonblock) ? SOCK_NONBLOCK : 0)));
  if (s < 0) return errno_now();
  std::optional<uint32_t> n = add_socket(s);
  if (!n) {
    close(s);
    return err::kMfile;
  }
  if (FdEntry* ne = fds_.get(*n)) ne->rights_base &= ~rights::kSockAccept;  // a connection
  m.store<uint32_t>(fd_out, *n);
  return err::kSuccess;
}

uint16_t WasiContext::sock_recv(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint32_t ri_flags, uint32_t datalen_out, uint32_t roflags_out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdRead, &e)) return r;
  if (ri_flags & ~uint32_t{kRecvPeek | kRecvWaitall}) return err::kInval;
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(datalen_out, 4) || !m.in_bounds(roflags_out, 2)) return err::kFault;
  struct msghdr msg {};
  msg.msg_iov = v.data();
  msg.msg_iovlen = v.size();
  int flags =
      ((ri_flags & kRecvPeek) ? MSG_PEEK : 0) | ((ri_flags & kRecvWaitall) ? MSG_WAITALL : 0);
  ssize_t n;
  do n = recvmsg(e->host_fd, &msg, flags);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno_now();
  m.store<uint32_t>(datalen_out, static_cast<uint32_t>(n));
  m.store<uint16_t>(roflags_out, (msg.msg_flags & MSG_TRUNC) ? kRecvDataTruncated : 0);
  return err::kSuccess;
}

uint16_t WasiContext::sock_send(M& m, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                uint32_t si_flags, uint32_t datalen_out) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, rights::kFdWrite, &e)) return r;
  if (si_flags != 0) return err::kInval;  // no siflags are defined
  std::vector<struct iovec> v;
  if (uint16_t r = gather_iovecs(m, iovs, iovs_len, &v)) return r;
  if (!m.in_bounds(datalen_out, 4)) return err::kFault;
  // sendto without an address, one iovec at a time: the worker's seccomp filter allows
  // sendmsg only on the IPC socket (its msg_name could aim a datagram anywhere) and sendto
  // only with a null address. MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE.
  size_t total = 0;
  for (const struct iovec& iov : v) {
    if (iov.iov_len == 0) continue;
    ssize_t n;
    do n = sendto(e->host_fd, iov.iov_base, iov.iov_len, MSG_NOSIGNAL, nullptr, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (total > 0) break;  // report what was sent; the error shows on the next call
      return errno_now();
    }
    total += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < iov.iov_len) break;
  }
  m.store<uint32_t>(datalen_out, static_cast<uint32_t>(total));
  return err::kSuccess;
}

uint16_t WasiContext::sock_shutdown(uint32_t fd, uint32_t how) {
  FdEntry* e;
  if (uint16_t r = lookup(fd, 0, &e)) return r;
  // The kind of fd first (as wasmtime and Linux): a file has no shutdown right either, but
  // what is wrong is that it is not a socket.
  if (!is_socket(*e)) return err::kNotsock;
  if (uint16_t r = lookup(fd, rights::kSockShutdown, &e)) return r;
  int h = how == (kShutRd | kShutWr) ? SHUT_RDWR
          : how == kShutRd           ? SHUT_RD
          : how == kShutWr           ? SHUT_WR
                                     : -1;
  if (h < 0) return err::kInval;
  return shutdown(e->host_fd, h) == 0 ? err::kSuccess : errno_now();
}

}  // namespace wc::host::wasi
