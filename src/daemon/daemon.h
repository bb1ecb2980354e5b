// `webcontainerd serve`: many containers, one process. One epoll loop holds the API socket and
// its connections, the signalfd (SIGTERM/SIGINT: stop everything and exit 0; SIGCHLD: reap),
// and the Broker's own epoll set (one broker loop for every tenant). Each container is its own
// confined worker (supervisor/worker.h); its definition, state and log live in the state dir
// (store.h), so a restarted daemon lists and restarts what was defined.
//
// Reaping. Every container's worker is the daemon's child (a fresh or pooled worker by spawn,
// a zygote's by CLONE_PARENT), and the daemon holds no pidfd for it: one fd per container is
// what bounds how many fit under RLIMIT_NOFILE. Workers are reaped centrally, on SIGCHLD
// (reap_children): waitid(P_ALL, WNOWAIT) names the next ended child without reaping it; a
// container's pid (pids_) is then reaped with waitpid(pid) and its status dispatched to that
// container. Any other child belongs to an owner that reaps its own through a pidfd (the
// zygotes, the warm pool's members): they are asked to (reap_exited), so the central reaper
// never takes their status, nor they a container's. A child still a zombie after that has no
// owner (a zygote's child whose fork answer was refused) and is reaped here, so it cannot
// stall the loop. Since only this reaper (or kill_container's waitpid of the container's own
// pid) reaps a container, a container's pid names its worker until the daemon itself reaps it:
// kill(pid, ...) before that is race-free (a zombie's pid is not reused).
#pragma once

#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "broker/audit.h"
#include "broker/broker.h"
#include "daemon/container.h"
#include "daemon/http/request_parser.h"
#include "daemon/module_cache.h"
#include "daemon/store.h"
#include "ipc/unique_fd.h"
#include "supervisor/warm_pool.h"
#include "supervisor/zygotes.h"

namespace wc::daemon {

struct DaemonConfig {
  std::string state_dir;
  std::string api_path;  // the unix socket's path
  std::string tenants;   // --tenants DIR, or ""
  std::string metrics;   // --metrics HOST:PORT, or ""
  size_t pool = 2;       // --pool N: confined workers kept ready (supervisor/warm_pool.h)
  size_t zygotes = 0;    // --zygote: at most this many zygotes (supervisor/zygotes.h); 0 = none
  uint64_t log_max_bytes = 10 << 20;  // --log-max-bytes: each container's log, before rotation
  uint64_t log_rate = 8 << 20;  // --log-rate: bytes/s each container's output may log; 0 = any
};

// The reply of an API route.
struct Reply {
  Reply() = default;
  Reply(int s, std::string b, std::string type = "application/json",
        std::vector<std::pair<std::string, std::string>> h = {})
      : status(s), body(std::move(b)), content_type(std::move(type)), headers(std::move(h)) {}
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // A streaming reply (daemon_stream.cc): the connection stays open and carries this
  // container's log from `since` on as it is written, until the container has exited.
  std::string stream_id;
  uint64_t since = 0;
  bool upgrade = false;      // attach: 101, then raw bytes both ways (else a chunked 200)
  bool takes_stdin = false;  // attach?stdin=1: what the client sends is the guest's stdin
};

class Daemon {
 public:
  Daemon();
  ~Daemon();
  // Opens the state dir, loads its containers, listens on the API socket (mode 0600) and
  // restarts the containers whose restart policy says so. False with *error if it cannot.
  bool start(const DaemonConfig& config, std::string* error);
  // Serves until SIGTERM or SIGINT, then stops every container; returns the exit status.
  int run();

  // The API (daemon_api.cc): one request in, one reply out.
  Reply handle(const http::Request& request);

 private:
  struct Connection {
    ipc::UniqueFd fd;
    http::RequestParser parser;
    std::string out;
    bool close_after_write = false;
    bool want_out = false;  // EPOLLOUT registered
    bool metrics = false;   // from the --metrics listener: GET /metrics only, no peer check
    // Streaming (daemon_stream.cc): the container it follows, how, and its input side.
    std::string stream_id;
    bool chunked = false;    // else raw (an upgraded attach)
    bool in_eof = false;     // the client half-closed (attach: the guest's stdin ends)
    bool in_paused = false;  // not reading: the guest's stdin pipe has a backlog
  };

