// The HTTP API's routes (documented in docs/api.md). Every input is checked; every refusal
// is a 4xx with {"error": "..."}; nothing a client sends can stop the daemon.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "daemon/daemon.h"
#include "daemon/http/query.h"
#include "daemon/http/response.h"
#include "daemon/version.h"

namespace wc::daemon {

using nlohmann::json;

namespace {

Reply error(int status, const std::string& message) {
  return {status, http::json_error_body(message), "application/json", {}};
}
Reply ok(const json& j, int status = 200) {
  return {status, j.dump() + "\n", "application/json", {}};
}

using http::parse_u64;
using http::query_param;

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || !std::isalnum(static_cast<unsigned char>(n[0]))) return false;
  for (char ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-')
      return false;
  return true;
}

json summary(const Container& c) {
  return json{{"id", c.def.id},           {"name", c.def.name},     {"state", state_name(c.state)},
              {"exit_code", c.exit_code}, {"module", c.def.module}, {"started_at", c.started_at},
              {"restarts", c.restarts}};
}

}  // namespace

Reply Daemon::handle(const http::Request& r) {
  api_requests_++;
  std::string path = r.target, query;
  if (size_t q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path.resize(q);
  }
  if (path == "/v1/version") {
    if (r.method != "GET") return error(405, "use GET");
    return ok({{"version", kVersion}, {"api", kApiVersion}});
  }
  if (path == "/v1/containers") {
    if (r.method == "GET") return list(query_param(query, "all") == "1");
    if (r.method == "POST") return create(r, query_param(query, "follow") == "1");
    return error(405, "use GET or POST");
  }
  if (path == "/v1/stats") {
    if (r.method != "GET") return error(405, "use GET");
    return stats();
  }
  const std::string prefix = "/v1/containers/";
  if (path.rfind(prefix, 0) == 0) {
    std::string rest = path.substr(prefix.size()), verb;
    if (size_t slash = rest.find('/'); slash != std::string::npos) {
      verb = rest.substr(slash + 1);
      rest.resize(slash);
    }
    Container* c = find(rest);
    if (!c) return error(404, "no such container: " + rest);
    if (verb.empty() && r.method == "GET") return inspect(*c);
    if (verb.empty() && r.method == "DELETE") return remove(*c, query_param(query, "force") == "1");
    if (verb == "logs" && r.method == "GET")
      return query_param(query, "follow") == "1" ? attach(*c, query, r) : logs(*c, query);
    if (verb == "attach" && r.method == "POST") return attach(*c, query, r);
    if (verb == "stop" && r.method == "POST") return stop(*c, false);
    if (verb == "kill" && r.method == "POST") return stop(*c, true);
    return error(404, "no route " + r.method + " " + path);
  }
  return error(404, "no route " + r.method + " " + path);
}

Reply Daemon::list(bool all) {
  json out = json::array();
  for (const auto& [id, c] : containers_)
    if (all || c->state == State::kRunning || c->state == State::kRestarting)
      out.push_back(summary(*c));
  return ok(out);
}

// POST /v1/containers[?follow=1]. With follow=1 the reply is the container's output stream
// (a chunked 201 whose trailer carries the exit code, see start_stream), so an attached
// `webcontainer run` is one request: no second connection to follow, no inspect for the code,
// and with "rm" no DELETE (the daemon removes it after the stream's end).
Reply Daemon::create(const http::Request& r, bool follow) {
  if (r.header("content-type").find("json") == std::string_view::npos && !r.body.empty())
    return error(415, "expected Content-Type: application/json");
  json body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return error(400, "the body is not valid JSON");
  Definition def;
  std::string e;
  if (!definition_from_json(body, &def, &e)) return error(400, e);
  if (!def.id.empty()) return error(400, "id: chosen by the daemon");
  if (def.open_stdin && def.restart.policy != RestartPolicy::kNo)
    return error(400, "stdin: only with restart \"no\" (a restarted guest has no client)");
  if (!def.tenant_file.empty() || !def.tenant_digest.empty())
    return error(400, "tenant: set by the daemon");
  if (def.module.empty() || def.module[0] != '/')
    return error(400, "module: expected an absolute path");
  for (const std::string* p : {&def.options.policy_file})
    if (!p->empty() && (*p)[0] != '/')
      return error(400, "options.policy: expected an absolute path");
  if (!def.options.cpus.empty()) {
    double cpus = 0;
    if (!supervisor::parse_cpus(def.options.cpus, &cpus, &e)) return error(400, e);
  }
  def.id = new_id();
  if (def.name.empty()) def.name = "c-" + def.id.substr(0, 8);
  if (!valid_name(def.name))
    return error(
        400, "name: letters, digits, '_', '.', '-' (at most 64), starting with a letter or digit");
  if (find(def.name) && find(def.name)->def.name == def.name)
    return error(409, "name already in use: " + def.name);

  auto c = std::make_unique<Container>();
  c->def = def;
  if (!store_.save_definition(c->def, &e)) return error(500, e);
  int status = 500;
  if (!start_container(*c, &e, &status)) {
    store_.remove(def.id);
    return error(status, e);
  }
  json out = {{"id", def.id}, {"name", def.name}};
  containers_[def.id] = std::move(c);
  if (!follow) return ok(out, 201);
  // The exit is seen on a later turn of the loop, so the stream starts before it can end.
  Reply stream(201, "", "application/octet-stream",
               {{"X-Container-Id", def.id}, {"X-Container-Name", def.name}});
  stream.stream_id = def.id;
  stream.since = 0;
  return stream;
}

