// The options of one container as a user spells them (`webcontainerd run` flags, the client's
// `run` flags, an API request), turned into the broker's Policy. One parser for every front end
// so `run`, `serve` and the client accept and refuse exactly the same things.
#pragma once

#include <string>
#include <vector>

#include "broker/policy.h"

namespace wc::supervisor {

struct RunOptions {
  std::vector<std::string> wasm_args_strings;  // --wasm-args, split on whitespace
  std::vector<std::string> dirs, dirs_ro, envs;
  std::vector<std::string> allow_connect, allow_listen, tcplisten;
  std::string policy_file;
  std::string policy_text;  // an inline TOML policy (the daemon's tenant files), before the file
  std::string memory_limit, cpu_time, timeout, max_fds;
  std::string cpus;  // --cpus N (serve only: a cgroup CPU bandwidth limit, supervisor/cgroup.h)
  std::vector<std::string> args;  // the guest's trailing ARGS (after --wasm-args words)
};

// The policy file first, then the flags on top (as `webcontainerd run` documents). False with
// *error naming the flag at fault; the error is a usage error (exit 2 / HTTP 400).
bool build_policy(const RunOptions& options, broker::Policy* policy, std::string* error);

}  // namespace wc::supervisor
