// webcontainer: the client of `webcontainerd serve`. Every verb is one or more calls of the
// daemon's HTTP API (docs/api.md) over its unix socket; nothing here touches a container.
//
//   webcontainer [--host unix:PATH] run [-d] [--rm] [--name N] [--restart P] [run options] MODULE
//   [ARGS] webcontainer [--host unix:PATH] ps [-a] [--format table|json] | logs [-f] [--tail N]
//   NAME |
//                stop [-t SEC] NAME | kill NAME | rm [-f] NAME | inspect NAME | version
//
// Exit status: for an attached `run`, the container's (as `webcontainerd run` gives it); 2 for
// usage errors; 1 when the daemon refuses or cannot be reached.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/webcontainer/api_client.h"
#include "cli/webcontainer/stream.h"
#include "daemon/version.h"

namespace {

using nlohmann::json;
using wc::client::ApiClient;
using wc::client::ApiReply;

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "webcontainer: %s\n", message.c_str());
  return code;
}

// A refusal from the daemon: its {"error": ...} message, exit 1.
int refused(const ApiReply& r) {
  if (r.status == 0) return fail(1, r.error);
  json j = json::parse(r.body, nullptr, false);
  std::string msg = j.is_object() && j.contains("error") && j["error"].is_string()
                        ? j["error"].get<std::string>()
                        : r.body;
  return fail(1, msg + " (HTTP " + std::to_string(r.status) + ")");
}

// A refused create: a 400 is the user's flags (exit 2, as a usage error), anything else exit 1.
int refused_create(const ApiReply& r) {
  int code = refused(r);
  return r.status == 400 ? 2 : code;
}

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

// HOST[::GUEST]: the host side is the client's path.
std::string absolute_mount(const std::string& spec) {
  size_t sep = spec.find("::");
  if (sep == std::string::npos) return absolute(spec) + "::" + spec;  // guest keeps the given name
  return absolute(spec.substr(0, sep)) + spec.substr(sep);
}

// The exit code of an ended container, from inspect (1 with a message if there is none).
int exit_code_of(ApiClient& api, const std::string& id) {
  ApiReply info = api.call("GET", "/v1/containers/" + id);
  json j = json::parse(info.body, nullptr, false);
  if (info.status != 200 || !j.is_object()) return refused(info);
  return j.value("exit_code", 1);
}

// An attached run without -i is one request: create, start and follow (POST
// /v1/containers?follow=1). The stream's trailer carries the exit code, and with --rm the
// daemon removes the container after the stream has ended, so nothing else is asked.
int run_attached(ApiClient& api, const json& body) {
  ApiReply stream;
  wc::client::StreamRequest req{"POST", "/v1/containers?follow=1", body.dump()};
  bool ended = wc::client::follow_stream(api.socket_path(), req, STDOUT_FILENO, &stream);
  if (!ended && stream.status != 201) return refused_create(stream);
  auto code = stream.headers.find("x-exit-code");
  if (ended && code != stream.headers.end()) return std::atoi(code->second.c_str());
  // The stream was cut (a follower too far behind is dropped) or had no exit code: ask.
  auto id = stream.headers.find("x-container-id");
  if (id == stream.headers.end())
    return fail(1, ended ? "no exit code in the stream" : stream.error);
  if (!ended) std::fprintf(stderr, "webcontainer: %s\n", stream.error.c_str());
  return exit_code_of(api, id->second);
}

