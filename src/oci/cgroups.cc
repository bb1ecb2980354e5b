#include "oci/cgroups.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <set>

#include "oci/mapping.h"

namespace wc::oci {

namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
constexpr long kCpuPeriodUs = 100000;

bool fail(std::string* error, const std::string& message) {
  *error = message;
  return false;
}

bool write_file(const std::string& path, const std::string& text, std::string* error) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, "cannot open " + path + ": " + std::strerror(errno));
  ssize_t n = write(fd, text.data(), text.size());
  int e = errno;
  close(fd);
  if (n != static_cast<ssize_t>(text.size()))
    return fail(error, "cannot write '" + text + "' to " + path + ": " + std::strerror(e));
  return true;
}

bool mkdir_p(const std::string& path) {
  for (size_t i = 1; i <= path.size(); i++) {
    if (i < path.size() && path[i] != '/') continue;
    if (mkdir(path.substr(0, i).c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  return true;
}

bool unified_only() {
  return access((std::string(kCgroupRoot) + "/cgroup.controllers").c_str(), F_OK) == 0;
}

// "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice", as systemd nests slices.
bool expand_slice(const std::string& slice, std::string* out, std::string* error) {
  if (slice.empty() || slice == "-.slice") {
    out->clear();
    return true;
  }
  const std::string suffix = ".slice";
  if (slice.size() <= suffix.size() ||
      slice.compare(slice.size() - suffix.size(), suffix.size(), suffix) != 0 ||
      slice.find('/') != std::string::npos)
    return fail(error, "linux.cgroupsPath: '" + slice + "' is not a systemd slice name");
  std::string name = slice.substr(0, slice.size() - suffix.size());
  if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string::npos)
    return fail(error, "linux.cgroupsPath: '" + slice + "' is not a valid slice name");
  std::string path, prefix;
  size_t start = 0;
  for (;;) {
    size_t dash = name.find('-', start);
    prefix = name.substr(0, dash);
    if (!path.empty()) path += '/';
    path += prefix + suffix;
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  *out = path;
  return true;
}

}  // namespace

bool resolve_cgroup_path(const std::string& cgroups_path, const std::string& id, bool systemd,
                         std::string* out, std::string* error) {
  if (systemd && !cgroups_path.empty()) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
      size_t colon = cgroups_path.find(':', start);
      parts.push_back(cgroups_path.substr(start, colon - start));
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (parts.size() != 3)
      return fail(error, "linux.cgroupsPath '" + cgroups_path +
                             "': with --systemd-cgroup it must be SLICE:PREFIX:NAME");
    std::string slice;
    if (!expand_slice(parts[0].empty() ? "system.slice" : parts[0], &slice, error)) return false;
    const std::string& name = parts[2];
    if (name.empty() || name.find('/') != std::string::npos)
      return fail(error, "linux.cgroupsPath '" + cgroups_path + "': bad unit name");
    std::string unit = name.size() > 6 && name.compare(name.size() - 6, 6, ".slice") == 0
                           ? name
                           : (parts[1].empty() ? name : parts[1] + "-" + name) + ".scope";
    *out = slice.empty() ? unit : slice + "/" + unit;
    return true;
  }
  std::string path = cgroups_path.empty() ? "/webcontainer-runc/" + id : cgroups_path;
  if (path[0] != '/') path = "/" + path;
  std::string normal;
  if (!normalize_absolute(path, &normal) || normal == "/")
    return fail(error, "linux.cgroupsPath '" + cgroups_path + "': not a cgroup path");
  *out = normal.substr(1);
  return true;
}

bool join_cgroups(const std::string& rel, double cpus, pid_t pid, std::vector<std::string>* dirs,
                  std::string* error) {
  const long quota = std::lround(cpus * kCpuPeriodUs);
  const std::string root = kCgroupRoot;
  if (unified_only()) {
    if (cpus > 0) {
      // The cpu controller must be enabled in every ancestor's subtree_control.
      std::string dir = root;
      size_t start = 0;
      for (;;) {
        if (!write_file(dir + "/cgroup.subtree_control", "+cpu", error)) return false;
        size_t slash = rel.find('/', start);
        if (slash == std::string::npos) break;
        dir = root + "/" + rel.substr(0, slash);
        if (!mkdir_p(dir)) return fail(error, "cannot create " + dir + ": " + std::strerror(errno));
        start = slash + 1;
      }
    }
    const std::string dir = root + "/" + rel;
    if (!mkdir_p(dir)) return fail(error, "cannot create " + dir + ": " + std::strerror(errno));
    dirs->push_back(dir);
    if (cpus > 0 && !write_file(dir + "/cpu.max",
                                std::to_string(quota) + " " + std::to_string(kCpuPeriodUs), error))
      return false;
    return write_file(dir + "/cgroup.procs", std::to_string(pid), error);
  }
  // v1: one directory per hierarchy (cpu and cpuacct may share one mount).
  std::set<std::string> seen;
  std::string cpu_dir;
  for (const char* controller : {"cpu", "cpuacct", "memory", "pids"}) {
    const std::string base = root + "/" + controller;
    char real[PATH_MAX];
    if (access((base + "/cgroup.procs").c_str(), F_OK) != 0 || !realpath(base.c_str(), real))
      continue;
    const std::string dir = std::string(real) + "/" + rel;
    if (!std::strcmp(controller, "cpu")) cpu_dir = dir;
    if (!seen.insert(real).second) continue;
    if (!mkdir_p(dir)) return fail(error, "cannot create " + dir + ": " + std::strerror(errno));
    dirs->push_back(dir);
    if (!write_file(dir + "/cgroup.procs", std::to_string(pid), error)) return false;
  }
  if (cpus > 0) {
    if (cpu_dir.empty())
      return fail(error, "a CPU limit was asked for but no cpu cgroup controller is mounted");
    if (!write_file(cpu_dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs), error) ||
        !write_file(cpu_dir + "/cpu.cfs_quota_us", std::to_string(quota), error))
      return false;
  }
  return true;
}

bool remove_cgroups(const std::vector<std::string>& dirs, std::string* error) {
  bool ok = true;
  for (const std::string& dir : dirs) {
    // The container's processes may still be leaving (a zombie is already out of it).
    int tries = 0;
    while (rmdir(dir.c_str()) != 0) {
      if (errno == ENOENT) break;
      if (errno != EBUSY || ++tries > 200) {
        ok = fail(error, "cannot remove cgroup " + dir + ": " + std::strerror(errno));
        break;
      }
      usleep(5000);
    }
  }
  return ok;
}

}  // namespace wc::oci
