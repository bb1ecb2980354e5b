// An OCI bundle's config.json (runtime-spec config.md), read into the fields webcontainer-runc
// acts on or must refuse. Parsing only: it checks types and shapes (a field of the wrong type
// is an error naming the field) and resolves paths against the bundle; what the fields mean
// for the sandbox is decided by mapping.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wc::oci {

struct BundleMount {
  std::string destination, type, source;
  std::vector<std::string> options;
};

struct BundleRlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t soft = 0, hard = 0;
};

struct BundleNamespace {
  std::string type;  // "network", "pid", "mount", ...
  std::string path;  // join this one; empty: a new one
};

struct BundleDevice {
  std::string path, type;
  int64_t major = 0, minor = 0;
};

struct Bundle {
  std::string dir;  // the bundle directory, absolute
  std::string oci_version;
  // root
  std::string root_path;  // absolute: a relative root.path is resolved against `dir`
  bool root_readonly = false;
  // process
  bool has_process = false;
  bool terminal = false;
  uint32_t console_height = 0, console_width = 0;
  uint32_t uid = 0, gid = 0;
  std::vector<std::string> args, env;
  std::string cwd = "/";
  std::vector<std::string> capabilities;  // the union of every set, each name once
  std::vector<BundleRlimit> rlimits;
  std::optional<int> oom_score_adj;
  // the rest
  std::vector<BundleMount> mounts;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> hooks;  // the hook kinds that list at least one hook
  // linux
  std::vector<BundleNamespace> namespaces;
  std::vector<BundleDevice> devices;
  std::string cgroups_path;
  int64_t memory_limit = 0;  // bytes; <= 0: none
  int64_t cpu_quota = 0;     // microseconds per period; <= 0: none
  uint64_t cpu_period = 0;
  uint64_t cpu_shares = 0;
  std::string cpuset_cpus;
  bool has_seccomp = false;
  std::string seccomp_default_action;  // "SCMP_ACT_ERRNO", ...
  std::string seccomp_listener_path;
};

// Parses config.json text; `bundle_dir` must be absolute. False with *error naming the field.
bool parse_config(const std::string& json_text, const std::string& bundle_dir, Bundle* out,
                  std::string* error);

// Reads BUNDLE_DIR/config.json (made absolute first).
bool load_bundle(const std::string& bundle_dir, Bundle* out, std::string* error);

}  // namespace wc::oci
