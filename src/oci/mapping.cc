#include "oci/mapping.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "broker/net_policy.h"

namespace wc::oci {

namespace {

// The capabilities Docker and containerd give every unprivileged container. Asking for these
// changes nothing here (the worker holds no capability at all and the broker's decisions do not
// depend on them); asking for more means the caller expects powers a wasm guest never gets.
const std::set<std::string>& default_capabilities() {
  static const std::set<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

// The device nodes every container gets (char devices, major:minor). The guest never sees any
// device; these are accepted because orchestrators list them by default.
struct StdDevice {
  const char* path;
  int64_t major, minor;
};
constexpr StdDevice kStandardDevices[] = {
    {"/dev/null", 1, 3},    {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},    {"/dev/random", 1, 8},
    {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},  {"/dev/console", 5, 1}, {"/dev/ptmx", 5, 2}};

bool standard_device(const BundleDevice& d) {
  for (const StdDevice& s : kStandardDevices)
    if (d.path == s.path && d.type == "c" && d.major == s.major && d.minor == s.minor) return true;
  return false;
}

// Files the orchestrator bind-mounts into every container (Kubernetes: the pod's hosts file,
// hostname, DNS config, termination log). A guest resolves names through the broker and has no
// hostname call, so these are ignored rather than refused.
bool runtime_made_file(const std::string& destination) {
  return destination == "/etc/hosts" || destination == "/etc/hostname" ||
         destination == "/etc/resolv.conf" || destination == "/dev/termination-log";
}

bool kernel_filesystem(const std::string& type) {
  return type == "proc" || type == "sysfs" || type == "devpts" || type == "mqueue" ||
         type == "cgroup" || type == "cgroup2";
}

bool has_option(const BundleMount& m, std::string_view opt) {
  return std::find(m.options.begin(), m.options.end(), opt) != m.options.end();
}

bool fail(std::string* error, const std::string& message) {
  *error = message;
  return false;
}

bool map_mount(const Bundle& b, size_t index, const BundleMount& m, Plan* plan,
               std::string* error) {
  const std::string at = "mounts[" + std::to_string(index) + "] (" + m.destination + ")";
  std::string dest;
  if (!normalize_absolute(m.destination, &dest))
    return fail(error, at + ": the destination must be an absolute path without '..'");
  const bool bind = m.type == "bind" || has_option(m, "bind") || has_option(m, "rbind");
  if (!bind) {
    if (kernel_filesystem(m.type)) {
      plan->notes.push_back(at + ": " + m.type + " ignored (the guest has no kernel view)");
      return true;
    }
    if (m.type == "tmpfs" && (dest == "/dev" || dest == "/dev/shm" || dest == "/run")) {
      plan->notes.push_back(at + ": tmpfs ignored (no device, shared memory or run files)");
      return true;
    }
    if (m.type == "tmpfs")
      return fail(error, at + ": not yet implemented: a tmpfs mount; bind-mount a directory");
    return fail(error, at + ": mount type '" + m.type + "' is not supported (bind mounts only)");
  }
  if (dest == "/") return fail(error, at + ": a bind mount over / (the rootfs is / already)");
  if (m.source.empty()) return fail(error, at + ": a bind mount without a source");
  const std::string source = m.source[0] == '/' ? m.source : b.dir + "/" + m.source;
  struct stat st;
  if (stat(source.c_str(), &st) != 0)
    return fail(error, at + ": source " + source + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    if (runtime_made_file(dest)) {
      plan->notes.push_back(at + ": file mount ignored (names resolve through the broker)");
      return true;
    }
    return fail(error, at + ": not yet implemented: a bind mount of a single file (" + source +
                           "); mount its directory instead");
  }
  broker::Mount grant;
  grant.host = source;
  grant.guest = dest;
  grant.read_only = has_option(m, "ro");
  plan->policy.mounts.push_back(grant);
  return true;
}

bool map_annotations(const Bundle& b, Plan* plan, std::string* error) {
  for (const auto& [key, value] : b.annotations) {
    if (key.compare(0, kAnnotationPrefix.size(), kAnnotationPrefix) != 0) continue;
    std::string e;
    if (key == kAnnotationAllowConnect || key == kAnnotationAllowListen) {
      auto* rules = key == kAnnotationAllowConnect ? &plan->policy.net.allow_connect
                                                   : &plan->policy.net.allow_listen;
      for (const std::string& grant : split_list(value))
        if (!broker::parse_net_grant(grant, rules, &e))
          return fail(error, "annotation " + key + ": " + e);
    } else if (key == kAnnotationTcpListen) {
      for (const std::string& addr : split_list(value)) {
        struct sockaddr_storage ss;
        socklen_t len;
        if (!broker::parse_socket_address(addr, &ss, &len, &e))
          return fail(error, "annotation " + key + ": " + e);
        plan->policy.net.tcplisten.push_back(addr);
      }
    } else if (key == kAnnotationPolicy) {
      broker::Policy extra;
      if (!broker::load_policy_string(value, &extra, &e))
        return fail(error, "annotation " + key + ": " + e);
      // Filesystem grants reach a container only as the bundle's mounts, which the
      // orchestrator decides (and a cluster's admission rules govern); an annotation a pod's
      // author writes must not add host directories.
      if (!extra.mounts.empty())
        return fail(error, "annotation " + key +
                               ": grants a directory (dir, dir_ro or [[mount]]); filesystem "
                               "grants come from the bundle's mounts (volumes) only");
      auto append = [](auto* into, auto& from) {
        into->insert(into->end(), std::make_move_iterator(from.begin()),
                     std::make_move_iterator(from.end()));
      };
      append(&plan->policy.env, extra.env);
      append(&plan->policy.args, extra.args);
      append(&plan->policy.net.allow_connect, extra.net.allow_connect);
      append(&plan->policy.net.allow_listen, extra.net.allow_listen);
      append(&plan->policy.net.tcplisten, extra.net.tcplisten);
      // Limits: the stricter of the bundle's and the annotation's.
      broker::Limits& l = plan->policy.limits;
      auto stricter = [](auto a, auto b) { return a == 0 ? b : b == 0 ? a : std::min(a, b); };
      l.memory_limit = stricter(l.memory_limit, extra.limits.memory_limit);
      l.cpu_time = stricter(l.cpu_time, extra.limits.cpu_time);
      l.timeout = stricter(l.timeout, extra.limits.timeout);
      l.max_fds = stricter(l.max_fds, extra.limits.max_fds);
    } else {
      return fail(error, "unknown annotation " + key + " (webcontainer.io/ knows allow-connect, " +
                             "allow-listen, tcplisten and policy)");
    }
  }
  return true;
}

bool map_linux(const Bundle& b, Plan* plan, std::string* error) {
  static const std::set<std::string> known_namespaces = {"pid", "network", "mount",  "ipc",
                                                         "uts", "user",    "cgroup", "time"};
  bool seen_network = false;
  for (const BundleNamespace& ns : b.namespaces) {
    if (!known_namespaces.count(ns.type))
      return fail(error, "linux.namespaces: unknown namespace type '" + ns.type + "'");
    if (ns.type == "network") {
      if (seen_network) return fail(error, "linux.namespaces: network listed twice");
      seen_network = true;
      plan->net = ns.path.empty() ? NetMode::kNew : NetMode::kJoin;
      plan->netns_path = ns.path;
    } else {
      plan->notes.push_back("linux.namespaces " + ns.type +
                            ": the worker always has its own (the broker stays in the host's)");
    }
  }
  for (const BundleDevice& d : b.devices)
    if (!standard_device(d))
      return fail(error, "linux.devices: " + d.path +
                             ": a device node would reach past the sandbox (a wasm guest has "
                             "no device access); only the standard /dev nodes are accepted");
  if (b.has_seccomp) {
    if (b.seccomp_default_action == "SCMP_ACT_ALLOW" || b.seccomp_default_action == "SCMP_ACT_LOG")
      return fail(error, "linux.seccomp: a profile that allows by default (" +
                             b.seccomp_default_action +
                             ") is weaker than the worker's own allow-list; remove it");
    if (!b.seccomp_listener_path.empty())
      return fail(error,
                  "linux.seccomp.listenerPath: system calls are never handed to an "
                  "outside agent; remove it");
    plan->notes.push_back("linux.seccomp: the worker's own allow-list applies (stricter)");
  }
  if (b.memory_limit > 0) plan->policy.limits.memory_limit = static_cast<uint64_t>(b.memory_limit);
  if (b.cpu_quota > 0) {
    uint64_t period = b.cpu_period ? b.cpu_period : 100000;
    plan->cpus =
        std::clamp(static_cast<double>(b.cpu_quota) / static_cast<double>(period), 0.01, 1024.0);
  }
  if (b.cpu_shares) plan->notes.push_back("linux.resources.cpu.shares ignored (no weights)");
  if (!b.cpuset_cpus.empty()) plan->notes.push_back("linux.resources.cpu.cpus ignored");
  plan->cgroups_path = b.cgroups_path;
  return true;
}

bool map_process(const Bundle& b, Plan* plan, std::string* error) {
  if (!b.has_process) return fail(error, "config.json has no process (nothing to run)");
  if (b.args.empty() || b.args[0].empty())
    return fail(error, "process.args is empty: args[0] must name the module in the rootfs");
  std::string cwd;
  if (!normalize_absolute(b.cwd.empty() ? "/" : b.cwd, &cwd))
    return fail(error, "process.cwd '" + b.cwd + "' must be an absolute path without '..'");
  if (cwd != "/")
    plan->notes.push_back("process.cwd " + cwd +
                          ": WASI has no working directory; relative paths start at /");
  const std::string& a0 = b.args[0];
  if (!normalize_absolute(a0[0] == '/' ? a0 : cwd + "/" + a0, &plan->module_in_root))
    return fail(error, "process.args[0] '" + a0 + "': a path with '..' is not accepted");
  plan->argv0 = a0;
  plan->policy.args.assign(b.args.begin() + 1, b.args.end());
  for (const std::string& e : b.env) {
    std::string why;
    if (!broker::check_env(e, &why)) return fail(error, "process.env: " + why);
    plan->policy.env.push_back(e);
  }
  for (const BundleRlimit& r : b.rlimits) {
    if (r.type == "RLIMIT_NOFILE") {
      // Clamped to what the worker supports: a lower limit is only stricter.
      uint64_t n = std::min<uint64_t>(r.soft, 1u << 20);
      if (n < 8)
        return fail(error, "process.rlimits RLIMIT_NOFILE " + std::to_string(r.soft) +
                               ": the worker needs at least 8 descriptors");
      plan->policy.limits.max_fds = n;
    } else if (r.type == "RLIMIT_CPU") {
      if (r.soft < (uint64_t{1} << 32)) plan->policy.limits.cpu_time = static_cast<double>(r.soft);
    } else {
      plan->notes.push_back("process.rlimits " + r.type + " ignored");
    }
  }
  const std::set<std::string>& allowed = default_capabilities();
  for (const std::string& cap : b.capabilities)
    if (!allowed.count(cap))
      return fail(error, "process.capabilities: " + cap +
                             " is a privileged capability; a wasm guest never holds one "
                             "(privileged containers are not supported)");
  if (b.uid != 0 || b.gid != 0)
    plan->notes.push_back("process.user " + std::to_string(b.uid) + ":" + std::to_string(b.gid) +
                          ": the guest has no user id; its grants are its only rights");
  plan->terminal = b.terminal;
  plan->console_height = b.console_height;
  plan->console_width = b.console_width;
  plan->oom_score_adj = b.oom_score_adj;
  return true;
}

}  // namespace

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

bool normalize_absolute(std::string_view path, std::string* out) {
  if (path.empty() || path[0] != '/') return false;
  std::string result;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') i++;
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(i, end - i);
    if (part == "..") return false;
    if (!part.empty() && part != ".") {
      result += '/';
      result += part;
    }
    i = end;
  }
  *out = result.empty() ? "/" : result;
  return true;
}

bool plan_container(const Bundle& b, Plan* out, std::string* error) {
  Plan plan;
  if (!b.hooks.empty())
    return fail(error, "not yet implemented: OCI hooks (" + b.hooks.front() + ")");
  if (b.oci_version.compare(0, 2, "1.") != 0)
    return fail(error, "ociVersion " + b.oci_version + ": only runtime-spec 1.x is supported");
  struct stat st;
  if (stat(b.root_path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(error, "root.path " + b.root_path + ": not a directory");
  plan.rootfs = b.root_path;
  plan.policy.mounts.push_back(broker::Mount{b.root_path, "/", b.root_readonly});
  if (!map_process(b, &plan, error)) return false;
  for (size_t i = 0; i < b.mounts.size(); i++)
    if (!map_mount(b, i, b.mounts[i], &plan, error)) return false;
  if (!map_linux(b, &plan, error)) return false;
  if (!map_annotations(b, &plan, error)) return false;
  if (!broker::validate_policy(plan.policy, error)) return false;
  *out = std::move(plan);
  return true;
}

}  // namespace wc::oci
