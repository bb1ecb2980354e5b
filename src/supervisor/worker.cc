#include "supervisor/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "broker/net_policy.h"
#include "ipc/socket.h"
#include "sandbox/sandbox.h"
#include "supervisor/bootstrap.h"
#include "supervisor/module_file.h"

namespace wc::supervisor {

using ipc::UniqueFd;

namespace {

std::string worker_path_beside_self() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "webcontainerc";
  buf[n] = '\0';
  std::string self(buf);
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/webcontainerc";
}

}  // namespace

std::string default_worker_path() {
  // Once per process: a daemon asks on every fresh start, and its executable does not move.
  static const std::string path = worker_path_beside_self();
  return path;
}

namespace {

// The worker's config travels in its argv; its environment is empty but for test and
// sanitizer switches.
std::vector<std::string> worker_argv(const WorkerSpec& spec) {
  const broker::Policy& policy = *spec.policy;
  std::vector<std::string> wargv = {"webcontainerc"};
  if (policy.limits.memory_limit)
    wargv.insert(wargv.end(), {"--memory-limit", std::to_string(policy.limits.memory_limit)});
  if (uint64_t cpu = worker_cpu_seconds(policy))
    wargv.insert(wargv.end(), {"--cpu-time", std::to_string(cpu)});
  if (policy.limits.max_fds)
    wargv.insert(wargv.end(), {"--max-fds", std::to_string(policy.limits.max_fds)});
  for (const std::string& e : policy.env) wargv.insert(wargv.end(), {"--env", e});
  if (spec.engine != "auto") wargv.insert(wargv.end(), {"--engine", spec.engine});
  if (spec.output_to_broker) wargv.push_back("--output-ipc");
  wargv.push_back("--");
  wargv.push_back(spec.argv0.empty() ? spec.module_path : spec.argv0);
  wargv.insert(wargv.end(), policy.args.begin(), policy.args.end());
  return wargv;
}

}  // namespace

std::vector<std::string> worker_env() {
  std::vector<std::string> wenv;
  // The daemon operator's developer knobs, never the tenant's: sanitizer options, the escape
  // test's switch, and the JIT's (exit counts at exit, tier-up threshold, entry points), so a
  // guest's compiled code can be studied where it really runs, in the sandbox.
  for (const char* name : {"WC_TEST_ESCAPE", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                           "WC_JIT_STATS", "WC_JIT_TIER_UP_AFTER", "WC_JIT_MIN_RUN",
                           "WC_ZYGOTE_JIT", "WC_JIT_PERF_MAP", "WC_JIT_DUMP"})
    if (const char* v = std::getenv(name)) wenv.push_back(std::string(name) + "=" + v);
  return wenv;
}

uint64_t worker_cpu_seconds(const broker::Policy& policy) {
  if (policy.limits.cpu_time <= 0) return 0;
  return static_cast<uint64_t>(std::max(1.0, std::ceil(policy.limits.cpu_time)));
}

bool open_container_files(const WorkerSpec& spec, UniqueFd* module_fd, uint64_t* module_size,
                          std::vector<UniqueFd>* listeners, std::string* error) {
  // The module, read here: the worker cannot open files.
  if (spec.module_fd >= 0) {
    *module_fd = UniqueFd(fcntl(spec.module_fd, F_DUPFD_CLOEXEC, 3));
    *module_size = spec.module_size;
    if (!*module_fd) {
      *error = std::string("dup: ") + std::strerror(errno);
      return false;
    }
  } else {
    *module_fd = load_module(spec.module_path, module_size, error);
    if (!*module_fd) return false;
  }
  // --tcplisten: an explicit grant of its own, opened now (a taken port fails at startup, not
  // in the guest) and sent to the worker with the module.
  for (const std::string& l : spec.policy->net.tcplisten) {
    listeners->emplace_back(broker::open_tcp_listener(l, error));
    if (!listeners->back()) return false;
  }
  return true;
}

bool exited(const Worker& worker) {
  struct pollfd p = {worker.pidfd.get(), POLLIN, 0};
  return poll(&p, 1, 0) != 0;  // readable (exited) or an error (POLLNVAL)
}

void kill_and_reap(Worker& worker) {
  if (worker.pid <= 0) return;
  if (worker.pidfd)
    syscall(SYS_pidfd_send_signal, worker.pidfd.get(), SIGKILL, nullptr, 0);
  else
    kill(worker.pid, SIGKILL);
  int st;
  while (waitpid(worker.pid, &st, 0) < 0 && errno == EINTR) {
  }
  worker.pid = -1;
  worker.pidfd.reset();
}

Worker launch_worker(const WorkerSpec& spec, std::string* error, LaunchError* kind) {
  LaunchError dummy;
  if (!kind) kind = &dummy;
  *kind = LaunchError::kModule;
  Worker w;
  uint64_t module_size = 0;
  UniqueFd module_fd;
  std::vector<UniqueFd> listeners;
  if (!open_container_files(spec, &module_fd, &module_size, &listeners, error)) return w;

  *kind = LaunchError::kSpawn;
  UniqueFd pair[2];
  if (int e = ipc::make_socketpair(pair); e != 0) {
    *error = std::string("socketpair: ") + std::strerror(e < 0 ? -e : e);
    return w;
  }
  sandbox::SpawnOptions so;
  so.worker_path = spec.worker_path.empty() ? default_worker_path() : spec.worker_path;
  so.argv = worker_argv(spec);
  so.env = worker_env();
  so.ipc_fd = pair[1].get();
  so.stdin_fd = spec.stdin_fd;
  so.stdout_fd = spec.stdout_fd;
  so.stderr_fd = spec.stderr_fd;
  sandbox::SpawnResult spawned = sandbox::spawn_worker(so);
  pair[1].reset();
  if (spawned.pid < 0) {
    *error = "cannot start the worker " + so.worker_path + ": " + spawned.error_step + ": " +
             std::strerror(spawned.error);
    return w;
  }
  w.pid = spawned.pid;
  for (const auto& l : spawned.namespaces.layers)
    if (!l.active && !l.optional) w.warnings.push_back(l.name + ": " + l.detail);
  w.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, w.pid, 0)));

  // First datagram: the module. The socket is still blocking and empty, so this cannot stall.
  if (int e = ipc::send_message(
          pair[0].get(), encode_bootstrap(std::move(module_fd), module_size, std::move(listeners)));
      e != 0) {
    kill_and_reap(w);
    *error = std::string("sending the module to the worker: ") + std::strerror(-e);
    return w;
  }
  w.broker_socket = std::move(pair[0]);
  *kind = LaunchError::kNone;
  return w;
}

}  // namespace wc::supervisor
