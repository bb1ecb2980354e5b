// spawn_worker(): the broker's launcher, with this test binary re-executed as the worker.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "sandbox/sandbox.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

constexpr const char* kWorkerEnv = "WC_SANDBOX_TEST_WORKER";
constexpr int kWorkerExit = 42;

void send(const std::string& msg) {
  [[maybe_unused]] ssize_t n = ::send(kWorkerIpcFd, msg.data(), msg.size(), 0);
}

// The worker: runs before gtest's main when the test re-executes this binary with kWorkerEnv.
// Reports what it sees over the IPC socket (fd 3), confines itself, reports that, then waits
// for the broker to hang up.
[[maybe_unused]] const bool kIsWorker = [] {
  if (!std::getenv(kWorkerEnv)) return false;
  std::string fds;
  for (int fd = 0; fd < 64; ++fd)
    if (fcntl(fd, F_GETFD) >= 0) fds += (fds.empty() ? "" : ",") + std::to_string(fd);
  send("pid=" + std::to_string(getpid()) + " uid=" + std::to_string(getuid()) + " fds=" + fds);
  SandboxConfig config;
  config.keep_fds = {kWorkerIpcFd};
  ConfineResult c = confine(config);
  send(c.report.encode());
  char byte;
  while (recv(kWorkerIpcFd, &byte, 1, 0) > 0) {
  }
  _exit(c.ok ? kWorkerExit : 1);
}();

std::vector<std::string> worker_env() {
  std::vector<std::string> env = {std::string(kWorkerEnv) + "=1"};
  for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = std::getenv(keep)) env.push_back(std::string(keep) + "=" + v);
  return env;
}

std::string recv_message(int fd) {
  char buf[8192];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

TEST(SandboxSpawn, WorkerRunsInNamespacesWithOnlyItsFds) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  int stray[2];  // not close-on-exec: must still not reach the worker
  ASSERT_EQ(pipe(stray), 0);

  SpawnOptions o;
  o.worker_path = "/proc/self/exe";
  o.argv = {"webcontainerc-test"};
  o.env = worker_env();
  o.ipc_fd = sv[1];
  SpawnResult s = spawn_worker(o);
  close(sv[1]);
  close(stray[0]);
  close(stray[1]);
  ASSERT_GT(s.pid, 0) << s.error_step << ": " << std::strerror(s.error);
  std::printf("%s", s.namespaces.to_string().c_str());

  std::string hello = recv_message(sv[0]);
  SandboxReport confined = SandboxReport::decode(recv_message(sv[0]));
  // Who the worker is, seen from outside, while it waits for us.
  std::ifstream status("/proc/" + std::to_string(s.pid) + "/status");
  std::string line, uid_line;
  while (std::getline(status, line))
    if (line.rfind("Uid:", 0) == 0) uid_line = line;
  close(sv[0]);  // the worker exits when we hang up
  int wstatus = 0;
  ASSERT_EQ(waitpid(s.pid, &wstatus, 0), s.pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kWorkerExit) << "status " << wstatus;

  EXPECT_NE(hello.find(" fds=0,1,2,3"), std::string::npos) << hello;
  EXPECT_EQ(hello.find(" fds=0,1,2,3,"), std::string::npos) << hello;
  SandboxReport all = s.namespaces;
  all.append(confined);
  std::printf("%s", all.to_string().c_str());
  if (s.namespaces.find("pid namespace")->active) {
    EXPECT_NE(hello.find("pid=1 "), std::string::npos) << hello;
  }
  if (s.namespaces.find("user namespace")->active) {
    EXPECT_NE(hello.find(" uid=0 "), std::string::npos) << hello;
    if (geteuid() == 0) {
      EXPECT_NE(uid_line.find("65534"), std::string::npos) << uid_line;
    }
  }
  if (geteuid() == 0) {
    for (const LayerStatus& l : s.namespaces.layers)
      EXPECT_TRUE(l.active) << l.name << ": " << l.detail;
    EXPECT_TRUE(all.fully_confined()) << all.to_string();
  }
  ASSERT_NE(confined.find("seccomp"), nullptr);
  EXPECT_TRUE(confined.find("seccomp")->active);
}

