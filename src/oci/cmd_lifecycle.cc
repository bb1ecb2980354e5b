// `start`, `state`, `kill`, `delete`, `ps` and `list`: everything after `create`, on the state
// directory (state.h) and the container process's pid (checked against its start time).
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "oci/cgroups.h"
#include "oci/commands.h"
#include "oci/proc_info.h"
#include "oci/signals.h"
#include "oci/state.h"

namespace wc::oci {

namespace {

using ipc::UniqueFd;

int failed(const Globals& g, const std::string& message) {
  g.log.error(message);
  return 1;
}

double now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A pidfd for the container process if it is still the one we started (pid and start time),
// taken before the check so that the check covers the process the fd names.
UniqueFd open_container_pidfd(const ContainerState& s) {
  UniqueFd fd(static_cast<int>(syscall(SYS_pidfd_open, s.pid, 0)));
  if (!fd || !process_alive(s.pid, s.pid_start)) return {};
  return fd;
}

// Waits up to `seconds` for the process behind `pidfd` to end (exit or zombie).
bool wait_gone(int pidfd, double seconds) {
  struct pollfd p = {pidfd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, static_cast<int>(seconds * 1000));
  while (r < 0 && errno == EINTR);
  return r > 0;
}

// SIGKILL to the container process and everything under it (the worker), then waits for them.
void kill_everything(const ContainerState& s) {
  UniqueFd pidfd = open_container_pidfd(s);
  if (!pidfd) return;
  for (pid_t p : process_tree(s.pid)) kill(p, SIGKILL);
  wait_gone(pidfd.get(), 10);
}

}  // namespace

int cmd_start(const Globals& g, const std::string& id) {
  std::string error;
  std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, true, &error);
  if (!dir) return failed(g, error);
  ContainerState s;
  if (!dir->has_state()) return failed(g, "container " + id + " does not exist");
  if (!dir->read(&s, &error)) return failed(g, error);
  switch (dir->status(s)) {
    case Status::kStopped: return failed(g, "cannot start a container that has stopped");
    case Status::kRunning: return failed(g, "cannot start an already running container");
    case Status::kCreated: break;
  }
  // Non-blocking, so a container process that died meanwhile cannot hang us; then wait for the
  // byte it writes once our open let its own open return.
  UniqueFd fifo(open(dir->fifo_path().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fifo) return failed(g, "cannot open " + dir->fifo_path() + ": " + std::strerror(errno));
  const double deadline = now_seconds() + 30;
  for (;;) {
    struct pollfd p = {fifo.get(), POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r > 0 && (p.revents & POLLIN)) {
      char c;
      ssize_t n = read(fifo.get(), &c, 1);
      if (n == 1) break;
    }
    if (!process_alive(s.pid, s.pid_start))
      return failed(g, "the container process ended before it was started");
    if (now_seconds() > deadline)
      return failed(g, "the container process did not take the start signal within 30 s");
  }
  unlinkat(dir->fd(), "exec.fifo", 0);
  g.log.debug(id + ": started");
  return 0;
}

int cmd_state(const Globals& g, const std::string& id) {
  std::string error;
  std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, false, &error);
  if (!dir) return failed(g, error);
  if (!dir->has_state()) return failed(g, "container " + id + " does not exist");
  ContainerState s;
  if (!dir->read(&s, &error)) return failed(g, error);
  std::fputs(oci_state_json(s, dir->status(s)).c_str(), stdout);
  return 0;
}

