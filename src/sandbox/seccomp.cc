// Mechanism: compiles the worker's syscall policy (seccomp_policy.cc) into a BPF filter with
// libseccomp and loads it (or, for a zygote's children, exports it once and loads it with the
// child's pid patched in), plus the SIGSYS handler that emulates fstat for the trapped
// newfstatat(fd, "", AT_EMPTY_PATH) calls.
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

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

LayerStatus seccomp_failure(const char* step, int rc) {
  return LayerStatus{"seccomp", false, false,
                     std::string(step) + ": " + std::strerror(rc < 0 ? -rc : rc)};
}

// The policy for a process whose pid is `self`, as a libseccomp context ready to load or
// export. Null with *failure set when a rule is refused.
struct FilterCtx {
  scmp_filter_ctx ctx = nullptr;
  size_t allowed = 0;  // syscalls with at least one allowing rule
  ~FilterCtx() {
    if (ctx) seccomp_release(ctx);
  }
};

bool make_filter(const SandboxConfig& config, pid_t self, FilterCtx* f, LayerStatus* failure) {
  const uint32_t deny = config.kill_on_violation ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
  f->ctx = seccomp_init(deny);
  if (!f->ctx) return *failure = seccomp_failure("seccomp_init", ENOMEM), false;
  // Native arch only (seccomp_init adds just that). A syscall from another ABI (int 0x80 i386
  // or x32 numbers on x86-64) would be checked against the wrong numbers: always kill.
  int rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc == 0) rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_TSYNC, 1);  // every thread
  if (rc != 0) return *failure = seccomp_failure("seccomp_attr_set", rc), false;
  seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);  // binary search: read/write stay cheap

  std::set<int> allowed;
  for (const SyscallRule& r : worker_syscall_policy(config, self)) {
    rc = seccomp_rule_add_array(f->ctx, r.action, r.nr, static_cast<unsigned>(r.args.size()),
                                r.args.empty() ? nullptr : r.args.data());
    if (rc != 0) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, r.nr);
      *failure = seccomp_failure(name ? name : "seccomp_rule_add", rc);
      free(name);
      return false;
    }
    if (r.action == SCMP_ACT_ALLOW) allowed.insert(r.nr);
  }
  f->allowed = allowed.size();
  return true;
}

bool install_sigsys_handler(LayerStatus* failure) {
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, nullptr) == 0) return true;
  *failure = seccomp_failure("sigaction(SIGSYS)", errno);
  return false;
}

std::string active_detail(const SandboxConfig& config, size_t allowed) {
  return std::to_string(allowed) + " syscalls allowed (some with argument checks), " +
         (config.kill_on_violation ? "others kill" : "others fail with EPERM") +
         "; other arches and x32 kill";
}

// The BPF program libseccomp makes of `f`, through a pipe (libseccomp 2.5 exports only to an
// fd). A worker filter is a few hundred instructions, far below a pipe's buffer.
bool export_program(const FilterCtx& f, std::vector<sock_filter>* out, std::string* error) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return *error = std::string("pipe: ") + std::strerror(errno), false;
  int rc = seccomp_export_bpf(f.ctx, p[1]);
  close(p[1]);
  std::string bytes;
  char buf[4096];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
  close(p[0]);
  if (rc != 0) return *error = std::string("seccomp_export_bpf: ") + std::strerror(-rc), false;
  if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
    return *error = "seccomp_export_bpf: a program of " + std::to_string(bytes.size()) + " bytes",
           false;
  out->resize(bytes.size() / sizeof(sock_filter));
  std::memcpy(out->data(), bytes.data(), bytes.size());
  return true;
}

}  // namespace

LayerStatus apply_seccomp(const SandboxConfig& config) {
  FilterCtx f;
  LayerStatus failure;
  if (!make_filter(config, getpid(), &f, &failure)) return failure;
  if (!install_sigsys_handler(&failure)) return failure;
  if (int rc = seccomp_load(f.ctx); rc != 0) return seccomp_failure("seccomp_load", rc);
  return {"seccomp", true, false, active_detail(config, f.allowed)};
}

std::optional<PrebuiltChildFilter> prebuild_child_filter(const SandboxConfig& config,
                                                         std::string* error) {
  SandboxConfig own = child_filter_config(config);
  // Two sample pids, above any real pid (pid_max is at most 2^22), that differ in every byte:
  // the instructions where the two programs differ are exactly where the pid is compared.
  constexpr pid_t kSampleA = 0x5a5a5a5a, kSampleB = 0x3c3c3c3c;
  std::vector<sock_filter> a, b;
  size_t allowed = 0;
  for (auto [pid, prog] : {std::pair{kSampleA, &a}, std::pair{kSampleB, &b}}) {
    FilterCtx f;
    LayerStatus failure;
    if (!make_filter(own, pid, &f, &failure)) return *error = failure.detail, std::nullopt;
    if (!export_program(f, prog, error)) return std::nullopt;
    allowed = f.allowed;
  }
  if (a.size() != b.size()) return *error = "the filter's shape depends on the pid", std::nullopt;
  PrebuiltChildFilter out;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::memcmp(&a[i], &b[i], sizeof(sock_filter)) == 0) continue;
    // Only a constant operand may differ, and only as the two sample pids.
    if (a[i].code != b[i].code || a[i].jt != b[i].jt || a[i].jf != b[i].jf ||
        a[i].k != static_cast<uint32_t>(kSampleA) || b[i].k != static_cast<uint32_t>(kSampleB))
      return *error = "the filter differs between two pids beyond the pid itself", std::nullopt;
    out.pid_slots.push_back(i);
  }
  if (out.pid_slots.empty()) return *error = "no pid comparison found in the filter", std::nullopt;
  out.program = std::move(a);
  out.detail = active_detail(own, allowed);
  return out;
}

LayerStatus load_prebuilt_child_filter(PrebuiltChildFilter& filter, pid_t self) {
  for (size_t i : filter.pid_slots) filter.program[i].k = static_cast<uint32_t>(self);
  LayerStatus failure;
  if (!install_sigsys_handler(&failure)) return failure;
  // As seccomp_load does: no_new_privs (inherited already), then the filter on every thread.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return seccomp_failure("no_new_privs", errno);
  sock_fprog prog{static_cast<unsigned short>(filter.program.size()), filter.program.data()};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
    return seccomp_failure("seccomp(SECCOMP_SET_MODE_FILTER)", errno);
  return {"seccomp", true, false, filter.detail};
}

std::optional<std::vector<sock_filter>> compile_filter(const SandboxConfig& config, pid_t self,
                                                       std::string* error) {
  FilterCtx f;
  LayerStatus failure;
  if (!make_filter(config, self, &f, &failure)) return *error = failure.detail, std::nullopt;
  std::vector<sock_filter> prog;
  if (!export_program(f, &prog, error)) return std::nullopt;
  return prog;
}

SandboxConfig child_filter_config(const SandboxConfig& config) {
  SandboxConfig own = config;
  own.zygote = false;
  own.allow_lowering_rlimits = false;
  return own;
}

LayerStatus confine_forked_child(const SandboxConfig& config) {
  return apply_seccomp(child_filter_config(config));
}

}  // namespace wc::sandbox
