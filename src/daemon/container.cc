#include "daemon/container.h"

#include <charconv>

namespace wc::daemon {

bool parse_restart(const std::string& text, Restart* out, std::string* error) {
  Restart r;
  if (text == "no" || text.empty()) {
    r.policy = RestartPolicy::kNo;
  } else if (text == "always") {
    r.policy = RestartPolicy::kAlways;
  } else if (text.rfind("on-failure", 0) == 0) {
    r.policy = RestartPolicy::kOnFailure;
    std::string rest = text.substr(10);
    if (!rest.empty()) {
      int n = 0;
      auto [end, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), n);
      if (rest[0] != ':' || ec != std::errc{} || end != rest.data() + rest.size() || n < 1) {
        *error = "--restart: expected on-failure[:N] with N >= 1, got '" + text + "'";
        return false;
      }
      r.max_retries = n;
    }
  } else {
    *error = "--restart: expected no, on-failure[:N] or always, got '" + text + "'";
    return false;
  }
  *out = r;
  return true;
}

std::string restart_to_string(const Restart& r) {
  switch (r.policy) {
    case RestartPolicy::kNo: return "no";
    case RestartPolicy::kAlways: return "always";
    case RestartPolicy::kOnFailure:
      return r.max_retries ? "on-failure:" + std::to_string(r.max_retries) : "on-failure";
  }
  return "no";
}

const char* state_name(State s) {
  switch (s) {
    case State::kCreated: return "created";
    case State::kRunning: return "running";
    case State::kExited: return "exited";
    case State::kRestarting: return "restarting";
  }
  return "unknown";
}

namespace {

using nlohmann::json;

json options_to_json(const supervisor::RunOptions& o) {
  return json{{"wasm_args", o.wasm_args_strings},
              {"dir", o.dirs},
              {"dir_ro", o.dirs_ro},
              {"env", o.envs},
              {"allow_connect", o.allow_connect},
              {"allow_listen", o.allow_listen},
              {"tcplisten", o.tcplisten},
              {"policy", o.policy_file},
              {"memory_limit", o.memory_limit},
              {"cpu_time", o.cpu_time},
              {"timeout", o.timeout},
              {"max_fds", o.max_fds},
              {"cpus", o.cpus},
              {"policy_text", o.policy_text}};
}

// Strict: every key known, every value of its type; the error names the key.
bool options_from_json(const json& j, supervisor::RunOptions* o, std::string* error) {
  if (!j.is_object()) {
    *error = "options: expected an object";
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    std::vector<std::string>* list = nullptr;
    std::string* text = nullptr;
    if (key == "wasm_args")
      list = &o->wasm_args_strings;
    else if (key == "dir")
      list = &o->dirs;
    else if (key == "dir_ro")
      list = &o->dirs_ro;
    else if (key == "env")
      list = &o->envs;
    else if (key == "allow_connect")
      list = &o->allow_connect;
    else if (key == "allow_listen")
      list = &o->allow_listen;
    else if (key == "tcplisten")
      list = &o->tcplisten;
    else if (key == "policy")
      text = &o->policy_file;
    else if (key == "memory_limit")
      text = &o->memory_limit;
    else if (key == "cpu_time")
      text = &o->cpu_time;
    else if (key == "timeout")
      text = &o->timeout;
    else if (key == "max_fds")
      text = &o->max_fds;
    else if (key == "cpus")
      text = &o->cpus;
    else if (key == "policy_text")
      text = &o->policy_text;
    else {
      *error = "options: unknown field '" + key + "'";
      return false;
    }
    if (text) {
      if (!value.is_string()) {
        *error = "options." + key + ": expected a string";
        return false;
      }
      *text = value.get<std::string>();
    } else {
      if (!value.is_array()) {
        *error = "options." + key + ": expected an array of strings";
        return false;
      }
      for (const json& v : value) {
        if (!v.is_string()) {
          *error = "options." + key + ": expected an array of strings";
          return false;
        }
        list->push_back(v.get<std::string>());
      }
    }
  }
  return true;
}

}  // namespace

json definition_to_json(const Definition& d) {
  return json{{"id", d.id},
              {"name", d.name},
              {"module", d.module},
              {"args", d.options.args},
              {"options", options_to_json(d.options)},
              {"restart", restart_to_string(d.restart)},
              {"rm", d.auto_remove},
              {"stdin", d.open_stdin},
              {"tenant", d.tenant_file},
              {"tenant_digest", d.tenant_digest}};
}

bool definition_from_json(const json& j, Definition* d, std::string* error) {
  if (!j.is_object()) {
    *error = "expected a JSON object";
    return false;
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "id" || key == "name" || key == "module" || key == "restart" || key == "tenant" ||
        key == "tenant_digest") {
      if (!value.is_string()) {
        *error = key + ": expected a string";
        return false;
      }
      std::string v = value.get<std::string>();
      if (key == "id")
        d->id = v;
      else if (key == "name")
        d->name = v;
      else if (key == "module")
        d->module = v;
      else if (key == "tenant")
        d->tenant_file = v;
      else if (key == "tenant_digest")
        d->tenant_digest = v;
      else if (!parse_restart(v, &d->restart, error))
        return false;
    } else if (key == "rm" || key == "stdin") {
      if (!value.is_boolean()) {
        *error = key + ": expected true or false";
        return false;
      }
      (key == "rm" ? d->auto_remove : d->open_stdin) = value.get<bool>();
    } else if (key == "args") {
      if (!value.is_array()) {
        *error = "args: expected an array of strings";
        return false;
      }
      for (const json& v : value) {
        if (!v.is_string()) {
          *error = "args: expected an array of strings";
          return false;
        }
        d->options.args.push_back(v.get<std::string>());
      }
    } else if (key == "options") {
      if (!options_from_json(value, &d->options, error)) return false;
    } else {
      *error = "unknown field '" + key + "'";
      return false;
    }
  }
  return true;
}

}  // namespace wc::daemon
