#include "oci/bundle.h"

#include <unistd.h>

#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace wc::oci {

namespace {

using json = nlohmann::json;

// config.json larger than this is refused before parsing (a real one is a few KiB).
constexpr size_t kMaxConfigBytes = 4 << 20;

// Typed access to optional members; every error names the member's path ("process.args").
class Fields {
 public:
  explicit Fields(std::string* error) : error_(error) {}

  bool fail(const std::string& path, const std::string& what) {
    *error_ = "config.json: " + path + ": " + what;
    return false;
  }

  // The member `key` of object `obj` (at `path`), or nullptr when absent or null.
  const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  bool object(const json& obj, const char* key, const std::string& path, const json** out) {
    *out = member(obj, key);
    if (*out && !(*out)->is_object()) return fail(path, "expected an object");
    return true;
  }
  bool array(const json& obj, const char* key, const std::string& path, const json** out) {
    *out = member(obj, key);
    if (*out && !(*out)->is_array()) return fail(path, "expected an array");
    return true;
  }
  bool string(const json& obj, const char* key, const std::string& path, std::string* out) {
    const json* v = member(obj, key);
    if (!v) return true;
    if (!v->is_string()) return fail(path, "expected a string");
    *out = v->get<std::string>();
    if (out->find('\0') != std::string::npos) return fail(path, "contains a NUL byte");
    return true;
  }
  bool boolean(const json& obj, const char* key, const std::string& path, bool* out) {
    const json* v = member(obj, key);
    if (!v) return true;
    if (!v->is_boolean()) return fail(path, "expected true or false");
    *out = v->get<bool>();
    return true;
  }
  bool int64(const json& obj, const char* key, const std::string& path, int64_t* out) {
    const json* v = member(obj, key);
    if (!v) return true;
    if (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX})
      return fail(path, "number out of range");
    if (!v->is_number_integer()) return fail(path, "expected an integer");
    *out = v->get<int64_t>();
    return true;
  }
  bool uint64(const json& obj, const char* key, const std::string& path, uint64_t* out) {
    const json* v = member(obj, key);
    if (!v) return true;
    if (!v->is_number_unsigned()) return fail(path, "expected a non-negative integer");
    *out = v->get<uint64_t>();
    return true;
  }
  bool uint32(const json& obj, const char* key, const std::string& path, uint32_t* out) {
    uint64_t v = *out;
    if (!uint64(obj, key, path, &v)) return false;
    if (v > UINT32_MAX) return fail(path, "number out of range");
    *out = static_cast<uint32_t>(v);
    return true;
  }
  bool strings(const json& obj, const char* key, const std::string& path,
               std::vector<std::string>* out) {
    const json* v = nullptr;
    if (!array(obj, key, path, &v)) return false;
    if (!v) return true;
    out->clear();
    for (size_t i = 0; i < v->size(); i++) {
      const json& s = (*v)[i];
      if (!s.is_string()) return fail(path + "[" + std::to_string(i) + "]", "expected a string");
      out->push_back(s.get<std::string>());
      if (out->back().find('\0') != std::string::npos)
        return fail(path + "[" + std::to_string(i) + "]", "contains a NUL byte");
    }
    return true;
  }

 private:
  std::string* error_;
};

std::string join_path(const std::string& dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  if (dir.empty() || dir.back() == '/') return dir + path;
  return dir + "/" + path;
}

