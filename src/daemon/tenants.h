// The --tenants directory: one NAME.toml per container, in the policy file's vocabulary
// (dir, dir_ro, [[mount]], env, args, allow_connect, allow_listen, tcplisten, memory_limit,
// cpu_time, timeout, max_fds) plus
//   module  = "app.wasm"          # required; relative paths are relative to the directory
//   restart = "always"            # no | on-failure[:N] | always (default: always)
// Reading only; the daemon reconciles its containers against what this returns.
#pragma once

#include <string>
#include <vector>

#include "daemon/container.h"

namespace wc::daemon {

struct TenantScan {
  std::vector<Definition> definitions;  // the good files (name = file stem, tenant_* set)
  std::vector<std::string> broken;      // names of the files that failed (left alone)
  std::vector<std::string> errors;      // "DIR/NAME.toml:LINE: what is wrong", one per broken file
};

TenantScan scan_tenants(const std::string& dir);

// One file; false with *error "PATH:LINE: message".
bool parse_tenant_file(const std::string& path, Definition* out, std::string* error);

}  // namespace wc::daemon
