// Layer: resource limits. Hard limits equal soft ones so the worker cannot raise them (and
// prlimit64 with a new value is refused by seccomp anyway).
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

LayerStatus apply_rlimits(const SandboxConfig& config) {
  struct Limit {
    int resource;
    const char* name;
    uint64_t soft, hard;
  };
  std::vector<Limit> limits = {
      {RLIMIT_CORE, "core", 0, 0},  // a core file would need the filesystem, and leaks memory
      {RLIMIT_NOFILE, "nofile", config.max_fds, config.max_fds},
  };
  // CPU: SIGXCPU at the soft limit (catchable, for a clean "time limit" message), SIGKILL at
  // the hard limit one second later.
  if (config.cpu_seconds)
    limits.push_back({RLIMIT_CPU, "cpu", config.cpu_seconds, config.cpu_seconds + 1});
  if (config.max_file_bytes)
    limits.push_back({RLIMIT_FSIZE, "fsize", config.max_file_bytes, config.max_file_bytes});
  if (config.max_threads)
    limits.push_back({RLIMIT_NPROC, "nproc", config.max_threads, config.max_threads});
  // Left unset by default: every 32-bit wasm memory reserves 8 GiB of address space.
  if (config.address_space_bytes)
    limits.push_back({RLIMIT_AS, "as", config.address_space_bytes, config.address_space_bytes});

  std::string detail;
  for (const Limit& l : limits) {
    // Never above the current hard limit: raising it needs CAP_SYS_RESOURCE, dropped by now.
    rlimit old{}, r{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (getrlimit(l.resource, &old) == 0) {
      r.rlim_max = std::min(r.rlim_max, old.rlim_max);
      r.rlim_cur = std::min(r.rlim_cur, r.rlim_max);
    }
    if (setrlimit(l.resource, &r) != 0)
      return {"rlimits", false, false,
              std::string("setrlimit(") + l.name + "): " + std::strerror(errno)};
    detail += (detail.empty() ? "" : " ") + std::string(l.name) + "=" + std::to_string(r.rlim_cur);
  }
  return {"rlimits", true, false, detail};
}

bool lower_rlimits(uint64_t cpu_seconds, uint64_t max_fds, std::string* error) {
  auto lower = [&](int resource, const char* name, uint64_t soft, uint64_t hard) {
    rlimit old{};
    if (getrlimit(resource, &old) != 0 || old.rlim_max < hard) {
      *error =
          std::string("cannot lower RLIMIT_") + name + ": its hard limit is below the container's";
      return false;
    }
    rlimit r{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
    if (setrlimit(resource, &r) != 0) {
      *error = std::string("setrlimit(") + name + "): " + std::strerror(errno);
      return false;
    }
    return true;
  };
  if (cpu_seconds && !lower(RLIMIT_CPU, "CPU", cpu_seconds, cpu_seconds + 1)) return false;
  return !max_fds || lower(RLIMIT_NOFILE, "NOFILE", max_fds, max_fds);
}

}  // namespace wc::sandbox
