#include "daemon/serve_main.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "daemon/daemon.h"

namespace wc::daemon {

int serve_main(const std::vector<std::string>& args) {
  // Root: the system paths; anyone else: their runtime dir (as podman does).
  std::string state_dir = "/var/lib/webcontainer", api = "unix:/run/webcontainer/api.sock";
  if (geteuid() != 0) {
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    std::string base = xdg && *xdg ? std::string(xdg) + "/webcontainer"
                                   : "/tmp/webcontainer-" + std::to_string(geteuid());
    state_dir = base + "/state";
    api = "unix:" + base + "/api.sock";
  }
  std::string metrics, tenants;
  CLI::App app{
      "Run many WebAssembly containers, each in its own confined worker, behind an HTTP API on a "
      "unix socket.",
      "webcontainerd serve"};
  app.add_option("--state-dir", state_dir, "Container definitions, states and logs")
      ->capture_default_str();
  app.add_option("--api", api, "The API socket (mode 0600)")
      ->type_name("unix:PATH")
      ->capture_default_str();
  app.add_option("--metrics", metrics, "Serve Prometheus metrics on HOST:PORT")
      ->type_name("HOST:PORT");
  app.add_option("--tenants", tenants, "Directory of NAME.toml container definitions")
      ->type_name("DIR");
  size_t pool = 2;
  app.add_option("--pool", pool, "Confined workers kept ready for fast starts (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  // On by default: a start forked from a zygote costs about half the CPU of a pool member's
  // and an idle Go container shares its module's translation (docs/zygote.md).
  bool zygote = true;
  app.add_flag("--zygote,!--no-zygote", zygote,
               "Per module (by SHA-256), keep a confined zygote that prepared it once (decoded, "
               "validated, translated, initial memory), and fork each container's worker from "
               "it, falling back to the pool (default; --no-zygote: pool or fresh workers only)");
  size_t zygote_max = 16;
  app.add_option("--zygote-max", zygote_max,
                 "At most this many zygotes; the least recently used go")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  uint64_t log_max_bytes = 10 << 20;
  app.add_option("--log-max-bytes", log_max_bytes,
                 "Each container's log is rotated at this size (one older file is kept)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 40));
  uint64_t log_rate = 8 << 20;
  app.add_option("--log-rate", log_rate,
                 "Bytes per second of output each container may log; a faster guest's writes "
                 "wait (0: no limit)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40));
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "webcontainerd serve: %s (see --help)\n", e.what());
    return 2;
  }
  if (api.rfind("unix:", 0) != 0 || api.size() <= 5) {
    std::fprintf(stderr, "webcontainerd serve: --api: expected unix:PATH\n");
    return 2;
  }
  Daemon daemon;
  std::string error;
  if (log_rate != 0 && log_rate < 4096) {
    std::fprintf(stderr, "webcontainerd serve: --log-rate: at least 4K (or 0: no limit)\n");
    return 2;
  }
  DaemonConfig config{state_dir, api.substr(5),           tenants,       metrics,
                      pool,      zygote ? zygote_max : 0, log_max_bytes, log_rate};
  if (!daemon.start(config, &error)) {
    std::fprintf(stderr, "webcontainerd serve: %s\n", error.c_str());
    return 1;
  }
  std::fprintf(stderr, "webcontainerd serve: listening on %s, state in %s\n", api.c_str(),
               state_dir.c_str());
  return daemon.run();
}

}  // namespace wc::daemon
