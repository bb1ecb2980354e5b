#include "oci/container_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "oci/netns.h"
#include "oci/supervise.h"

namespace wc::oci {

namespace {

[[noreturn]] void report_and_exit(int ready_fd, const std::string& error) {
  ssize_t n = write(ready_fd, error.data(), error.size());
  (void)n;
  _exit(1);
}

// Closes every fd but those in `keep`: the shim's own fds (which it may leak to us, and may
// wait on) must not live as long as the container.
void close_all_but(const std::set<int>& keep) {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return;
  std::set<int> doomed;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (*end || end == e->d_name || fd == dirfd(d) || keep.count(static_cast<int>(fd))) continue;
    doomed.insert(static_cast<int>(fd));
  }
  closedir(d);
  for (int fd : doomed) close(fd);
}

}  // namespace

void run_container_process(const ContainerProcessSetup& s) {
  // Fresh signal state: whatever the runtime's caller ignored or blocked is not ours.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);

  // Our own session, as runc's container init: the shim's terminal signals are not ours.
  setsid();
  if (s.console_fd >= 0) {
    for (int fd = 0; fd < 3; fd++)
      if (dup2(s.console_fd, fd) < 0)
        report_and_exit(s.ready_fd, std::string("console: dup2: ") + std::strerror(errno));
    if (ioctl(0, TIOCSCTTY, 0) != 0)
      report_and_exit(s.ready_fd, std::string("console: TIOCSCTTY: ") + std::strerror(errno));
  }
  if (s.plan->oom_score_adj) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    std::string v = std::to_string(*s.plan->oom_score_adj);
    if (fd < 0 || write(fd, v.data(), v.size()) != static_cast<ssize_t>(v.size()))
      report_and_exit(s.ready_fd, "process.oomScoreAdj: cannot write /proc/self/oom_score_adj: " +
                                      std::string(std::strerror(errno)));
    close(fd);
  }
  std::string error;
  if (!enter_network_namespace(s.plan->net, s.plan->netns_path, &error))
    report_and_exit(s.ready_fd, error);
  close_all_but({0, 1, 2, s.module_fd, s.ready_fd});

  close(s.ready_fd);  // ready: `create` records us and returns

  // Blocks until `start` opens the fifo for reading (or a signal from `kill` ends us).
  int fifo;
  do fifo = open(s.fifo_path.c_str(), O_WRONLY | O_CLOEXEC);
  while (fifo < 0 && errno == EINTR);
  if (fifo < 0) _exit(1);
  ssize_t n;
  do n = write(fifo, "0", 1);
  while (n < 0 && errno == EINTR);
  close(fifo);
  if (n != 1) _exit(1);

  int code = supervise_container(*s.plan, s.module_fd);
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

}  // namespace wc::oci
