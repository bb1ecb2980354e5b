// The container process after `start`: it becomes the container's broker. It launches the
// confined worker on its own stdio (the shim's fifos or the pty), serves the worker's requests,
// and returns the container's exit status as `webcontainerd run` maps it (the guest's exit
// code, 134 for a trap, 128+N for a signal...; supervisor/exit_status.h).
//
// `kill` signals this process (the pid the shim knows). A terminating signal (TERM, INT, HUP,
// QUIT, USR1, USR2, ALRM, PWR) kills the worker at once (it is its pid namespace's init, and
// ignores signals from outside it) and is then re-raised here, so the shim sees the container
// die of the signal it sent, as with runc. SIGKILL needs no help: the worker dies with its
// parent (PR_SET_PDEATHSIG).
#pragma once

#include "oci/mapping.h"

namespace wc::oci {

// Does not return when a terminating signal arrived (the process dies of it).
int supervise_container(const Plan& plan, int module_fd);

}  // namespace wc::oci
