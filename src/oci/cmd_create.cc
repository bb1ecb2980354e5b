// `create`: validate and map the bundle (every refusal happens here, before any process
// exists), make the state directory and exec fifo, fork the container process, put it in its
// cgroup, and record it (state.json, --pid-file). The container process outlives us: the shim,
// a child subreaper, becomes its parent and reaps its exit status.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "oci/bundle.h"
#include "oci/cgroups.h"
#include "oci/commands.h"
#include "oci/console.h"
#include "oci/container_process.h"
#include "oci/mapping.h"
#include "oci/module_file.h"
#include "oci/proc_info.h"
#include "oci/state.h"

namespace wc::oci {

namespace {

using ipc::UniqueFd;

// Writes the pid the way go-runc reads it back: the number alone, replaced atomically.
bool write_pid_file(const std::string& path, pid_t pid, std::string* error) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string text = std::to_string(pid);
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int e = errno;
  if (fd >= 0) close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    e = errno;
  }
  if (!ok) {
    unlink(tmp.c_str());
    *error = "--pid-file " + path + ": " + std::strerror(e);
  }
  return ok;
}

// Reads what the container process reported before it blocked: nothing when ready.
std::string read_ready(int fd) {
  std::string message;
  char buf[1024];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    message.append(buf, static_cast<size_t>(n));
    if (message.size() > 4096) break;
  }
  return message;
}

}  // namespace

int cmd_create(const Globals& g, const CreateOptions& o, const std::string& id) {
  std::string error;
  auto refuse = [&](const std::string& message) {
    g.log.error(message);
    return 1;
  };
  if (!valid_container_id(id, &error)) return refuse(error);

  Bundle bundle;
  if (!load_bundle(o.bundle, &bundle, &error)) return refuse(error);
  Plan plan;
  if (!plan_container(bundle, &plan, &error)) return refuse(error);
  for (const std::string& note : plan.notes) g.log.debug(id + ": " + note);
  if (plan.terminal && o.console_socket.empty())
    return refuse("process.terminal is true but no --console-socket was given");
  if (!plan.terminal && !o.console_socket.empty())
    return refuse("--console-socket given but process.terminal is false");
  UniqueFd module = open_module_in_root(plan.rootfs, plan.module_in_root, &error);
  if (!module) return refuse(error);
  std::string cgroup_rel;
  const bool want_cgroup = !plan.cgroups_path.empty() || plan.cpus > 0;
  if (want_cgroup &&
      !resolve_cgroup_path(plan.cgroups_path, id, g.systemd_cgroup, &cgroup_rel, &error))
    return refuse(error);

  std::optional<ContainerDir> dir = ContainerDir::create(g.root, id, &error);
  if (!dir) return refuse(error);
  ContainerState state;
  auto abandon = [&](const std::string& message) {
    std::string e;
    remove_cgroups(state.cgroup_dirs, &e);
    dir->remove(&e);
    return refuse(message);
  };
  if (mkfifo(dir->fifo_path().c_str(), 0600) != 0)
    return abandon("cannot make " + dir->fifo_path() + ": " + std::strerror(errno));
  UniqueFd console;
  if (plan.terminal) {
    console = open_console(o.console_socket, plan.console_height, plan.console_width, &error);
    if (!console) return abandon(error);
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return abandon(std::string("pipe: ") + std::strerror(errno));

  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    close(ready[0]);
    close(ready[1]);
    return abandon(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(ready[0]);
    dir->drop_lock();
    ContainerProcessSetup setup;
    setup.plan = &plan;
    setup.module_fd = module.get();
    setup.console_fd = console.get();
    setup.ready_fd = ready[1];
    setup.fifo_path = dir->fifo_path();
    run_container_process(setup);
  }
  close(ready[1]);
  module.reset();
  console.reset();
  std::string report = read_ready(ready[0]);
  close(ready[0]);
  auto kill_child = [&]() {
    kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  };
  int st;
  if (!report.empty() || waitpid(pid, &st, WNOHANG) != 0) {
    kill_child();
    return abandon(report.empty() ? "the container process ended during setup" : report);
  }

  ProcStat ps;
  if (!read_proc_stat(pid, &ps)) {
    kill_child();
    return abandon("cannot read /proc of the container process");
  }
  state.id = id;
  state.bundle = bundle.dir;
  state.rootfs = plan.rootfs;
  state.created = rfc3339_now();
  state.pid = pid;
  state.pid_start = ps.start_time;
  state.annotations = bundle.annotations;
  if (want_cgroup && !join_cgroups(cgroup_rel, plan.cpus, pid, &state.cgroup_dirs, &error)) {
    kill_child();
    return abandon("cgroup " + cgroup_rel + ": " + error);
  }
  if (!dir->write(state, &error) ||
      (!o.pid_file.empty() && !write_pid_file(o.pid_file, pid, &error))) {
    kill_child();
    return abandon(error);
  }
  g.log.debug(id + ": created, container process " + std::to_string(pid));
  return 0;
}

}  // namespace wc::oci
