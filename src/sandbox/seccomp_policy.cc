// Policy: the syscalls a confined worker may make. An interpreter running a guest only moves
// data on fds it already holds, manages its own memory, threads, signals and clocks, and asks
// the broker (sendmsg/recvmsg on the IPC socket) for everything that names something. So:
// nothing that takes a path, creates a socket, names an address, makes a process, or reaches
// another process. Everything not listed fails with EPERM (or kills: kill_on_violation).
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>

#include <cerrno>
#include <csignal>

#include "sandbox/layers.h"

namespace wc::sandbox {

namespace {
// libseccomp's SCMP_An() macros leave datum_b out, which -Wmissing-field-initializers rejects.
scmp_arg_cmp arg(unsigned index, scmp_compare op, uint64_t a, uint64_t b = 0) {
  return {index, op, a, b};
}
}  // namespace

std::vector<SyscallRule> worker_syscall_policy(const SandboxConfig& config, pid_t self) {
  std::vector<SyscallRule> rules;
  auto allow = [&](std::initializer_list<int> nrs) {
    for (int nr : nrs) rules.push_back({nr, SCMP_ACT_ALLOW, {}});
  };
  auto allow_if = [&](int nr, std::vector<scmp_arg_cmp> args) {
    rules.push_back({nr, SCMP_ACT_ALLOW, std::move(args)});
  };
  auto fail = [&](int nr, int err) { rules.push_back({nr, SCMP_ACT_ERRNO(err), {}}); };

  // Data on held fds (files and sockets the broker passed, pipes, the IPC socket).
  allow({SCMP_SYS(read),      SCMP_SYS(write),     SCMP_SYS(readv),     SCMP_SYS(writev),
         SCMP_SYS(pread64),   SCMP_SYS(pwrite64),  SCMP_SYS(preadv),    SCMP_SYS(pwritev),
         SCMP_SYS(preadv2),   SCMP_SYS(pwritev2),  SCMP_SYS(lseek),     SCMP_SYS(getdents64),
         SCMP_SYS(fsync),     SCMP_SYS(fdatasync), SCMP_SYS(ftruncate), SCMP_SYS(fallocate),
         SCMP_SYS(fadvise64),  // WASI fd_advise
         SCMP_SYS(fstat),     SCMP_SYS(close),     SCMP_SYS(dup),       SCMP_SYS(dup2),
         SCMP_SYS(dup3)});
  // glibc implements fstat() as newfstatat(fd, "", buf, AT_EMPTY_PATH). A filter cannot read
  // the path, and a non-empty one would be resolved (relative to a held directory fd, `..`
  // climbs out of the empty root), so only a NULL path is allowed here; the common "" case
  // traps to a SIGSYS handler that checks the string and calls fstat(fd) instead (seccomp.cc).
  allow_if(SCMP_SYS(newfstatat),
           {arg(1, SCMP_CMP_EQ, 0), arg(3, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, AT_EMPTY_PATH)});
  rules.push_back({SCMP_SYS(newfstatat), SCMP_ACT_TRAP, {arg(1, SCMP_CMP_NE, 0)}});
  // No utimensat at all, not even futimens(fd): a worker running as the files' owner could
  // change the times of a file from a read-only grant through its O_RDONLY fd. Guests set
  // times through the broker (fd_set_times), which checks where the fd came from. Data-size
  // changes (ftruncate, fallocate) stay: the kernel refuses them on read-only fds.
  // fcntl: fd flags and duplication only (no F_SETOWN/F_SETSIG: they aim signals at others).
  for (int cmd : {F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL})
    allow_if(SCMP_SYS(fcntl), {arg(1, SCMP_CMP_EQ, static_cast<uint64_t>(cmd))});
  // ioctl: two harmless socket/pipe queries; isatty()'s probe gets a clean "not a tty". Never
  // the rest (TIOCSTI on an inherited terminal types into the user's shell).
  for (unsigned long req : {FIONREAD, FIONBIO})
    allow_if(SCMP_SYS(ioctl), {arg(1, SCMP_CMP_EQ, req)});
  rules.push_back({SCMP_SYS(ioctl), SCMP_ACT_ERRNO(ENOTTY), {arg(1, SCMP_CMP_EQ, TCGETS)}});

  // Sockets the worker already holds. No socket/connect/bind/listen: those name addresses and
  // are brokered. Sending can name an address too: on a UDP socket, sendto's address and
  // sendmsg's msg_name aim a datagram anywhere, whatever the socket is connected to. So sendto
  // only with a null address (send()), and sendmsg (whose msg_name a filter cannot read) only
  // on the IPC socket to the broker, which checks every datagram destination (net_send_to).
  allow({SCMP_SYS(recvmsg), SCMP_SYS(recvfrom), SCMP_SYS(accept), SCMP_SYS(accept4),
         SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername)});
  allow_if(SCMP_SYS(sendmsg), {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(kWorkerIpcFd))});
  allow_if(SCMP_SYS(sendto), {arg(4, SCMP_CMP_EQ, 0)});
  struct SockOpt {
    int level, name;
  };
  for (SockOpt o : {SockOpt{SOL_SOCKET, SO_REUSEADDR},
                    {SOL_SOCKET, SO_KEEPALIVE},
                    {SOL_SOCKET, SO_LINGER},
                    {SOL_SOCKET, SO_RCVBUF},
                    {SOL_SOCKET, SO_SNDBUF},
                    {SOL_SOCKET, SO_RCVTIMEO},
                    {SOL_SOCKET, SO_SNDTIMEO},
                    {SOL_SOCKET, SO_RCVLOWAT},
                    {IPPROTO_TCP, TCP_NODELAY},
                    {IPPROTO_TCP, TCP_KEEPIDLE},
                    {IPPROTO_TCP, TCP_KEEPINTVL},
                    {IPPROTO_TCP, TCP_KEEPCNT},
                    {IPPROTO_IPV6, IPV6_V6ONLY}})
    allow_if(SCMP_SYS(setsockopt), {arg(1, SCMP_CMP_EQ, static_cast<uint64_t>(o.level)),
                                    arg(2, SCMP_CMP_EQ, static_cast<uint64_t>(o.name))});

  // Waiting: the worker's event loop over the IPC socket, guest sockets and timers.
  allow({SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(pselect6), SCMP_SYS(epoll_create1),
         SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_pwait2),
         SCMP_SYS(eventfd2)});
  // Anonymous pipes name nothing. UBSan's vptr check also needs them: it tests whether a
  // vtable is readable by write()ing it into a fresh pipe (IsAccessibleMemoryRange).
  allow({SCMP_SYS(pipe), SCMP_SYS(pipe2)});

  // Memory: the engine's reservations and guard pages, malloc, sanitizer runtimes. No
  // executable memory unless a JIT asks for it, and even then never writable and executable at
  // once: code is written into read-write pages, then switched to read+exec (W^X). Rules for
  // one syscall with one action are ORed, so each allowed combination of the two bits is a rule.
  allow({SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk)});
  if (config.allow_exec_memory) {
    const uint64_t wx = PROT_WRITE | PROT_EXEC;
    for (int nr : {SCMP_SYS(mmap), SCMP_SYS(mprotect)}) {
      allow_if(nr, {arg(2, SCMP_CMP_MASKED_EQ, wx, 0)});
      allow_if(nr, {arg(2, SCMP_CMP_MASKED_EQ, wx, PROT_WRITE)});
      allow_if(nr, {arg(2, SCMP_CMP_MASKED_EQ, wx, PROT_EXEC)});
    }
  } else {
    allow_if(SCMP_SYS(mmap), {arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)});
    allow_if(SCMP_SYS(mprotect), {arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)});
  }

  // Signals, to ourselves only (the trap handler, raise/abort). In a pid namespace `self` is
  // 1; a zygote that forks after confinement must rebuild this rule for each child.
  allow({SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
         SCMP_SYS(sigaltstack), SCMP_SYS(restart_syscall)});
  allow_if(SCMP_SYS(tgkill), {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(self))});
  allow_if(SCMP_SYS(kill), {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(self))});

  // Threads (a watchdog, helper threads), never processes: clone must share memory, files and
  // signal handlers and stay in the thread group, and may not ask for namespaces. clone3 puts
  // its flags in memory the filter cannot read, so it reports ENOSYS and glibc falls back.
  allow({SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(set_tid_address),
         SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(exit), SCMP_SYS(exit_group),
         SCMP_SYS(getpid), SCMP_SYS(gettid)});
  if (config.allow_threads) {
    const uint64_t must = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
    const uint64_t never = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                           CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_PARENT |
                           CLONE_VFORK | CLONE_PTRACE | CLONE_UNTRACED | CLONE_PIDFD;
    allow_if(SCMP_SYS(clone), {arg(0, SCMP_CMP_MASKED_EQ, must | never, must)});
  }
  fail(SCMP_SYS(clone3), ENOSYS);
  if (config.zygote) {
    // The one fork a zygote makes (SandboxConfig::zygote), and what its child does before it
    // stacks its own filter: ask to die with the broker, and check the broker is still there.
    allow_if(SCMP_SYS(clone),
             {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(CLONE_PARENT | CLONE_PIDFD | SIGCHLD))});
    allow_if(SCMP_SYS(prctl), {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(PR_SET_PDEATHSIG)),
                               arg(1, SCMP_CMP_EQ, static_cast<uint64_t>(SIGKILL))});
    allow({SCMP_SYS(getppid)});
    // The child stacks its own filter (confine_forked_child): another filter can only refuse
    // more, never allow more, so loading one is harmless; libseccomp sets no_new_privs first
    // (already set) and asks seccomp() what the kernel supports.
    allow({SCMP_SYS(seccomp)});
    allow_if(SCMP_SYS(prctl), {arg(0, SCMP_CMP_EQ, static_cast<uint64_t>(PR_SET_NO_NEW_PRIVS)),
                               arg(1, SCMP_CMP_EQ, 1)});
  }

  // Time, randomness, and reading (never raising) our own limits and usage.
  allow({SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep),
         SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday), SCMP_SYS(getrandom), SCMP_SYS(getrlimit),
         SCMP_SYS(getrusage)});
  allow_if(SCMP_SYS(prlimit64), {arg(2, SCMP_CMP_EQ, 0)});
  if (config.allow_lowering_rlimits) {  // see SandboxConfig: soft = hard, no CAP_SYS_RESOURCE
    allow_if(SCMP_SYS(prlimit64), {arg(0, SCMP_CMP_EQ, 0)});
    allow({SCMP_SYS(setrlimit)});
  }

  // Harmless probes that get a clean error rather than EPERM, so callers fall back quietly.
  fail(SCMP_SYS(statx), ENOSYS);  // to fstat
  return rules;
}

}  // namespace wc::sandbox
