// --cpus N: a CPU bandwidth limit for one worker, through the cpu cgroup controller (v2's
// cpu.max, or v1's cpu.cfs_quota_us where only v1 is mounted). One cgroup per worker, made
// when it starts and removed when the limiter goes (after the worker is reaped).
#pragma once

#include <sys/types.h>

#include <string>

namespace wc::supervisor {

// "0.5" -> 0.5; false for anything but a positive number of CPUs (at most 1024).
bool parse_cpus(const std::string& text, double* cpus, std::string* error);

class CpuLimiter {
 public:
  CpuLimiter() = default;
  CpuLimiter(const CpuLimiter&) = delete;
  CpuLimiter& operator=(const CpuLimiter&) = delete;
  ~CpuLimiter() { cleanup(); }

  // Puts PID in a new cgroup limited to CPUS CPUs; false with *how saying why (no writable
  // cpu controller, ...). NAME makes the cgroup's directory name unique.
  bool apply(pid_t pid, double cpus, const std::string& name, std::string* how);
  // "cpu.max 50000 100000 in /sys/fs/cgroup/..." or "" when not applied.
  std::string describe() const { return description_; }
  // Removes the cgroup (it must have no live process left; a zombie is fine once reaped).
  void cleanup();

 private:
  std::string dir_, description_;
};

}  // namespace wc::supervisor
