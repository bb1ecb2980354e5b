// The warm pool's assignment message (supervisor/assignment.h): what a pooled worker accepts
// as its container. It comes from the daemon, but is checked as strictly as any IPC input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "supervisor/assignment.h"

namespace wc::supervisor {
namespace {

using ipc::Message;
using ipc::UniqueFd;

UniqueFd module_memfd(size_t size) {
  int fd = memfd_create("module", MFD_CLOEXEC);
  EXPECT_EQ(0, ftruncate(fd, static_cast<off_t>(size)));
  return UniqueFd(fd);
}

Assignment sample() {
  Assignment a;
  a.memory_limit = 1 << 20;
  a.cpu_seconds = 7;
  a.max_fds = 40;
  a.env = {"A=1"};
  a.args = {"/m.wasm", "x"};
  for (auto& fd : a.stdio) fd = UniqueFd(open("/dev/null", O_RDWR | O_CLOEXEC));
  a.boot.module_fd = module_memfd(8);
  a.boot.module_size = 8;
  return a;
}

Message copy_of(const Message& m) {
  Message c;
  c.header = m.header;
  c.payload = m.payload;
  for (const UniqueFd& f : m.fds) c.fds.emplace_back(dup(f.get()));
  return c;
}

TEST(WarmPoolAssignment, RoundTrips) {
  std::optional<Message> m = encode_assignment(sample());
  ASSERT_TRUE(m);
  std::string err;
  std::optional<Assignment> a = decode_assignment(std::move(*m), &err);
  ASSERT_TRUE(a) << err;
  EXPECT_EQ(a->memory_limit, 1u << 20);
  EXPECT_EQ(a->cpu_seconds, 7u);
  EXPECT_EQ(a->max_fds, 40u);
  EXPECT_EQ(a->env, std::vector<std::string>{"A=1"});
  EXPECT_EQ(a->args, (std::vector<std::string>{"/m.wasm", "x"}));
  EXPECT_EQ(a->boot.module_size, 8u);
  for (auto& fd : a->stdio) EXPECT_TRUE(fd.valid());
}

TEST(WarmPoolAssignment, RefusesWhatIsNotExactlyAnAssignment) {
  std::optional<Message> m = encode_assignment(sample());
  ASSERT_TRUE(m);
  std::string err;
  Message wrong_kind = copy_of(*m);
  wrong_kind.header.kind = kBootstrapKind;
  EXPECT_FALSE(decode_assignment(std::move(wrong_kind), &err));
  Message missing_fd = copy_of(*m);
  missing_fd.fds.pop_back();
  EXPECT_FALSE(decode_assignment(std::move(missing_fd), &err));
  Message truncated = copy_of(*m);
  truncated.payload.pop_back();
  truncated.header.length = static_cast<uint32_t>(truncated.payload.size());
  EXPECT_FALSE(decode_assignment(std::move(truncated), &err));
  Message trailing = copy_of(*m);
  trailing.payload.push_back(0);
  trailing.header.length = static_cast<uint32_t>(trailing.payload.size());
  EXPECT_FALSE(decode_assignment(std::move(trailing), &err));
  // The module fd must be a regular file of the announced size.
  Assignment wrong_size = sample();
  wrong_size.boot.module_size = 9;
  EXPECT_FALSE(decode_assignment(std::move(*encode_assignment(std::move(wrong_size))), &err));
  // No argv[0]: refused.
  Assignment no_args = sample();
  no_args.args.clear();
  EXPECT_FALSE(decode_assignment(std::move(*encode_assignment(std::move(no_args))), &err));
  // Every prefix of the payload is refused, never read past.
  for (size_t n = 0; n < m->payload.size(); n++) {
    Message p = copy_of(*m);
    p.payload.resize(n);
    p.header.length = static_cast<uint32_t>(n);
    EXPECT_FALSE(decode_assignment(std::move(p), &err)) << n;
  }
}

TEST(WarmPoolAssignment, TooBigForOneMessageIsNotEncoded) {
  Assignment a = sample();
  a.env.assign(100, std::string(1000, 'x'));  // 100 KB > one message: a fresh worker's argv
  EXPECT_FALSE(encode_assignment(std::move(a)));
}

}  // namespace
}  // namespace wc::supervisor
