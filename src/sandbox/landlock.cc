// Layer: Landlock with every access right handled and no rule granting any, so the worker has
// no filesystem access at all (ABI 1+), cannot bind or connect TCP sockets (ABI 4+), and cannot
// signal or reach abstract unix sockets outside its domain (ABI 6+). Independent of seccomp:
// if a path syscall were ever let through, Landlock still refuses it.
//
// The constants are defined here because the installed kernel headers may predate the ABI the
// running kernel offers (Debian 12's headers stop at ABI 2).
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "sandbox/layers.h"

namespace wc::sandbox {

namespace {

struct RulesetAttr {  // struct landlock_ruleset_attr as of ABI 6
  uint64_t handled_access_fs;
  uint64_t handled_access_net;  // ABI 4+
  uint64_t scoped;              // ABI 6+
};

constexpr unsigned kCreateRulesetVersion = 1u << 0;
constexpr uint64_t kAccessNetBindTcp = 1ull << 0, kAccessNetConnectTcp = 1ull << 1;
constexpr uint64_t kScopeAbstractUnixSocket = 1ull << 0, kScopeSignal = 1ull << 1;

// Filesystem rights by ABI: 13 in v1, REFER (bit 13) in v2, TRUNCATE (14) in v3, IOCTL_DEV (15)
// in v5. Handling a right the kernel does not know is an error, so ask only for what it has.
uint64_t fs_rights(int abi) {
  int bits = abi >= 5 ? 16 : abi >= 3 ? 15 : abi >= 2 ? 14 : 13;
  return (1ull << bits) - 1;
}

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

}  // namespace

int landlock_abi() {
  long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return v < 0 ? 0 : static_cast<int>(v);
}

LayerStatus apply_landlock() {
  int abi = landlock_abi();
  if (abi == 0)
    return {"landlock", false, false,
            std::string("not available: ") +
                (errno == EOPNOTSUPP ? "disabled at boot" : std::strerror(errno))};
  RulesetAttr attr{fs_rights(abi), 0, 0};
  if (abi >= 4) attr.handled_access_net = kAccessNetBindTcp | kAccessNetConnectTcp;
  if (abi >= 6) attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
  int fd = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
  if (fd < 0)
    return {"landlock", false, false, std::string("create_ruleset: ") + std::strerror(errno)};
  // restrict_self needs no_new_privs (or CAP_SYS_ADMIN); confine() sets it first.
  long rc = syscall(SYS_landlock_restrict_self, fd, 0);
  int err = errno;
  close(fd);
  if (rc != 0)
    return {"landlock", false, false, std::string("restrict_self: ") + std::strerror(err)};
  std::string detail = "ABI " + std::to_string(abi) + ": no filesystem access (" +
                       std::to_string(__builtin_popcountll(attr.handled_access_fs)) +
                       " rights handled, no rule)";
  if (abi >= 4) detail += ", no TCP bind/connect";
  if (abi >= 6) detail += ", signals and abstract unix sockets scoped";
  return {"landlock", true, false, detail};
}

}  // namespace wc::sandbox
