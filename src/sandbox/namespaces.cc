// Broker side: create the worker in fresh namespaces and exec it with a fixed fd layout.
//
// Everything between clone() and execve() runs in a copy of a possibly multi-threaded broker,
// so the child only makes raw syscalls on memory prepared beforehand: no malloc, no locks.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

namespace {

struct NsInfo {
  Namespace ns;
  unsigned long flag;
  const char* name;
  bool optional;  // losing it weakens little: the other layers cover what it would
};
// The user namespace first: once it is granted, the others need no privilege outside it.
constexpr NsInfo kNamespaces[] = {
    {kUserNs, CLONE_NEWUSER, "user namespace", false},
    {kMountNs, CLONE_NEWNS, "mount namespace", false},
    {kPidNs, CLONE_NEWPID, "pid namespace", false},
    {kNetNs, CLONE_NEWNET, "net namespace", false},
    {kIpcNs, CLONE_NEWIPC, "ipc namespace", true},
    {kUtsNs, CLONE_NEWUTS, "uts namespace", true},
};

pid_t raw_clone(unsigned long flags) {
  // fork() semantics (child continues on a copy of this stack), without glibc's atfork
  // handlers, which are not ours to run in a child that will only exec.
  return static_cast<pid_t>(
      syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

// Steps the child can fail at; it reports {step, errno} on the error pipe.
enum Step : int { kSync, kSetgroups, kSetgid, kSetuid, kDeathSig, kFds, kExec, kNumSteps };
constexpr const char* kStepNames[kNumSteps] = {"wait for id maps", "setgroups",        "setresgid",
                                               "setresuid",        "PR_SET_PDEATHSIG", "fd layout",
                                               "execveat"};

[[noreturn]] void child_fail(int err_fd, Step step) {
  int msg[2] = {step, errno};
  [[maybe_unused]] ssize_t n = write(err_fd, msg, sizeof msg);
  _exit(127);
}

struct Identity {
  bool user_ns = false;
  bool broker_is_root = false;
  bool die_with_parent = true;
  int sync_fd = -1;  // read end: one byte once the parent has written the id maps
  int err_fd = -1;   // write end, close-on-exec
};

// First thing in the child: a clean signal state and the in-namespace identity.
void child_setup(const Identity& id) {
  // The broker's handlers must not run in this copy of it: default them, then unblock.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      sigaction(sig, &sa, nullptr);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  if (id.user_ns) {
    char c;
    if (read(id.sync_fd, &c, 1) != 1) child_fail(id.err_fd, kSync);
    // Become uid/gid 0 of the namespace, i.e. the unprivileged outside ids of the map, and
    // shed the broker's supplementary groups (possible only where setgroups is not denied).
    if (setgroups(0, nullptr) != 0 && id.broker_is_root) child_fail(id.err_fd, kSetgroups);
    if (setresgid(0, 0, 0) != 0) child_fail(id.err_fd, kSetgid);
    if (setresuid(0, 0, 0) != 0) child_fail(id.err_fd, kSetuid);
  }
  // After the id change, which clears it. Tied to the thread that called clone.
  if (id.die_with_parent && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    child_fail(id.err_fd, kDeathSig);
}

bool write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t len = std::strlen(text);
  bool ok = write(fd, text, len) == static_cast<ssize_t>(len);
  close(fd);
  return ok;
}

struct Clone {
  pid_t pid = -1;
  int error = 0;
  std::string step;
  SandboxReport namespaces;
  int err_read = -1;  // the parent's end of the error pipe (caller closes)
};

// Clones a child into as many of `wanted` namespaces as the kernel grants, sets up its
// identity, and runs `body` in it (which must not return).
template <typename Body>
Clone clone_into_namespaces(unsigned wanted, int64_t outside_uid, int64_t outside_gid,
                            bool die_with_parent, Body body) {
  Clone c;
  const bool root = geteuid() == 0;
  int sync[2], err[2];
  if (pipe2(sync, O_CLOEXEC) != 0) {
    c.error = errno, c.step = "pipe2";
    return c;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    c.error = errno, c.step = "pipe2";
    close(sync[0]), close(sync[1]);
    return c;
  }

  // Try everything; if the kernel refuses, find out which ones it grants and say why not.
  unsigned granted = wanted;
  std::string why[std::size(kNamespaces)];
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // no broker handler may run in the child
  c.pid = raw_clone(clone_flags(granted));
  if (c.pid < 0 && (errno == EPERM || errno == EINVAL || errno == ENOSPC || errno == EUSERS ||
                    errno == EACCES)) {
    granted = 0;
    for (size_t i = 0; i < std::size(kNamespaces); ++i) {
      if (!(wanted & kNamespaces[i].ns)) continue;
      pid_t probe = raw_clone(0);
      if (probe == 0) _exit(unshare(clone_flags(granted | kNamespaces[i].ns)) == 0 ? 0 : errno);
      int status = 0;
      if (probe > 0 && waitpid(probe, &status, 0) == probe && WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 0)
          granted |= kNamespaces[i].ns;
        else
          why[i] = std::strerror(WEXITSTATUS(status));
      }
    }
    c.pid = raw_clone(clone_flags(granted));
  }
  if (c.pid == 0) {
    close(sync[1]);
    close(err[0]);
    child_setup({(granted & kUserNs) != 0, root, die_with_parent, sync[0], err[1]});
    body(err[1]);
    _exit(127);
  }
  int clone_errno = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(sync[0]);
  close(err[1]);
  if (c.pid < 0) {
    c.error = clone_errno, c.step = "clone";
    close(sync[1]), close(err[0]);
    return c;
  }

  // Map the worker's uid/gid 0 to unprivileged outside ids. As root any ids may be chosen
  // (default nobody); otherwise only our own, and only after denying setgroups.
  uid_t uid = outside_uid >= 0 ? static_cast<uid_t>(outside_uid) : root ? 65534 : geteuid();
  gid_t gid = outside_gid >= 0 ? static_cast<gid_t>(outside_gid) : root ? 65534 : getegid();
  if (granted & kUserNs) {
    char path[64], map[64];
    bool ok = true;
    if (!root) {
      std::snprintf(path, sizeof path, "/proc/%d/setgroups", c.pid);
      ok = write_file(path, "deny");
    }
    std::snprintf(map, sizeof map, "0 %u 1\n", uid);
    std::snprintf(path, sizeof path, "/proc/%d/uid_map", c.pid);
    ok = ok && write_file(path, map);
    std::snprintf(map, sizeof map, "0 %u 1\n", gid);
    std::snprintf(path, sizeof path, "/proc/%d/gid_map", c.pid);
    ok = ok && write_file(path, map);
    if (!ok || write(sync[1], "x", 1) != 1) {
      c.error = errno, c.step = "write id maps";
      kill(c.pid, SIGKILL);
      waitpid(c.pid, nullptr, 0);
      c.pid = -1;
      close(sync[1]), close(err[0]);
      return c;
    }
  }
  close(sync[1]);
  c.err_read = err[0];

  for (size_t i = 0; i < std::size(kNamespaces); ++i) {
    const NsInfo& n = kNamespaces[i];
    if (!(wanted & n.ns)) {
      c.namespaces.add({n.name, false, n.optional, "not requested"});
      continue;
    }
    bool on = (granted & n.ns) != 0;
    std::string detail = on ? "new" : "refused by the kernel (" + why[i] + ")";
    if (n.ns == kUserNs && on)
      detail = "uid 0 -> " + std::to_string(uid) + ", gid 0 -> " + std::to_string(gid) + " outside";
    if (n.ns == kUserNs && !on && root) detail += "; the worker is real root until confine()";
    if (n.ns == kPidNs && on) detail = "new; the worker is pid 1";
    // As root every other namespace works without one; the user namespace is then a bonus.
    c.namespaces.add({n.name, on, n.optional || (n.ns == kUserNs && root), detail});
  }
  return c;
}

// Reads the child's {step, errno} report: EOF means it got past every step (exec'd).
bool child_failed(Clone& c) {
  int msg[2];
  ssize_t n;
  do n = read(c.err_read, msg, sizeof msg);
  while (n < 0 && errno == EINTR);
  close(c.err_read);
  c.err_read = -1;
  if (n != sizeof msg) return false;
  c.error = msg[1];
  c.step = msg[0] >= 0 && msg[0] < kNumSteps ? kStepNames[msg[0]] : "child";
  waitpid(c.pid, nullptr, 0);
  c.pid = -1;
  return true;
}

}  // namespace