bool parse_process(Fields& f, const json& p, Bundle* b) {
  b->has_process = true;
  if (!f.boolean(p, "terminal", "process.terminal", &b->terminal)) return false;
  const json* size = nullptr;
  if (!f.object(p, "consoleSize", "process.consoleSize", &size)) return false;
  if (size && (!f.uint32(*size, "height", "process.consoleSize.height", &b->console_height) ||
               !f.uint32(*size, "width", "process.consoleSize.width", &b->console_width)))
    return false;
  const json* user = nullptr;
  if (!f.object(p, "user", "process.user", &user)) return false;
  if (user && (!f.uint32(*user, "uid", "process.user.uid", &b->uid) ||
               !f.uint32(*user, "gid", "process.user.gid", &b->gid)))
    return false;
  if (!f.strings(p, "args", "process.args", &b->args) ||
      !f.strings(p, "env", "process.env", &b->env) || !f.string(p, "cwd", "process.cwd", &b->cwd))
    return false;
  const json* caps = nullptr;
  if (!f.object(p, "capabilities", "process.capabilities", &caps)) return false;
  if (caps) {
    std::set<std::string> seen;
    for (const char* set : {"bounding", "effective", "inheritable", "permitted", "ambient"}) {
      std::vector<std::string> names;
      if (!f.strings(*caps, set, std::string("process.capabilities.") + set, &names)) return false;
      for (std::string& n : names)
        if (seen.insert(n).second) b->capabilities.push_back(std::move(n));
    }
  }
  const json* rlimits = nullptr;
  if (!f.array(p, "rlimits", "process.rlimits", &rlimits)) return false;
  if (rlimits) {
    for (size_t i = 0; i < rlimits->size(); i++) {
      const std::string at = "process.rlimits[" + std::to_string(i) + "]";
      const json& r = (*rlimits)[i];
      if (!r.is_object()) return f.fail(at, "expected an object");
      BundleRlimit rl;
      if (!f.string(r, "type", at + ".type", &rl.type) ||
          !f.uint64(r, "soft", at + ".soft", &rl.soft) ||
          !f.uint64(r, "hard", at + ".hard", &rl.hard))
        return false;
      b->rlimits.push_back(rl);
    }
  }
  int64_t oom = 0;
  if (f.member(p, "oomScoreAdj")) {
    if (!f.int64(p, "oomScoreAdj", "process.oomScoreAdj", &oom)) return false;
    if (oom < -1000 || oom > 1000) return f.fail("process.oomScoreAdj", "expected -1000 to 1000");
    b->oom_score_adj = static_cast<int>(oom);
  }
  return true;
}

bool parse_linux(Fields& f, const json& l, Bundle* b) {
  const json* namespaces = nullptr;
  if (!f.array(l, "namespaces", "linux.namespaces", &namespaces)) return false;
  if (namespaces) {
    for (size_t i = 0; i < namespaces->size(); i++) {
      const std::string at = "linux.namespaces[" + std::to_string(i) + "]";
      const json& n = (*namespaces)[i];
      if (!n.is_object()) return f.fail(at, "expected an object");
      BundleNamespace ns;
      if (!f.string(n, "type", at + ".type", &ns.type) ||
          !f.string(n, "path", at + ".path", &ns.path))
        return false;
      if (ns.type.empty()) return f.fail(at + ".type", "missing");
      b->namespaces.push_back(ns);
    }
  }
  const json* devices = nullptr;
  if (!f.array(l, "devices", "linux.devices", &devices)) return false;
  if (devices) {
    for (size_t i = 0; i < devices->size(); i++) {
      const std::string at = "linux.devices[" + std::to_string(i) + "]";
      const json& d = (*devices)[i];
      if (!d.is_object()) return f.fail(at, "expected an object");
      BundleDevice dev;
      if (!f.string(d, "path", at + ".path", &dev.path) ||
          !f.string(d, "type", at + ".type", &dev.type) ||
          !f.int64(d, "major", at + ".major", &dev.major) ||
          !f.int64(d, "minor", at + ".minor", &dev.minor))
        return false;
      b->devices.push_back(dev);
    }
  }
  if (!f.string(l, "cgroupsPath", "linux.cgroupsPath", &b->cgroups_path)) return false;
  const json* resources = nullptr;
  if (!f.object(l, "resources", "linux.resources", &resources)) return false;
  if (resources) {
    const json* memory = nullptr;
    if (!f.object(*resources, "memory", "linux.resources.memory", &memory)) return false;
    if (memory && !f.int64(*memory, "limit", "linux.resources.memory.limit", &b->memory_limit))
      return false;
    const json* cpu = nullptr;
    if (!f.object(*resources, "cpu", "linux.resources.cpu", &cpu)) return false;
    if (cpu && (!f.int64(*cpu, "quota", "linux.resources.cpu.quota", &b->cpu_quota) ||
                !f.uint64(*cpu, "period", "linux.resources.cpu.period", &b->cpu_period) ||
                !f.uint64(*cpu, "shares", "linux.resources.cpu.shares", &b->cpu_shares) ||
                !f.string(*cpu, "cpus", "linux.resources.cpu.cpus", &b->cpuset_cpus)))
      return false;
  }
  const json* seccomp = nullptr;
  if (!f.object(l, "seccomp", "linux.seccomp", &seccomp)) return false;
  if (seccomp) {
    b->has_seccomp = true;
    if (!f.string(*seccomp, "defaultAction", "linux.seccomp.defaultAction",
                  &b->seccomp_default_action) ||
        !f.string(*seccomp, "listenerPath", "linux.seccomp.listenerPath",
                  &b->seccomp_listener_path))
      return false;
  }
  return true;
}

}  // namespace