int cmd_kill(const Globals& g, const std::string& id, const std::string& signal_text, bool all) {
  std::string error;
  int sig = 0;
  if (!parse_signal(signal_text, &sig, &error)) return failed(g, error);
  std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, true, &error);
  if (!dir) return failed(g, error);
  if (!dir->has_state()) return failed(g, "container " + id + " does not exist");
  ContainerState s;
  if (!dir->read(&s, &error)) return failed(g, error);
  UniqueFd pidfd = open_container_pidfd(s);
  if (!pidfd) {
    // runc's wording: the shim recognises "container not running" as "already finished".
    if (all) return 0;
    return failed(g, "container not running");
  }
  if (all) {
    for (pid_t p : process_tree(s.pid)) kill(p, sig);
  } else if (syscall(SYS_pidfd_send_signal, pidfd.get(), sig, nullptr, 0) != 0) {
    return failed(g, "cannot signal the container process: " + std::string(std::strerror(errno)));
  }
  g.log.debug(id + ": signal " + std::to_string(sig) + (all ? " to all" : ""));
  return 0;
}

int cmd_delete(const Globals& g, const std::string& id, bool force) {
  std::string error;
  std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, true, &error);
  if (!dir) {
    if (force && error.find("does not exist") != std::string::npos) return 0;
    return failed(g, error);
  }
  if (!dir->has_state()) {
    // A `create` that never finished: nothing ran; clear what it left.
    dir->remove(&error);
    return force ? 0 : failed(g, "container " + id + " does not exist");
  }
  ContainerState s;
  if (!dir->read(&s, &error)) {
    if (!force) return failed(g, error);
    dir->remove(&error);
    return 0;
  }
  Status status = dir->status(s);
  if (status == Status::kRunning && !force)
    return failed(g, "cannot delete container " + id + " that is not stopped: running");
  // A created container never ran its guest: runc deletes it as it is.
  if (status != Status::kStopped) kill_everything(s);
  std::string cg_error;
  bool cgroups_gone = remove_cgroups(s.cgroup_dirs, &cg_error);
  if (!dir->remove(&error)) return failed(g, error);
  if (!cgroups_gone) g.log.warning(id + ": " + cg_error);
  g.log.debug(id + ": deleted");
  return 0;
}

int cmd_ps(const Globals& g, const std::string& id, const std::string& format) {
  if (format != "json" && format != "table")
    return failed(g, "ps --format " + format + ": expected json or table");
  std::string error;
  std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, false, &error);
  if (!dir) return failed(g, error);
  if (!dir->has_state()) return failed(g, "container " + id + " does not exist");
  ContainerState s;
  if (!dir->read(&s, &error)) return failed(g, error);
  std::vector<pid_t> pids;
  if (dir->status(s) != Status::kStopped) pids = process_tree(s.pid);
  if (format == "json") {
    std::printf("%s\n", nlohmann::json(pids).dump().c_str());
  } else {
    std::printf("PID\n");
    for (pid_t p : pids) std::printf("%d\n", static_cast<int>(p));
  }
  return 0;
}

int cmd_list(const Globals& g, const std::string& format, bool quiet) {
  if (format != "json" && format != "table")
    return failed(g, "list --format " + format + ": expected json or table");
  std::vector<std::string> ids;
  if (DIR* d = opendir(g.root.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string ignored;
      if (e->d_name[0] != '.' && valid_container_id(e->d_name, &ignored)) ids.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(ids.begin(), ids.end());
  nlohmann::json all = nlohmann::json::array();
  if (!quiet && format == "table") std::printf("ID\tPID\tSTATUS\tBUNDLE\tCREATED\n");
  for (const std::string& id : ids) {
    std::string error;
    std::optional<ContainerDir> dir = ContainerDir::open(g.root, id, false, &error);
    ContainerState s;
    if (!dir || !dir->has_state() || !dir->read(&s, &error)) continue;
    Status status = dir->status(s);
    pid_t pid = status == Status::kStopped ? 0 : s.pid;
    if (quiet) {
      std::printf("%s\n", id.c_str());
    } else if (format == "table") {
      std::printf("%s\t%d\t%s\t%s\t%s\n", id.c_str(), static_cast<int>(pid), status_name(status),
                  s.bundle.c_str(), s.created.c_str());
    } else {
      all.push_back(nlohmann::json::parse(oci_state_json(s, status)));
    }
  }
  if (!quiet && format == "json") std::printf("%s\n", all.dump().c_str());
  return 0;
}

}  // namespace wc::oci
