#include "oci/proc_info.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace wc::oci {

bool parse_proc_stat(const char* text, ProcStat* out) {
  // "PID (COMM) STATE PPID ..." where COMM may contain anything, so fields count from the
  // last ')'.
  const char* close = std::strrchr(text, ')');
  if (!close || close[1] != ' ') return false;
  const char* p = close + 2;
  ProcStat st;
  st.state = *p;
  if (!st.state || p[1] != ' ') return false;
  p += 2;
  // Fields after STATE, numbered as in proc(5): 4 = ppid ... 22 = starttime.
  for (int field = 4; field <= 22; field++) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(p, &end, 10);
    if (end == p || errno != 0) return false;
    if (field == 4) st.ppid = static_cast<pid_t>(v);
    if (field == 22) st.start_time = static_cast<uint64_t>(v);
    p = end;
    if (field < 22) {
      if (*p != ' ') return false;
      p++;
    }
  }
  *out = st;
  return true;
}

bool read_proc_stat(pid_t pid, ProcStat* out) {
  if (pid <= 0) return false;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = '\0';
  return parse_proc_stat(buf, out);
}

bool process_alive(pid_t pid, uint64_t start_time) {
  ProcStat st;
  if (!read_proc_stat(pid, &st)) return false;
  return st.start_time == start_time && st.state != 'Z' && st.state != 'X';
}

std::vector<pid_t> process_tree(pid_t pid) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      char* end = nullptr;
      long p = std::strtol(e->d_name, &end, 10);
      if (*end || p <= 0) continue;
      ProcStat st;
      if (read_proc_stat(static_cast<pid_t>(p), &st) && st.state != 'Z')
        children.emplace(st.ppid, static_cast<pid_t>(p));
    }
    closedir(d);
  }
  std::vector<pid_t> out;
  ProcStat self;
  if (!read_proc_stat(pid, &self) || self.state == 'Z') return out;
  out.push_back(pid);
  for (size_t i = 0; i < out.size(); i++) {
    auto [lo, hi] = children.equal_range(out[i]);
    for (auto it = lo; it != hi; ++it) out.push_back(it->second);
  }
  return out;
}

}  // namespace wc::oci
