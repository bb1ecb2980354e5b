// The module a container runs: process.args[0], a path inside the rootfs. The image is not
// trusted, so the path is resolved with the rootfs as "/" (RESOLVE_IN_ROOT: an absolute
// symlink or ".." cannot leave it, no magic links) and the file is checked for the wasm magic
// at `create`, so a native image fails there with a clear message instead of at `start`.
#pragma once

#include <string>

#include "ipc/unique_fd.h"

namespace wc::oci {

// A read-only fd of the module (close-on-exec), or invalid with *error.
ipc::UniqueFd open_module_in_root(const std::string& rootfs, const std::string& path_in_root,
                                  std::string* error);

}  // namespace wc::oci
