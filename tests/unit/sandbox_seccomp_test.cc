// The whole confinement (confine()) seen from a confined child: what still works, what fails,
// what kills.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "sandbox/sandbox.h"
#include "sandbox_test_support.h"

namespace wc::sandbox {
namespace {

using testing::run_in_child;
using testing::say;

std::atomic<int> g_signals{0};
void count_signal(int) { g_signals++; }

TEST(SandboxSeccomp, AllowedOperationsStillWork) {
  int in[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(write(in[1], "ping", 4), 4);
  auto r = run_in_child([&](int out) {
    SandboxConfig config;
    config.keep_fds = {out, in[0]};
    ConfineResult c = confine(config);
    if (!c.ok) {
      say(out, c.report.to_string());
      return 100;
    }
    int failures = 0;
    auto check = [&](const char* what, bool ok) {
      say(out, std::string(ok ? "ok   " : "FAIL ") + what +
                   (ok ? "" : std::string(": ") + std::strerror(errno)) + "\n");
      failures += !ok;
    };
    char buf[4] = {};
    check("read inherited pipe", read(in[0], buf, 4) == 4 && std::memcmp(buf, "ping", 4) == 0);
    void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check("mmap", p != MAP_FAILED);
    if (p != MAP_FAILED) {
      static_cast<char*>(p)[12345] = 1;
      check("mprotect", mprotect(p, 4096, PROT_NONE) == 0);
      check("madvise", madvise(p, 1 << 20, MADV_DONTNEED) == 0);
      check("munmap", munmap(p, 1 << 20) == 0);
    }
    check("PROT_NONE reservation (8 GiB)", [] {
      void* r =
          mmap(nullptr, 8ull << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      return r != MAP_FAILED && munmap(r, 8ull << 30) == 0;
    }());
    std::string big(1 << 22, 'x');  // malloc: mmap/brk
    check("malloc", big[12345] == 'x');
    timespec ts{};
    check("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && ts.tv_sec + ts.tv_nsec > 0);
    timespec nap{0, 1000};
    check("nanosleep", nanosleep(&nap, nullptr) == 0);
    char rnd[16];
    check("getrandom", getrandom(rnd, sizeof rnd, 0) == sizeof rnd);
    struct stat st {};
    check("fstat (glibc: newfstatat(fd, \"\", AT_EMPTY_PATH), emulated)",
          fstat(out, &st) == 0 && S_ISFIFO(st.st_mode));
    check("newfstatat(fd, NULL, AT_EMPTY_PATH)",
          syscall(SYS_newfstatat, out, nullptr, &st, AT_EMPTY_PATH) == 0 && S_ISFIFO(st.st_mode));
    check("fcntl(F_GETFL)", fcntl(out, F_GETFL) >= 0);
    int d = dup(out);
    check("dup/close", d >= 0 && close(d) == 0);
    rlimit rl{};
    check("getrlimit", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 256);
    signal(SIGUSR1, count_signal);
    check("raise (tgkill to self)", raise(SIGUSR1) == 0 && g_signals == 1);
    int from_thread = 0;
    std::thread t([&] { from_thread = 7; });
    t.join();
    check("std::thread", from_thread == 7);
    return failures;
  });
  close(in[0]);
  close(in[1]);
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

// Forbidden calls that run_escape_attempts() (sandbox_escape_test) does not cover: the
// argument checks of otherwise allowed syscalls, and metadata changes on held fds.
TEST(SandboxSeccomp, ArgumentChecksRefuseNamingAndPrivilegedForms) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    if (!confine(config).ok) return 100;
    int failures = 0;
    auto refused = [&](const char* what, long rc, int want_errno = EPERM) {
      bool ok = rc == -1 && errno == want_errno;
      say(out, std::string(ok ? "ok   " : "FAIL ") + what + " -> " + std::to_string(rc) + " " +
                   std::strerror(errno) + "\n");
      failures += !ok;
    };
    struct stat st {};
    refused("newfstatat(fd, \"x\", AT_EMPTY_PATH)",
            syscall(SYS_newfstatat, out, "x", &st, AT_EMPTY_PATH));
    refused("newfstatat(AT_FDCWD, \"/\", 0)", syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0));
    refused("statx (probe)", syscall(SYS_statx, AT_FDCWD, "/", 0, 0, &st), ENOSYS);
    timespec times[2] = {};
    refused("utimensat with a path", syscall(SYS_utimensat, AT_FDCWD, "/x", times, 0));
    // sendmsg's msg_name could aim a datagram anywhere: only the IPC socket may use it.
    struct msghdr mh {};
    refused("sendmsg on a non-IPC fd", sendmsg(out, &mh, 0));
    // futimens on a held fd would bypass read-only grants when the worker owns the file.
    refused("futimens on a held fd", syscall(SYS_utimensat, 0, nullptr, times, 0));
    // Nor chmod/chown in any form, for the same reason: they go through the broker
    // (fd_set_mode / fd_set_owner), which checks the fd came from a writable mount.
    refused("fchmod on a held fd", syscall(SYS_fchmod, out, 0600));
    refused("fchown on a held fd", syscall(SYS_fchown, out, -1, -1));
    refused("fchmodat(fd, \"\", AT_EMPTY_PATH)",
            syscall(SYS_fchmodat, out, "", 0600, AT_EMPTY_PATH));
    refused("fchmodat2 (452)", syscall(452, out, "", 0600, AT_EMPTY_PATH));
    refused("fchownat(fd, \"\", AT_EMPTY_PATH)",
            syscall(SYS_fchownat, out, "", -1, -1, AT_EMPTY_PATH));
    refused("chmod(/tmp)", syscall(SYS_chmod, "/tmp", 0777));
    refused("fcntl(F_SETOWN)", fcntl(out, F_SETOWN, 1));
    char c = 'x';
    refused("ioctl(TIOCSTI)", ioctl(0, TIOCSTI, &c));
    termios tio{};
    refused("ioctl(TCGETS) (isatty probe)", ioctl(out, TCGETS, &tio), ENOTTY);
    rlimit rl{1, 1};
    refused("setrlimit", setrlimit(RLIMIT_NOFILE, &rl));
    refused("mmap PROT_EXEC", reinterpret_cast<long>(mmap(nullptr, 4096, PROT_READ | PROT_EXEC,
                                                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    refused("sendto with an address",
            sendto(out, "x", 1, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    refused("clone (process, not thread)", syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
    refused("clone3 (probe)", syscall(SYS_clone3, nullptr, 0), ENOSYS);
    refused("tgkill(other process)", syscall(SYS_tgkill, getpid() + 1, getpid() + 1, 0));
    refused("prctl", syscall(SYS_prctl, PR_SET_DUMPABLE, 1, 0, 0, 0));
    refused("setsockopt(SO_BINDTODEVICE)", setsockopt(out, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
    return failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

// A JIT tier may map executable code, but only W^X: written into read-write pages, then
// switched to read+exec. Writable and executable together is refused in mmap and mprotect.
TEST(SandboxSeccomp, ExecMemoryIsNeverWritableAndExecutableAtOnce) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    config.allow_exec_memory = true;
    if (!confine(config).ok) return 100;
    int failures = 0;
    auto check = [&](const char* what, bool ok) {
      say(out,
          std::string(ok ? "ok   " : "FAIL ") + what + " (errno " + std::strerror(errno) + ")\n");
      failures += !ok;
    };
    const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    void* rwx = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, anon, -1, 0);
    check("mmap RWX refused", rwx == MAP_FAILED && errno == EPERM);
    void* wx = mmap(nullptr, 4096, PROT_WRITE | PROT_EXEC, anon, -1, 0);
    check("mmap WX refused", wx == MAP_FAILED && errno == EPERM);
    void* code = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, anon, -1, 0);
    check("mmap RW allowed", code != MAP_FAILED);
    if (code == MAP_FAILED) return failures;
    static const unsigned char kReturn42[] = {0xb8, 42, 0, 0, 0, 0xc3};  // mov eax, 42; ret
    std::memcpy(code, kReturn42, sizeof kReturn42);
    check("mprotect RWX refused",
          mprotect(code, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) == -1 && errno == EPERM);
    check("mprotect RX allowed", mprotect(code, 4096, PROT_READ | PROT_EXEC) == 0);
    check("the code runs", reinterpret_cast<int (*)()>(code)() == 42);
    check("mprotect back to RW allowed", mprotect(code, 4096, PROT_READ | PROT_WRITE) == 0);
    void* rx = mmap(nullptr, 4096, PROT_READ | PROT_EXEC, anon, -1, 0);
    check("mmap RX allowed", rx != MAP_FAILED);
    return failures;
  });
  EXPECT_TRUE(r.exited_with(0)) << r.describe();
}

TEST(SandboxSeccomp, KillOnViolationKillsWithSigsys) {
  auto r = run_in_child([](int out) {
    SandboxConfig config;
    config.keep_fds = {out};
    config.kill_on_violation = true;
    if (!confine(config).ok) return 100;
    syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY);
    return 0;  // not reached
  });
  EXPECT_TRUE(r.killed_by(SIGSYS)) << r.describe();
}

#if defined(__x86_64__)
void i386_getpid() {
  long rc;
  asm volatile("int $0x80" : "=a"(rc) : "a"(20L) : "memory");  // i386 getpid
}

// Some kernels are built without IA32 emulation (or boot with ia32_emulation=0): there
// `int $0x80` is a general-protection fault (SIGSEGV) before seccomp is ever consulted.
bool kernel_runs_i386_syscalls() {
  auto r = run_in_child([](int) {
    signal(SIGSEGV, SIG_DFL);  // ASan's handler would turn the fault into exit(1)
    i386_getpid();
    return 0;
  });
  return r.exited_with(0);
}

// Syscalls of another ABI have other numbers; they must never be judged by the native table.
TEST(SandboxSeccomp, X32AndI386SyscallsKill) {
  const bool i386_available = kernel_runs_i386_syscalls();
  for (bool i386 : {false, true}) {
    auto r = run_in_child([&](int out) {
      SandboxConfig config;
      config.keep_fds = {out};
      signal(SIGSEGV, SIG_DFL);  // see kernel_runs_i386_syscalls
      if (!confine(config).ok) return 100;
      if (i386) {
        i386_getpid();
      } else {
        syscall(0x40000000 | SYS_getpid);  // __X32_SYSCALL_BIT
      }
      return 0;
    });
    if (i386 && !i386_available) {
      // The syscall cannot run at all on this kernel; what matters is that it did not succeed.
      EXPECT_TRUE(r.killed_by(SIGSEGV) || r.killed_by(SIGSYS)) << "i386: " << r.describe();
      continue;
    }
    EXPECT_TRUE(r.killed_by(SIGSYS)) << (i386 ? "i386: " : "x32: ") << r.describe();
  }
}
#endif

}  // namespace
}  // namespace wc::sandbox
