// The individual layers confine() applies, one file each. Exposed for tests, which check each
// layer on its own (e.g. the empty root before seccomp forbids looking at it).
#pragma once

#include <sys/types.h>

#include "sandbox/sandbox.h"

namespace wc::sandbox {

LayerStatus make_empty_root();                             // empty_root.cc
LayerStatus close_other_fds(const std::vector<int>& keep);  // fds.cc
LayerStatus drop_capabilities();                           // privileges.cc
LayerStatus set_no_new_privs();                            // privileges.cc
LayerStatus apply_rlimits(const SandboxConfig& config);    // rlimits.cc
int landlock_abi();                                        // landlock.cc: 0 = unsupported
LayerStatus apply_landlock();                              // landlock.cc
LayerStatus apply_seccomp(const SandboxConfig& config);    // seccomp_policy.cc

// namespaces.cc: clone(2) flags for a Namespace set, and the set this kernel grants (probed
// once per process by unsharing in throwaway children).
unsigned long clone_flags(unsigned namespaces);
unsigned usable_namespaces(unsigned wanted);

}  // namespace wc::sandbox
