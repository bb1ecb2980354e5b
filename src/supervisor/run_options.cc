#include "supervisor/run_options.h"

#include <charconv>
#include <sstream>

namespace wc::supervisor {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

bool build_policy(const RunOptions& o, broker::Policy* policy, std::string* error) {
  std::string e;
  if (!o.policy_text.empty() && !broker::load_policy_string(o.policy_text, policy, error))
    return false;
  if (!o.policy_file.empty() && !broker::load_policy_file(o.policy_file, policy, &e)) {
    *error = "policy " + o.policy_file + ": " + e;
    return false;
  }
  for (const auto& [specs, ro] : {std::pair{&o.dirs, false}, std::pair{&o.dirs_ro, true}}) {
    for (const std::string& spec : *specs) {
      broker::Mount m;
      if (!broker::parse_mount(spec, ro, &m, &e)) {
        *error = std::string(ro ? "--dir-ro: " : "--dir: ") + e;
        return false;
      }
      policy->mounts.push_back(m);
    }
  }
  for (const std::string& g : o.allow_connect)
    if (!broker::parse_net_grant(g, &policy->net.allow_connect, &e)) {
      *error = "--allow-connect: " + e;
      return false;
    }
  for (const std::string& g : o.allow_listen)
    if (!broker::parse_net_grant(g, &policy->net.allow_listen, &e)) {
      *error = "--allow-listen: " + e;
      return false;
    }
  policy->net.tcplisten.insert(policy->net.tcplisten.end(), o.tcplisten.begin(), o.tcplisten.end());
  for (const std::string& env : o.envs) {
    if (!broker::check_env(env, &e)) {
      *error = "--env: " + e;
      return false;
    }
    policy->env.push_back(env);
  }
  for (const std::string& s : o.wasm_args_strings)
    for (std::string& w : split_words(s)) policy->args.push_back(std::move(w));
  policy->args.insert(policy->args.end(), o.args.begin(), o.args.end());
  if (!o.memory_limit.empty() &&
      !broker::parse_size(o.memory_limit, &policy->limits.memory_limit, &e)) {
    *error = "--memory-limit: " + e;
    return false;
  }
  if (!o.cpu_time.empty() && !broker::parse_seconds(o.cpu_time, &policy->limits.cpu_time, &e)) {
    *error = "--cpu-time: " + e;
    return false;
  }
  if (!o.timeout.empty() && !broker::parse_seconds(o.timeout, &policy->limits.timeout, &e)) {
    *error = "--timeout: " + e;
    return false;
  }
  if (!o.max_fds.empty()) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(o.max_fds.data(), o.max_fds.data() + o.max_fds.size(), n);
    if (ec != std::errc{} || end != o.max_fds.data() + o.max_fds.size() || n < 8 ||
        n > (1u << 20)) {
      *error = "--max-fds: expected a number of file descriptors from 8 to 1048576";
      return false;
    }
    policy->limits.max_fds = n;
  }
  return broker::validate_policy(*policy, error);
}

}  // namespace wc::supervisor
