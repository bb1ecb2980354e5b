// The zygote's messages (supervisor/fork_request.h): the fork request a zygote accepts, and the
// reply the daemon accepts from a zygote (which holds a tenant's module: hostile input).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/fork_request.h"

namespace wc::supervisor {
namespace {

using ipc::Message;
using ipc::UniqueFd;

UniqueFd a_socket() {
  int sv[2];
  EXPECT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
  close(sv[1]);
  return UniqueFd(sv[0]);
}

ForkRequest sample() {
  ForkRequest f;
  f.memory_limit = 1 << 20;
  f.cpu_seconds = 7;
  f.max_fds = 40;
  f.env = {"A=1"};
  f.args = {"/m.wasm", "x"};
  for (auto& fd : f.stdio) fd = UniqueFd(open("/dev/null", O_RDWR | O_CLOEXEC));
  f.broker_socket = a_socket();
  f.listeners.push_back(a_socket());
  return f;
}

Message copy_of(const Message& m) {
  Message c;
  c.header = m.header;
  c.payload = m.payload;
  for (const UniqueFd& f : m.fds) c.fds.emplace_back(dup(f.get()));
  return c;
}

TEST(ZygoteForkRequest, RoundTrips) {
  std::optional<Message> m = encode_fork_request(sample());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fds.size(), 5u);  // stdio, the broker socket, one listener
  std::string err;
  std::optional<ForkRequest> f = decode_fork_request(std::move(*m), &err);
  ASSERT_TRUE(f) << err;
  EXPECT_EQ(f->memory_limit, 1u << 20);
  EXPECT_EQ(f->cpu_seconds, 7u);
  EXPECT_EQ(f->max_fds, 40u);
  EXPECT_EQ(f->env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(f->args, (std::vector<std::string>{"/m.wasm", "x"}));
  EXPECT_TRUE(f->broker_socket.valid());
  EXPECT_EQ(f->listeners.size(), 1u);
  for (auto& fd : f->stdio) EXPECT_TRUE(fd.valid());
}

TEST(ZygoteForkRequest, RefusesWhatIsNotExactlyARequest) {
  std::optional<Message> good = encode_fork_request(sample());
  ASSERT_TRUE(good);
  std::string err;
  {  // another kind (an assignment, a bootstrap)
    Message m = copy_of(*good);
    m.header.kind = kAssignKind;
    EXPECT_FALSE(decode_fork_request(std::move(m), &err));
  }
  {  // a byte more or less than the fields
    Message m = copy_of(*good);
    m.payload.push_back(0);
    m.header.length++;
    EXPECT_FALSE(decode_fork_request(std::move(m), &err));
    Message n = copy_of(*good);
    n.payload.pop_back();
    n.header.length--;
    EXPECT_FALSE(decode_fork_request(std::move(n), &err));
  }
  {  // a missing fd (the listener announced but not sent)
    Message m = copy_of(*good);
    m.fds.pop_back();
    EXPECT_FALSE(decode_fork_request(std::move(m), &err));
    EXPECT_NE(err.find("broker socket"), std::string::npos) << err;
  }
  {  // the broker socket is a regular file, not a socket
    Message m = copy_of(*good);
    m.fds[3] = UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    EXPECT_FALSE(decode_fork_request(std::move(m), &err));
    EXPECT_NE(err.find("not a socket"), std::string::npos) << err;
  }
  {  // no argv[0]
    ForkRequest f = sample();
    f.args.clear();
    std::optional<Message> m = encode_fork_request(std::move(f));
    ASSERT_TRUE(m);
    EXPECT_FALSE(decode_fork_request(std::move(*m), &err));
  }
  {  // a string with a NUL in it
    ForkRequest f = sample();
    f.env = {std::string("A=1\0B", 5)};
    std::optional<Message> m = encode_fork_request(std::move(f));
    ASSERT_TRUE(m);
    EXPECT_FALSE(decode_fork_request(std::move(*m), &err));
  }
}

TEST(ZygoteForkReply, AcceptsAPidWithItsPidfdOrAnErrno) {
  std::string err;
  UniqueFd pidfd;
  EXPECT_EQ(1234, decode_fork_reply(encode_fork_reply(1234, a_socket()), &pidfd, &err)) << err;
  EXPECT_TRUE(pidfd.valid());
  UniqueFd none;
  EXPECT_EQ(-EAGAIN, decode_fork_reply(encode_fork_reply(-EAGAIN, UniqueFd()), &none, &err));
  EXPECT_FALSE(none.valid());
}

TEST(ZygoteForkReply, RefusesMalformedReplies) {
  std::string err;
  UniqueFd pidfd;
  // a pid without its pidfd, a pid of 0, an error with an fd, another kind, extra bytes
  EXPECT_EQ(0, decode_fork_reply(encode_fork_reply(1234, UniqueFd()), &pidfd, &err));
  EXPECT_EQ(0, decode_fork_reply(encode_fork_reply(0, UniqueFd()), &pidfd, &err));
  EXPECT_EQ(0, decode_fork_reply(encode_fork_reply(-EAGAIN, a_socket()), &pidfd, &err));
  Message m = encode_fork_reply(1234, a_socket());
  m.header.kind = kForkKind;
  EXPECT_EQ(0, decode_fork_reply(std::move(m), &pidfd, &err));
  Message n = encode_fork_reply(1234, a_socket());
  n.payload.push_back(0);
  n.header.length++;
  EXPECT_EQ(0, decode_fork_reply(std::move(n), &pidfd, &err));
  EXPECT_FALSE(pidfd.valid());
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace wc::supervisor
