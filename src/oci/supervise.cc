#include "oci/supervise.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "broker/audit.h"
#include "broker/broker.h"
#include "supervisor/exit_status.h"
#include "supervisor/worker.h"

namespace wc::oci {

namespace {

constexpr int kTerminating[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                SIGUSR1, SIGUSR2, SIGALRM, SIGPWR};

volatile sig_atomic_t g_signal = 0;
// The worker's pidfd (-1: none yet). A pidfd names one process for good, so the handler can
// never hit a recycled pid, even after the worker has been reaped.
volatile sig_atomic_t g_worker_pidfd = -1;

void on_terminating_signal(int sig) {
  if (!g_signal) g_signal = sig;
  int fd = g_worker_pidfd;
  if (fd >= 0) syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
}

[[noreturn]] void die_of(int sig) {
  std::fflush(stdout);
  std::fflush(stderr);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + sig);
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainer-runc: %s\n", message.c_str());
  return code;
}

double now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The shim copies our stdout and stderr pipes to its client. containerd may stop that copy as
// soon as it sees us exit, so bytes the guest wrote that are still in a pipe then can be lost:
// `ctr run --rm` printed fewer lines than the guest wrote about once in 400 containers of CI.
// So before exiting, wait (bounded) until the reader has taken everything out of each pipe.
void wait_until_output_is_read() {
  const double until = now_seconds() + 0.5;
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) continue;  // a file or tty: nothing waits
    int queued = 0;
    while (ioctl(fd, FIONREAD, &queued) == 0 && queued > 0 && now_seconds() < until) usleep(1000);
  }
}

}  // namespace

int supervise_container(const Plan& plan, int module_fd) {
  struct sigaction sa = {};
  sa.sa_handler = on_terminating_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kTerminating) sigaction(sig, &sa, nullptr);
  if (g_signal) die_of(g_signal);

  std::string error;
  supervisor::WorkerSpec spec;
  spec.module_path = "/proc/self/fd/" + std::to_string(module_fd);
  spec.argv0 = plan.argv0;
  spec.policy = &plan.policy;
  supervisor::Worker worker = supervisor::launch_worker(spec, &error);
  close(module_fd);  // the worker has its own sealed copy
  if (worker.pid < 0) {
    if (g_signal) die_of(g_signal);
    return fail(supervisor::kExitError, error);
  }
  if (worker.pidfd) g_worker_pidfd = worker.pidfd.get();
  if (g_signal) syscall(SYS_pidfd_send_signal, worker.pidfd.get(), SIGKILL, nullptr, 0);
  for (const std::string& w : worker.warnings)
    std::fprintf(stderr, "webcontainer-runc: warning: %s\n", w.c_str());

  broker::AuditLog audit;  // denials as one-line hints on stderr, as `webcontainerd run`
  broker::Broker broker(&audit);
  bool killed_by_broker = false;
  broker.on_worker_gone = [&](const std::string&, pid_t, broker::Gone why) {
    if (why == broker::Gone::kKilled) killed_by_broker = true;
  };
  if (!broker.add_worker(std::move(worker.broker_socket), worker.pid, plan.policy, "c1", &error)) {
    supervisor::kill_and_reap(worker);
    if (g_signal) die_of(g_signal);
    return fail(supervisor::kExitError, error);
  }

  const double deadline =
      plan.policy.limits.timeout > 0 ? now_seconds() + plan.policy.limits.timeout : 0;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(worker.pid, &status, WNOHANG);
    if (w == worker.pid) break;
    if (w < 0 && errno != EINTR)
      return fail(supervisor::kExitError, std::string("waitpid: ") + std::strerror(errno));
    int slice = 1000;
    if (deadline > 0) {
      double left = deadline - now_seconds();
      if (left <= 0) {
        g_worker_pidfd = -1;
        supervisor::kill_and_reap(worker);
        supervisor::ExitReport r = supervisor::timeout_report(plan.policy.limits);
        return fail(r.code, r.message);
      }
      slice = std::min(slice, static_cast<int>(std::ceil(left * 1000)));
    }
    if (broker.worker_count() > 0) {
      broker.poll_once(slice);
    } else if (worker.pidfd) {
      struct pollfd p = {worker.pidfd.get(), POLLIN, 0};
      poll(&p, 1, slice);
    } else {
      usleep(10000);
    }
  }
  if (g_signal) die_of(g_signal);
  // Our stdio may be gone (the shim closed its fifos): a failed message must not kill us by
  // SIGPIPE and replace the guest's status.
  signal(SIGPIPE, SIG_IGN);
  supervisor::ExitReport r =
      supervisor::map_wait_status(status, plan.policy.limits, killed_by_broker);
  if (!r.message.empty()) fail(r.code, r.message);
  wait_until_output_is_read();
  return r.code;
}

}  // namespace wc::oci
