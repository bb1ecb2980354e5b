// The life of a container inside the daemon: start (a confined worker with the guest's stdio
// on its log file), supervision (wall-clock deadline, exit reaped on SIGCHLD), restart policy
// with exponential backoff, and the record of every limit it hit.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "daemon/daemon.h"
#include "supervisor/exit_status.h"
#include "supervisor/worker.h"

namespace wc::daemon {

namespace {

double mono_now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_now() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Restart backoff: 100 ms doubling per consecutive restart, capped at 30 s.
constexpr double kBackoffFirst = 0.1, kBackoffCap = 30.0;
// A run at least this long resets the backoff (it was not a crash loop).
constexpr double kBackoffResetAfter = 10.0;

}  // namespace

std::string Daemon::new_id() const {
  static std::mt19937_64 rng(std::random_device{}());
  for (;;) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    std::string id(buf, 12);
    if (!containers_.count(id)) return id;
  }
}

Container* Daemon::find(const std::string& key) {
  auto it = containers_.find(key);
  if (it != containers_.end()) return it->second.get();
  for (auto& [id, c] : containers_)
    if (c->def.name == key) return c.get();
  // A unique id prefix, as docker accepts.
  Container* hit = nullptr;
  if (key.size() >= 4)
    for (auto& [id, c] : containers_)
      if (id.rfind(key, 0) == 0) {
        if (hit) return nullptr;
        hit = c.get();
      }
  return hit;
}

void Daemon::persist(Container& c) {
  std::string error;
  if (!store_.save_state(c, &error)) std::fprintf(stderr, "webcontainerd: %s\n", error.c_str());
}

void Daemon::append_log(Container& c, const std::string& line) { log_bytes(c, line + "\n"); }

void Daemon::limit_event(Container& c, const std::string& limit, const std::string& detail) {
  c.events.push_back({wall_now(), limit, detail});
  limit_hits_[limit]++;
  if (c.events.size() > 100)
    c.events.erase(c.events.begin());  // bounded: a crash loop must not grow it
  std::fprintf(stderr, "webcontainerd: container %s (%s): limit %s: %s\n", c.def.name.c_str(),
               c.def.id.c_str(), limit.c_str(), detail.c_str());
}

