// The TOML policy file (schema in policy.h), kept apart because toml++ is a heavy include.
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "broker/policy.h"

namespace wc::broker {
namespace {

bool fail(std::string* error, const std::string& key, const std::string& what) {
  *error = "policy: '" + key + "': " + what;
  return false;
}

bool string_list(const toml::node& node, const std::string& key, std::vector<std::string>* out,
                 std::string* error) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) return fail(error, key, "expected an array of strings");
  for (const toml::node& item : *arr) {
    const auto* s = item.as_string();
    if (s == nullptr) return fail(error, key, "expected an array of strings");
    out->push_back(s->get());
  }
  return true;
}

// Sizes and durations: a number, or a string in the command line's spelling.
bool size_value(const toml::node& node, const std::string& key, uint64_t* out, std::string* error) {
  if (const auto* i = node.as_integer()) {
    if (i->get() < 0) return fail(error, key, "must not be negative");
    *out = static_cast<uint64_t>(i->get());
    return true;
  }
  if (const auto* s = node.as_string()) return parse_size(s->get(), out, error);
  return fail(error, key, "expected an integer or a size string like \"512M\"");
}

bool seconds_value(const toml::node& node, const std::string& key, double* out,
                   std::string* error) {
  if (const auto* i = node.as_integer()) return parse_seconds(std::to_string(i->get()), out, error);
  if (const auto* f = node.as_floating_point()) {
    return parse_seconds(std::to_string(f->get()), out, error);
  }
  if (const auto* s = node.as_string()) return parse_seconds(s->get(), out, error);
  return fail(error, key, "expected a number of seconds");
}

bool mount_table(const toml::node& node, Policy* into, std::string* error) {
  const toml::table* t = node.as_table();
  if (t == nullptr) return fail(error, "mount", "expected [[mount]] tables");
  Mount m;
  for (const auto& [k, v] : *t) {
    std::string key(k.str());
    if (key == "host" && v.is_string())
      m.host = v.as_string()->get();
    else if (key == "guest" && v.is_string())
      m.guest = v.as_string()->get();
    else if (key == "read_only" && v.is_boolean())
      m.read_only = v.as_boolean()->get();
    else
      return fail(error, "mount." + key,
                  "unknown key or wrong type (host, guest: strings; read_only: boolean)");
  }
  if (m.host.empty()) return fail(error, "mount", "needs host = \"DIR\"");
  if (m.guest.empty()) m.guest = m.host;
  into->mounts.push_back(std::move(m));
  return true;
}

}  // namespace

bool load_policy_string(std::string_view text, Policy* into, std::string* error) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream os;
    os << "policy: " << e.description() << " (line " << e.source().begin.line << ")";
    *error = os.str();
    return false;
  }
  for (const auto& [k, v] : root) {
    std::string key(k.str());
    if (key == "mount") {
      const toml::array* arr = v.as_array();
      if (arr == nullptr) return fail(error, key, "expected [[mount]] tables");
      for (const toml::node& m : *arr) {
        if (!mount_table(m, into, error)) return false;
      }
    } else if (key == "dir" || key == "dir_ro") {
      std::vector<std::string> specs;
      if (!string_list(v, key, &specs, error)) return false;
      for (const std::string& s : specs) {
        Mount m;
        if (!parse_mount(s, key == "dir_ro", &m, error)) return false;
        into->mounts.push_back(std::move(m));
      }
    } else if (key == "env") {
      if (const toml::table* t = v.as_table()) {
        for (const auto& [ek, ev] : *t) {
          if (!ev.is_string())
            return fail(error, "env." + std::string(ek.str()), "expected a string");
          into->env.push_back(std::string(ek.str()) + "=" + ev.as_string()->get());
        }
      } else if (!string_list(v, key, &into->env, error)) {
        return false;
      }
    } else if (key == "allow_connect" || key == "allow_listen") {
      std::vector<std::string> specs;
      if (!string_list(v, key, &specs, error)) return false;
      auto& rules = key == "allow_connect" ? into->net.allow_connect : into->net.allow_listen;
      for (const std::string& s : specs) {
        if (!parse_net_grant(s, &rules, error)) return fail(error, key, *error);
      }
    } else if (key == "tcplisten") {
      if (!string_list(v, key, &into->net.tcplisten, error)) return false;
    } else if (key == "args") {
      if (!string_list(v, key, &into->args, error)) return false;
    } else if (key == "memory_limit") {
      if (!size_value(v, key, &into->limits.memory_limit, error)) return false;
    } else if (key == "max_fds") {
      if (!size_value(v, key, &into->limits.max_fds, error)) return false;
    } else if (key == "cpu_time") {
      if (!seconds_value(v, key, &into->limits.cpu_time, error)) return false;
    } else if (key == "timeout") {
      if (!seconds_value(v, key, &into->limits.timeout, error)) return false;
    } else {
      return fail(error, key, "unknown key");
    }
  }
  return validate_policy(*into, error);
}

bool load_policy_file(const std::string& path, Policy* into, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "policy: cannot read " + path;
    return false;
  }
  std::ostringstream os;
  os << in.rdbuf();
  if (!load_policy_string(os.str(), into, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

}  // namespace wc::broker
