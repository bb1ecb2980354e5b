// A zygote's children load a seccomp filter compiled once, before the fork, with their own pid
// patched in (sandbox.h: prebuild_child_filter). It must be the very program libseccomp makes
// for that pid, and once loaded it must refuse what a worker's filter refuses.
#include <errno.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

using testing::run_in_child;
using testing::say;

bool same_program(const std::vector<sock_filter>& a, const std::vector<sock_filter>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(sock_filter)) == 0;
}

SandboxConfig zygote_config(bool kill_on_violation, bool exec_memory) {
  SandboxConfig c;
  c.zygote = true;
  c.allow_lowering_rlimits = true;
  c.kill_on_violation = kill_on_violation;
  c.allow_exec_memory = exec_memory;
  return c;
}

TEST(SandboxChildFilter, PatchedProgramEqualsLibseccompsForThatPid) {
  for (bool kill : {false, true}) {
    for (bool exec : {false, true}) {
      SandboxConfig zc = zygote_config(kill, exec);
      std::string error;
      std::optional<PrebuiltChildFilter> pre = prebuild_child_filter(zc, &error);
      ASSERT_TRUE(pre) << error;
      // kill and tgkill compare the pid (libseccomp may share one comparison block for both).
      EXPECT_FALSE(pre->pid_slots.empty());
      for (pid_t pid : {pid_t{1}, pid_t{42}, getpid(), pid_t{4194303}}) {
        std::vector<sock_filter> patched = pre->program;
        for (size_t i : pre->pid_slots) patched[i].k = static_cast<uint32_t>(pid);
        std::optional<std::vector<sock_filter>> direct =
            compile_filter(child_filter_config(zc), pid, &error);
        ASSERT_TRUE(direct) << error;
        EXPECT_TRUE(same_program(patched, *direct)) << "pid " << pid << " kill " << kill;
        // And not the zygote's own filter, which also allows clone and prctl.
        std::optional<std::vector<sock_filter>> zygotes = compile_filter(zc, pid, &error);
        ASSERT_TRUE(zygotes) << error;
        EXPECT_FALSE(same_program(patched, *zygotes));
      }
    }
  }
}

TEST(SandboxChildFilter, LoadedFilterRefusesWhatAWorkerFilterRefuses) {
  std::string error;
  std::optional<PrebuiltChildFilter> pre =
      prebuild_child_filter(zygote_config(false, false), &error);
  ASSERT_TRUE(pre) << error;
  pid_t parent = getpid();
  auto r = run_in_child([&](int out) {
    LayerStatus s = load_prebuilt_child_filter(*pre, getpid());
    if (!s.active) {
      say(out, "not loaded: " + s.detail);
      return 100;
    }
    int failures = 0;
    auto check = [&](const char* what, bool ok) {
      say(out, std::string(ok ? "ok   " : "FAIL ") + what + "\n");
      failures += !ok;
    };
    check("kill(self, 0) allowed", kill(getpid(), 0) == 0);
    check("kill(parent, 0) refused", kill(parent, 0) == -1 && errno == EPERM);
    check("tgkill(parent) refused", syscall(SYS_tgkill, parent, parent, 0) == -1 && errno == EPERM);
    check("socket refused", socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EPERM);
    check("fork refused", syscall(SYS_fork) == -1 && errno == EPERM);
    check("setrlimit refused (no zygote rules)",
          syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, nullptr, nullptr) == 0 &&
              syscall(SYS_setrlimit, RLIMIT_NOFILE, nullptr) == -1 && errno == EPERM);
    return failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

}  // namespace
}  // namespace wc::sandbox
