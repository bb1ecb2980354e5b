// `webcontainerd run`: one container in the foreground with its own broker loop, until the
// worker ends or its wall-clock limit kills it.
#pragma once

#include <string>

#include "broker/audit.h"
#include "broker/policy.h"

namespace wc::supervisor {

// Launches the worker with our own stdio, serves it, and returns the exit status (see
// exit_status.h), having printed any reason on stderr prefixed with "webcontainerd: ".
int run_foreground(const std::string& module_path, const broker::Policy& policy,
                   const std::string& engine, broker::AuditLog* audit);

}  // namespace wc::supervisor
