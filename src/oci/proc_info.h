// What /proc says about a process we did not start and cannot wait for (the container process
// belongs to the shim once `create` returns): whether it still lives, and since when, so that a
// recycled pid is never taken for the container.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace wc::oci {

struct ProcStat {
  char state = 0;  // 'R', 'S', 'Z', ...
  pid_t ppid = 0;
  uint64_t start_time = 0;  // clock ticks after boot (field 22)
};

// False when the process does not exist (or /proc/PID/stat cannot be parsed).
bool read_proc_stat(pid_t pid, ProcStat* out);

// Parses the text of /proc/PID/stat (exposed for tests: the command name may hold spaces and
// parentheses).
bool parse_proc_stat(const char* text, ProcStat* out);

// The process `pid` started at `start_time` is still running (not a zombie).
bool process_alive(pid_t pid, uint64_t start_time);

// `pid` and its descendants, parents first (read from /proc/*/stat).
std::vector<pid_t> process_tree(pid_t pid);

}  // namespace wc::oci
