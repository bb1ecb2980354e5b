#include "daemon/tenants.h"

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "broker/policy.h"

namespace wc::daemon {

namespace {

std::string at(const std::string& path, const toml::source_region& where) {
  return path + ":" + std::to_string(where.begin.line) + ": ";
}

// The line of the first key the policy parser refuses on its own (its messages do not always
// name the key), else of the key named in the message, else 1.
uint32_t line_of_error(const toml::table& root, const std::string& message) {
  for (const auto& [key, node] : root) {
    toml::table alone;
    alone.insert(key, node);
    std::ostringstream os;
    os << toml::toml_formatter(alone);
    broker::Policy scratch;
    std::string e;
    if (!broker::load_policy_string(os.str(), &scratch, &e)) return node.source().begin.line;
  }
  size_t q = message.find('\'');
  if (q == std::string::npos) return 1;
  size_t end = message.find_first_of("'.", q + 1);
  if (const toml::node* n = root.get(message.substr(q + 1, end - q - 1)))
    return n->source().begin.line;
  return 1;
}

}  // namespace

bool parse_tenant_file(const std::string& path, Definition* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ":1: cannot read the file";
    return false;
  }
  std::ostringstream os;
  os << in.rdbuf();
  const std::string text = os.str();
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    *error = at(path, e.source()) + std::string(e.description());
    return false;
  }
  Definition d;
  d.name = std::filesystem::path(path).stem().string();
  d.tenant_file = path;
  d.tenant_digest = std::to_string(std::hash<std::string>{}(text));
  d.restart.policy = RestartPolicy::kAlways;
  const toml::node* module = root.get("module");
  if (!module || !module->is_string()) {
    *error = path + ":" + std::to_string(module ? module->source().begin.line : 1) +
             ": module = \"FILE.wasm\" is required (a string)";
    return false;
  }
  d.module = module->as_string()->get();
  if (!d.module.empty() && d.module[0] != '/')
    d.module = (std::filesystem::path(path).parent_path() / d.module).lexically_normal().string();
  if (const toml::node* r = root.get("restart")) {
    std::string e;
    if (!r->is_string() || !parse_restart(r->as_string()->get(), &d.restart, &e)) {
      *error = at(path, r->source()) + (r->is_string() ? e : "restart: expected a string");
      return false;
    }
  }
  root.erase("module");
  root.erase("restart");
  std::ostringstream policy;
  policy << toml::toml_formatter(root);
  d.options.policy_text = policy.str();
  // Check the grants now, so a broken file is refused before anything changes.
  broker::Policy scratch;
  std::string e;
  if (!broker::load_policy_string(d.options.policy_text, &scratch, &e)) {
    *error = path + ":" + std::to_string(line_of_error(root, e)) + ": " + e;
    return false;
  }
  *out = std::move(d);
  return true;
}

TenantScan scan_tenants(const std::string& dir) {
  TenantScan scan;
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  if (ec) scan.errors.push_back(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    Definition d;
    std::string error;
    if (parse_tenant_file(f, &d, &error)) {
      scan.definitions.push_back(std::move(d));
    } else {
      scan.broken.push_back(std::filesystem::path(f).stem().string());
      scan.errors.push_back(error);
    }
  }
  return scan;
}

}  // namespace wc::daemon