int cmd_run(ApiClient& api, std::vector<std::string> args) {
  bool detach = false, auto_remove = false, interactive = false;
  std::string name, restart = "no", cpus;
  std::vector<std::string> wasm_args, dirs, dirs_ro, envs, allow_connect, allow_listen, tcplisten;
  std::string policy, memory_limit, cpu_time, timeout, max_fds;
  CLI::App app{"Run a container in the daemon", "webcontainer run"};
  app.prefix_command();
  app.add_flag("-d,--detach", detach, "Run in the background and print the container's id");
  app.add_flag("--rm", auto_remove, "Remove the container when it ends");
  app.add_flag("-i,--interactive", interactive, "Forward stdin to the guest");
  app.add_option("--name", name, "Container name");
  app.add_option("--restart", restart, "no | on-failure[:N] | always");
  app.add_option("--cpus", cpus, "At most N CPUs of time (e.g. 0.5), through a cpu cgroup");
  app.add_option("--wasm-args", wasm_args, "Guest arguments as one string");
  app.add_option("--dir", dirs, "Grant a host directory read-write")->type_name("HOST[::GUEST]");
  app.add_option("--dir-ro", dirs_ro, "Grant a host directory read-only")
      ->type_name("HOST[::GUEST]");
  app.add_option("--env", envs, "KEY=VALUE for the guest");
  app.add_option("--allow-connect", allow_connect, "Outbound network grant");
  app.add_option("--allow-listen", allow_listen, "Inbound network grant");
  app.add_option("--tcplisten", tcplisten, "Pre-opened listening socket");
  app.add_option("--policy", policy, "TOML policy file");
  app.add_option("--memory-limit", memory_limit, "Linear memory limit");
  app.add_option("--cpu-time", cpu_time, "CPU seconds");
  app.add_option("--timeout", timeout, "Wall-clock seconds");
  app.add_option("--max-fds", max_fds, "Most open fds");
  for (CLI::Option* opt : app.get_options())
    if (opt->get_items_expected_max() > 1) opt->allow_extra_args(false);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()) + " (see run --help)");
  }
  if (interactive && detach)
    return fail(2, "run -d -i is not yet implemented (there is no attach verb to feed its stdin)");
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest[0] == "--") rest.erase(rest.begin());
  if (rest.empty()) return fail(2, "no MODULE.wasm given (see run --help)");
  if (rest[0].size() > 1 && rest[0][0] == '-') return fail(2, "unknown option '" + rest[0] + "'");
  std::vector<std::string> guest_args(rest.begin() + 1, rest.end());
  if (!guest_args.empty() && guest_args[0] == "--") guest_args.erase(guest_args.begin());
  for (std::string& d : dirs) d = absolute_mount(d);
  for (std::string& d : dirs_ro) d = absolute_mount(d);

  json options = {{"wasm_args", wasm_args},
                  {"dir", dirs},
                  {"dir_ro", dirs_ro},
                  {"env", envs},
                  {"allow_connect", allow_connect},
                  {"allow_listen", allow_listen},
                  {"tcplisten", tcplisten},
                  {"policy", absolute(policy)},
                  {"memory_limit", memory_limit},
                  {"cpu_time", cpu_time},
                  {"timeout", timeout},
                  {"max_fds", max_fds},
                  {"cpus", cpus}};
  json body = {{"module", absolute(rest[0])}, {"args", guest_args}, {"options", options},
               {"restart", restart},          {"rm", auto_remove},  {"stdin", interactive}};
  if (!name.empty()) body["name"] = name;
  if (!detach && !interactive) return run_attached(api, body);
  // Interactive, the stdin is fed through an attach of its own after the create; the daemon's
  // --rm would race the exit code we read afterwards, so we remove it ourselves.
  if (interactive) body["rm"] = false;
  ApiReply r = api.call("POST", "/v1/containers", body.dump());
  if (r.status != 201) return refused_create(r);
  json created = json::parse(r.body, nullptr, false);
  if (!created.is_object() || !created.contains("id"))
    return fail(1, "malformed reply from the daemon");
  std::string id = created["id"].get<std::string>();
  if (detach) {
    std::printf("%s\n", id.c_str());
    return 0;
  }
  // Attached with -i: its output as it is written until it has exited (restarts are followed
  // on), and our stdin to the guest on the same connection.
  ApiReply stream;
  wc::client::StreamRequest req{"POST", "/v1/containers/" + id + "/attach?since=0&stdin=1", ""};
  req.upgrade = true;
  req.stdin_fd = STDIN_FILENO;
  if (!wc::client::follow_stream(api.socket_path(), req, STDOUT_FILENO, &stream))
    return stream.status ? refused(stream) : fail(1, stream.error);
  int code = exit_code_of(api, id);
  if (auto_remove) api.call("DELETE", "/v1/containers/" + id + "?force=1");
  return code;
}

