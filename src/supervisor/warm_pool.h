// A warm pool of workers (issue 9, "fast start"): webcontainerc processes spawned and confined
// ahead of time (fresh namespaces, empty root, no capabilities, no_new_privs, Landlock,
// seccomp), each blocked on its IPC socket until it is given one container. A start then costs
// one message instead of clone + exec + confine, in the spirit of Chromium's zygote and the
// SOCK paper's pre-initialised sandboxes (design/MULTITENANCY.md).
//
// What a member does before it knows its container is only what does not depend on the
// container's policy. The policy-dependent parts are handled so that a pooled start is never
// looser than a fresh one:
//   - argv, environment, stdio: arrive in the assignment (supervisor/assignment.h) and are put
//     in place by the worker before it reads the module.
//   - RLIMIT_CPU (--cpu-time) and RLIMIT_NOFILE (--max-fds): the member confines itself with no
//     CPU limit and the pool's fd ceiling, then lowers both (soft = hard) to the container's on
//     assignment; raising a hard limit needs CAP_SYS_RESOURCE, which it has dropped, so it can
//     only tighten. A container wanting more fds than the ceiling gets a fresh worker.
//   - linear memory (--memory-limit): the engine's store limit, set after assignment in-process.
//   - cgroup (--cpus): the daemon moves the worker's pid after launch, pooled or not.
//   - executable memory (a JIT's allow_exec_memory): no worker asks for it today; when one
//     does, it must be a pool key (a seccomp filter cannot be loosened), so such a container
//     would take a fresh worker until the pool is keyed by it.
//   - TZ in the guest's environment: the zone file is read before confinement, so a container
//     setting TZ gets a fresh worker.
// Namespaces are not shared between members yet: each member has its own, as a fresh worker.
// A member serves exactly one container and exits with it; it is never reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "broker/policy.h"
#include "supervisor/worker.h"

namespace wc::supervisor {

// The fd ceiling a pool member (or a zygote, zygotes.h) confines itself with, and whether a
// process so confined can serve `policy` without loosening anything (see above).
uint64_t member_fd_ceiling();
bool member_can_serve(const broker::Policy& policy, uint64_t fd_ceiling);

class WarmPool {
 public:
  // `target` members kept ready (0: no pool, every start is fresh).
  explicit WarmPool(size_t target = 0, std::string worker_path = {});
  ~WarmPool();  // kills and reaps every member
  WarmPool(const WarmPool&) = delete;
  WarmPool& operator=(const WarmPool&) = delete;

  void set_target(size_t target) { target_ = target; }
  size_t target() const { return target_; }
  size_t ready() const { return ready_.size(); }

  // Drops members that died while waiting and spawns new ones until `target` are ready, at most
  // `budget` per call so the caller's event loop stays responsive. Spawn failures are counted
  // and retried on the next call.
  void refill(size_t budget = 1);
  // Short of target and the last refill could spawn: the caller's loop should not sleep.
  bool wants_refill() const { return ready_.size() < target_ && !last_failed_; }

  // Like launch_worker, but from the pool when a member is ready and the policy can be served
  // by one (see above); otherwise a fresh worker. *pooled says which.
  Worker launch(const WorkerSpec& spec, std::string* error, LaunchError* kind,
                bool* pooled = nullptr);

  // Kills and reaps every member (daemon shutdown).
  void clear();

  // Reaps and forgets every member that has ended while waiting (killed from outside). The
  // daemon calls it on SIGCHLD for a child that is not a container (daemon.h: reaping), so a
  // dead member is never left a zombie until the next refill.
  void reap_exited();

  // Whether a member can serve this policy without loosening anything.
  bool can_serve(const broker::Policy& policy) const;

  uint64_t pooled_starts = 0, fresh_starts = 0, spawn_failures = 0;

 private:
  bool spawn_member(std::string* error);

  size_t target_;
  std::string worker_path_;
  uint64_t fd_ceiling_;
  bool last_failed_ = false;
  std::deque<Worker> ready_;
};

}  // namespace wc::supervisor