bool Daemon::start_container(Container& c, std::string* error, int* http_status) {
  c.policy = broker::Policy{};
  if (!supervisor::build_policy(c.def.options, &c.policy, error)) {
    *http_status = 400;
    return false;
  }
  // The worker's stdio: its output goes over its broker socket (daemon_stream.cc).
  ipc::UniqueFd out, in;
  if (!open_stdio(c, &out, &in, error)) {
    close_stdio(c);
    *http_status = 500;
    return false;
  }
  supervisor::LaunchError kind;
  double launched = mono_now();
  // The module from the cache: no copy when its content was seen before.
  uint64_t module_size = 0;
  ipc::UniqueFd module = module_cache_.open(c.def.module, &module_size, &c.module_sha256, error);
  if (!module) {
    close_stdio(c);
    *http_status = 422;
    starts_by_result_["module_error"]++;
    return false;
  }
  supervisor::WorkerSpec spec;
  spec.module_path = c.def.module;
  spec.module_fd = module.get();
  spec.module_size = module_size;
  spec.policy = &c.policy;
  spec.stdin_fd = in.get();
  spec.stdout_fd = out.get();
  spec.stderr_fd = out.get();
  spec.output_to_broker = true;
  bool pooled = false, zygote = false;
  supervisor::Worker w;
  if (zygotes_.can_serve(spec)) {  // --zygote: a child of this module's zygote
    std::string why;
    w = zygotes_.launch(spec, c.module_sha256, &why, &kind);
    zygote = w.pid > 0;
    if (!zygote && kind == supervisor::LaunchError::kSpawn)
      std::fprintf(stderr, "webcontainerd serve: %s; this start uses the warm pool\n", why.c_str());
    // A pid a zygote gave that is already a container's is a lie: never two containers on one.
    for (const auto& [id, other] : containers_)
      if (zygote && other->pid == w.pid) {
        std::fprintf(stderr, "webcontainerd serve: a zygote answered with container %s's pid\n",
                     id.c_str());
        w.pidfd.reset();  // not ours to kill or reap here: that container's
        w.pid = -1;
        zygote = false;
      }
  }
  if (!zygote) w = pool_.launch(spec, error, &kind, &pooled);  // warm pool, else fresh
  // The worker has its copies.
  out.reset();
  in.reset();
  if (w.pid < 0) {
    close_stdio(c);
    *http_status = kind == supervisor::LaunchError::kModule ? 422 : 500;
    starts_by_result_[kind == supervisor::LaunchError::kModule ? "module_error" : "error"]++;
    return false;
  }
  if (!c.def.options.cpus.empty()) {
    // A limit asked for and not in force would be a silent lie: refuse to run without it.
    double cpus = 0;
    std::string how;
    c.cpu = std::make_unique<supervisor::CpuLimiter>();
    if (!supervisor::parse_cpus(c.def.options.cpus, &cpus, &how) ||
        !c.cpu->apply(w.pid, cpus, c.def.id, &how)) {
      supervisor::kill_and_reap(w);
      close_stdio(c);
      c.cpu.reset();
      *error = "--cpus: " + how;
      *http_status = 500;
      return false;
    }
    append_log(c, "webcontainerd: cpus " + c.def.options.cpus + ": " + c.cpu->describe());
  }
  for (const std::string& warning : w.warnings) append_log(c, "webcontainerd: warning: " + warning);
  c.killed_by_broker = false;
  c.killed_by_timeout = false;
  c.hinted.clear();
  c.log_rate_hit = false;
  if (!broker_.add_worker(std::move(w.broker_socket), w.pid, c.policy, c.def.id, error)) {
    supervisor::kill_and_reap(w);
    close_stdio(c);
    *http_status = 500;
    return false;
  }
  // The worker's pidfd (a zygote's fork answer carries one, launch_worker opens one) is not
  // kept: from here the pid is enough (daemon.h, reaping), and the fd goes with `w`.
  c.pid = w.pid;
  pids_[c.pid] = c.def.id;
  c.launched_mono = launched;
  c.pooled = pooled;
  c.zygote = zygote;
  worker_starts_++;
  starts_by_result_["started"]++;
  double latency = mono_now() - launched;
  start_latency_sum_ += latency;
  start_latency_count_++;
  for (size_t i = 0; i < std::size(kStartBuckets); i++)
    if (latency <= kStartBuckets[i]) start_bucket_counts_[i]++;
  c.state = State::kRunning;
  c.started_at = wall_now();
  c.deadline = c.policy.limits.timeout > 0 ? mono_now() + c.policy.limits.timeout : 0;
  c.exit_message.clear();
  persist(c);
  return true;
}

void Daemon::reap_children() {
  for (;;) {
    siginfo_t si{};
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) return;
    pid_t pid = si.si_pid;
    if (auto it = pids_.find(pid); it != pids_.end()) {
      auto cit = containers_.find(it->second);
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) != pid) return;  // cannot be: it was waiting
      if (cit != containers_.end() && cit->second->pid == pid)
        finish(*cit->second, status);
      else
        pids_.erase(pid);
      continue;
    }
    // Not a container's: the zygotes and the pool reap their own (through their pidfds).
    zygotes_.reap_exited();
    pool_.reap_exited();
    siginfo_t still{};
    if (waitid(P_PID, static_cast<id_t>(pid), &still, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        still.si_pid == pid) {
      std::fprintf(stderr, "webcontainerd serve: reaped child %d that no one owned\n", pid);
      waitpid(pid, nullptr, WNOHANG);
    }
  }
}

