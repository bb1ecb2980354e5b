#include "supervisor/zygotes.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include "ipc/socket.h"
#include "sandbox/sandbox.h"
#include "supervisor/bootstrap.h"
#include "supervisor/fork_request.h"
#include "supervisor/warm_pool.h"

namespace wc::supervisor {

using ipc::UniqueFd;

namespace {

// How long a zygote may take to answer a fork request. The first request of a zygote waits for
// the module's decoding and validation too (a few hundred ms for a large Go module on a busy
// host); a zygote that takes longer is treated as broken.
constexpr int kReplyTimeoutMs = 20000;

std::string errno_text(const char* what, int e) {
  return std::string(what) + ": " + std::strerror(e < 0 ? -e : e);
}

// The pid the kernel gives for a pidfd, in our pid namespace ("Pid:" of its fdinfo).
pid_t pidfd_pid(int pidfd) {
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(pidfd));
  std::string key;
  while (in >> key) {
    if (key == "Pid:") {
      long pid = 0;
      in >> pid;
      return static_cast<pid_t>(pid);
    }
    in.ignore(4096, '\n');
  }
  return -1;
}

}  // namespace

Zygotes::Zygotes(size_t max, std::string worker_path)
    : max_(max),
      worker_path_(worker_path.empty() ? default_worker_path() : std::move(worker_path)),
      fd_ceiling_(member_fd_ceiling()) {}

Zygotes::~Zygotes() { clear(); }

void Zygotes::clear() {
  for (auto& [hash, z] : by_hash_) kill_and_reap(z.process);
  by_hash_.clear();
}

void Zygotes::drop(const std::string& hash) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return;
  kill_and_reap(it->second.process);
  by_hash_.erase(it);
}

void Zygotes::reap_exited() {
  for (auto& [hash, z] : by_hash_) {
    if (z.process.pid <= 0 || !exited(z.process)) continue;
    // Through its pidfd: names this process only, whatever pids the host has reused. Then
    // pid -1, as kill_and_reap() leaves it: the pid may be another child's by now, and
    // drop()/clear() must never signal or wait for it again.
    siginfo_t si{};
    if (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(z.process.pidfd.get()), &si,
               WEXITED | WNOHANG) == 0 &&
        si.si_pid != 0)
      z.process.pid = -1;
  }
}

bool Zygotes::can_serve(const WorkerSpec& spec) const {
  // Text modules are recognised by their name (engine/text/wat.h); a zygote is keyed by the
  // content only, so it takes only names that are never parsed as text.
  return enabled() && spec.module_fd >= 0 && spec.module_path.ends_with(".wasm") &&
         spec.argv0.empty() && spec.engine == "auto" && spec.worker_path.empty() &&
         member_can_serve(*spec.policy, fd_ceiling_);
}

Zygotes::Zygote* Zygotes::get(const WorkerSpec& spec, const std::string& hash, std::string* error) {
  if (auto it = by_hash_.find(hash); it != by_hash_.end()) {
    if (!exited(it->second.process)) return &it->second;
    deaths++;
    drop(hash);
    *error = "the zygote for sha256:" + hash + " died";
    return nullptr;
  }
  while (by_hash_.size() >= max_ && !by_hash_.empty()) {  // evict the least recently used
    auto lru = by_hash_.begin();
    for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it)
      if (it->second.last_used < lru->second.last_used) lru = it;
    evictions++;
    drop(lru->first);
  }
  UniqueFd pair[2];
  if (int e = ipc::make_socketpair(pair); e != 0)
    return *error = errno_text("socketpair", e), nullptr;
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return *error = errno_text("/dev/null", errno), nullptr;
  sandbox::SpawnOptions so;
  so.worker_path = worker_path_;
  so.argv = {"webcontainerc", "--zygote", "--max-fds", std::to_string(fd_ceiling_)};
  so.env = worker_env();
  so.ipc_fd = pair[1].get();
  so.stdin_fd = so.stdout_fd = so.stderr_fd = null.get();
  // No pid namespace: CLONE_PARENT (the daemon is its children's parent) is refused to an
  // init process. See zygotes.h.
  so.namespaces = sandbox::kAllNamespaces & ~sandbox::kPidNs;
  sandbox::SpawnResult spawned = sandbox::spawn_worker(so);
  pair[1].reset();
  if (spawned.pid < 0)
    return *error = "cannot start a zygote " + so.worker_path + ": " + spawned.error_step + ": " +
                    std::strerror(spawned.error),
           nullptr;
  Zygote z;
  z.process.pid = spawned.pid;
  for (const auto& l : spawned.namespaces.layers)
    if (!l.active && !l.optional && l.name != "pid namespace")  // not asked for: see zygotes.h
      z.process.warnings.push_back(l.name + ": " + l.detail);
  z.process.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, z.process.pid, 0)));
  z.process.broker_socket = std::move(pair[0]);
  if (!z.process.pidfd) {
    *error = errno_text("pidfd_open", errno);
    kill_and_reap(z.process);
    return nullptr;
  }
  UniqueFd module(fcntl(spec.module_fd, F_DUPFD_CLOEXEC, 3));
  if (!module) {
    *error = errno_text("dup", errno);
    kill_and_reap(z.process);
    return nullptr;
  }
  if (int e = ipc::send_message(z.process.broker_socket.get(),
                                encode_bootstrap(std::move(module), spec.module_size));
      e != 0) {
    *error = errno_text("sending the module to a new zygote", e);
    kill_and_reap(z.process);
    return nullptr;
  }
  made++;
  return &(by_hash_[hash] = std::move(z));
}