Reply Daemon::inspect(Container& c) {
  json events = json::array();
  for (const LimitEvent& e : c.events)
    events.push_back({{"time", e.time}, {"limit", e.limit}, {"detail", e.detail}});
  json policy = {{"mounts", json::array()},
                 {"env", c.policy.env},
                 {"args", c.policy.args},
                 {"tcplisten", c.policy.net.tcplisten},
                 {"allow_connect", c.def.options.allow_connect},
                 {"allow_listen", c.def.options.allow_listen}};
  for (const broker::Mount& m : c.policy.mounts) policy["mounts"].push_back(broker::mount_flag(m));
  json limits = {{"memory_limit", c.policy.limits.memory_limit},
                 {"cpu_time", c.policy.limits.cpu_time},
                 {"timeout", c.policy.limits.timeout},
                 {"max_fds", c.policy.limits.max_fds},
                 {"cpus", c.def.options.cpus},
                 {"cpu_cgroup", c.cpu ? c.cpu->describe() : ""}};
  json out = summary(c);
  out["definition"] = definition_to_json(c.def);
  out["policy"] = policy;
  out["limits"] = limits;
  out["exit_message"] = c.exit_message;
  out["finished_at"] = c.finished_at;
  out["pid"] = c.pid;
  out["module_sha256"] = c.module_sha256;
  out["limit_events"] = events;
  ContainerLog& log = log_of(c);
  out["log_bytes"] = log.end() - log.begin();  // on disk: the log and its rotated predecessor
  out["log_rotated_bytes"] = log.begin();      // written, then rotated away
  return ok(out);
}

// GET .../logs?since=OFFSET (bytes from OFFSET on) or ?tail=N (the last N lines). The reply's
// X-Log-Offset is where the next read should start. Offsets are logical (container_log.h): an
// offset older than the oldest byte kept reads from that byte. ?follow=1 streams instead
// (daemon_stream.cc).
Reply Daemon::logs(Container& c, const std::string& query) {
  uint64_t since = 0, tail = 0;
  std::string s = query_param(query, "since"), t = query_param(query, "tail");
  if (!s.empty() && !parse_u64(s, &since)) return error(400, "since: expected a byte offset");
  if (!t.empty() && !parse_u64(t, &tail)) return error(400, "tail: expected a number of lines");
  constexpr uint64_t kMaxChunk = 1 << 20;  // one reply carries at most 1 MiB; follow for more
  ContainerLog& log = log_of(c);
  uint64_t start = 0;
  std::string data =
      t.empty() ? log.read(since, kMaxChunk, &start) : log.tail(tail, 4 * kMaxChunk, &start);
  uint64_t next = start + data.size();
  Reply r{200, std::move(data), "application/octet-stream", {}};
  r.headers.push_back({"X-Log-Offset", std::to_string(next)});
  r.headers.push_back({"X-Container-State", state_name(c.state)});
  return r;
}

// Stop and kill are the same to a wasm guest: WASI has no signals it could catch, and the
// worker is the init of its pid namespace (which ignores SIGTERM), so both end it with SIGKILL.
Reply Daemon::stop(Container& c, bool) {
  std::string id = c.def.id, name = c.def.name;
  kill_container(c);  // may remove c (--rm)
  return ok({{"id", id}, {"name", name}, {"stopped", true}});
}

Reply Daemon::remove(Container& c, bool force) {
  if ((c.state == State::kRunning || c.state == State::kRestarting) && !force)
    return error(409, "container " + c.def.name + " is " + state_name(c.state) +
                          ": stop it first or use force");
  std::string id = c.def.id;
  c.def.auto_remove = false;
  kill_container(c);
  end_followers(c);
  c.log.close();
  store_.remove(id);
  containers_.erase(id);
  return ok({{"id", id}, {"removed", true}});
}

}  // namespace wc::daemon
