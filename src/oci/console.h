// process.terminal: a pseudo-terminal for the guest's stdio. The master goes to whoever
// listens on --console-socket (containerd's shim), as runc sends it: one message on the unix
// socket carrying the fd as SCM_RIGHTS and the slave's name as data.
#pragma once

#include <cstdint>
#include <string>

#include "ipc/unique_fd.h"

namespace wc::oci {

// Opens a pty (window size ROWS x COLS when both are non-zero), sends its master to the socket
// at `socket_path` and returns the slave; an invalid fd with *error on failure.
ipc::UniqueFd open_console(const std::string& socket_path, uint32_t rows, uint32_t cols,
                           std::string* error);

}  // namespace wc::oci
