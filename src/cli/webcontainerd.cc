// webcontainerd: the broker. Parses the grants (flags and/or a TOML policy), reads the module,
// starts one confined worker (webcontainerc, next to this binary) in fresh namespaces, serves
// its brokered requests, and supervises it: wall-clock timeout, and the worker's end (exit
// code, or the signal that killed it). See ../shared/design/ARCHITECTURE.md sections 1-3, 6.
//
//   webcontainerd [run] [OPTIONS] MODULE.wasm [--] [ARGS...]
//
// Exit status: the guest's exit code; 134 for a trap (as wasmtime); 124 on --timeout (as
// timeout(1)); 152 when --cpu-time stops the guest (the worker reports it); 128+N when the
// worker dies of signal N; 1 when the module cannot be loaded, linked or started; 2 for usage
// errors (including `serve`, which is not implemented yet).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "broker/audit.h"
#include "broker/broker.h"
#include "broker/policy.h"
#include "cli/webcontainerd/bootstrap.h"
#include "ipc/socket.h"
#include "ipc/unique_fd.h"
#include "sandbox/sandbox.h"

namespace {

using wc::ipc::UniqueFd;

constexpr int kExitUsage = 2;
constexpr int kExitError = 1;
constexpr int kExitTimeout = 124;

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainerd: %s\n", message.c_str());
  return code;
}

std::string format_seconds(double s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

double now_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The worker binary: webcontainerc in the directory of this executable.
std::string worker_path() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "webcontainerc";
  buf[n] = '\0';
  std::string self(buf);
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) + "/webcontainerc";
}

// Copies the module into a sealed memfd: the worker gets exactly these bytes, which nobody
// can change under it, and no handle on the host file or its directory.
UniqueFd load_module(const std::string& path, uint64_t* size, std::string* error) {
  UniqueFd in(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    *error = "cannot open module '" + path + "': " + std::strerror(errno);
    return {};
  }
  struct stat st;
  if (fstat(in.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = "module '" + path + "' is not a regular file";
    return {};
  }
  if (static_cast<uint64_t>(st.st_size) > wc::cli::kMaxModuleBytes) {
    *error = "module '" + path + "' is larger than 1 GiB";
    return {};
  }
  UniqueFd mem(static_cast<int>(syscall(SYS_memfd_create, "wasm-module", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!mem) {
    *error = std::string("memfd_create: ") + std::strerror(errno);
    return {};
  }
  std::vector<char> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "reading module '" + path + "': " + std::strerror(errno);
      return {};
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(mem.get(), buf.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        *error = std::string("writing the module memfd: ") + std::strerror(errno);
        return {};
      }
      off += w;
    }
    total += static_cast<uint64_t>(n);
    if (total > wc::cli::kMaxModuleBytes) {
      *error = "module '" + path + "' is larger than 1 GiB";
      return {};
    }
  }
  if (fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    *error = std::string("sealing the module memfd: ") + std::strerror(errno);
    return {};
  }
  // Hand over a read-only descriptor of it.
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", mem.get());
  UniqueFd ro(open(proc, O_RDONLY | O_CLOEXEC));
  *size = total;
  return ro ? std::move(ro) : std::move(mem);
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// CLI11 cannot describe "options, then a positional that ends them"; say it ourselves.
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: webcontainerd [run] [OPTIONS] MODULE.wasm [--] [ARGS...]\n";
  }
};

struct Options {
  std::vector<std::string> wasm_args_strings;
  std::vector<std::string> dirs, dirs_ro, envs;
  std::vector<std::string> allow_connect, allow_listen, tcplisten;
  std::string policy_file, audit_log;
  std::string memory_limit, cpu_time, timeout, max_fds;
  bool sandbox_report = false;
};

}  // namespace

