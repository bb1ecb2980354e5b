// GET /v1/stats: what each running container's worker uses now, read from /proc (the daemon
// sees its workers' host pids): CPU seconds (user + system), resident memory, open fds, and
// sockets (socket fds other than the worker's channel to the broker: its connections and
// listeners, each handed over by the broker).
#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "daemon/daemon.h"

namespace wc::daemon {

namespace {

struct Usage {
  double cpu_seconds = 0;
  uint64_t memory_bytes = 0;
  int fds = 0, sockets = 0;
};

Usage read_usage(pid_t pid) {
  Usage u;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream stat(proc + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    // Fields after the command name (which may hold spaces) start after the last ')'.
    size_t close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream in(line.substr(close + 2));
      std::string field;
      unsigned long long utime = 0, stime = 0;
      for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
      }
      u.cpu_seconds =
          static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  std::ifstream statm(proc + "/statm");
  unsigned long long size = 0, resident = 0;
  if (statm >> size >> resident)
    u.memory_bytes = resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (DIR* d = opendir((proc + "/fd").c_str())) {
    while (struct dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      u.fds++;
      char target[64];
      ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof target - 1);
      if (n > 0 && std::string_view(target, static_cast<size_t>(n)).rfind("socket:", 0) == 0)
        u.sockets++;
    }
    closedir(d);
  }
  if (u.sockets > 0) u.sockets--;  // the channel to the broker
  return u;
}

}  // namespace

Reply Daemon::stats() {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, c] : containers_) {
    if (c->state != State::kRunning || c->pid <= 0) continue;
    Usage u = read_usage(c->pid);
    out.push_back({{"id", id},
                   {"name", c->def.name},
                   {"cpu_seconds", u.cpu_seconds},
                   {"memory_bytes", u.memory_bytes},
                   {"fds", u.fds},
                   {"sockets", u.sockets}});
  }
  return {200, out.dump(), "application/json", {}};
}

}  // namespace wc::daemon
