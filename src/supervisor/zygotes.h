// Zygotes (issue 9, "fast start"; `webcontainerd serve --zygote`): per module hash, one confined
// worker that has decoded and validated the module once and forks one child per container. A
// child is created by the zygote with clone(CLONE_PARENT | CLONE_PIDFD): it is the daemon's
// child, not the zygote's, so the daemon reaps it and maps its end to an exit status exactly as
// for any worker (guest code, 134 trap, 124 timeout, 128+N signals), signals it through its
// pidfd (stop, kill, timeout), moves its pid into a cgroup (--cpus), and a zygote's death or
// eviction leaves its running children alone.
//
// Per container, after the fork, the child gets what a pooled worker gets in its assignment
// (supervisor/fork_request.h): its own broker socket (a socketpair made here, one end passed
// with the request), stdio, argv, env, --tcplisten sockets, rlimits lowered to the container's
// and the memory limit; then it stacks its own final seccomp filter (no fork) and runs.
//
// What is shared, and what that costs:
//   - the decoded, validated module, copy-on-write (the slot translation happens when a store
//     instantiates it, so each child still translates; no compiled code is shared);
//   - the zygote's namespaces: user, mount (the empty root), net, ipc, uts, all empty, shared by
//     its children as pool members could share them (design/ARCHITECTURE.md 1b). Not a pid
//     namespace: CLONE_PARENT needs the zygote in the daemon's pid namespace (an init process
//     cannot use it), so zygote children see host pids; seccomp still limits kill/tgkill to the
//     process itself (the zygote's own filter to the zygote's pid, so a child cannot signal
//     itself either: an abort() in the worker ends by its fallback, not SIGABRT);
//   - the address-space layout: every child of a zygote has the zygote's ASLR layout (as
//     Chromium's and Android's zygotes accept), so a leak in one container tells the layout of
//     its siblings of the same module.
// Bounds: at most `max` zygotes, least recently used evicted. A zygote found dead is dropped,
// the start falls back to the warm pool (the caller logs it), and the next start of that hash
// makes a new one. Only modules named *.wasm (never parsed as text), the default engine and
// policies a pooled worker can serve (WarmPool::can_serve) go to a zygote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "supervisor/worker.h"

namespace wc::supervisor {

class Zygotes {
 public:
  explicit Zygotes(size_t max = 0, std::string worker_path = {});
  ~Zygotes();  // kills and reaps every zygote (never their children)
  Zygotes(const Zygotes&) = delete;
  Zygotes& operator=(const Zygotes&) = delete;

  void set_max(size_t max) { max_ = max; }
  bool enabled() const { return max_ > 0; }
  size_t size() const { return by_hash_.size(); }

  // Whether a zygote's child can run this container without loosening anything.
  bool can_serve(const WorkerSpec& spec) const;

  // A child of the zygote for the module `spec.module_fd` whose SHA-256 is `hash`, making the
  // zygote first if there is none. On failure pid == -1, *error says why and *kind whether the
  // container's definition is at fault (kModule: a listener could not be opened) or the zygote
  // (kSpawn: the caller should fall back to the warm pool and log *error).
  Worker launch(const WorkerSpec& spec, const std::string& hash, std::string* error,
                LaunchError* kind);

  // Kills and reaps every zygote (daemon shutdown).
  void clear();

  // Reaps every zygote that has ended (the daemon calls it on SIGCHLD): one killed from outside
  // must not stay a zombie until its module is started again, which may be never. Its entry
  // stays, so that start still finds it dead, counts it and falls back as before (launch()).
  void reap_exited();

  uint64_t starts = 0, made = 0, deaths = 0, evictions = 0, failures = 0;

 private:
  struct Zygote {
    Worker process;  // broker_socket is the control socket
    uint64_t last_used = 0;
  };
  Zygote* get(const WorkerSpec& spec, const std::string& hash, std::string* error);
  void drop(const std::string& hash);

  size_t max_;
  std::string worker_path_;
  uint64_t fd_ceiling_;
  uint64_t clock_ = 0;
  std::map<std::string, Zygote> by_hash_;
};

}  // namespace wc::supervisor
