// Confinement of the worker process (mechanism only; what to allow is decided by the caller).
//
// Two halves, as in Chromium's sandbox/linux:
//   - spawn_worker() runs in the broker: it creates the worker in fresh namespaces (user, mount,
//     pid, net, ipc, uts, each where the kernel allows) with a fixed fd layout, and execs it.
//   - confine() runs in the worker before it reads a byte of the guest: empty root, fds,
//     capabilities, no_new_privs, rlimits, Landlock, seccomp-bpf.
// Layers the kernel refuses are skipped and reported, never silently: see SandboxReport.
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wc::sandbox {

// The worker finds its IPC socket here (spawn_worker puts it there; confine keeps it if listed).
inline constexpr int kWorkerIpcFd = 3;

struct SandboxConfig {
  std::vector<int> keep_fds;         // fds to keep open besides 0, 1, 2 (the IPC socket, ...)
  uint64_t address_space_bytes = 0;  // RLIMIT_AS; 0 = none (each wasm memory reserves 8 GiB)
  uint64_t cpu_seconds = 0;          // RLIMIT_CPU (SIGXCPU, then SIGKILL a second later); 0 = none
  uint64_t max_fds = 256;            // RLIMIT_NOFILE
  uint64_t max_file_bytes = 0;       // RLIMIT_FSIZE; 0 = none
  uint64_t max_threads = 0;          // RLIMIT_NPROC (counts per user namespace); 0 = unchanged
  bool allow_threads = true;         // seccomp: clone() for threads only (never new processes)
  bool allow_exec_memory = false;    // seccomp: PROT_EXEC in mmap/mprotect (a JIT tier needs it)
  bool kill_on_violation = false;    // seccomp: SIGSYS-kill instead of failing with EPERM
  // seccomp: setrlimit/prlimit64 on itself. Only for a pooled worker, which confines itself
  // before it knows its container and lowers its limits once it does (lower_rlimits). Every
  // limit is set with soft = hard, and raising a hard limit needs CAP_SYS_RESOURCE, which the
  // worker has dropped: so this can only ever tighten.
  bool allow_lowering_rlimits = false;
  // seccomp: a zygote (supervisor/zygotes.h) may also fork, in exactly one shape: clone with
  // CLONE_PARENT | CLONE_PIDFD | SIGCHLD (the child is the broker's child, not ours, and we
  // get its pidfd to hand over), and may set its child's PR_SET_PDEATHSIG and read getppid.
  // Nothing else about processes. Each child stacks its own final filter (confine_forked_child).
  bool zygote = false;
};

struct LayerStatus {
  std::string name;  // "user namespace", "landlock", "seccomp", ...
  bool active = false;
  bool optional = false;  // inactive without weakening the sandbox much (e.g. userns as root)
  std::string detail;     // why not, or which ABI / how many syscalls
};

struct SandboxReport {
  std::vector<LayerStatus> layers;

  void add(LayerStatus layer) { layers.push_back(std::move(layer)); }
  void append(const SandboxReport& other);
  const LayerStatus* find(const std::string& name) const;
  bool fully_confined() const;  // every non-optional layer is active
  std::string to_string() const;

  // One layer per line, tab-separated; for sending a worker's report to the broker.
  std::string encode() const;
  static SandboxReport decode(const std::string& text);
};

// Applies every layer in order; returns what took effect. `ok` is false only if a mandatory
// layer (no_new_privs, seccomp) could not be applied: the caller must then exit, not run guests.
// Must run while the process is single-threaded (Landlock binds the calling thread only).
struct ConfineResult {
  bool ok = false;
  SandboxReport report;
};
ConfineResult confine(const SandboxConfig& config);

// For a pooled worker once it has its container: sets RLIMIT_CPU (cpu_seconds, SIGKILL a
// second later; 0 = leave as is) and RLIMIT_NOFILE (max_fds, soft = hard) to the container's
// values, never above the current hard limits (the kernel would refuse). Needs
// allow_lowering_rlimits under seccomp. False with *error when a limit cannot be set or would
// stay above what was asked (then the worker must not run the guest).
bool lower_rlimits(uint64_t cpu_seconds, uint64_t max_fds, std::string* error);

// For a child a zygote forked: stacks a second seccomp filter on the one it inherited, built
// for this process (its own pid in the signal rules) without the zygote's fork, prctl and
// getppid rules and without rlimit changes; so it holds exactly what a fresh worker's filter
// holds (and less: the inherited filter still applies too). Call after lower_rlimits.
LayerStatus confine_forked_child(const SandboxConfig& config);

// The same filter, built once by a zygote for all its children: libseccomp compiles a worker's
// policy in a few hundred microseconds and a few dozen heap pages, each a copy-on-write fault
// in a forked child; patching the pid into a program made before the fork costs neither.
// `program` is the BPF libseccomp makes of confine_forked_child's policy, `pid_slots` the
// instructions whose constant is the process's own pid (found by compiling for two sample
// pids: they must differ there and nowhere else, or there is no prebuilt filter and the child
// compiles its own). tests/unit/sandbox_child_filter_test.cc checks it equals, pid patched,
// what libseccomp compiles for that pid.
struct PrebuiltChildFilter {
  std::vector<sock_filter> program;
  std::vector<size_t> pid_slots;
  std::string detail;  // the layer's description, as confine_forked_child's
};
std::optional<PrebuiltChildFilter> prebuild_child_filter(const SandboxConfig& config,
                                                         std::string* error);
// In the forked child: writes `self` into the pid slots and stacks the filter (every thread,
// after no_new_privs), with the same SIGSYS handler as any worker filter.
LayerStatus load_prebuilt_child_filter(PrebuiltChildFilter& filter, pid_t self);
// What confine_forked_child's policy is built from: `config` without the zygote's own rules.
SandboxConfig child_filter_config(const SandboxConfig& config);
// The BPF program libseccomp compiles for `config` and pid `self` (what apply_seccomp loads).
std::optional<std::vector<sock_filter>> compile_filter(const SandboxConfig& config, pid_t self,
                                                       std::string* error);

// ---- broker side ------------------------------------------------------------------------

enum Namespace : unsigned {
  kUserNs = 1u << 0,
  kMountNs = 1u << 1,
  kPidNs = 1u << 2,
  kNetNs = 1u << 3,
  kIpcNs = 1u << 4,
  kUtsNs = 1u << 5,
  kAllNamespaces = (1u << 6) - 1,
};

struct SpawnOptions {
  std::string worker_path;        // the binary to exec (opened by the broker, exec'd by fd)
  std::vector<std::string> argv;  // argv[0] first; empty = { worker_path }
  std::vector<std::string> env;   // the worker's whole environment ("KEY=VALUE")
  int ipc_fd = -1;                // becomes kWorkerIpcFd in the worker; -1 = none
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;
  unsigned namespaces = kAllNamespaces;  // which to try; refused ones are dropped and reported
  // Who the worker is outside its user namespace (it is uid/gid 0 inside). -1 = automatic:
  // nobody (65534) when the broker is root, else the broker's own ids.
  int64_t outside_uid = -1, outside_gid = -1;
  bool die_with_parent = true;  // PR_SET_PDEATHSIG(SIGKILL): bound to the *calling thread*
};

struct SpawnResult {
  pid_t pid = -1;            // the worker (reap it with waitpid); -1 on failure
  int error = 0;             // errno of the failing step when pid == -1
  std::string error_step;    // which step failed
  SandboxReport namespaces;  // one layer per namespace: active or not, and why
};

// Async-signal-safe in the child, so it may be called from a multi-threaded broker.
SpawnResult spawn_worker(const SpawnOptions& options);

// For `webcontainerd --sandbox-report`: forks a child into the same namespaces spawn_worker
// would use, confines it with `config`, and returns the namespace layers followed by the
// child's confine() report. Call while the broker is single-threaded (the child allocates).
SandboxReport probe(const SandboxConfig& config, unsigned namespaces = kAllNamespaces);

// ---- test-only compromised worker ---------------------------------------------------------

struct EscapeAttempt {
  std::string what;
  long result = 0;  // the syscall's return value
  int error = 0;    // errno when result == -1
  bool escaped() const { return result != -1; }
};

// Issues raw forbidden syscalls, as a compromised worker would, and returns each outcome.
// Under kill_on_violation the first one kills the process (SIGSYS), which also counts as held.
// Reached only through the worker's test-only switch (WC_TEST_ESCAPE=1); never in production.
std::vector<EscapeAttempt> run_escape_attempts();
std::string format_escape_attempts(const std::vector<EscapeAttempt>& attempts);

}  // namespace wc::sandbox
