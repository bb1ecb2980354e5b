#include "supervisor/foreground.h"

#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "broker/broker.h"
#include "supervisor/exit_status.h"
#include "supervisor/worker.h"

namespace wc::supervisor {

namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainerd: %s\n", message.c_str());
  return code;
}

double now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

int run_foreground(const std::string& module_path, const broker::Policy& policy,
                   const std::string& engine, broker::AuditLog* audit) {
  std::string error;
  WorkerSpec spec;
  spec.module_path = module_path;
  spec.policy = &policy;
  spec.engine = engine;
  Worker worker = launch_worker(spec, &error);
  if (worker.pid < 0) return fail(kExitError, error);
  for (const std::string& w : worker.warnings)
    std::fprintf(stderr, "webcontainerd: warning: %s\n", w.c_str());

  broker::Broker broker(audit);
  bool killed_by_broker = false;
  broker.on_worker_gone = [&](const std::string&, pid_t, broker::Gone why) {
    if (why == broker::Gone::kKilled) killed_by_broker = true;
  };
  if (!broker.add_worker(std::move(worker.broker_socket), worker.pid, policy, "c1", &error)) {
    kill_and_reap(worker);
    return fail(kExitError, error);
  }

  // Serve until the worker has exited; enforce the wall-clock limit.
  const double deadline = policy.limits.timeout > 0 ? now_seconds() + policy.limits.timeout : 0;
  int status = 0;
  bool may_have_exited = true;
  for (;;) {
    if (may_have_exited) {
      pid_t w = waitpid(worker.pid, &status, WNOHANG);
      if (w == worker.pid) break;
      if (w < 0 && errno != EINTR)
        return fail(kExitError, std::string("waitpid: ") + std::strerror(errno));
    }
    int slice = 1000;
    if (deadline > 0) {
      double left = deadline - now_seconds();
      if (left <= 0) {
        kill_and_reap(worker);
        std::fflush(stdout);
        ExitReport r = timeout_report(policy.limits);
        return fail(r.code, r.message);
      }
      slice = std::min(slice, static_cast<int>(std::ceil(left * 1000)));
    }
    may_have_exited = true;
    if (broker.worker_count() > 0) {
      broker.poll_once(slice);
      // A worker that exits closes its socket, and the broker sees that hang-up: while it
      // keeps sending requests it is alive, so waitpid waits for a quiet slice or for the
      // worker to leave the protocol (one wait4 less per request of a busy server).
      may_have_exited = broker.last_poll_events() == 0 || broker.worker_count() == 0;
    } else if (worker.pidfd) {
      // The worker left the protocol (closed its socket); wait for it to exit.
      struct pollfd p = {worker.pidfd.get(), POLLIN, 0};
      poll(&p, 1, slice);
    } else {
      usleep(10000);
    }
  }
  ExitReport r = map_wait_status(status, policy.limits, killed_by_broker);
  if (r.message.empty()) return r.code;
  return fail(r.code, r.message);
}

}  // namespace wc::supervisor
