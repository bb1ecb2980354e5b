#include "supervisor/warm_pool.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "ipc/socket.h"
#include "sandbox/sandbox.h"
#include "supervisor/assignment.h"

namespace wc::supervisor {

using ipc::UniqueFd;

namespace {

// The most fds a member may hold until it is assigned: enough for a busy server, and never
// above our own hard limit (the worker could not set it).
constexpr uint64_t kFdCeiling = 65536;

}  // namespace

uint64_t member_fd_ceiling() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return sandbox::SandboxConfig{}.max_fds;
  return std::min<uint64_t>(kFdCeiling, r.rlim_max);
}

bool member_can_serve(const broker::Policy& policy, uint64_t fd_ceiling) {
  uint64_t fds = policy.limits.max_fds ? policy.limits.max_fds : sandbox::SandboxConfig{}.max_fds;
  if (fds > fd_ceiling) return false;
  for (const std::string& e : policy.env)
    if (e.rfind("TZ=", 0) == 0) return false;
  return true;
}

WarmPool::WarmPool(size_t target, std::string worker_path)
    : target_(target),
      worker_path_(worker_path.empty() ? default_worker_path() : std::move(worker_path)),
      fd_ceiling_(member_fd_ceiling()) {}

WarmPool::~WarmPool() { clear(); }

void WarmPool::clear() {
  for (Worker& w : ready_) kill_and_reap(w);
  ready_.clear();
}

bool WarmPool::can_serve(const broker::Policy& policy) const {
  return member_can_serve(policy, fd_ceiling_);
}

bool WarmPool::spawn_member(std::string* error) {
  UniqueFd pair[2];
  if (int e = ipc::make_socketpair(pair); e != 0) {
    *error = std::string("socketpair: ") + std::strerror(e < 0 ? -e : e);
    return false;
  }
  // Until assigned, a member's stdio is /dev/null: it has nothing to say to anyone.
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) {
    *error = std::string("/dev/null: ") + std::strerror(errno);
    return false;
  }
  sandbox::SpawnOptions so;
  so.worker_path = worker_path_;
  so.argv = {"webcontainerc", "--pooled", "--max-fds", std::to_string(fd_ceiling_)};
  so.env = worker_env();
  so.ipc_fd = pair[1].get();
  so.stdin_fd = so.stdout_fd = so.stderr_fd = null.get();
  sandbox::SpawnResult spawned = sandbox::spawn_worker(so);
  pair[1].reset();
  if (spawned.pid < 0) {
    *error = "cannot start a pool worker " + so.worker_path + ": " + spawned.error_step + ": " +
             std::strerror(spawned.error);
    return false;
  }
  Worker w;
  w.pid = spawned.pid;
  for (const auto& l : spawned.namespaces.layers)
    if (!l.active && !l.optional) w.warnings.push_back(l.name + ": " + l.detail);
  w.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, w.pid, 0)));
  if (!w.pidfd) {
    *error = std::string("pidfd_open: ") + std::strerror(errno);
    kill_and_reap(w);
    return false;
  }
  w.broker_socket = std::move(pair[0]);
  ready_.push_back(std::move(w));
  return true;
}

void WarmPool::reap_exited() {
  for (auto it = ready_.begin(); it != ready_.end();) {
    if (exited(*it)) {
      kill_and_reap(*it);
      it = ready_.erase(it);
    } else {
      ++it;
    }
  }
}

void WarmPool::refill(size_t budget) {
  reap_exited();
  std::string error;
  last_failed_ = false;
  for (size_t n = 0; n < budget && ready_.size() < target_; n++) {
    if (!spawn_member(&error)) {
      spawn_failures++;
      last_failed_ = true;
      return;  // the host refuses now; the next call (on the loop's next tick) tries again
    }
  }
}

Worker WarmPool::launch(const WorkerSpec& spec, std::string* error, LaunchError* kind,
                        bool* pooled) {
  bool dummy_pooled;
  if (!pooled) pooled = &dummy_pooled;
  *pooled = false;
  while (!ready_.empty() && can_serve(*spec.policy)) {
    Worker w = std::move(ready_.front());
    ready_.pop_front();
    if (exited(w)) {  // died while waiting (killed from outside): not a container's problem
      kill_and_reap(w);
      continue;
    }
    Assignment a;
    *kind = LaunchError::kModule;
    if (!open_container_files(spec, &a.boot.module_fd, &a.boot.module_size, &a.boot.listeners,
                              error)) {
      ready_.push_front(std::move(w));  // untouched: still good for the next container
      return Worker{};
    }
    *kind = LaunchError::kSpawn;
    int stdio[3] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
    for (int i = 0; i < 3; i++) {
      a.stdio[i] = UniqueFd(fcntl(stdio[i], F_DUPFD_CLOEXEC, 3));
      if (!a.stdio[i]) {
        *error = std::string("dup: ") + std::strerror(errno);
        ready_.push_front(std::move(w));
        return Worker{};
      }
    }
    const broker::Policy& policy = *spec.policy;
    a.memory_limit = policy.limits.memory_limit;
    a.cpu_seconds = worker_cpu_seconds(policy);
    a.max_fds = policy.limits.max_fds;
    a.flags = spec.output_to_broker ? kStdioFlagOutputToBroker : 0;
    a.env = policy.env;
    a.args = {spec.module_path};
    a.args.insert(a.args.end(), policy.args.begin(), policy.args.end());
    std::optional<ipc::Message> m = encode_assignment(std::move(a));
    if (!m) {  // too big for one message: a fresh worker takes it in its argv
      ready_.push_front(std::move(w));
      break;
    }
    // The member's socket is blocking and empty, so this cannot stall.
    if (int e = ipc::send_message(w.broker_socket.get(), std::move(*m)); e != 0) {
      kill_and_reap(w);  // a broken member: try the next one
      continue;
    }
    *kind = LaunchError::kNone;
    *pooled = true;
    pooled_starts++;
    return w;
  }
  fresh_starts++;
  return launch_worker(spec, error, kind);
}

}  // namespace wc::supervisor
