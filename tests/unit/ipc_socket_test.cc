// Messages over a real SOCK_SEQPACKET socketpair: fds as SCM_RIGHTS, and the datagram-level
// checks (short, oversized, lying header, too many fds) with no fd leaked on rejection.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include "broker_test_util.h"
#include "ipc/protocol.h"
#include "ipc/socket.h"

namespace wc::ipc {
namespace {

// Sends raw bytes plus `nfds` copies of stdin's fd, bypassing send_message's checks.
void send_raw(int sock, const std::vector<uint8_t>& bytes, size_t nfds) {
  struct iovec iov = {const_cast<uint8_t*>(bytes.data()), bytes.size()};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * nfds));
  if (nfds > 0) {
    mh.msg_control = control.data();
    mh.msg_controllen = control.size();
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    for (size_t i = 0; i < nfds; i++) {
      int fd = 0;
      memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
    }
  }
  ASSERT_EQ(sendmsg(sock, &mh, MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()))
      << strerror(errno);
}

std::vector<uint8_t> datagram(uint16_t kind, uint32_t length, size_t payload_bytes) {
  std::vector<uint8_t> b(kHeaderSize + payload_bytes, 0);
  encode_header({kind, 0, 1, length}, b.data());
  return b;
}

TEST(IpcSocket, MessageWithFdsRoundTrips) {
  UniqueFd sp[2];
  ASSERT_EQ(make_socketpair(sp), 0);
  Request req;
  req.kind = Kind::kFdSetSize;
  req.id = 42;
  req.size = 1000;
  req.fd = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(send_message(sp[0].get(), encode_request(std::move(req))), 0);
  Message got;
  ASSERT_EQ(recv_message(sp[1].get(), &got), 1);
  ASSERT_EQ(got.fds.size(), 1u);
  EXPECT_TRUE(fcntl(got.fds[0].get(), F_GETFD) & FD_CLOEXEC);
  std::optional<Request> r = decode_request(std::move(got));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 42u);
  EXPECT_EQ(r->size, 1000u);
}

TEST(IpcSocket, RejectsMalformedDatagramsWithoutLeakingFds) {
  UniqueFd sp[2];
  ASSERT_EQ(make_socketpair(sp), 0);
  int before = wc::testing::count_open_fds();
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    size_t fds;
  };
  std::vector<Case> cases = {
      {"shorter than a header", {1, 0, 0}, 0},
      {"short with fds", {1, 0, 0}, 2},
      {"header says more", datagram(1, 10, 4), 0},
      {"header says less", datagram(1, 2, 4), 1},
      {"oversized", datagram(2, kMaxPayload + 1, kMaxPayload + 1), 0},
      {"too many fds", datagram(1, 0, 0), kMaxFds + 1},
  };
  for (const Case& c : cases) {
    send_raw(sp[0].get(), c.bytes, c.fds);
    Message m;
    EXPECT_EQ(recv_message(sp[1].get(), &m), -EBADMSG) << c.what;
  }
  EXPECT_EQ(wc::testing::count_open_fds(), before);
}

TEST(IpcSocket, EndOfStream) {
  UniqueFd sp[2];
  ASSERT_EQ(make_socketpair(sp), 0);
  sp[0].reset();
  Message m;
  EXPECT_EQ(recv_message(sp[1].get(), &m), 0);
}

TEST(IpcSocket, SendRefusesOversizedMessages) {
  UniqueFd sp[2];
  ASSERT_EQ(make_socketpair(sp), 0);
  Message m;
  m.header.kind = 1;
  m.payload.resize(kMaxPayload + 1);
  EXPECT_EQ(send_message(sp[0].get(), m), -EMSGSIZE);
}

}  // namespace
}  // namespace wc::ipc
