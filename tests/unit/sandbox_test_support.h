// Sandbox tests confine forked children (a filter cannot be removed), and the parent judges
// them by exit status and by what they wrote to a pipe. Children leave with _exit so that no
// atexit work (LeakSanitizer's ptrace-based scan, gtest) runs under the filter.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace wc::sandbox::testing {

struct ChildResult {
  int status = 0;
  std::string output;
  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  bool killed_by(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::string describe() const {
    std::string s = WIFEXITED(status)     ? "exit " + std::to_string(WEXITSTATUS(status))
                    : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                          : "status " + std::to_string(status);
    return s + "; output:\n" + output;
  }
};

inline void say(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Runs body(out_fd) in a forked child; its return value is the exit code.
template <typename Body>
ChildResult run_in_child(Body body) {
  ChildResult r;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return {-1, "pipe2 failed"};
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    _exit(body(p[1]));
  }
  close(p[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<size_t>(n));
  close(p[0]);
  waitpid(pid, &r.status, 0);
  return r;
}

}  // namespace wc::sandbox::testing
