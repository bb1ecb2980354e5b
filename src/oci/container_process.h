// The process `create` leaves behind, whose pid goes in --pid-file: it takes its stdio (the
// shim's fds, or the pty's slave), its session, its network namespace, closes every other fd,
// reports "ready" to `create`, and blocks opening the exec fifo for writing until `start` opens
// it for reading. Then it is the container's broker (supervise.h) and exits with the guest.
#pragma once

#include <string>

#include "oci/mapping.h"

namespace wc::oci {

struct ContainerProcessSetup {
  const Plan* plan = nullptr;
  int module_fd = -1;   // kept
  int console_fd = -1;  // the pty's slave, for fds 0-2 (-1: keep the inherited stdio)
  int ready_fd = -1;    // write end of the pipe `create` reads: empty = ready, else an error
  std::string fifo_path;
};

// Runs in the child of `create`'s fork; never returns.
[[noreturn]] void run_container_process(const ContainerProcessSetup& setup);

}  // namespace wc::oci
