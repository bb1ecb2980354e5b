// Test-only: what a compromised worker would try once confined. Each call is made raw (no libc
// wrapper that could substitute another syscall), and each must fail or kill the process.
// Compiled always so it cannot rot, reached only through the worker's WC_TEST_ESCAPE switch.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sandbox/sandbox.h"

namespace wc::sandbox {

std::vector<EscapeAttempt> run_escape_attempts() {
  std::vector<EscapeAttempt> out;
  auto attempt = [&](const char* what, long result) {
    out.push_back({what, result, result == -1 ? errno : 0});
    return result;
  };
  // Files by path.
  long fd = attempt("open(/etc/passwd)", syscall(SYS_open, "/etc/passwd", O_RDONLY));
  if (fd >= 0) close(static_cast<int>(fd));
  fd = attempt("openat(AT_FDCWD, /etc/passwd)",
               syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY));
  if (fd >= 0) close(static_cast<int>(fd));
  fd = attempt("creat(/tmp/wc-escape)", syscall(SYS_creat, "/tmp/wc-escape", 0600));
  if (fd >= 0) close(static_cast<int>(fd));
  attempt("mkdir(/wc-escape)", syscall(SYS_mkdir, "/wc-escape", 0700));
  attempt("chdir(/..)", syscall(SYS_chdir, "/.."));
  // The network, by address.
  long s = attempt("socket(AF_INET, SOCK_STREAM)", syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(22);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // On a socket we got (should not exist), else on stdin: connect must be refused before the
  // kernel looks at the fd.
  attempt("connect(127.0.0.1:22)", syscall(SYS_connect, s >= 0 ? s : 0, &addr, sizeof addr));
  attempt("bind(0.0.0.0:0)", syscall(SYS_bind, s >= 0 ? s : 0, &addr, sizeof addr));
  if (s >= 0) close(static_cast<int>(s));
  attempt("socketpair(AF_UNIX)", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, nullptr));
  // New programs and processes.
  const char* sh_argv[] = {"/bin/sh", "-c", "exit 0", nullptr};
  attempt("execve(/bin/sh)", syscall(SYS_execve, "/bin/sh", sh_argv, nullptr));
  long pid = attempt("fork", syscall(SYS_fork));
  if (pid == 0) _exit(0);
  pid = attempt("clone(CLONE_NEWUSER)", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
  if (pid == 0) _exit(0);
  attempt("unshare(CLONE_NEWUSER)", syscall(SYS_unshare, CLONE_NEWUSER));
  // Other processes.
  attempt("ptrace(PTRACE_TRACEME)", syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
  attempt("ptrace(PTRACE_ATTACH, parent)",
          syscall(SYS_ptrace, PTRACE_ATTACH, getppid() > 0 ? getppid() : 1, 0, 0));
  attempt("kill(-1, 0)", syscall(SYS_kill, -1, 0));  // signal 0: permission check only
  attempt("process_vm_readv(parent)", syscall(SYS_process_vm_readv, 1, nullptr, 0, nullptr, 0, 0));
  // Kernel attack surface.
  attempt("mount(tmpfs)", syscall(SYS_mount, "none", "/", "tmpfs", 0, nullptr));
  attempt("bpf", syscall(SYS_bpf, 0, nullptr, 0));
  attempt("perf_event_open", syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0));
  attempt("io_uring_setup", syscall(SYS_io_uring_setup, 1, nullptr));
  attempt("userfaultfd", syscall(SYS_userfaultfd, 0));
  attempt("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
  attempt("personality(query)", syscall(SYS_personality, 0xffffffff));
  return out;
}

std::string format_escape_attempts(const std::vector<EscapeAttempt>& attempts) {
  std::string out;
  int escaped = 0;
  for (const EscapeAttempt& a : attempts) {
    char line[160];
    if (a.escaped()) {
      ++escaped;
      std::snprintf(line, sizeof line, "  ESCAPED %-32s -> %ld\n", a.what.c_str(), a.result);
    } else {
      std::snprintf(line, sizeof line, "  held    %-32s -> errno %d (%s)\n", a.what.c_str(),
                    a.error, strerrorname_np(a.error) ? strerrorname_np(a.error) : "?");
    }
    out += line;
  }
  return "escape attempts: " + std::to_string(attempts.size() - escaped) + "/" +
         std::to_string(attempts.size()) + " held\n" + out;
}

}  // namespace wc::sandbox