int main(int argc, char** argv) {
  // `run` is the default (and only implemented) subcommand; `serve` is issue-tracked.
  std::vector<std::string> raw(argv, argv + argc);
  if (raw.size() > 1 && raw[1] == "run") raw.erase(raw.begin() + 1);
  if (raw.size() > 1 && raw[1] == "serve")
    return fail(kExitUsage, "'serve' (many tenants from one config) is not yet implemented; use 'run'");

  Options o;
  CLI::App app{
      "Run an untrusted WebAssembly (WASI preview 1) command in a confined worker process.\n"
      "Every filesystem and network name the guest uses is checked by this broker against the\n"
      "grants below (default deny); denials return an errno to the guest and are written to the audit log.\n",
      "webcontainerd"};
  app.formatter(std::make_shared<UsageFormatter>());
  app.footer(
      "Positionals:\n"
      "  MODULE.wasm                 The module to run (read by the broker, never by the guest)\n"
      "  ARGS...                     Arguments for the guest (argv[1..]): everything after\n"
      "                              MODULE.wasm belongs to the guest\n\n"
      "Exit status: the guest's exit code; 134 on a trap; 124 on --timeout; 152 when --cpu-time\n"
      "stops the guest; 128+N when the worker dies of signal N; 1 when the module cannot be\n"
      "loaded, linked or started; 2 for usage errors.");
  app.prefix_command();  // the first positional (MODULE.wasm) ends our options
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.add_option("--wasm-args", o.wasm_args_strings,
                 "Guest arguments as one whitespace-separated string (same as trailing ARGS; "
                 "repeatable, appended before them)");
  app.add_option("--dir", o.dirs, "Grant a host directory read-write, as GUEST (default: same path)")
      ->type_name("HOST[::GUEST]");
  app.add_option("--dir-ro", o.dirs_ro, "Grant a host directory read-only")->type_name("HOST[::GUEST]");
  app.add_option("--env", o.envs, "Environment variable for the guest (repeatable)")->type_name("KEY=VALUE");
  app.add_option("--policy", o.policy_file,
                 "TOML policy file with the same grants (dir, dir_ro, [[mount]], env, args, "
                 "allow_connect, allow_listen, tcplisten, memory_limit, cpu_time, timeout, "
                 "max_fds); flags add to it and override its limits")
      ->type_name("FILE.toml");
  app.add_option("--audit-log", o.audit_log, "Append one JSON line per denied operation to FILE")
      ->type_name("FILE");
  app.add_option("--memory-limit", o.memory_limit,
                 "Most bytes of linear memory (e.g. 64M, 1G); memory.grow past it fails")
      ->type_name("SIZE");
  app.add_option("--cpu-time", o.cpu_time, "CPU seconds for the worker (RLIMIT_CPU: SIGXCPU)")
      ->type_name("SEC");
  app.add_option("--timeout", o.timeout, "Wall-clock seconds; then the worker is killed (exit 124)")
      ->type_name("SEC");
  app.add_option("--max-fds", o.max_fds, "Most open file descriptors in the worker")->type_name("N");
  app.add_option("--allow-connect", o.allow_connect,
                 "Outbound network grant (repeatable): 127.0.0.1:8080, [::1]:*, 10.0.0.0/8:443, "
                 "127.0.0.1:8000-8099, *:443, localhost:5432 (names resolved once, now)")
      ->type_name("HOST:PORT");
  app.add_option("--allow-listen", o.allow_listen,
                 "Inbound network grant (repeatable), same spelling; 0.0.0.0 and [::] (every "
                 "interface) only when named")
      ->type_name("ADDR:PORT");
  app.add_option("--tcplisten", o.tcplisten,
                 "Pre-open a listening TCP socket; the guest gets it as the next fd after its "
                 "preopened directories (repeatable)")
      ->type_name("ADDR:PORT");
  // One value per occurrence: `--dir A mod.wasm` must not swallow the module name.
  for (CLI::Option* opt : app.get_options())
    if (opt->get_items_expected_max() > 1) opt->allow_extra_args(false);
  app.add_flag("--sandbox-report", o.sandbox_report,
               "Print which sandbox layers this kernel grants the worker, then exit 0");

  std::vector<std::string> parse_args(raw.rbegin(), raw.rend() - 1);  // CLI11 wants them reversed
  try {
    app.parse(parse_args);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(kExitUsage, std::string(e.what()) + " (see --help)");
  }

  if (o.sandbox_report) {
    wc::sandbox::SandboxConfig sc;
    sc.keep_fds = {wc::sandbox::kWorkerIpcFd};
    wc::sandbox::SandboxReport report = wc::sandbox::probe(sc);
    std::fputs(report.to_string().c_str(), stdout);
    return 0;
  }

  // MODULE.wasm and the guest's arguments: whatever CLI11 left, in order.
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest[0] == "--") rest.erase(rest.begin());
  if (rest.empty()) return fail(kExitUsage, "no MODULE.wasm given (see --help)");
  if (rest[0].size() > 1 && rest[0][0] == '-')
    return fail(kExitUsage, "unknown option '" + rest[0] + "' (see --help)");
  const std::string module_path = rest[0];
  std::vector<std::string> trailing(rest.begin() + 1, rest.end());
  if (!trailing.empty() && trailing[0] == "--") trailing.erase(trailing.begin());

  // The policy: the file first, then the flags on top.
  wc::broker::Policy policy;
  std::string error;
  if (!o.policy_file.empty() && !wc::broker::load_policy_file(o.policy_file, &policy, &error))
    return fail(kExitUsage, "policy " + o.policy_file + ": " + error);
  for (const auto& [specs, ro] : {std::pair{&o.dirs, false}, std::pair{&o.dirs_ro, true}}) {
    for (const std::string& spec : *specs) {
      wc::broker::Mount m;
      if (!wc::broker::parse_mount(spec, ro, &m, &error))
        return fail(kExitUsage, std::string(ro ? "--dir-ro: " : "--dir: ") + error);
      policy.mounts.push_back(m);
    }
  }
  for (const std::string& g : o.allow_connect)
    if (!wc::broker::parse_net_grant(g, &policy.net.allow_connect, &error))
      return fail(kExitUsage, "--allow-connect: " + error);
  for (const std::string& g : o.allow_listen)
    if (!wc::broker::parse_net_grant(g, &policy.net.allow_listen, &error))
      return fail(kExitUsage, "--allow-listen: " + error);
  policy.net.tcplisten.insert(policy.net.tcplisten.end(), o.tcplisten.begin(), o.tcplisten.end());
  for (const std::string& e : o.envs) {
    if (!wc::broker::check_env(e, &error)) return fail(kExitUsage, "--env: " + error);
    policy.env.push_back(e);
  }
  for (const std::string& s : o.wasm_args_strings)
    for (std::string& w : split_words(s)) policy.args.push_back(std::move(w));
  policy.args.insert(policy.args.end(), trailing.begin(), trailing.end());
  if (!o.memory_limit.empty() &&
      !wc::broker::parse_size(o.memory_limit, &policy.limits.memory_limit, &error))
    return fail(kExitUsage, "--memory-limit: " + error);
  if (!o.cpu_time.empty() && !wc::broker::parse_seconds(o.cpu_time, &policy.limits.cpu_time, &error))
    return fail(kExitUsage, "--cpu-time: " + error);
  if (!o.timeout.empty() && !wc::broker::parse_seconds(o.timeout, &policy.limits.timeout, &error))
    return fail(kExitUsage, "--timeout: " + error);
  if (!o.max_fds.empty()) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(o.max_fds.data(), o.max_fds.data() + o.max_fds.size(), n);
    if (ec != std::errc{} || end != o.max_fds.data() + o.max_fds.size() || n < 8 || n > (1u << 20))
      return fail(kExitUsage, "--max-fds: expected a number of file descriptors from 8 to 1048576");
    policy.limits.max_fds = n;
  }
  if (!wc::broker::validate_policy(policy, &error)) return fail(kExitUsage, error);

  // The module, read here: the worker cannot open files.
  uint64_t module_size = 0;
  UniqueFd module_fd = load_module(module_path, &module_size, &error);
  if (!module_fd) return fail(kExitError, error);
  // --tcplisten: an explicit grant of its own, opened now (a taken port fails at startup, not
  // in the guest) and sent to the worker with the module.
  std::vector<UniqueFd> listeners;
  for (const std::string& spec : policy.net.tcplisten) {
    listeners.emplace_back(wc::broker::open_tcp_listener(spec, &error));
    if (!listeners.back()) return fail(kExitError, error);
  }

  std::unique_ptr<wc::broker::AuditLog> audit;
  if (!o.audit_log.empty()) {
    audit = wc::broker::AuditLog::open(o.audit_log, &error);
    if (!audit) return fail(kExitError, error);
  } else {
    audit = std::make_unique<wc::broker::AuditLog>();  // hints on stderr, no file
  }

  // The worker: its config in argv, its environment empty but for test/sanitizer switches.
  std::vector<std::string> wargv = {"webcontainerc"};
  if (policy.limits.memory_limit)
    wargv.insert(wargv.end(), {"--memory-limit", std::to_string(policy.limits.memory_limit)});
  if (policy.limits.cpu_time > 0)
    wargv.insert(wargv.end(), {"--cpu-time", std::to_string(static_cast<uint64_t>(
                                                 std::max(1.0, std::ceil(policy.limits.cpu_time))))});
  if (policy.limits.max_fds)
    wargv.insert(wargv.end(), {"--max-fds", std::to_string(policy.limits.max_fds)});
  for (const std::string& e : policy.env) wargv.insert(wargv.end(), {"--env", e});
  wargv.push_back("--");
  wargv.push_back(module_path);  // the guest's argv[0], as wasmtime passes it
  wargv.insert(wargv.end(), policy.args.begin(), policy.args.end());
  std::vector<std::string> wenv;
  for (const char* name : {"WC_TEST_ESCAPE", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = std::getenv(name)) wenv.push_back(std::string(name) + "=" + v);

  UniqueFd pair[2];
  if (int e = wc::ipc::make_socketpair(pair); e != 0)
    return fail(kExitError, std::string("socketpair: ") + std::strerror(e < 0 ? -e : e));

  wc::sandbox::SpawnOptions spawn;
  spawn.worker_path = worker_path();
  spawn.argv = wargv;
  spawn.env = wenv;
  spawn.ipc_fd = pair[1].get();
  wc::sandbox::SpawnResult worker = wc::sandbox::spawn_worker(spawn);
  pair[1].reset();
  if (worker.pid < 0) {
    return fail(kExitError, "cannot start the worker " + spawn.worker_path + ": " +
                                worker.error_step + ": " + std::strerror(worker.error));
  }
  for (const auto& l : worker.namespaces.layers)
    if (!l.active && !l.optional)
      std::fprintf(stderr, "webcontainerd: warning: %s: %s\n", l.name.c_str(), l.detail.c_str());
  // Our own handle on the worker, for waiting (the Broker keeps its own for killing).
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, worker.pid, 0)));

  auto kill_and_reap = [&]() {
    if (pidfd) syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    else kill(worker.pid, SIGKILL);
    int st;
    while (waitpid(worker.pid, &st, 0) < 0 && errno == EINTR) {
    }
  };

  // First datagram: the module. The socket is still blocking and empty, so this cannot stall.
  if (int e = wc::ipc::send_message(pair[0].get(), wc::cli::encode_bootstrap(std::move(module_fd), module_size,
                                                                    std::move(listeners)));
      e != 0) {
    kill_and_reap();
    return fail(kExitError, std::string("sending the module to the worker: ") + std::strerror(-e));
  }

  wc::broker::Broker broker(audit.get());
  bool killed_by_broker = false;
  broker.on_worker_gone = [&](const std::string&, pid_t, wc::broker::Gone why) {
    if (why == wc::broker::Gone::kKilled) killed_by_broker = true;
  };
  if (!broker.add_worker(std::move(pair[0]), worker.pid, policy, "c1", &error)) {
    kill_and_reap();
    return fail(kExitError, error);
  }

  // Serve until the worker has exited; enforce the wall-clock limit.
  const double deadline = policy.limits.timeout > 0 ? now_seconds() + policy.limits.timeout : 0;
  int status = 0;
  for (;;) {
    pid_t w = waitpid(worker.pid, &status, WNOHANG);
    if (w == worker.pid) break;
    if (w < 0 && errno != EINTR) return fail(kExitError, std::string("waitpid: ") + std::strerror(errno));
    int slice = 1000;
    if (deadline > 0) {
      double left = deadline - now_seconds();
      if (left <= 0) {
        kill_and_reap();
        std::fflush(stdout);
        return fail(kExitTimeout, "timeout after " + format_seconds(policy.limits.timeout) +
                                      " s: worker killed");
      }
      slice = std::min(slice, static_cast<int>(std::ceil(left * 1000)));
    }
    if (broker.worker_count() > 0) {
      broker.poll_once(slice);
    } else if (pidfd) {
      // The worker left the protocol (closed its socket); wait for it to exit.
      struct pollfd p = {pidfd.get(), POLLIN, 0};
      poll(&p, 1, slice);
    } else {
      usleep(10000);
    }
  }

  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string why;
    if (killed_by_broker) why = " by the broker: it broke the IPC protocol (see the audit log)";
    else if (sig == SIGXCPU)
      why = ": CPU time limit of " + format_seconds(policy.limits.cpu_time) + " s exceeded";
    else if (sig == SIGKILL && policy.limits.cpu_time > 0)
      why = " (the hard CPU time limit, --cpu-time " + format_seconds(policy.limits.cpu_time) + " s + 1)";
    else if (sig == SIGSYS) why = " (a forbidden system call: the seccomp filter stopped it)";
    return fail(128 + sig, "worker killed by " + signal_name(sig) + why);
  }
  return fail(kExitError, "worker ended with unexpected status " + std::to_string(status));
}