  // Loop plumbing (daemon.cc).
  void accept_connections(bool metrics);
  // --metrics (daemon_metrics.cc): the TCP listener and the Prometheus text page.
  bool open_metrics(const std::string& host_port, std::string* error);
  Reply metrics_reply(const http::Request& r);
  uint64_t worker_starts_ = 0, api_requests_ = 0;
  std::map<std::string, uint64_t> limit_hits_;  // by limit, since the daemon started
  ipc::UniqueFd metrics_listen_;
  void on_connection(int fd, uint32_t events);
  void flush(Connection& c);
  void close_connection(int fd);
  void update_events(Connection& c);  // EPOLLIN unless paused/ended, EPOLLOUT while behind

  // Output and input of the guests (daemon_stream.cc).
  // An output request's bytes (Broker::on_output): logged; false holds the worker's answer
  // (out of --log-rate budget) until resume_output.
  bool take_output(const std::string& id, std::string_view bytes);
  void pause_output(Container& c);
  void resume_output(double now);  // output paused for --log-rate whose budget has refilled
  bool open_stdio(Container& c, ipc::UniqueFd* out, ipc::UniqueFd* in, std::string* error);
  void close_stdio(Container& c);
  void log_bytes(Container& c, std::string_view data);  // to the log and every follower
  ContainerLog& log_of(Container& c);
  void start_stream(Connection& conn, const Reply& r);
  void on_stream_input(Connection& conn, std::string_view data, bool eof);
  void end_followers(Container& c);
  void feed_stdin(Container& c, std::string_view data);
  void on_stdin_writable(const std::string& id);
  void close_stdin(Container& c);
  Reply attach(Container& c, const std::string& query, const http::Request& r);
  std::map<int, std::string> stdins_;  // stdin pipe fd -> container id
  uint64_t log_max_bytes_ = 10 << 20;
  uint64_t log_rate_ = 8 << 20;
  size_t output_paused_ = 0;  // containers whose output answer waits for --log-rate budget
  void reap_children();       // SIGCHLD (see the top of this file)
  void tick();
  // Spawns one warm-pool member when the loop is quiet (daemon.cc says why).
  void refill_pool(bool quiet);
  // --tenants: start new files, stop removed ones, restart changed ones (daemon_tenants.cc).
  void reconcile();

  // Containers (daemon_containers.cc).
  bool start_container(Container& c, std::string* error, int* http_status);
  void finish(Container& c, int wait_status);
  void kill_container(Container& c);
  void limit_event(Container& c, const std::string& limit, const std::string& detail);
  void persist(Container& c);
  void append_log(Container& c, const std::string& line);
  Container* find(const std::string& id_or_name);
  std::string new_id() const;

  // Routes (daemon_api.cc).
  Reply create(const http::Request& r, bool follow);
  Reply list(bool all);
  Reply inspect(Container& c);
  Reply stats();  // daemon_stats.cc
  Reply logs(Container& c, const std::string& query);
  Reply stop(Container& c, bool kill);
  Reply remove(Container& c, bool force);

  Store store_;
  std::string api_path_;
  std::unique_ptr<broker::AuditLog> audit_;
  broker::Broker broker_;
  ipc::UniqueFd epoll_, listen_, signals_;
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::map<std::string, std::unique_ptr<Container>> containers_;  // by id
  std::map<pid_t, std::string> pids_;  // running worker's pid -> container id (reap_children)
  double last_log_sweep_ = 0;          // tick(): when idle logs were last closed
  static constexpr double kLogIdleSeconds = 10;  // a log unwritten this long is closed
  std::string tenants_dir_;
  bool stopping_ = false;
  // Start (worker asked for) to exit (reaped), by worker source: [0] fresh, [1] pool,
  // [2] zygote.
  double start_to_exit_sum_[3] = {};
  uint64_t start_to_exit_count_[3] = {};
  // Start latency (start asked for to worker running under the broker), a Prometheus histogram
  // with fixed buckets; starts by result and exits by outcome (bounded label sets).
  static constexpr double kStartBuckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01,
                                             0.025,  0.05,  0.1,   0.25,  1};
  uint64_t start_bucket_counts_[std::size(kStartBuckets)] = {};
  double start_latency_sum_ = 0;
  uint64_t start_latency_count_ = 0;
  std::map<std::string, uint64_t> starts_by_result_, exits_by_outcome_;
  supervisor::WarmPool pool_;    // refilled from run()'s loop when idle; starts take from it
  double pool_short_since_ = 0;  // monotonic seconds the pool has been short of its target
  ModuleCache module_cache_;     // one sealed memfd per module content, shared by its workers
  supervisor::Zygotes zygotes_;  // --zygote: one per module hash, forking a child per start
};

}  // namespace wc::daemon
