// The individual layers confine() applies, one file each. Exposed for tests, which check each
// layer on its own (e.g. the empty root before seccomp forbids looking at it).
#pragma once

#include <seccomp.h>
#include <sys/types.h>

#include "sandbox/sandbox.h"

namespace wc::sandbox {

LayerStatus make_empty_root();                              // empty_root.cc
LayerStatus close_other_fds(const std::vector<int>& keep);  // fds.cc
LayerStatus drop_capabilities();                            // privileges.cc
LayerStatus set_no_new_privs();                             // privileges.cc
LayerStatus apply_rlimits(const SandboxConfig& config);     // rlimits.cc
int landlock_abi();                                         // landlock.cc: 0 = unsupported
LayerStatus apply_landlock();                               // landlock.cc

// Seccomp: the policy is a table of rules (seccomp_policy.cc), the mechanism installs it with
// libseccomp (seccomp.cc). A syscall with several rules is allowed when any of them matches;
// the comparisons inside one rule must all hold.
struct SyscallRule {
  int nr;
  uint32_t action;  // SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(e), SCMP_ACT_TRAP
  std::vector<scmp_arg_cmp> args;
};
std::vector<SyscallRule> worker_syscall_policy(const SandboxConfig& config, pid_t self);
LayerStatus apply_seccomp(const SandboxConfig& config);

unsigned long clone_flags(unsigned namespaces);  // namespaces.cc

}  // namespace wc::sandbox
