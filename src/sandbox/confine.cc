// confine(): the worker's layers, in the only order that works. The empty root needs
// CAP_SYS_ADMIN (so it comes before dropping capabilities); Landlock needs no_new_privs and its
// own syscalls (so it comes before seccomp); seccomp is last because it forbids setting up
// everything else.
#include "sandbox/layers.h"

namespace wc::sandbox {

ConfineResult confine(const SandboxConfig& config) {
  ConfineResult result;
  SandboxReport& r = result.report;
  r.add(make_empty_root());
  r.add(close_other_fds(config.keep_fds));
  r.add(drop_capabilities());
  r.add(set_no_new_privs());
  r.add(apply_rlimits(config));
  r.add(apply_landlock());
  // Without no_new_privs the kernel refuses an unprivileged seccomp filter anyway, and a
  // worker without seccomp must not run a guest.
  if (!r.find("no_new_privs")->active) {
    r.add({"seccomp", false, false, "not attempted: no_new_privs failed"});
    return result;
  }
  r.add(apply_seccomp(config));
  result.ok = r.find("seccomp")->active;
  return result;
}

}  // namespace wc::sandbox
