#include "oci/module_file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wc::oci {

using ipc::UniqueFd;

UniqueFd open_module_in_root(const std::string& rootfs, const std::string& path_in_root,
                             std::string* error) {
  UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    *error = "rootfs " + rootfs + ": " + std::strerror(errno);
    return {};
  }
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = syscall(SYS_openat2, root.get(), path_in_root.c_str(), &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  if (fd < 0) {
    *error = "process.args[0] " + path_in_root + ": " + std::strerror(errno) + " in the rootfs";
    return {};
  }
  UniqueFd module(static_cast<int>(fd));
  struct stat st;
  if (fstat(module.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "process.args[0] " + path_in_root + ": not a regular file";
    return {};
  }
  unsigned char magic[4] = {};
  ssize_t n = pread(module.get(), magic, sizeof magic, 0);
  if (n != 4 || std::memcmp(magic, "\0asm", 4) != 0) {
    *error = "process.args[0] " + path_in_root +
             ": not a WebAssembly module (webcontainer-runc runs wasm images only)";
    return {};
  }
  // Back to blocking reads for the broker, which copies it into a sealed memfd.
  fcntl(module.get(), F_SETFL, 0);
  return module;
}

}  // namespace wc::oci
