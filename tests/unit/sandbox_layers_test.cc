// Each confinement layer on its own, in a forked child, checked where the later layers would
// hide it (seccomp forbids looking at the root at all).
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "sandbox/layers.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

using testing::run_in_child;
using testing::say;

// Returns 0 when every check held; says which did not.
struct Checks {
  int out, failures = 0;
  void operator()(const std::string& what, bool ok) {
    say(out, (ok ? "ok   " : "FAIL ") + what +
                 (ok ? "" : std::string(": ") + std::strerror(errno)) + "\n");
    failures += !ok;
  }
};

TEST(SandboxLayers, EmptyRootHasNothingInIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (or a user namespace) for a mount namespace";
  auto r = run_in_child([](int out) {
    LayerStatus s = make_empty_root();
    if (!s.active) {
      say(out, s.detail);
      return 100;
    }
    Checks check{out};
    DIR* d = opendir("/");
    int entries = 0;
    while (d && readdir(d)) ++entries;
    check("/ holds only . and ..", d && entries == 2);
    if (d) closedir(d);
    errno = 0;
    check("/etc/passwd is gone", open("/etc/passwd", O_RDONLY) == -1 && errno == ENOENT);
    check("/.. is /", [] {
      struct stat root {
      }, up{};
      return stat("/", &root) == 0 && stat("/..", &up) == 0 && root.st_ino == up.st_ino;
    }());
    check("/ is read-only", mkdir("/x", 0700) == -1 && errno == EROFS);
    return check.failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
  // And the broker's root is untouched.
  EXPECT_EQ(access("/etc/passwd", F_OK), 0);
}

TEST(SandboxLayers, LandlockRefusesFilesAndTcp) {
  int abi = landlock_abi();
  if (abi == 0) GTEST_SKIP() << "Landlock not available on this kernel";
  // A listener outside the domain, to tell "refused by Landlock" from "nobody listening".
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto r = run_in_child([&](int out) {
    Checks check{out};
    check("no_new_privs", set_no_new_privs().active);
    LayerStatus s = apply_landlock();
    say(out, "landlock: " + s.detail + "\n");
    if (!s.active) return 100;
    errno = 0;
    check("open(/etc/passwd) -> EACCES", open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES);
    errno = 0;
    check("mkdir(/tmp/x) -> EACCES", mkdir("/tmp/wc-landlock-test", 0700) == -1 && errno == EACCES);
    if (landlock_abi() >= 4) {
      int s1 = socket(AF_INET, SOCK_STREAM, 0);
      errno = 0;
      check("connect(127.0.0.1) -> EACCES",
            connect(s1, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == -1 && errno == EACCES);
      int s2 = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in any{};
      any.sin_family = AF_INET;
      any.sin_port = htons(0);
      errno = 0;
      check("bind(0.0.0.0:0) -> EACCES",
            bind(s2, reinterpret_cast<sockaddr*>(&any), sizeof any) == -1 && errno == EACCES);
    }
    return check.failures;
  });
  close(listener);
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST(SandboxLayers, OnlyKeptFdsSurvive) {
  auto r = run_in_child([](int out) {
    int a[2], b[2];
    if (pipe(a) != 0 || pipe(b) != 0) return 100;
    if (!close_other_fds({out, b[1]}).active) return 101;
    Checks check{out};
    check("kept fd open", fcntl(b[1], F_GETFD) >= 0);
    check("stdio open", fcntl(2, F_GETFD) >= 0);
    errno = 0;
    check("others closed", fcntl(a[0], F_GETFD) == -1 && errno == EBADF &&
                               fcntl(a[1], F_GETFD) == -1 && fcntl(b[0], F_GETFD) == -1);
    return check.failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST(SandboxLayers, RlimitsAndNoPrivileges) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.cpu_seconds = 30;
    config.max_fds = 64;
    config.max_file_bytes = 1 << 20;
    const bool was_root = geteuid() == 0;
    Checks check{out};
    check("capabilities dropped", drop_capabilities().active);
    check("rlimits applied", apply_rlimits(config).active);
    check("no_new_privs", set_no_new_privs().active);
    rlimit l{};
    check("RLIMIT_CORE 0", getrlimit(RLIMIT_CORE, &l) == 0 && l.rlim_cur == 0 && l.rlim_max == 0);
    check("RLIMIT_NOFILE 64", getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur == 64);
    check("RLIMIT_CPU 30/31",
          getrlimit(RLIMIT_CPU, &l) == 0 && l.rlim_cur == 30 && l.rlim_max == 31);
    check("RLIMIT_FSIZE 1 MiB", getrlimit(RLIMIT_FSIZE, &l) == 0 && l.rlim_cur == 1 << 20);
    check("RLIMIT_AS unset", getrlimit(RLIMIT_AS, &l) == 0 && l.rlim_cur == RLIM_INFINITY);
    std::ifstream status("/proc/self/status");
    std::string line, caps;
    while (std::getline(status, line))
      if (line.rfind("CapEff:", 0) == 0 || line.rfind("CapPrm:", 0) == 0 ||
          line.rfind("CapBnd:", 0) == 0 || line.rfind("NoNewPrivs:", 0) == 0)
        caps += line + "\n";
    say(out, caps);
    check("no effective/permitted capabilities",
          caps.find("CapEff:\t0000000000000000") != std::string::npos &&
              caps.find("CapPrm:\t0000000000000000") != std::string::npos);
    // Emptying the bounding set takes CAP_SETPCAP, which only root (or a userns owner) has.
    if (was_root)
      check("empty bounding set", caps.find("CapBnd:\t0000000000000000") != std::string::npos);
    check("NoNewPrivs: 1", caps.find("NoNewPrivs:\t1") != std::string::npos);
    return check.failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST(SandboxLayers, ConfineReportsEveryLayer) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    ConfineResult c = confine(config);
    say(out, c.report.encode());
    return c.ok ? 0 : 100;
  });
  ASSERT_TRUE(r.exited_with(0)) << r.describe();
  SandboxReport report = SandboxReport::decode(r.output);
  std::printf("%s", report.to_string().c_str());
  for (const char* name : {"fds", "capabilities", "no_new_privs", "rlimits", "seccomp"}) {
    ASSERT_NE(report.find(name), nullptr) << name;
    EXPECT_TRUE(report.find(name)->active) << name << ": " << report.find(name)->detail;
  }
  if (geteuid() == 0) {
    EXPECT_TRUE(report.find("empty root")->active) << report.find("empty root")->detail;
  }
  int abi = landlock_abi();
  EXPECT_EQ(report.find("landlock")->active, abi > 0);
  if (abi > 0) {
    EXPECT_NE(report.find("landlock")->detail.find("ABI " + std::to_string(abi)),
              std::string::npos);
  }
  EXPECT_NE(report.find("seccomp")->detail.find("syscalls allowed"), std::string::npos);
  if (geteuid() == 0) {
    EXPECT_TRUE(report.fully_confined()) << report.to_string();
  }
}

TEST(SandboxReport, EncodeDecodeAndFormat) {
  SandboxReport r;
  r.add({"user namespace", false, true, "refused (EPERM)"});
  r.add({"seccomp", true, false, "60 syscalls allowed"});
  SandboxReport back = SandboxReport::decode(r.encode());
  ASSERT_EQ(back.layers.size(), 2u);
  EXPECT_EQ(back.layers[0].name, "user namespace");
  EXPECT_FALSE(back.layers[0].active);
  EXPECT_TRUE(back.layers[0].optional);
  EXPECT_EQ(back.layers[1].detail, "60 syscalls allowed");
  EXPECT_TRUE(back.fully_confined());
  std::string text = back.to_string();
  EXPECT_NE(text.find("fully confined"), std::string::npos) << text;
  EXPECT_NE(text.find("[on ] seccomp"), std::string::npos) << text;
  back.add({"landlock", false, false, "not available"});
  EXPECT_FALSE(back.fully_confined());
  EXPECT_NE(back.to_string().find("PARTIAL"), std::string::npos);
}

}  // namespace
}  // namespace wc::sandbox
