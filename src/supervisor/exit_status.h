// How a worker's end becomes a container's exit status, the same for `run`, `serve` and runc:
// the guest's exit code; 134 for a trap (the worker exits so, as wasmtime); 124 when the wall
// clock limit killed it (as timeout(1)); 152 when --cpu-time stopped it; 128+N when it died of
// signal N; 1 when the module could not be loaded, linked or started.
#pragma once

#include <string>

#include "broker/policy.h"

namespace wc::supervisor {

inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitTimeout = 124;

struct ExitReport {
  int code = 0;
  std::string message;  // empty for a normal exit; else one line for stderr (no prefix)
  // Which limit ended it, for events and metrics: "", "timeout", "cpu_time", "protocol",
  // "seccomp".
  std::string limit;
};

// `wait_status` from waitpid; `killed_by_broker`: the broker dropped it for breaking the IPC
// protocol.
ExitReport map_wait_status(int wait_status, const broker::Limits& limits, bool killed_by_broker);

// The report for a worker we killed at its wall-clock deadline.
ExitReport timeout_report(const broker::Limits& limits);

std::string format_seconds(double s);

}  // namespace wc::supervisor