std::string format_time(double t) {
  if (t <= 0) return "-";
  time_t s = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&s, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int cmd_ps(ApiClient& api, std::vector<std::string> args) {
  bool all = false;
  std::string format = "table";
  CLI::App app{"List containers", "webcontainer ps"};
  app.add_flag("-a,--all", all, "Also the ones that are not running");
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()));
  }
  ApiReply r = api.call("GET", std::string("/v1/containers") + (all ? "?all=1" : ""));
  if (r.status != 200) return refused(r);
  json list = json::parse(r.body, nullptr, false);
  if (!list.is_array()) return fail(1, "malformed reply from the daemon");
  if (format == "json") {
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  std::printf("%-12s  %-20s  %-16s  %-4s  %-20s  %s\n", "ID", "NAME", "STATE", "EXIT", "STARTED",
              "MODULE");
  for (const json& c : list) {
    std::string state = c.value("state", "");
    if (state == "restarting") state += " (" + std::to_string(c.value("restarts", 0)) + ")";
    std::printf("%-12s  %-20s  %-16s  %-4d  %-20s  %s\n", c.value("id", "").c_str(),
                c.value("name", "").c_str(), state.c_str(), c.value("exit_code", 0),
                format_time(c.value("started_at", 0.0)).c_str(), c.value("module", "").c_str());
  }
  return 0;
}

int cmd_stats(ApiClient& api, std::vector<std::string> args) {
  std::string format = "table";
  CLI::App app{"What each running container uses now", "webcontainer stats"};
  app.add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()));
  }
  ApiReply r = api.call("GET", "/v1/stats");
  if (r.status != 200) return refused(r);
  json list = json::parse(r.body, nullptr, false);
  if (!list.is_array()) return fail(1, "malformed reply from the daemon");
  if (format == "json") {
    std::printf("%s\n", list.dump(2).c_str());
    return 0;
  }
  std::printf("%-12s  %-20s  %10s  %12s  %5s  %7s\n", "ID", "NAME", "CPU (s)", "MEMORY (KiB)",
              "FDS", "SOCKETS");
  for (const json& c : list)
    std::printf("%-12s  %-20s  %10.2f  %12llu  %5d  %7d\n", c.value("id", "").c_str(),
                c.value("name", "").c_str(), c.value("cpu_seconds", 0.0),
                static_cast<unsigned long long>(c.value("memory_bytes", uint64_t{0}) / 1024),
                c.value("fds", 0), c.value("sockets", 0));
  return 0;
}

int cmd_logs(ApiClient& api, std::vector<std::string> args) {
  bool follow = false;
  std::string tail, name;
  CLI::App app{"Print a container's output", "webcontainer logs"};
  app.add_flag("-f,--follow", follow, "Keep printing until the container exits");
  app.add_option("--tail", tail, "Only the last N lines");
  app.add_option("NAME", name)->required();
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()));
  }
  uint64_t offset = 0;
  if (!tail.empty()) {
    ApiReply r = api.call("GET", "/v1/containers/" + name + "/logs?tail=" + tail);
    if (r.status != 200) return refused(r);
    std::fwrite(r.body.data(), 1, r.body.size(), stdout);
    std::fflush(stdout);
    offset = std::strtoull(r.headers["x-log-offset"].c_str(), nullptr, 10);
    if (!follow) return 0;
  }
  if (follow) {  // one streaming reply: what is there from offset on, then as it is written
    ApiReply r;
    wc::client::StreamRequest req{
        "GET", "/v1/containers/" + name + "/logs?follow=1&since=" + std::to_string(offset), ""};
    if (wc::client::follow_stream(api.socket_path(), req, STDOUT_FILENO, &r)) return 0;
    return r.status ? refused(r) : fail(1, r.error);
  }
  for (;;) {
    ApiReply r =
        api.call("GET", "/v1/containers/" + name + "/logs?since=" + std::to_string(offset));
    if (r.status != 200) return refused(r);
    std::fwrite(r.body.data(), 1, r.body.size(), stdout);
    std::fflush(stdout);
    uint64_t next = std::strtoull(r.headers["x-log-offset"].c_str(), nullptr, 10);
    if (next <= offset) return 0;
    offset = next;
  }
}

