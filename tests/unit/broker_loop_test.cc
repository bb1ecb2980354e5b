// The epoll loop with real worker processes: well-behaved ones are served over IPC; one that
// sends garbage is SIGKILLed and dropped while the broker keeps serving the others.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <functional>

#include "broker/broker.h"
#include "broker_test_util.h"
#include "ipc/client.h"
#include "ipc/socket.h"

namespace wc::broker {
namespace {

using ipc::UniqueFd;

using wc::testing::Child;
using wc::testing::spawn;

// The well-behaved worker: lists preopens, reads a file, makes a directory.
int good_worker(int sock) {
  ipc::IpcBrokerClient c(sock);
  std::vector<host::Preopen> pre = c.preopens();
  if (pre.size() != 1 || pre[0].guest_path != "/data") return 10;
  for (int i = 0; i < 50; i++) {
    host::Opened o;
    if (c.open(pre[0].dir, "hello", O_RDONLY, 0, &o) != 0) return 11;
    if (wc::testing::read_fd(o.fd) != "hi") return 12;
    close(o.fd);
  }
  if (c.mkdir(pre[0].dir, "made", 0755) != 0) return 13;
  host::Opened o;
  if (c.open(pre[0].dir, "../escape", O_RDONLY, 0, &o) != -EPERM) return 14;
  return 0;
}

void send_raw(int sock, const std::vector<uint8_t>& bytes, int nfds) {
  struct iovec iov = {const_cast<uint8_t*>(bytes.data()), bytes.size()};
  struct msghdr mh = {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
  if (nfds > 0) {
    mh.msg_control = control;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    for (int i = 0; i < nfds; i++) {
      int fd = 0;
      memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
    }
  }
  ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  (void)n;
}

std::vector<uint8_t> datagram(const ipc::Message& m) {
  std::vector<uint8_t> b(ipc::kHeaderSize);
  ipc::encode_header(m.header, b.data());
  b.insert(b.end(), m.payload.begin(), m.payload.end());
  return b;
}

ipc::Message stat_request(uint32_t id) {
  ipc::Request r;
  r.kind = ipc::Kind::kStat;
  r.id = id;
  r.path = "hello";
  return ipc::encode_request(std::move(r));
}

struct Garbage {
  const char* what;
  std::function<void(int)> send;
};

std::vector<Garbage> garbage_cases() {
  return {
      {"random bytes",
       [](int s) {
         send_raw(s, {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0);
       }},
      {"short datagram",
       [](int s) {
         send_raw(s, {1, 0}, 0);
       }},
      {"bad kind",
       [](int s) {
         ipc::Message m = stat_request(1);
         m.header.kind = 999;
         send_raw(s, datagram(m), 0);
       }},
      {"length lies",
       [](int s) {
         ipc::Message m = stat_request(1);
         m.header.length += 5;
         send_raw(s, datagram(m), 0);
       }},
      {"truncated payload",
       [](int s) {
         std::vector<uint8_t> full = datagram(stat_request(1));
         std::vector<uint8_t> d(full.begin(), full.end() - 3);
         ipc::encode_header({static_cast<uint16_t>(ipc::Kind::kStat), 0, 1,
                             static_cast<uint32_t>(d.size() - ipc::kHeaderSize)},
                            d.data());
         send_raw(s, d, 0);
       }},
      {"unexpected fds", [](int s) { send_raw(s, datagram(stat_request(1)), 2); }},
      {"wrong request id", [](int s) { send_raw(s, datagram(stat_request(77)), 0); }},
      {"reply flag set",
       [](int s) {
         ipc::Message m = stat_request(1);
         m.header.flags = ipc::kFlagReply;
         send_raw(s, datagram(m), 0);
       }},
      {"requests without reading replies",
       [](int s) {
         for (uint32_t id = 1; id < 100000; id++) {
           if (ipc::send_message(s, stat_request(id)) != 0) break;
         }
       }},
  };
}

class BrokerLoop : public ::testing::TestWithParam<size_t> {};

TEST_P(BrokerLoop, GarbageKillsOnlyTheSender) {
  Garbage g = garbage_cases()[GetParam()];
  wc::testing::TempDir t;
  ASSERT_EQ(mkdir((t / "mnt").c_str(), 0755), 0);
  wc::testing::write_file(t / "mnt/hello", "hi");
  Policy policy;
  policy.mounts = {{t / "mnt", "/data", false}};

  std::string log_path = t / "audit.log";
  std::string err;
  std::unique_ptr<AuditLog> audit = AuditLog::open(log_path, &err);
  ASSERT_TRUE(audit) << err;
  audit->set_hint_sink([](const std::string&) {});
  Broker broker(audit.get());
  std::vector<std::pair<std::string, Gone>> gone;
  broker.on_worker_gone = [&](const std::string& id, pid_t, Gone why) {
    gone.emplace_back(id, why);
  };

  Child bad = spawn([&](int s) {
    g.send(s);
    for (;;) pause();  // wait to be killed
    return 0;
  });
  Child good = spawn(good_worker);
  ASSERT_GT(bad.pid, 0);
  ASSERT_GT(good.pid, 0);
  ASSERT_TRUE(broker.add_worker(std::move(bad.broker_end), bad.pid, policy, "bad", &err)) << err;
  ASSERT_TRUE(broker.add_worker(std::move(good.broker_end), good.pid, policy, "good", &err)) << err;

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (broker.poll_once(100) > 0 && std::chrono::steady_clock::now() < deadline) {
  }
  EXPECT_EQ(broker.worker_count(), 0u) << g.what;

  int status = 0;
  ASSERT_EQ(waitpid(bad.pid, &status, 0), bad.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << g.what << " status " << status;
  ASSERT_EQ(waitpid(good.pid, &status, 0), good.pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << g.what << " status " << status;
  EXPECT_TRUE(wc::testing::exists(t / "mnt/made"));

  ASSERT_EQ(gone.size(), 2u);
  for (auto& [id, why] : gone)
    EXPECT_EQ(why, id == "bad" ? Gone::kKilled : Gone::kDisconnected) << id;
  std::string log = wc::testing::read_file(log_path);
  EXPECT_NE(log.find("\"container\":\"bad\",\"op\":\"ipc\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"container\":\"good\",\"op\":\"open\",\"target\":\"/data/../escape\""),
            std::string::npos)
      << log;
}

INSTANTIATE_TEST_SUITE_P(AllGarbage, BrokerLoop,
                         ::testing::Range<size_t>(0, garbage_cases().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string n = garbage_cases()[info.param].what;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(BrokerLoopRegistration, RefusesMissingMountsAndDeadPids) {
  Broker broker;
  UniqueFd sp[2];
  ASSERT_EQ(ipc::make_socketpair(sp), 0);
  Policy p;
  p.mounts = {{"/nonexistent/dir", "/x", false}};
  std::string err;
  EXPECT_FALSE(broker.add_worker(std::move(sp[0]), getpid(), p, "c", &err));
  EXPECT_NE(err.find("/nonexistent/dir"), std::string::npos) << err;
  ASSERT_EQ(ipc::make_socketpair(sp), 0);
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  EXPECT_FALSE(broker.add_worker(std::move(sp[0]), dead, Policy{}, "c", &err));
  EXPECT_EQ(broker.worker_count(), 0u);
}

// With kill_worker set (the daemon's way), the broker opens no pidfd of its own per worker and
// kills a protocol breaker through the callback, naming the container and its pid.
TEST(BrokerLoopRegistration, KillWorkerCallbackReplacesThePidfd) {
  Broker broker;
  std::vector<std::pair<std::string, pid_t>> kills;
  broker.kill_worker = [&](const std::string& id, pid_t pid) {
    kills.emplace_back(id, pid);
    kill(pid, SIGKILL);
  };
  Garbage g = garbage_cases()[0];
  Child bad = spawn([&](int s) {
    g.send(s);
    for (;;) pause();
    return 0;
  });
  ASSERT_GT(bad.pid, 0);
  int fds_before = wc::testing::count_open_fds();
  std::string err;
  ASSERT_TRUE(broker.add_worker(std::move(bad.broker_end), bad.pid, Policy{}, "bad", &err)) << err;
  EXPECT_EQ(wc::testing::count_open_fds(), fds_before);  // the socket moved in; no pidfd
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (broker.poll_once(100) > 0 && std::chrono::steady_clock::now() < deadline) {
  }
  ASSERT_EQ(kills.size(), 1u) << g.what;
  EXPECT_EQ(kills[0].first, "bad");
  EXPECT_EQ(kills[0].second, bad.pid);
  int status = 0;
  ASSERT_EQ(waitpid(bad.pid, &status, 0), bad.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
}

}  // namespace
}  // namespace wc::broker
