// webcontainer-runc's commands, as containerd's runc shim (go-runc) calls them. Each returns
// the process exit status (0, or 1 with the reason in the runtime log and on stderr).
// src/cli/webcontainer_runc.cc only parses the command line and calls these.
#pragma once

#include <string>

#include "oci/runtime_log.h"

namespace wc::oci {

inline constexpr const char* kDefaultRoot = "/run/webcontainer-runc";

struct Globals {
  std::string root = kDefaultRoot;
  RuntimeLog log;
  bool debug = false;
  bool systemd_cgroup = false;  // cgroupsPath is SLICE:PREFIX:NAME (cgroups.h)
};

struct CreateOptions {
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  unsigned preserve_fds = 0;  // accepted; closed in the container process (no guest use)
};

int cmd_create(const Globals& g, const CreateOptions& o, const std::string& id);
int cmd_start(const Globals& g, const std::string& id);
int cmd_state(const Globals& g, const std::string& id);
int cmd_kill(const Globals& g, const std::string& id, const std::string& signal, bool all);
int cmd_delete(const Globals& g, const std::string& id, bool force);
int cmd_ps(const Globals& g, const std::string& id, const std::string& format);
int cmd_list(const Globals& g, const std::string& format, bool quiet);
int cmd_features(const Globals& g);
// runc commands a wasm container has no use for, or that are not written yet: one clear line.
int cmd_unsupported(const Globals& g, const std::string& command);

}  // namespace wc::oci
