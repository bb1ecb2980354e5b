// Starting one confined worker for one container: read the module, open its --tcplisten
// sockets, spawn webcontainerc in fresh namespaces with the container's limits in its argv,
// and hand it the module as the first datagram (supervisor/bootstrap.h). The caller then gives
// `broker_socket` to a Broker and watches `pidfd`. Shared by `run`, `serve` and runc.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "broker/policy.h"
#include "ipc/unique_fd.h"

namespace wc::supervisor {

struct WorkerSpec {
  std::string module_path;  // read by us; also the guest's argv[0], as wasmtime passes it
  std::string argv0;        // the guest's argv[0] instead (runc: process.args[0] in the rootfs)
  const broker::Policy* policy = nullptr;
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;  // the guest's stdio (dup'ed into the worker)
  std::string worker_path;  // empty: webcontainerc beside the running executable
  // The worker's --engine: "auto" (its default), "interp" or "jit". With auto or jit the
  // worker compiles to x86-64, so its seccomp filter lets it map code read+exec (never
  // writable and executable at once).
  std::string engine = "auto";
  // A module the caller already holds as a sealed read-only memfd (the daemon's module cache,
  // daemon/module_cache.h): handed to the worker as is, `module_path` is not read. -1: read
  // `module_path` into a fresh memfd.
  int module_fd = -1;
  uint64_t module_size = 0;
  // serve: the guest's stdout and stderr go to the broker as output requests over the worker's
  // broker socket (ipc/output_forwarder.h) rather than to stdout_fd/stderr_fd, which the worker
  // replaces with its own pipe. Told in its argv (--output-ipc), assignment or fork request.
  bool output_to_broker = false;
};

struct Worker {
  pid_t pid = -1;
  ipc::UniqueFd pidfd;                // for waiting and killing without pid-reuse races
  ipc::UniqueFd broker_socket;        // our end of the IPC socketpair, for Broker::add_worker
  std::vector<std::string> warnings;  // sandbox layers the kernel refused, one line each
};

// Why a launch failed: the module or a listener could not be opened (a problem of the
// container's definition), or the worker itself could not be started (of this host).
enum class LaunchError { kNone, kModule, kSpawn };

// On failure: pid == -1, *error says why, *kind which. No process is left behind.
Worker launch_worker(const WorkerSpec& spec, std::string* error, LaunchError* kind = nullptr);

// Kills (SIGKILL through the pidfd) and reaps a worker; for failures after the spawn.
void kill_and_reap(Worker& worker);

// True once the worker has exited (its pidfd is readable) or its pidfd is unusable; either
// way it can serve nothing more. Does not reap.
bool exited(const Worker& worker);

// Pieces shared with the warm pool (warm_pool.h).
// The worker's environment: empty but for test and sanitizer switches.
std::vector<std::string> worker_env();
// RLIMIT_CPU for the policy's --cpu-time (whole seconds, at least 1); 0 = none.
uint64_t worker_cpu_seconds(const broker::Policy& policy);
// Reads the module into a sealed memfd and opens the --tcplisten sockets.
bool open_container_files(const WorkerSpec& spec, ipc::UniqueFd* module_fd, uint64_t* module_size,
                          std::vector<ipc::UniqueFd>* listeners, std::string* error);

// webcontainerc in the directory of the running executable.
std::string default_worker_path();

}  // namespace wc::supervisor
