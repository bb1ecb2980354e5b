// Mechanism: compiles the worker's syscall policy (seccomp_policy.cc) into a BPF filter with
// libseccomp and loads it, plus the SIGSYS handler that emulates fstat for the trapped
// newfstatat(fd, "", AT_EMPTY_PATH) calls.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>

#include "sandbox/layers.h"

namespace wc::sandbox {

namespace {

// The trapped syscall's arguments and result slot in the signal frame.
#if defined(__x86_64__)
uint64_t syscall_arg(const ucontext_t* uc, int i) {
  static constexpr int kRegs[] = {REG_RDI, REG_RSI, REG_RDX, REG_R10};
  return static_cast<uint64_t>(uc->uc_mcontext.gregs[kRegs[i]]);
}
void set_syscall_result(ucontext_t* uc, long v) { uc->uc_mcontext.gregs[REG_RAX] = v; }
#elif defined(__aarch64__)
uint64_t syscall_arg(const ucontext_t* uc, int i) { return uc->uc_mcontext.regs[i]; }
void set_syscall_result(ucontext_t* uc, long v) { uc->uc_mcontext.regs[0] = v; }
#else
#error "seccomp trap emulation: add this architecture's syscall registers"
#endif

// Only ever answers newfstatat(fd, "", buf, AT_EMPTY_PATH), the way glibc spells fstat(fd):
// anything with a real path gets EPERM. Async-signal-safe: raw syscalls, errno preserved.
void on_sigsys(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  int saved_errno = errno;
  long result = -EPERM;
  if (info->si_code == 1 /* SYS_SECCOMP */ && info->si_syscall == __NR_newfstatat) {
    auto path = reinterpret_cast<const char*>(syscall_arg(uc, 1));
    if (path != nullptr && path[0] == '\0' && (syscall_arg(uc, 3) & AT_EMPTY_PATH)) {
      long rc = syscall(__NR_fstat, static_cast<int>(syscall_arg(uc, 0)),
                        reinterpret_cast<void*>(syscall_arg(uc, 2)));
      result = rc == -1 ? -errno : rc;
    }
  }
  set_syscall_result(uc, result);
  errno = saved_errno;
}

}  // namespace

LayerStatus apply_seccomp(const SandboxConfig& config) {
  auto fail = [](const char* step, int rc) {
    return LayerStatus{"seccomp", false, false,
                       std::string(step) + ": " + std::strerror(rc < 0 ? -rc : rc)};
  };
  const uint32_t deny = config.kill_on_violation ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
  scmp_filter_ctx ctx = seccomp_init(deny);
  if (!ctx) return fail("seccomp_init", ENOMEM);
  struct Release {
    scmp_filter_ctx c;
    ~Release() { seccomp_release(c); }
  } release{ctx};

  // Native arch only (seccomp_init adds just that). A syscall from another ABI (int 0x80 i386
  // or x32 numbers on x86-64) would be checked against the wrong numbers: always kill.
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);  // every thread
  if (rc != 0) return fail("seccomp_attr_set", rc);
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary search: read/write stay cheap

  std::set<int> allowed;
  for (const SyscallRule& r : worker_syscall_policy(config, getpid())) {
    rc = seccomp_rule_add_array(ctx, r.action, r.nr, static_cast<unsigned>(r.args.size()),
                                r.args.empty() ? nullptr : r.args.data());
    if (rc != 0) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r.nr);
      LayerStatus s = fail(name ? name : "seccomp_rule_add", rc);
      free(name);
      return s;
    }
    if (r.action == SCMP_ACT_ALLOW) allowed.insert(r.nr);
  }

  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, nullptr) != 0) return fail("sigaction(SIGSYS)", errno);

  if ((rc = seccomp_load(ctx)) != 0) return fail("seccomp_load", rc);
  return {"seccomp", true, false,
          std::to_string(allowed.size()) + " syscalls allowed (some with argument checks), " +
              (config.kill_on_violation ? "others kill" : "others fail with EPERM") +
              "; other arches and x32 kill"};
}

LayerStatus confine_forked_child(const SandboxConfig& config) {
  SandboxConfig own = config;
  own.zygote = false;
  own.allow_lowering_rlimits = false;
  return apply_seccomp(own);
}

}  // namespace wc::sandbox
