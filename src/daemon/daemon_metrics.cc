// --metrics HOST:PORT: a Prometheus text page at GET /metrics on a TCP listener (IPv4; meant
// for loopback or a scrape network). It shows counts only, no container definitions, so it
// has no peer-credential check; it shares the API connections' parser and limits.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>

#include "daemon/daemon.h"

namespace wc::daemon {

bool Daemon::open_metrics(const std::string& host_port, std::string* error) {
  size_t colon = host_port.rfind(':');
  std::string host = colon == std::string::npos ? "" : host_port.substr(0, colon);
  std::string port = colon == std::string::npos ? "" : host_port.substr(colon + 1);
  if (host == "localhost") host = "127.0.0.1";
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535 ||
      inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    *error = "--metrics: expected IPV4:PORT like 127.0.0.1:9464, got '" + host_port + "'";
    return false;
  }
  addr.sin_port = htons(static_cast<uint16_t>(p));
  metrics_listen_ = ipc::UniqueFd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  int one = 1;
  setsockopt(metrics_listen_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!metrics_listen_ ||
      bind(metrics_listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(metrics_listen_.get(), 128) != 0) {
    *error = "--metrics " + host_port + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

Reply Daemon::metrics_reply(const http::Request& r) {
  std::string path = r.target.substr(0, r.target.find('?'));
  if (r.method != "GET" || path != "/metrics")
    return {404, "only GET /metrics here\n", "text/plain", {}};
  std::map<std::string, int> by_state = {
      {"created", 0}, {"running", 0}, {"exited", 0}, {"restarting", 0}};
  uint64_t restarts = 0;
  for (const auto& [id, c] : containers_) {
    by_state[state_name(c->state)]++;
    restarts += static_cast<uint64_t>(c->restarts);
  }
  std::string out;
  out += "# HELP webcontainer_containers Containers known to the daemon, by state.\n";
  out += "# TYPE webcontainer_containers gauge\n";
  for (const auto& [state, n] : by_state)
    out += "webcontainer_containers{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP webcontainer_limit_hits_total Limits hit since it started: a container stopped by "
      "one, or a refusal (fds, log_rate).\n";
  out += "# TYPE webcontainer_limit_hits_total counter\n";
  for (const auto& [limit, n] : limit_hits_)
    out += "webcontainer_limit_hits_total{limit=\"" + limit + "\"} " + std::to_string(n) + "\n";
  out += "# HELP webcontainer_restarts Restarts of the containers it knows.\n";
  out += "# TYPE webcontainer_restarts gauge\n";
  out += "webcontainer_restarts " + std::to_string(restarts) + "\n";
  out += "# HELP webcontainer_worker_starts_total Workers started since the daemon started.\n";
  out += "# TYPE webcontainer_worker_starts_total counter\n";
  out += "webcontainer_worker_starts_total " + std::to_string(worker_starts_) + "\n";
  // The warm pool (supervisor/warm_pool.h).
  out += "# HELP webcontainer_pool_ready Confined workers waiting for a container.\n";
  out += "# TYPE webcontainer_pool_ready gauge\n";
  out += "webcontainer_pool_ready " + std::to_string(pool_.ready()) + "\n";
  out +=
      "# HELP webcontainer_worker_starts_by_source_total Worker starts from the pool or fresh.\n";
  out += "# TYPE webcontainer_worker_starts_by_source_total counter\n";
  out += "webcontainer_worker_starts_by_source_total{source=\"pool\"} " +
         std::to_string(pool_.pooled_starts) + "\n";
  out += "webcontainer_worker_starts_by_source_total{source=\"fresh\"} " +
         std::to_string(pool_.fresh_starts) + "\n";
  out += "webcontainer_worker_starts_by_source_total{source=\"zygote\"} " +
         std::to_string(zygotes_.starts) + "\n";
  // Zygotes (supervisor/zygotes.h, --zygote).
  out += "# HELP webcontainer_zygotes Zygotes alive (one per module hash, bounded, LRU).\n";
  out += "# TYPE webcontainer_zygotes gauge\n";
  out += "webcontainer_zygotes " + std::to_string(zygotes_.size()) + "\n";
  out +=
      "# HELP webcontainer_zygote_events_total Zygotes made, found dead, evicted; failed "
      "starts through one (each fell back to the warm pool).\n";
  out += "# TYPE webcontainer_zygote_events_total counter\n";
  for (auto [event, n] : {std::pair{"made", zygotes_.made},
                          {"died", zygotes_.deaths},
                          {"evicted", zygotes_.evictions},
                          {"failed_start", zygotes_.failures}})
    out += std::string("webcontainer_zygote_events_total{event=\"") + event + "\"} " +
           std::to_string(n) + "\n";
  out +=
      "# HELP webcontainer_start_to_exit_seconds Worker asked for to worker exited, by source.\n";
  out += "# TYPE webcontainer_start_to_exit_seconds summary\n";
  for (int pooled = 0; pooled < 3; pooled++) {
    std::string label = pooled == 2 ? "{source=\"zygote\"}"
                        : pooled    ? "{source=\"pool\"}"
                                    : "{source=\"fresh\"}";
    out += "webcontainer_start_to_exit_seconds_sum" + label + " " +
           std::to_string(start_to_exit_sum_[pooled]) + "\n";
    out += "webcontainer_start_to_exit_seconds_count" + label + " " +
           std::to_string(start_to_exit_count_[pooled]) + "\n";
  }
  out += "# HELP webcontainer_start_latency_seconds Start asked for to worker running.\n";
  out += "# TYPE webcontainer_start_latency_seconds histogram\n";
  for (size_t i = 0; i < std::size(kStartBuckets); i++) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", kStartBuckets[i]);
    out += std::string("webcontainer_start_latency_seconds_bucket{le=\"") + le + "\"} " +
           std::to_string(start_bucket_counts_[i]) + "\n";
  }
  out += "webcontainer_start_latency_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(start_latency_count_) + "\n";
  out += "webcontainer_start_latency_seconds_sum " + std::to_string(start_latency_sum_) + "\n";
  out += "webcontainer_start_latency_seconds_count " + std::to_string(start_latency_count_) + "\n";
  out += "# HELP webcontainer_starts_total Container starts by result.\n";
  out += "# TYPE webcontainer_starts_total counter\n";
  for (const char* result : {"started", "module_error", "error"})
    out += std::string("webcontainer_starts_total{result=\"") + result + "\"} " +
           std::to_string(starts_by_result_[result]) + "\n";
  out += "# HELP webcontainer_exits_total Container exits by outcome.\n";
  out += "# TYPE webcontainer_exits_total counter\n";
  for (const char* outcome : {"success", "failure", "trap", "limit", "stopped"})
    out += std::string("webcontainer_exits_total{outcome=\"") + outcome + "\"} " +
           std::to_string(exits_by_outcome_[outcome]) + "\n";
  // The module cache (module_cache.h).
  auto counter = [&out](const char* name, const char* help, uint64_t v, bool gauge = false) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name +
           (gauge ? " gauge\n" : " counter\n") + name + " " + std::to_string(v) + "\n";
  };
  counter("webcontainer_module_cache_hits_total",
          "Starts served a cached module memfd (no copy of the module).", module_cache_.hits);
  counter("webcontainer_module_cache_misses_total",
          "Starts that copied a module content not cached into a new memfd.", module_cache_.misses);
  counter("webcontainer_module_cache_hashes_total", "Module files read and hashed (SHA-256).",
          module_cache_.hashes);
  counter("webcontainer_module_cache_evictions_total",
          "Cached modules dropped for the entry or byte limit.", module_cache_.evictions);
  counter("webcontainer_module_cache_entries", "Distinct module contents cached.",
          module_cache_.entries(), true);
  counter("webcontainer_module_cache_bytes", "Bytes of the cached module memfds.",
          module_cache_.bytes(), true);
  out += "# HELP webcontainer_api_requests_total API requests answered since it started.\n";
  out += "# TYPE webcontainer_api_requests_total counter\n";
  out += "webcontainer_api_requests_total " + std::to_string(api_requests_) + "\n";
  return {200, out, "text/plain; version=0.0.4", {}};
}

}  // namespace wc::daemon
