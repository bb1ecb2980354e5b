// `features` (runtime-spec features.md: what this runtime accepts) and the runc commands it
// does not provide.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "daemon/version.h"
#include "oci/commands.h"
#include "oci/state.h"

namespace wc::oci {

int cmd_features(const Globals&) {
  using json = nlohmann::json;
  json features = {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", kOciVersion},
      {"hooks", json::array()},
      // The options that change anything; others are accepted and have no meaning here.
      {"mountOptions", {"bind", "rbind", "ro", "rw"}},
      {"linux",
       {{"namespaces", {"network", "pid", "mount", "ipc", "uts", "user", "cgroup", "time"}},
        {"capabilities",
         {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
          "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
        {"seccomp", {{"enabled", false}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}}}},
      {"annotations",
       {{"io.github.webcontainer.version", daemon::kVersion},
        {"io.github.webcontainer.annotations",
         "webcontainer.io/allow-connect,webcontainer.io/allow-listen,webcontainer.io/tcplisten,"
         "webcontainer.io/policy"},
        {"io.github.webcontainer.sandbox",
         "the guest runs in a confined worker (namespaces, Landlock, seccomp allow-list) behind "
         "a broker; the bundle's namespaces other than network, capabilities and seccomp "
         "profile do not change it"}}}};
  std::printf("%s\n", features.dump(2).c_str());
  return 0;
}

int cmd_unsupported(const Globals& g, const std::string& command) {
  std::string why;
  if (command == "exec")
    why =
        "exec is not supported: a wasm container runs one module in one confined worker, "
        "with no shell or second process to start";
  else if (command == "pause" || command == "resume")
    why = "not yet implemented: " + command;
  else if (command == "checkpoint" || command == "restore")
    why = command + " is not supported (no process checkpointing for wasm workers)";
  else if (command == "update")
    why = "not yet implemented: update (a container's limits are fixed when its worker starts)";
  else if (command == "events")
    why = "not yet implemented: events";
  else if (command == "run")
    why = "not yet implemented: run (use create, then start)";
  else if (command == "spec")
    why = "not yet implemented: spec (docs/kubernetes.md shows a bundle's config.json)";
  else
    why = "unknown command '" + command + "'";
  g.log.error(why);
  return 1;
}

}  // namespace wc::oci