unsigned long clone_flags(unsigned namespaces) {
  unsigned long flags = 0;
  for (const NsInfo& n : kNamespaces)
    if (namespaces & n.ns) flags |= n.flag;
  return flags;
}

SpawnResult spawn_worker(const SpawnOptions& o) {
  SpawnResult result;
  auto fail = [&](const char* step) {
    result.error = errno;
    result.error_step = step;
    return result;
  };
  // Everything the child needs, built before clone.
  std::vector<std::string> args = o.argv.empty() ? std::vector<std::string>{o.worker_path} : o.argv;
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = o.env;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Exec by fd: the worker's outside uid (nobody) need not be able to traverse the path.
  int exe = open(o.worker_path.c_str(), O_PATH | O_CLOEXEC);
  if (exe < 0) return fail("open worker binary");
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) {
    close(exe);
    return fail("open /dev/null");
  }
  // Destination fd i gets source[i]; stdio -1 means /dev/null, no IPC socket leaves 3 closed.
  const int source[4] = {o.stdin_fd < 0 ? null_fd : o.stdin_fd,
                         o.stdout_fd < 0 ? null_fd : o.stdout_fd,
                         o.stderr_fd < 0 ? null_fd : o.stderr_fd, o.ipc_fd};

  Clone c = clone_into_namespaces(
      o.namespaces, o.outside_uid, o.outside_gid, o.die_with_parent, [&](int err_fd) {
        // Park every source above the destinations first, so one sitting on another's
        // destination is not clobbered; then lay out 0-3, the binary at 4 and the error pipe
        // at 5 (both close-on-exec), and close everything else.
        int parked[4], exe_parked, err_parked;
        for (int i = 0; i < 4; ++i)
          parked[i] = source[i] < 0 ? -1 : fcntl(source[i], F_DUPFD_CLOEXEC, 10);
        exe_parked = fcntl(exe, F_DUPFD_CLOEXEC, 10);
        err_parked = fcntl(err_fd, F_DUPFD_CLOEXEC, 10);
        if (exe_parked < 0 || err_parked < 0) child_fail(err_fd, kFds);
        if (dup3(err_parked, 5, O_CLOEXEC) != 5) child_fail(err_parked, kFds);
        for (int i = 0; i < 4; ++i) {
          if (source[i] >= 0 && parked[i] < 0) child_fail(5, kFds);
          if (parked[i] >= 0 ? dup2(parked[i], i) != i : (close(i), false)) child_fail(5, kFds);
        }
        if (dup3(exe_parked, 4, O_CLOEXEC) != 4) child_fail(5, kFds);
        if (syscall(SYS_close_range, 6u, ~0u, 0u) != 0) child_fail(5, kFds);
        syscall(SYS_execveat, 4, "", argv.data(), envp.data(), AT_EMPTY_PATH);
        child_fail(5, kExec);
      });
  close(exe);
  close(null_fd);
  result.namespaces = std::move(c.namespaces);
  if (c.pid < 0 || child_failed(c)) {
    result.error = c.error;
    result.error_step = c.step;
    return result;
  }
  result.pid = c.pid;
  return result;
}

SandboxReport probe(const SandboxConfig& config, unsigned namespaces) {
  SandboxReport report;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    report.add({"probe", false, false, std::string("pipe2: ") + std::strerror(errno)});
    return report;
  }
  Clone c = clone_into_namespaces(namespaces, -1, -1, true, [&](int err_fd) {
    close(err_fd);  // got this far: the identity is set up
    close(pipe_fds[0]);
    SandboxConfig cfg = config;
    cfg.keep_fds.push_back(pipe_fds[1]);
    std::string text = confine(cfg).report.encode();
    [[maybe_unused]] ssize_t n = write(pipe_fds[1], text.data(), text.size());
    _exit(0);
  });
  close(pipe_fds[1]);
  report = std::move(c.namespaces);
  if (c.pid < 0 || child_failed(c)) {
    report.add({"probe", false, false, c.step + ": " + std::strerror(c.error)});
    close(pipe_fds[0]);
    return report;
  }
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) text.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  waitpid(c.pid, nullptr, 0);
  report.append(SandboxReport::decode(text));
  return report;
}

}  // namespace wc::sandbox
