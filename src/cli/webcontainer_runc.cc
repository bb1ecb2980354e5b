// webcontainer-runc: an OCI runtime with runc's command line, for containerd's runc shim
// (io.containerd.runc.v2 with BinaryName) and so for Kubernetes. Parses arguments only; the
// commands are in src/oci/ (commands.h). See docs/kubernetes.md.
//
//   webcontainer-runc [--root DIR] [--log FILE] [--log-format json|text] [--debug]
//                     [--systemd-cgroup] COMMAND [OPTIONS] ID ...
//
// Exit status: 0, or 1 with one line in the --log file (where the shim reads it) and on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/version.h"
#include "oci/commands.h"
#include "oci/state.h"

namespace {

using wc::oci::Globals;

// The runc commands we answer with a clear "not supported" line rather than CLI11's generic
// usage error.
const char* const kUnsupported[] = {"exec",   "pause",  "resume", "checkpoint", "restore",
                                    "update", "events", "run",    "spec"};

}  // namespace

int main(int argc, char** argv) {
  Globals g;
  std::string log_path, log_format = "text", rootless, criu;
  bool version = false;

  CLI::App app{
      "An OCI runtime that runs WebAssembly images in webcontainer's sandbox, with "
      "runc's command line (for containerd's runc shim)",
      "webcontainer-runc"};
  app.require_subcommand(0, 1);
  app.add_option("--root", g.root, "State directory, one folder per container")
      ->capture_default_str();
  app.add_option("--log", log_path, "Append log lines (errors, and debug with --debug) here");
  app.add_option("--log-format", log_format, "json (what the runc shim reads) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_flag("--debug", g.debug, "Also log debug lines (what the bundle mapping ignored)");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup,
               "cgroupsPath is SLICE:PREFIX:NAME (made in cgroupfs, not through systemd)");
  app.add_option("--rootless", rootless, "Accepted for go-runc; no meaning here");
  app.add_option("--criu", criu, "Accepted for go-runc; no meaning here");
  app.add_flag("-v,--version", version, "Print the version");

  std::string id, signal = "SIGTERM", format = "table";
  bool all = false, force = false, quiet = false, no_pivot = false, no_new_keyring = false;
  wc::oci::CreateOptions create;

  CLI::App* c_create =
      app.add_subcommand("create", "Set a container up; its guest waits for start");
  c_create->add_option("-b,--bundle", create.bundle, "The bundle directory (config.json)")
      ->capture_default_str();
  c_create->add_option("--pid-file", create.pid_file, "Write the container process's pid here");
  c_create->add_option("--console-socket", create.console_socket,
                       "Unix socket to send the pty master to (process.terminal)");
  c_create->add_option("--preserve-fds", create.preserve_fds,
                       "Accepted; extra fds have no use for a wasm guest and are closed");
  c_create->add_flag("--no-pivot", no_pivot, "Accepted; there is no pivot_root here");
  c_create->add_flag("--no-new-keyring", no_new_keyring, "Accepted; the worker has no keyring use");
  c_create->add_option("id", id, "Container id")->required();

  CLI::App* c_start = app.add_subcommand("start", "Let a created container's guest run");
  c_start->add_option("id", id, "Container id")->required();
  CLI::App* c_state = app.add_subcommand("state", "Print the OCI state JSON");
  c_state->add_option("id", id, "Container id")->required();
  CLI::App* c_kill = app.add_subcommand("kill", "Send a signal to the container process");
  c_kill->add_flag("-a,--all", all, "Signal every process of the container");
  c_kill->add_option("id", id, "Container id")->required();
  c_kill->add_option("signal", signal, "Number or name")->capture_default_str();
  CLI::App* c_delete = app.add_subcommand("delete", "Remove a stopped container's state");
  c_delete->add_flag("-f,--force", force, "Kill it first if it is running");
  c_delete->add_option("id", id, "Container id")->required();
  CLI::App* c_ps = app.add_subcommand("ps", "List the container's processes");
  c_ps->add_option("-f,--format", format, "table or json")->capture_default_str();
  c_ps->add_option("id", id, "Container id")->required();
  c_ps->allow_extras();  // runc passes trailing ps(1) options; there is no ps(1) here
  CLI::App* c_list = app.add_subcommand("list", "List containers under --root");
  c_list->add_option("-f,--format", format, "table or json")->capture_default_str();
  c_list->add_flag("-q,--quiet", quiet, "Ids only");
  CLI::App* c_features = app.add_subcommand("features", "Print what this runtime supports (JSON)");
  std::vector<CLI::App*> unsupported;
  for (const char* name : kUnsupported) {
    CLI::App* sub = app.add_subcommand(name, "Not supported (prints why)");
    sub->allow_extras();
    sub->prefix_command();
    unsupported.push_back(sub);
  }

  auto make_log = [&]() {
    g.log = wc::oci::RuntimeLog(
        log_path, log_format == "json" ? wc::oci::LogFormat::kJson : wc::oci::LogFormat::kText,
        g.debug);
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    make_log();
    // The first word that is not an option names the command: say plainly if it is unknown.
    std::string what = e.what();
    for (int i = 1; i < argc; i++) {
      std::string a = argv[i];
      if (a.empty() || a[0] == '-') continue;
      const std::string prev = i > 1 ? argv[i - 1] : "";
      if (prev == "--root" || prev == "--log" || prev == "--log-format" || prev == "--rootless" ||
          prev == "--criu")
        continue;  // the value of a global option
      bool known = false;
      for (const CLI::App* sub : app.get_subcommands({}))
        if (sub->get_name() == a) known = true;
      if (!known) return wc::oci::cmd_unsupported(g, a);
      break;
    }
    g.log.error(what + " (see --help)");
    return 1;
  }
  make_log();

  if (version) {
    std::printf("webcontainer-runc version %s\nspec: %s\n", wc::daemon::kVersion,
                wc::oci::kOciVersion);
    return 0;
  }
  if (*c_create) return wc::oci::cmd_create(g, create, id);
  if (*c_start) return wc::oci::cmd_start(g, id);
  if (*c_state) return wc::oci::cmd_state(g, id);
  if (*c_kill) return wc::oci::cmd_kill(g, id, signal, all);
  if (*c_delete) return wc::oci::cmd_delete(g, id, force);
  if (*c_ps) return wc::oci::cmd_ps(g, id, format);
  if (*c_list) return wc::oci::cmd_list(g, format, quiet);
  if (*c_features) return wc::oci::cmd_features(g);
  for (CLI::App* sub : unsupported)
    if (*sub) return wc::oci::cmd_unsupported(g, sub->get_name());
  std::fputs(app.help().c_str(), stderr);
  return 1;
}
