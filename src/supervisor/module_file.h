// Reading a guest module for a worker: the broker (or daemon) opens the host file, the worker
// never can (it has no path syscalls after confine()).
#pragma once

#include <cstdint>
#include <string>

#include "ipc/unique_fd.h"

namespace wc::supervisor {

// Copies the module at `path` into a sealed memfd and returns a read-only descriptor of it:
// the worker gets exactly these bytes, which nobody can change under it, and no handle on the
// host file or its directory. Invalid fd with *error on failure (missing, not a regular file,
// larger than kMaxModuleBytes, I/O error).
ipc::UniqueFd load_module(const std::string& path, uint64_t* size, std::string* error);

}  // namespace wc::supervisor