bool parse_config(const std::string& json_text, const std::string& bundle_dir, Bundle* out,
                  std::string* error) {
  if (json_text.size() > kMaxConfigBytes) {
    *error = "config.json: larger than 4 MiB";
    return false;
  }
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    *error = "config.json: not valid JSON";
    return false;
  }
  if (!doc.is_object()) {
    *error = "config.json: expected a JSON object";
    return false;
  }
  Fields f(error);
  Bundle b;
  b.dir = bundle_dir;
  if (!f.string(doc, "ociVersion", "ociVersion", &b.oci_version)) return false;
  if (b.oci_version.empty()) return f.fail("ociVersion", "missing");

  const json* root = nullptr;
  if (!f.object(doc, "root", "root", &root)) return false;
  if (!root) return f.fail("root", "missing (the rootfs holding the module)");
  std::string root_path;
  if (!f.string(*root, "path", "root.path", &root_path) ||
      !f.boolean(*root, "readonly", "root.readonly", &b.root_readonly))
    return false;
  if (root_path.empty()) return f.fail("root.path", "missing");
  b.root_path = join_path(bundle_dir, root_path);

  const json* process = nullptr;
  if (!f.object(doc, "process", "process", &process)) return false;
  if (process && !parse_process(f, *process, &b)) return false;

  const json* mounts = nullptr;
  if (!f.array(doc, "mounts", "mounts", &mounts)) return false;
  if (mounts) {
    for (size_t i = 0; i < mounts->size(); i++) {
      const std::string at = "mounts[" + std::to_string(i) + "]";
      const json& m = (*mounts)[i];
      if (!m.is_object()) return f.fail(at, "expected an object");
      BundleMount bm;
      if (!f.string(m, "destination", at + ".destination", &bm.destination) ||
          !f.string(m, "type", at + ".type", &bm.type) ||
          !f.string(m, "source", at + ".source", &bm.source) ||
          !f.strings(m, "options", at + ".options", &bm.options))
        return false;
      if (bm.destination.empty()) return f.fail(at + ".destination", "missing");
      b.mounts.push_back(std::move(bm));
    }
  }

  const json* annotations = nullptr;
  if (!f.object(doc, "annotations", "annotations", &annotations)) return false;
  if (annotations) {
    for (const auto& [key, value] : annotations->items()) {
      if (!value.is_string()) return f.fail("annotations." + key, "expected a string");
      b.annotations[key] = value.get<std::string>();
    }
  }

  const json* hooks = nullptr;
  if (!f.object(doc, "hooks", "hooks", &hooks)) return false;
  if (hooks) {
    for (const auto& [kind, list] : hooks->items()) {
      if (!list.is_null() && !list.is_array()) return f.fail("hooks." + kind, "expected an array");
      if (list.is_array() && !list.empty()) b.hooks.push_back(kind);
    }
  }

  const json* linux_section = nullptr;
  if (!f.object(doc, "linux", "linux", &linux_section)) return false;
  if (linux_section && !parse_linux(f, *linux_section, &b)) return false;

  *out = std::move(b);
  return true;
}

bool load_bundle(const std::string& bundle_dir, Bundle* out, std::string* error) {
  std::string dir = bundle_dir;
  if (dir.empty() || dir[0] != '/') {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
      *error = "cannot resolve the bundle path (getcwd failed)";
      return false;
    }
    dir = join_path(cwd, dir.empty() ? "." : dir);
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::ifstream in(dir + "/config.json", std::ios::binary);
  if (!in) {
    *error = "cannot read " + dir + "/config.json";
    return false;
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) {
      *error = "config.json: larger than 4 MiB";
      return false;
    }
  }
  return parse_config(text, dir, out, error);
}

}  // namespace wc::oci
