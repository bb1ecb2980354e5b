// The worker's one-way limit notice as the broker takes it: hostile input (malformed ones are
// refused, unknown limits ignored with one audit line) and at most one hit per limit per run.
#include <gtest/gtest.h>

#include "broker/audit.h"
#include "broker/session.h"
#include "broker_test_util.h"
#include "ipc/limit_notice.h"

namespace wc::broker {
namespace {

struct Fixture {
  AuditLog audit;
  std::vector<LimitHit> hits;
  std::vector<Denial> denials;
  std::unique_ptr<Session> session;
  Fixture() {
    audit.set_limit_sink([this](const LimitHit& h) { hits.push_back(h); });
    audit.set_denial_sink([this](const Denial& d) { denials.push_back(d); });
    Policy p;
    p.limits.max_fds = 64;
    p.limits.memory_limit = 1 << 20;
    std::string err;
    session = Session::create(p, "c1", &audit, &err);
  }
};

ipc::Message notice(uint16_t limit, std::string detail) {
  return ipc::encode_limit_notice({limit, std::move(detail)});
}

TEST(BrokerLimitNotice, RoundTripAndKnownNames) {
  auto n = ipc::decode_limit_notice(notice(2, "4096 more bytes"));
  ASSERT_TRUE(n);
  EXPECT_EQ(n->limit, 2);
  EXPECT_EQ(n->detail, "4096 more bytes");
  EXPECT_STREQ(ipc::worker_limit_name(1), "fds");
  EXPECT_STREQ(ipc::worker_limit_name(2), "memory");
  EXPECT_EQ(ipc::worker_limit_name(99), nullptr);
  EXPECT_EQ(ipc::printable_detail("a\nb\x01"), "a?b?");
  EXPECT_EQ(ipc::printable_detail(std::string(1000, 'x')).size(), ipc::kMaxLimitDetail);
}

TEST(BrokerLimitNotice, MalformedIsRefused) {
  Fixture f;
  ASSERT_TRUE(f.session);
  ipc::Message m = notice(1, "x");
  m.header.id = 5;  // notices carry no request id
  EXPECT_FALSE(f.session->notice(std::move(m)));
  m = notice(1, "x");
  m.header.flags = ipc::kFlagReply;
  EXPECT_FALSE(f.session->notice(std::move(m)));
  m = notice(1, "x");
  m.payload.push_back(0);  // trailing byte, header length matching
  m.header.length++;
  EXPECT_FALSE(f.session->notice(std::move(m)));
  m = notice(1, "x");
  m.header.length++;  // header disagrees with the payload
  EXPECT_FALSE(f.session->notice(std::move(m)));
  EXPECT_FALSE(f.session->notice(notice(1, std::string(ipc::kMaxLimitDetail + 1, 'x'))));
  EXPECT_FALSE(f.session->notice(notice(1, "line\nforged")));  // not printable
  m = notice(1, "x");
  m.fds.emplace_back(dup(0));
  EXPECT_FALSE(f.session->notice(std::move(m)));
  EXPECT_TRUE(f.hits.empty());
  // A notice is never a request: handle() refuses it as malformed.
  EXPECT_FALSE(f.session->handle(notice(1, "x")));
}

TEST(BrokerLimitNotice, OneHitPerLimitPerRun) {
  Fixture f;
  ASSERT_TRUE(f.session);
  for (int i = 0; i < 50; i++) {
    EXPECT_TRUE(f.session->notice(notice(1, "fd table full")));
    EXPECT_TRUE(f.session->notice(notice(2, "grow refused")));
  }
  ASSERT_EQ(f.hits.size(), 2u);
  EXPECT_EQ(f.hits[0].limit, "fds");
  EXPECT_EQ(f.hits[0].container, "c1");
  EXPECT_NE(f.hits[0].detail.find("full under --max-fds 64"), std::string::npos);
  EXPECT_NE(f.hits[0].detail.find("--max-fds"), std::string::npos);
  EXPECT_TRUE(f.hits[0].already_said);
  EXPECT_EQ(f.hits[1].limit, "memory");
  EXPECT_NE(f.hits[1].detail.find("--memory-limit 1048576 bytes"), std::string::npos);
  EXPECT_NE(f.hits[1].detail.find("the worker says: grow refused"), std::string::npos);
  EXPECT_TRUE(f.denials.empty());
}

TEST(BrokerLimitNotice, UnknownLimitIgnoredWithOneAuditLine) {
  wc::testing::TempDir t;
  std::string err;
  auto audit = AuditLog::open(t / "audit.log", &err);
  ASSERT_TRUE(audit) << err;
  std::vector<LimitHit> hits;
  audit->set_limit_sink([&](const LimitHit& h) { hits.push_back(h); });
  auto session = Session::create(Policy{}, "c1", audit.get(), &err);
  ASSERT_TRUE(session) << err;
  for (int i = 0; i < 10; i++) EXPECT_TRUE(session->notice(notice(77, "?")));
  EXPECT_TRUE(hits.empty());
  std::string text = wc::testing::read_file(t / "audit.log");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("unknown limit"), std::string::npos);
  EXPECT_EQ(session->expected_id(), 1u);  // the request sequence is untouched
}

}  // namespace
}  // namespace wc::broker
