#include "supervisor/module_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "supervisor/bootstrap.h"

namespace wc::supervisor {

using ipc::UniqueFd;

UniqueFd load_module(const std::string& path, uint64_t* size, std::string* error) {
  UniqueFd in(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    *error = "cannot open module '" + path + "': " + std::strerror(errno);
    return {};
  }
  return load_module_fd(in.get(), path, size, error);
}

UniqueFd load_module_fd(int in, const std::string& path, uint64_t* size, std::string* error,
                        const std::function<void(const char*, size_t)>& on_bytes) {
  struct stat st;
  if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "module '" + path + "' is not a regular file";
    return {};
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxModuleBytes) {
    *error = "module '" + path + "' is larger than 1 GiB";
    return {};
  }
  UniqueFd mem(
      static_cast<int>(syscall(SYS_memfd_create, "wasm-module", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!mem) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return {};
  }
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "reading module '" + path + "': " + std::strerror(errno);
      return {};
    }
    if (n == 0) break;
    if (on_bytes) on_bytes(buf.data(), static_cast<size_t>(n));
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(mem.get(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        *error = std::string("writing the module memfd: ") + std::strerror(errno);
        return {};
      }
      off += w;
    }
    total += static_cast<uint64_t>(n);
    if (total > kMaxModuleBytes) {
      *error = "module '" + path + "' is larger than 1 GiB";
      return {};
    }
  }
  if (fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
      0) {
    *error = std::string("sealing the module memfd: ") + std::strerror(errno);
    return {};
  }
  // Hand over a read-only descriptor of it.
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", mem.get());
  UniqueFd ro(open(proc, O_RDONLY | O_CLOEXEC));
  *size = total;
  return ro ? std::move(ro) : std::move(mem);
}

}  // namespace wc::supervisor
