#include "supervisor/exit_status.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>

namespace wc::supervisor {

std::string format_seconds(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

namespace {

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

ExitReport timeout_report(const broker::Limits& limits) {
  return {kExitTimeout, "timeout after " + format_seconds(limits.timeout) + " s: worker killed",
          "timeout"};
}

ExitReport map_wait_status(int status, const broker::Limits& limits, bool killed_by_broker) {
  if (WIFEXITED(status)) return {WEXITSTATUS(status), "", ""};
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string why, limit;
    if (killed_by_broker) {
      why = " by the broker: it broke the IPC protocol (see the audit log)";
      limit = "protocol";
    } else if (sig == SIGXCPU) {
      why = ": CPU time limit of " + format_seconds(limits.cpu_time) + " s exceeded";
      limit = "cpu_time";
    } else if (sig == SIGKILL && limits.cpu_time > 0) {
      // Not proof (stop/kill send SIGKILL too), which is why the daemon records its own kills.
      why = " (the hard CPU time limit, --cpu-time " + format_seconds(limits.cpu_time) + " s + 1)";
      limit = "cpu_time";
    } else if (sig == SIGSYS) {
      why = " (a forbidden system call: the seccomp filter stopped it)";
      limit = "seccomp";
    }
    return {128 + sig, "worker killed by " + signal_name(sig) + why, limit};
  }
  return {kExitError, "worker ended with unexpected status " + std::to_string(status), ""};
}

}  // namespace wc::supervisor
