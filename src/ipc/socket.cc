#include "ipc/socket.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace wc::ipc {

int make_socketpair(UniqueFd out[2]) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  out[0].reset(sv[0]);
  out[1].reset(sv[1]);
  return 0;
}

int send_message(int sock, const Message& msg) {
  if (msg.payload.size() > kMaxPayload || msg.fds.size() > kMaxFds) return -EMSGSIZE;
  uint8_t header[kHeaderSize];
  Header h = msg.header;
  h.length = static_cast<uint32_t>(msg.payload.size());
  encode_header(h, header);
  struct iovec iov[2] = {{header, kHeaderSize},
                         {const_cast<uint8_t*>(msg.payload.data()), msg.payload.size()}};
  struct msghdr mh = {};
  mh.msg_iov = iov;
  mh.msg_iovlen = msg.payload.empty() ? 1 : 2;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (!msg.fds.empty()) {
    size_t n = msg.fds.size();
    mh.msg_control = control;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    for (size_t i = 0; i < n; i++) {
      int fd = msg.fds[i].get();
      std::memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
    }
  }
  for (;;) {
    ssize_t r = sendmsg(sock, &mh, MSG_NOSIGNAL);
    if (r >= 0) return static_cast<size_t>(r) == kHeaderSize + msg.payload.size() ? 0 : -EMSGSIZE;
    if (errno != EINTR) return -errno;
  }
}

int recv_message(int sock, Message* out) {
  // One buffer per thread, a byte longer than the largest valid datagram so that an oversized
  // one shows up as MSG_TRUNC rather than as a valid prefix. Allocated on the thread's first
  // receive and never zeroed, so only the pages a datagram fills are ever touched: as a
  // thread_local array it was 64 KiB of TLS that every new thread zeroed (an idle container's
  // worker paid it twice, for its guest's thread and its output forwarder's).
  constexpr size_t kBufSize = kHeaderSize + kMaxPayload + 1;
  static thread_local std::unique_ptr<uint8_t[]> buf;
  if (!buf) buf.reset(new uint8_t[kBufSize]);
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  struct iovec iov = {buf.get(), kBufSize};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;

  // Take ownership of every fd first, so that any rejection below closes them.
  Message m;
  bool bad_control = (mh.msg_flags & MSG_CTRUNC) != 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
      bad_control = true;
      continue;
    }
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      m.fds.emplace_back(fd);
    }
  }
  if (n == 0 && m.fds.empty() && !bad_control) return 0;  // peer closed
  if (bad_control || m.fds.size() > kMaxFds || (mh.msg_flags & MSG_TRUNC) ||
      static_cast<size_t>(n) < kHeaderSize) {
    return -EBADMSG;
  }
  m.header = decode_header(buf.get());
  size_t len = static_cast<size_t>(n) - kHeaderSize;
  if (m.header.length != len || len > kMaxPayload) return -EBADMSG;
  m.payload.assign(buf.get() + kHeaderSize, buf.get() + n);
  *out = std::move(m);
  return 1;
}

}  // namespace wc::ipc
