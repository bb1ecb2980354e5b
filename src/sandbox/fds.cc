// Layer: no fds but stdio and the ones the caller names (the IPC socket). Anything else the
// worker inherited (a broker's listening socket, a log file) would be an unbrokered capability.
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

LayerStatus close_other_fds(const std::vector<int>& keep) {
  std::vector<int> k;
  for (int fd : keep)
    if (fd > 2) k.push_back(fd);
  std::sort(k.begin(), k.end());
  k.erase(std::unique(k.begin(), k.end()), k.end());
  // Close every gap between kept fds: [3, k0-1], [k0+1, k1-1], ..., [kn+1, max].
  unsigned first = 3;
  for (size_t i = 0; i <= k.size(); ++i) {
    unsigned last = i < k.size() ? static_cast<unsigned>(k[i]) - 1 : UINT_MAX;
    if (first <= last && syscall(SYS_close_range, first, last, 0) != 0)
      return {"fds", false, false, std::string("close_range: ") + std::strerror(errno)};
    if (i < k.size()) first = static_cast<unsigned>(k[i]) + 1;
  }
  std::string detail = "only 0, 1, 2";
  for (int fd : k) detail += ", " + std::to_string(fd);
  return {"fds", true, false, detail + " open"};
}

}  // namespace wc::sandbox
