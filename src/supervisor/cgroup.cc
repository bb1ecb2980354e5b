#include "supervisor/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

namespace wc::supervisor {

namespace {

constexpr long kPeriodUs = 100000;

bool write_file(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path);
  out << text;
  out.flush();
  if (!out) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

bool parse_cpus(const std::string& text, double* cpus, std::string* error) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || errno != 0 || *end != '\0' || !std::isfinite(v) || v < 0.01 || v > 1024) {
    *error =
        "--cpus: expected a number of CPUs from 0.01 to 1024, like 0.5 or 2, got '" + text + "'";
    return false;
  }
  *cpus = v;
  return true;
}

bool CpuLimiter::apply(pid_t pid, double cpus, const std::string& name, std::string* how) {
  cleanup();
  const long quota = std::lround(cpus * kPeriodUs);
  std::string base, limit_file, limit_text;
  if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
    base = "/sys/fs/cgroup";
    limit_file = "cpu.max";
    limit_text = std::to_string(quota) + " " + std::to_string(kPeriodUs);
  } else if (access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", F_OK) == 0) {
    base = "/sys/fs/cgroup/cpu";
    limit_file = "cpu.cfs_quota_us";
    limit_text = std::to_string(quota);
  } else {
    *how = "no cpu cgroup controller is mounted (/sys/fs/cgroup)";
    return false;
  }
  std::string dir = base + "/webcontainer-" + name;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    *how = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  dir_ = dir;
  if (limit_file == "cpu.cfs_quota_us" &&
      !write_file(dir + "/cpu.cfs_period_us", std::to_string(kPeriodUs), how)) {
    cleanup();
    return false;
  }
  if (!write_file(dir + "/" + limit_file, limit_text, how) ||
      !write_file(dir + "/cgroup.procs", std::to_string(pid), how)) {
    cleanup();
    return false;
  }
  description_ = limit_file + " " + limit_text + " in " + dir;
  return true;
}

void CpuLimiter::cleanup() {
  if (dir_.empty()) return;
  // The worker may still be exiting: a few tries, then leave the empty cgroup behind.
  for (int i = 0; i < 50 && rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i) usleep(1000);
  dir_.clear();
  description_.clear();
}

}  // namespace wc::supervisor
