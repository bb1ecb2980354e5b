// Confinement of the worker process (mechanism only; what to allow is decided by the caller).
// confine() runs in the worker before it reads a byte of the guest. Layers the kernel refuses
// are skipped with a warning and reported, never silently: see SandboxReport.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wc::sandbox {

struct SandboxConfig {
  std::vector<int> keep_fds;      // fds to keep open besides 0, 1, 2 (the IPC socket, ...)
  uint64_t address_space_bytes = 0;  // 0 = no RLIMIT_AS (guard reservations need a lot)
  uint64_t cpu_seconds = 0;          // RLIMIT_CPU, 0 = none
  uint64_t max_fds = 256;            // RLIMIT_NOFILE
  bool kill_on_violation = false;    // seccomp: SIGSYS-kill instead of failing with EPERM
};

struct LayerStatus {
  std::string name;     // "user namespace", "landlock", "seccomp", ...
  bool active = false;
  std::string detail;   // why not, or which ABI / how many syscalls
};

struct SandboxReport {
  std::vector<LayerStatus> layers;
  bool fully_confined() const;
  std::string to_string() const;
};

// Applies every layer in order; returns what took effect. Fails (returns with the error in the
// report and `ok` false) only if a mandatory layer (no_new_privs, seccomp) could not be applied.
struct ConfineResult {
  bool ok = false;
  SandboxReport report;
};
ConfineResult confine(const SandboxConfig& config);

}  // namespace wc::sandbox
