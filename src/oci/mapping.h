// What an OCI bundle means for webcontainer's sandbox: the broker's policy (default deny) and
// the few things the container process sets up itself (network namespace, CPU cgroup, pty).
//
//   process.args[0]          the module, a path inside the rootfs (relative: to process.cwd)
//   process.args[1..], env   the guest's argv[1..] and environment; args[0] is its argv[0]
//   root.path (+readonly)    granted as "/" (read-only when root.readonly)
//   mounts: bind             a grant of the source directory at the destination ("ro" option:
//                            read-only); kernel filesystems (proc, sysfs, devpts, mqueue,
//                            cgroup, tmpfs on /dev and /run) are ignored: the guest has no
//                            kernel view to give them to
//   memory.limit             the linear-memory limit
//   cpu.quota / cpu.period   a CPU bandwidth limit (cgroup); cpu.shares is ignored
//   rlimits NOFILE / CPU     max fds in the worker / CPU seconds
//   namespaces: network      path: joined; no path: a new one (loopback up); absent: the host's
//   annotations              webcontainer.io/{allow-connect,allow-listen,tcplisten,policy}
//
// Refused, with an error naming the field: an unknown webcontainer.io/ annotation; a device
// node other than the standard ones; a capability beyond the default set (--privileged); a
// seccomp profile that allows by default or hands decisions to a listener; hooks; a tmpfs
// elsewhere; a bind mount of a single file (but the runtime-made /etc/hosts, /etc/hostname,
// /etc/resolv.conf and /dev/termination-log, which are ignored); a filesystem grant inside the
// policy annotation (filesystem grants come from the bundle's mounts, which the orchestrator
// controls). Everything else that is ignored is listed in Plan::notes and docs/kubernetes.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/policy.h"
#include "oci/bundle.h"

namespace wc::oci {

inline constexpr std::string_view kAnnotationPrefix = "webcontainer.io/";
inline constexpr const char* kAnnotationAllowConnect = "webcontainer.io/allow-connect";
inline constexpr const char* kAnnotationAllowListen = "webcontainer.io/allow-listen";
inline constexpr const char* kAnnotationTcpListen = "webcontainer.io/tcplisten";
inline constexpr const char* kAnnotationPolicy = "webcontainer.io/policy";

enum class NetMode { kHost, kJoin, kNew };

struct Plan {
  broker::Policy policy;       // mounts[0] is the rootfs as "/"
  std::string rootfs;          // host path of the rootfs
  std::string module_in_root;  // the module's absolute path inside the rootfs
  std::string argv0;           // process.args[0], the guest's argv[0]
  NetMode net = NetMode::kHost;
  std::string netns_path;  // for kJoin
  double cpus = 0;         // CPU bandwidth limit in CPUs; 0: none
  std::string cgroups_path;
  std::optional<int> oom_score_adj;
  bool terminal = false;
  uint32_t console_height = 0, console_width = 0;
  // What was accepted but not acted on, one line each (for the --debug log).
  std::vector<std::string> notes;
};

// Maps a bundle to a plan, or refuses it (false, *error one line naming the field). Looks at
// the host only to check bind-mount sources (directories, not files) and to resolve host names
// in network grants.
bool plan_container(const Bundle& bundle, Plan* out, std::string* error);

// "a,b , c" -> {"a", "b", "c"}; empty items dropped.
std::vector<std::string> split_list(std::string_view text);

// Lexically normalised absolute path ("/a/./b/" -> "/a/b"); false if it is not absolute or
// has a ".." component.
bool normalize_absolute(std::string_view path, std::string* out);

}  // namespace wc::oci
