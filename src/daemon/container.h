// One container of `webcontainerd serve`: its definition (what the user asked for, kept in the
// state dir so a daemon restart loses nothing) and its runtime state (the worker, if any).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "broker/policy.h"
#include "daemon/container_log.h"
#include "ipc/unique_fd.h"
#include "supervisor/cgroup.h"
#include "supervisor/run_options.h"

namespace wc::daemon {

enum class RestartPolicy { kNo, kOnFailure, kAlways };

struct Restart {
  RestartPolicy policy = RestartPolicy::kNo;
  int max_retries = 0;  // on-failure:N; 0 = unbounded
};
// "no", "on-failure", "on-failure:N", "always".
bool parse_restart(const std::string& text, Restart* out, std::string* error);
std::string restart_to_string(const Restart& r);

struct Definition {
  std::string id, name, module;  // module: an absolute host path, read by the daemon
  supervisor::RunOptions options;
  Restart restart;
  bool auto_remove = false;  // --rm
  bool open_stdin = false;   // run -i: the guest's stdin is a pipe an attach request feeds
  // Containers of the --tenants directory: their file, and a digest of its content (a changed
  // digest on SIGHUP restarts the container with the new definition).
  std::string tenant_file, tenant_digest;
};

// A container nothing on disk is kept for: --rm and never restarted, so it is removed when it
// ends, and a daemon that died while it ran would find its worker dead too (PDEATHSIG) and has
// nothing to restart. Its state dir folder holds only its log (Store::save_definition).
inline bool ephemeral(const Definition& d) {
  return d.auto_remove && d.restart.policy == RestartPolicy::kNo;
}

enum class State { kCreated, kRunning, kExited, kRestarting };
const char* state_name(State s);

struct LimitEvent {
  double time = 0;  // unix seconds
  std::string limit, detail;
};

struct Container {
  Definition def;
  broker::Policy policy;  // built from def.options when it is (re)started

  State state = State::kCreated;
  int exit_code = 0;
  std::string exit_message;
  double started_at = 0, finished_at = 0;  // unix seconds, 0 = never
  int restarts = 0;
  bool stopped_by_user = false;  // stop/kill: no restart
  std::vector<LimitEvent> events;
  uint64_t log_dropped = 0;  // bytes rotated out of the log (ContainerLog's logical offsets)

  // The log, and the connections streaming it (logs?follow=1, attach): their fds.
  ContainerLog log;
  bool log_open = false;
  std::vector<int> followers;
  // The broker's hints already written to this run's log (each once per run; bounded).
  std::vector<std::string> hinted;
  // The guest's stdout+stderr arrive as output requests on its broker socket (no fd of their
  // own: daemon_stream.cc). --log-rate: a token bucket of bytes (one second's worth at most,
  // refilled continuously). Out of budget, the broker holds the answer to the last output
  // request: the guest's writes wait, the daemon spends nothing on it, and the first time in a
  // run is a limit event.
  double log_budget = 0;       // bytes; < 0 after an output request overdrew it (a debt)
  double log_budget_at = 0;    // monotonic seconds of its last refill; 0: never (full)
  bool output_paused = false;  // an output answer held until the budget refills
  bool log_rate_hit = false;   // this run
  // run -i: the write end of the guest's stdin pipe, bytes waiting for room in it, the
  // connection feeding it (-1: none yet), and whether that connection sent EOF.
  ipc::UniqueFd stdin_w;
  std::string stdin_pending;
  int stdin_owner = -1;
  bool stdin_eof = false;

  // Runtime (never persisted).
  pid_t pid = -1;  // its worker until reaped; no pidfd (daemon.h: reaping)
  std::unique_ptr<supervisor::CpuLimiter> cpu;  // --cpus, while the worker runs
  bool killed_by_broker = false;
  bool killed_by_timeout = false;
  double deadline = 0;       // monotonic seconds; 0 = no wall-clock limit
  double launched_mono = 0;  // when its worker was asked for (start-to-exit metric); 0 = none
  bool pooled = false;       // its worker came from the warm pool
  bool zygote = false;       // its worker is a zygote's child (supervisor/zygotes.h)
  double restart_at = 0;     // monotonic seconds; when kRestarting
  int backoff_step = 0;      // consecutive quick restarts (the backoff exponent)

  // The SHA-256 of the module its worker runs (daemon/module_cache.h); "" before a start.
  std::string module_sha256;
};

// The definition as JSON (the state dir's config.json and inspect's "definition").
nlohmann::json definition_to_json(const Definition& d);
bool definition_from_json(const nlohmann::json& j, Definition* d, std::string* error);

}  // namespace wc::daemon