Worker Zygotes::launch(const WorkerSpec& spec, const std::string& hash, std::string* error,
                       LaunchError* kind) {
  *kind = LaunchError::kSpawn;
  Zygote* z = get(spec, hash, error);
  if (!z) {
    failures++;
    return Worker{};
  }
  z->last_used = ++clock_;
  ForkRequest req;
  *kind = LaunchError::kModule;
  UniqueFd module_copy;
  uint64_t size = 0;
  if (!open_container_files(spec, &module_copy, &size, &req.listeners, error)) return Worker{};
  *kind = LaunchError::kSpawn;
  int stdio[3] = {spec.stdin_fd, spec.stdout_fd, spec.stderr_fd};
  for (int i = 0; i < 3; i++) {
    req.stdio[i] = UniqueFd(fcntl(stdio[i], F_DUPFD_CLOEXEC, 3));
    if (!req.stdio[i]) return *error = errno_text("dup", errno), Worker{};
  }
  UniqueFd pair[2];
  if (int e = ipc::make_socketpair(pair); e != 0)
    return *error = errno_text("socketpair", e), Worker{};
  req.broker_socket = std::move(pair[1]);
  const broker::Policy& policy = *spec.policy;
  req.memory_limit = policy.limits.memory_limit;
  req.cpu_seconds = worker_cpu_seconds(policy);
  req.max_fds = policy.limits.max_fds;
  req.flags = spec.output_to_broker ? kStdioFlagOutputToBroker : 0;
  req.env = policy.env;
  req.args = {spec.module_path};
  req.args.insert(req.args.end(), policy.args.begin(), policy.args.end());
  std::optional<ipc::Message> m = encode_fork_request(std::move(req));
  if (!m) return *error = "the container's argv and env do not fit in one fork request", Worker{};

  // From here on, anything unexpected means the zygote is broken: drop it.
  auto broken = [&](std::string why) {
    *error = "zygote for sha256:" + hash + ": " + why;
    failures++;
    drop(hash);
    return Worker{};
  };
  int fd = z->process.broker_socket.get();
  if (int e = ipc::send_message(fd, *m); e != 0) return broken(errno_text("fork request", e));
  m.reset();  // our copies of the container's fds: the child has its own
  struct pollfd p = {fd, POLLIN, 0};
  int ready;
  do ready = poll(&p, 1, kReplyTimeoutMs);
  while (ready < 0 && errno == EINTR);
  if (ready == 0) return broken("no answer to a fork request");
  ipc::Message reply;
  int r = ipc::recv_message(fd, &reply);
  if (r != 1) return broken(r == 0 ? "it exited" : errno_text("reading its answer", r));
  Worker w;
  int32_t pid = decode_fork_reply(std::move(reply), &w.pidfd, error);
  if (pid == 0) return broken(*error);
  if (pid < 0) {  // the zygote is fine; this host refused a process now
    failures++;
    *error = errno_text("zygote fork", pid);
    return Worker{};
  }
  // The zygote is confined but holds a tenant's decoded module: trust nothing it says. The
  // pidfd must be one of our own children, and the pid it names the one announced.
  siginfo_t si{};
  if (pidfd_pid(w.pidfd.get()) != pid ||
      waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(w.pidfd.get()), &si,
             WEXITED | WNOHANG | WNOWAIT) != 0)
    return broken("its child " + std::to_string(pid) + " is not a child of this daemon");
  w.pid = pid;
  w.broker_socket = std::move(pair[0]);
  w.warnings = z->process.warnings;
  starts++;
  *kind = LaunchError::kNone;
  return w;
}

}  // namespace wc::supervisor