void Daemon::finish(Container& c, int wait_status) {
  pids_.erase(c.pid);
  c.pid = -1;
  close_stdio(c);  // its last output is logged before the daemon's line about its end
  if (c.launched_mono > 0) {
    int source = c.zygote ? 2 : c.pooled ? 1 : 0;
    start_to_exit_sum_[source] += mono_now() - c.launched_mono;
    start_to_exit_count_[source]++;
    c.launched_mono = 0;
  }
  c.cpu.reset();  // reaped: its cgroup can go
  supervisor::ExitReport rep =
      c.killed_by_timeout
          ? supervisor::timeout_report(c.policy.limits)
          : supervisor::map_wait_status(wait_status, c.policy.limits, c.killed_by_broker);
  if (c.stopped_by_user && !c.killed_by_timeout) rep.limit.clear();  // our own SIGKILL, not a limit
  if (!rep.limit.empty()) limit_event(c, rep.limit, rep.message);
  if (!rep.message.empty()) append_log(c, "webcontainerd: " + rep.message);
  exits_by_outcome_[rep.code == 0                            ? "success"
                    : c.stopped_by_user && rep.limit.empty() ? "stopped"
                    : !rep.limit.empty()                     ? "limit"
                    : rep.code == 134                        ? "trap"
                                                             : "failure"]++;
  double ran = wall_now() - c.started_at;
  c.state = State::kExited;
  c.exit_code = rep.code;
  c.exit_message = rep.message;
  c.finished_at = wall_now();

  const Restart& rp = c.def.restart;
  bool again = !c.stopped_by_user && !stopping_ &&
               (rp.policy == RestartPolicy::kAlways ||
                (rp.policy == RestartPolicy::kOnFailure && rep.code != 0 &&
                 (rp.max_retries == 0 || c.restarts < rp.max_retries)));
  if (again) {
    if (ran >= kBackoffResetAfter) c.backoff_step = 0;
    double delay = std::min(kBackoffCap, kBackoffFirst * std::pow(2.0, c.backoff_step));
    c.backoff_step = std::min(c.backoff_step + 1, 30);
    c.state = State::kRestarting;
    c.restart_at = mono_now() + delay;
  }
  bool removing = !again && c.def.auto_remove;
  // A state file rewritten only to be deleted on the next line is a new inode, a rename and
  // an eviction for nothing (about a tenth of a --rm start's CPU went to the state dir).
  if (!removing) persist(c);
  if (!again) end_followers(c);
  if (removing) {
    store_.remove(c.def.id);
    containers_.erase(c.def.id);  // c is gone from here on
  }
}

void Daemon::kill_container(Container& c) {
  c.stopped_by_user = true;
  if (c.state == State::kRestarting) {
    c.state = State::kExited;
    persist(c);
    end_followers(c);
    return;
  }
  if (c.pid <= 0) return;
  kill(c.pid, SIGKILL);  // not reaped yet, so still its worker (daemon.h, reaping)
  int status = 0;
  while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  finish(c, status);
}

void Daemon::tick() {
  double now = mono_now();
  resume_output(now);
  // Once a second: logs not written for a while give their descriptor back (they reopen on
  // the next write), so idle containers cost the daemon no log fd.
  if (now - last_log_sweep_ >= 1.0) {
    last_log_sweep_ = now;
    for (auto& [id, c] : containers_)
      if (c->log_open) c->log.close_if_idle(kLogIdleSeconds);
  }
  std::vector<std::string> due;
  for (auto& [id, c] : containers_) {
    if (c->state == State::kRunning && c->deadline > 0 && now >= c->deadline && c->pid > 0) {
      c->killed_by_timeout = true;
      kill(c->pid, SIGKILL);  // reaped by reap_children on its SIGCHLD
      c->deadline = 0;
    }
    if (c->state == State::kRestarting && now >= c->restart_at) due.push_back(id);
  }
  for (const std::string& id : due) {
    auto it = containers_.find(id);
    if (it == containers_.end()) continue;
    Container& c = *it->second;
    c.restarts++;
    std::string error;
    int status = 0;
    if (!start_container(c, &error, &status)) {
      append_log(c, "webcontainerd: restart failed: " + error);
      c.state = State::kExited;
      c.exit_code = supervisor::kExitError;
      c.exit_message = error;
      persist(c);
      end_followers(c);
    }
  }
}

}  // namespace wc::daemon
