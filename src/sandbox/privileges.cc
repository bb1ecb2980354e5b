// Layers: no capabilities, and no way to gain privileges again.
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

// After the empty root is in place the worker has no use for any capability. In a user
// namespace they only cover that namespace, but they would still open up its mount, net and
// other kernel interfaces (attack surface); without one, as root, they are the real thing.
LayerStatus drop_capabilities() {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which capset() removes.
  int bounded = 0;
  for (int cap = 0; cap < 64; ++cap)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) ++bounded;
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capset, &header, data) != 0)
    return {"capabilities", false, false, std::string("capset: ") + std::strerror(errno)};
  return {"capabilities", true, false,
          "none (effective, permitted, inheritable, ambient" +
              std::string(bounded ? ", bounding" : "") + ")"};
}

LayerStatus set_no_new_privs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return {"no_new_privs", false, false, std::string("prctl: ") + std::strerror(errno)};
  // Not dumpable: processes of the same outside uid (other workers mapped to nobody) cannot
  // ptrace us or read our /proc entries; no core files either.
  bool undumpable = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
  return {"no_new_privs", true, false, undumpable ? "set; not dumpable" : "set"};
}

}  // namespace wc::sandbox
