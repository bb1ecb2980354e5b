// linux.cgroupsPath, as runc's cgroupfs driver treats it: the container process (and so the
// worker it starts) joins that cgroup in each hierarchy (v2's unified tree, or v1's cpu,
// cpuacct, memory and pids controllers), so the orchestrator's accounting and stats see the
// container, and a CPU bandwidth limit goes in its cpu controller. `delete` removes the leaf
// directories (never the parents, which the orchestrator owns).
//
// --systemd-cgroup: cgroupsPath is "SLICE:PREFIX:NAME" and names the cgroup systemd would make
// (SLICE expanded to its parents, "PREFIX-NAME.scope" inside); we create that directory
// directly in cgroupfs rather than asking systemd over D-Bus for a scope unit.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace wc::oci {

// The cgroup path (relative to each hierarchy's root, no leading '/'), from cgroupsPath. An
// empty cgroupsPath gives "webcontainer-runc/ID". False for a malformed systemd path.
bool resolve_cgroup_path(const std::string& cgroups_path, const std::string& id, bool systemd,
                         std::string* out, std::string* error);

// Makes the cgroup in every hierarchy we use, writes `cpus` (when > 0) as a CPU bandwidth limit
// and moves `pid` into it. *dirs receives every directory created or joined, even on failure
// (so the caller can remove them). A CPU limit that cannot be applied is an error, never
// silently dropped.
bool join_cgroups(const std::string& relative_path, double cpus, pid_t pid,
                  std::vector<std::string>* dirs, std::string* error);

// rmdir each (retrying briefly while the last processes leave). False if one remains.
bool remove_cgroups(const std::vector<std::string>& dirs, std::string* error);

}  // namespace wc::oci
