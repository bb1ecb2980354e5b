// Reading a guest module for a worker: the broker (or daemon) opens the host file, the worker
// never can (it has no path syscalls after confine()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "ipc/unique_fd.h"

namespace wc::supervisor {

// Copies the module at `path` into a sealed memfd and returns a read-only descriptor of it:
// the worker gets exactly these bytes, which nobody can change under it, and no handle on the
// host file or its directory. Invalid fd with *error on failure (missing, not a regular file,
// larger than kMaxModuleBytes, I/O error).
ipc::UniqueFd load_module(const std::string& path, uint64_t* size, std::string* error);

// The same from a descriptor the caller opened (`path` only names it in errors). `on_bytes`,
// if set, sees every byte copied, in order: exactly what the memfd holds once sealed (the
// daemon's module cache hashes them, daemon/module_cache.h).
ipc::UniqueFd load_module_fd(int fd, const std::string& path, uint64_t* size, std::string* error,
                             const std::function<void(const char*, size_t)>& on_bytes = {});

}  // namespace wc::supervisor