// stop / kill / rm / inspect: one call on NAME.
int cmd_simple(ApiClient& api, const std::string& verb, std::vector<std::string> args) {
  bool force = false;
  double seconds = 10;
  std::string name;
  CLI::App app{verb + " a container", "webcontainer " + verb};
  if (verb == "rm") app.add_flag("-f,--force", force, "Stop it first if it runs");
  if (verb == "stop")
    app.add_option("-t,--time", seconds,
                   "Seconds to wait before killing (wasm guests cannot catch signals: stop kills)");
  app.add_option("NAME", name)->required();
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()));
  }
  ApiReply r;
  if (verb == "inspect")
    r = api.call("GET", "/v1/containers/" + name);
  else if (verb == "rm")
    r = api.call("DELETE", "/v1/containers/" + name + (force ? "?force=1" : ""));
  else
    r = api.call("POST", "/v1/containers/" + name + "/" + verb);
  if (r.status != 200) return refused(r);
  if (verb == "inspect") {
    json j = json::parse(r.body, nullptr, false);
    std::printf("%s\n", j.is_discarded() ? r.body.c_str() : j.dump(2).c_str());
  } else {
    std::printf("%s\n", name.c_str());
  }
  return 0;
}

int cmd_version(ApiClient& api) {
  std::printf("client: webcontainer %s (API %s)\n", wc::daemon::kVersion, wc::daemon::kApiVersion);
  ApiReply r = api.call("GET", "/v1/version");
  if (r.status != 200) return refused(r);
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object()) return fail(1, "malformed reply from the daemon");
  std::printf("daemon: webcontainerd %s (API %s)\n", j.value("version", "?").c_str(),
              j.value("api", "?").c_str());
  return 0;
}

const char* kUsage =
    "Usage: webcontainer [--host unix:PATH] COMMAND [ARGS]\n"
    "Commands: run, ps, logs, stop, kill, rm, inspect, stats, version (COMMAND --help for each)\n"
    "The daemon's socket: --host, else $WEBCONTAINER_HOST, else webcontainerd serve's default.\n";

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a daemon that refuses us closes early; read its reply instead
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string host;
  while (!args.empty() && (args[0] == "--host" || args[0].rfind("--host=", 0) == 0)) {
    if (args[0] == "--host") {
      if (args.size() < 2) return fail(2, "--host needs unix:PATH");
      host = args[1];
      args.erase(args.begin(), args.begin() + 2);
    } else {
      host = args[0].substr(7);
      args.erase(args.begin());
    }
  }
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string error;
  std::string path = wc::client::resolve_host(host, &error);
  if (path.empty()) return fail(2, error);
  ApiClient api(path);
  std::string verb = args[0];
  args.erase(args.begin());
  if (verb == "run") return cmd_run(api, args);
  if (verb == "ps") return cmd_ps(api, args);
  if (verb == "logs") return cmd_logs(api, args);
  if (verb == "stop" || verb == "kill" || verb == "rm" || verb == "inspect")
    return cmd_simple(api, verb, args);
  if (verb == "version") return cmd_version(api);
  if (verb == "stats") return cmd_stats(api, args);
  return fail(2, "unknown command '" + verb + "'\n" + kUsage);
}
