#include "broker/resolve.h"

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wc::broker {

int open_beneath(int dirfd, const std::string& path, uint64_t flags, uint64_t mode) {
  struct open_how how = {};
  how.flags = flags;
  how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; attempt++) {
    long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    int e = errno;
    if ((e == EAGAIN && attempt < 64) || e == EINTR) continue;
    return -e;
  }
}

int split_path(std::string_view path, SplitPath* out) {
  if (path.empty()) return -ENOENT;
  if (path.front() == '/') return -EXDEV;
  size_t end = path.find_last_not_of('/');  // not npos: the path does not start with '/'
  out->trailing_slash = end + 1 != path.size();
  path = path.substr(0, end + 1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    out->parent = ".";
    out->name = std::string(path);
  } else {
    out->parent = std::string(path.substr(0, slash + 1));
    out->name = std::string(path.substr(slash + 1));
  }
  return 0;
}

}  // namespace wc::broker
