// A compromised worker, simulated: after confine(), raw forbidden syscalls. Each must fail (or,
// under kill_on_violation, kill the worker), never succeed.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>

#include "sandbox/sandbox.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

using testing::run_in_child;
using testing::say;

TEST(SandboxEscape, EveryAttemptFails) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    if (!confine(config).ok) return 100;
    std::vector<EscapeAttempt> attempts = run_escape_attempts();
    say(out, format_escape_attempts(attempts));
    int bad = 0;
    for (const EscapeAttempt& a : attempts)
      bad += a.escaped() || (a.error != EPERM && a.error != EACCES);
    return bad;
  });
  std::printf("%s", r.output.c_str());
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
  EXPECT_NE(r.output.find("held"), std::string::npos);
  EXPECT_EQ(r.output.find("ESCAPED"), std::string::npos);
}

TEST(SandboxEscape, KillOnViolationKillsAtTheFirstAttempt) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    config.kill_on_violation = true;
    if (!confine(config).ok) return 100;
    run_escape_attempts();
    return 0;
  });
  EXPECT_TRUE(r.killed_by(SIGSYS)) << r.describe();
}

}  // namespace
}  // namespace wc::sandbox
