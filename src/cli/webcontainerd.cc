// webcontainerd: the broker's front end. Parses the grants (flags and/or a TOML policy) and hands
// them to the supervisor library (src/supervisor/), which reads the module,
// starts one confined worker (webcontainerc, next to this binary) in fresh namespaces, serves
// its brokered requests, and supervises it: wall-clock timeout, and the worker's end (exit
// code, or the signal that killed it). See ../shared/design/ARCHITECTURE.md sections 1-3, 6.
//
//   webcontainerd [run] [OPTIONS] MODULE.wasm [--] [ARGS...]
//
// Exit status: the guest's exit code; 134 for a trap (as wasmtime); 124 on --timeout (as
// timeout(1)); 152 when --cpu-time stops the guest (the worker reports it); 128+N when the
// worker dies of signal N; 1 when the module cannot be loaded, linked or started; 2 for usage
// errors. `webcontainerd serve` is the daemon (src/daemon/).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "broker/audit.h"
#include "broker/policy.h"
#include "daemon/serve_main.h"
#include "daemon/version.h"
#include "engine/jit/engine_mode.h"
#include "sandbox/sandbox.h"
#include "supervisor/exit_status.h"
#include "supervisor/foreground.h"
#include "supervisor/run_options.h"

namespace {

using wc::supervisor::kExitError;
using wc::supervisor::kExitUsage;

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainerd: %s\n", message.c_str());
  return code;
}

// CLI11 cannot describe "options, then a positional that ends them"; say it ourselves.
class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: webcontainerd [run] [OPTIONS] MODULE.wasm [--] [ARGS...]\n";
  }
};

struct Options {
  wc::supervisor::RunOptions run;
  std::string audit_log;
  bool sandbox_report = false;
  std::string engine = "auto";
};

}  // namespace

int main(int argc, char** argv) {
  // `run` (one container in the foreground) is the default subcommand; `serve` is the daemon.
  std::vector<std::string> raw(argv, argv + argc);
  if (raw.size() > 1 && raw[1] == "run") raw.erase(raw.begin() + 1);
  if (raw.size() > 1 && raw[1] == "serve")
    return wc::daemon::serve_main(std::vector<std::string>(raw.begin() + 2, raw.end()));
  if (raw.size() == 2 && raw[1] == "--version") {
    std::printf("webcontainerd %s\n", wc::daemon::kVersion);
    return 0;
  }

  Options o;
  CLI::App app{
      "Run an untrusted WebAssembly (WASI preview 1) command in a confined worker process.\n"
      "Every filesystem and network name the guest uses is checked by this broker against the\n"
      "grants below (default deny); denials return an errno to the guest and are written to the "
      "audit log.\n",
      "webcontainerd"};
  app.formatter(std::make_shared<UsageFormatter>());
  app.footer(
      "Positionals:\n"
      "  MODULE.wasm                 The module to run, binary or text (.wat); read by the "
      "broker,\n"
      "                              parsed in the sandbox, never opened by the guest\n"
      "  ARGS...                     Arguments for the guest (argv[1..]): everything after\n"
      "                              MODULE.wasm belongs to the guest\n\n"
      "Exit status: the guest's exit code; 134 on a trap; 124 on --timeout; 152 when --cpu-time\n"
      "stops the guest; 128+N when the worker dies of signal N; 1 when the module cannot be\n"
      "loaded, linked or started; 2 for usage errors.");
  app.prefix_command();  // the first positional (MODULE.wasm) ends our options
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.add_option("--wasm-args", o.run.wasm_args_strings,
                 "Guest arguments as one whitespace-separated string (same as trailing ARGS; "
                 "repeatable, appended before them)");
  app.add_option("--dir", o.run.dirs,
                 "Grant a host directory read-write, as GUEST (default: same path)")
      ->type_name("HOST[::GUEST]");
  app.add_option("--dir-ro", o.run.dirs_ro, "Grant a host directory read-only")
      ->type_name("HOST[::GUEST]");
  app.add_option("--env", o.run.envs, "Environment variable for the guest (repeatable)")
      ->type_name("KEY=VALUE");
  app.add_option("--policy", o.run.policy_file,
                 "TOML policy file with the same grants (dir, dir_ro, [[mount]], env, args, "
                 "allow_connect, allow_listen, tcplisten, memory_limit, cpu_time, timeout, "
                 "max_fds); flags add to it and override its limits")
      ->type_name("FILE.toml");
  app.add_option("--audit-log", o.audit_log, "Append one JSON line per denied operation to FILE")
      ->type_name("FILE");
  app.add_option("--memory-limit", o.run.memory_limit,
                 "Most bytes of linear memory (e.g. 64M, 1G); memory.grow past it fails")
      ->type_name("SIZE");
  app.add_option("--cpu-time", o.run.cpu_time, "CPU seconds for the worker (RLIMIT_CPU: SIGXCPU)")
      ->type_name("SEC");
  app.add_option("--timeout", o.run.timeout,
                 "Wall-clock seconds; then the worker is killed (exit 124)")
      ->type_name("SEC");
  app.add_option("--max-fds", o.run.max_fds, "Most open file descriptors in the worker")
      ->type_name("N");
  app.add_option("--allow-connect", o.run.allow_connect,
                 "Outbound network grant (repeatable): 127.0.0.1:8080, [::1]:*, 10.0.0.0/8:443, "
                 "127.0.0.1:8000-8099, *:443, localhost:5432 (names resolved once, now)")
      ->type_name("HOST:PORT");
  app.add_option("--allow-listen", o.run.allow_listen,
                 "Inbound network grant (repeatable), same spelling; 0.0.0.0 and [::] (every "
                 "interface) only when named")
      ->type_name("ADDR:PORT");
  app.add_option("--tcplisten", o.run.tcplisten,
                 "Pre-open a listening TCP socket; the guest gets it as the next fd after its "
                 "preopened directories (repeatable)")
      ->type_name("ADDR:PORT");
  app.add_option("--engine", o.engine,
                 "Execution tier: auto compiles hot functions, jit compiles all before running")
      ->type_name(wc::jit::kEngineModeNames)
      ->capture_default_str();
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

  auto engine = wc::jit::parse_engine_mode(o.engine);
  if (!engine)
    return fail(kExitUsage, "--engine " + o.engine + ": expected " + wc::jit::kEngineModeNames);

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
  o.run.args = std::move(trailing);
  wc::broker::Policy policy;
  std::string error;
  if (!wc::supervisor::build_policy(o.run, &policy, &error)) return fail(kExitUsage, error);

  std::unique_ptr<wc::broker::AuditLog> audit;
  if (!o.audit_log.empty()) {
    audit = wc::broker::AuditLog::open(o.audit_log, &error);
    if (!audit) return fail(kExitError, error);
  } else {
    audit = std::make_unique<wc::broker::AuditLog>();  // hints on stderr, no file
  }
  return wc::supervisor::run_foreground(module_path, policy, wc::jit::engine_mode_name(*engine),
                                        audit.get());
}