TEST(SandboxSpawn, WithoutNamespacesStillRuns) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
  SpawnOptions o;
  o.worker_path = "/proc/self/exe";
  o.env = worker_env();
  o.ipc_fd = sv[1];
  o.namespaces = 0;
  SpawnResult s = spawn_worker(o);
  close(sv[1]);
  ASSERT_GT(s.pid, 0) << s.error_step << ": " << std::strerror(s.error);
  std::string hello = recv_message(sv[0]);
  EXPECT_EQ(hello.find("pid=1 "), std::string::npos) << hello;
  for (const LayerStatus& l : s.namespaces.layers) EXPECT_FALSE(l.active) << l.name;
  close(sv[0]);
  int wstatus = 0;
  ASSERT_EQ(waitpid(s.pid, &wstatus, 0), s.pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kWorkerExit) << "status " << wstatus;
}

// A kernel that refuses user namespaces (simulated with a seccomp filter in a child, the way a
// sysctl or an outer sandbox would): spawn_worker drops that layer, keeps the others, and says
// so. As root the worker still runs, and confine() then drops its real-root capabilities.
TEST(SandboxSpawn, FallsBackWhenTheKernelRefusesANamespace) {
  auto r = testing::run_in_child([](int out) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    scmp_arg_cmp user{0, SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER};
    if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, user) != 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1, user) != 0 ||
        seccomp_load(ctx) != 0)
      return 100;
    seccomp_release(ctx);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return 101;
    SpawnOptions o;
    o.worker_path = "/proc/self/exe";
    o.env = worker_env();
    o.ipc_fd = sv[1];
    SpawnResult s = spawn_worker(o);
    close(sv[1]);
    if (s.pid < 0) {
      testing::say(out, s.error_step + ": " + std::strerror(s.error));
      return 102;
    }
    std::string hello = recv_message(sv[0]);
    SandboxReport all = s.namespaces;
    all.append(SandboxReport::decode(recv_message(sv[0])));
    testing::say(out, hello + "\n" + all.encode());
    close(sv[0]);
    int wstatus = 0;
    waitpid(s.pid, &wstatus, 0);
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 103;
  });
  ASSERT_TRUE(r.exited_with(kWorkerExit)) << r.describe();
  SandboxReport report = SandboxReport::decode(r.output.substr(r.output.find('\n') + 1));
  std::printf("%s", report.to_string().c_str());
  ASSERT_NE(report.find("user namespace"), nullptr);
  EXPECT_FALSE(report.find("user namespace")->active);
  EXPECT_NE(report.find("user namespace")->detail.find("Operation not permitted"),
            std::string::npos);
  if (geteuid() == 0) {
    EXPECT_TRUE(report.find("user namespace")->optional);
    EXPECT_TRUE(report.find("mount namespace")->active);
    EXPECT_TRUE(report.find("pid namespace")->active);
    EXPECT_TRUE(report.find("net namespace")->active);
    EXPECT_TRUE(report.find("capabilities")->active);
    EXPECT_TRUE(report.fully_confined()) << report.to_string();
  }
}

TEST(SandboxSpawn, FailuresAreReportedNotHidden) {
  SpawnOptions o;
  o.worker_path = "/nonexistent/webcontainerc";
  SpawnResult s = spawn_worker(o);
  EXPECT_EQ(s.pid, -1);
  EXPECT_EQ(s.error, ENOENT);
  EXPECT_EQ(s.error_step, "open worker binary");

  // Exists but cannot be executed: fails in the child, at exec, and says so.
  char path[] = "/tmp/wc-not-a-worker-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "junk", 4), 4);
  close(fd);
  o.worker_path = path;
  s = spawn_worker(o);
  unlink(path);
  EXPECT_EQ(s.pid, -1);
  EXPECT_EQ(s.error, EACCES) << std::strerror(s.error);  // mode 0600, and the worker is nobody
  EXPECT_EQ(s.error_step, "execveat");
}

TEST(SandboxSpawn, ProbeReportsTheWholeSandbox) {
  SandboxReport r = probe(SandboxConfig{});
  std::printf("%s", r.to_string().c_str());
  ASSERT_NE(r.find("seccomp"), nullptr) << r.to_string();
  EXPECT_TRUE(r.find("seccomp")->active);
  ASSERT_NE(r.find("mount namespace"), nullptr);
  if (geteuid() == 0) {
    EXPECT_TRUE(r.fully_confined()) << r.to_string();
  }
}

}  // namespace
}  // namespace wc::sandbox
