#include "daemon/daemon.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "daemon/http/peer_cred.h"
#include "daemon/http/response.h"

namespace wc::daemon {

namespace {

// epoll tags: the low 32 bits are an fd, the high ones say what kind of fd it is.
enum Tag : uint64_t {
  kListen = 1,
  kSignal = 2,
  kBroker = 3,
  kConnection = 4,
  kMetricsListen = 6,
  kStdin = 8  // a guest's stdin pipe with bytes waiting for room (run -i)
};
uint64_t tag(Tag t, int fd) { return (uint64_t{t} << 32) | static_cast<uint32_t>(fd); }

bool watch(int epoll, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {};
  ev.events = events;
  ev.data.u64 = data;
  return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
}

// Enough fds for thousands of idle API connections plus the containers' own. A running
// container holds one: its broker socket (no pidfd: daemon.h, reaping; no output pipe:
// daemon_stream.cc), so 10,000 containers fit in a usual hard limit (20,000 here); a daemon
// allowed to (CAP_SYS_RESOURCE) raises the hard limit too, up to the kernel's nr_open.
void raise_fd_limit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = rlim_t{1} << 20;
  if (FILE* f = std::fopen("/proc/sys/fs/nr_open", "r")) {
    unsigned long long nr_open = 0;
    if (std::fscanf(f, "%llu", &nr_open) == 1 && nr_open < want) want = nr_open;
    std::fclose(f);
  }
  if (rl.rlim_max < want) {
    struct rlimit raised = {want, want};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return;
  }
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

constexpr size_t kMaxConnections = 16384;
// Warm-pool refill (Daemon::refill_pool).
constexpr int kRefillQuietMs = 3;
constexpr double kRefillStarvedSec = 0.1;
constexpr int kOutputResumeMs = 10;

double mono_clock() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

Daemon::Daemon() : audit_(std::make_unique<broker::AuditLog>()), broker_(audit_.get()) {}
Daemon::~Daemon() = default;

bool Daemon::start(const DaemonConfig& config, std::string* error) {
  raise_fd_limit();
  if (!store_.open(config.state_dir, error)) return false;
  epoll_ = ipc::UniqueFd(epoll_create1(EPOLL_CLOEXEC));

  // SIGTERM/SIGINT/SIGHUP/SIGCHLD arrive as reads; SIGPIPE is ignored (a client that hangs up).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signals_ = ipc::UniqueFd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));

  // The API socket: a stale one from a killed daemon is replaced.
  api_path_ = config.api_path;
  pool_.set_target(config.pool);
  zygotes_.set_max(config.zygotes);
  log_max_bytes_ = config.log_max_bytes;
  log_rate_ = config.log_rate;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(api_path_).parent_path(), ec);
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (api_path_.size() >= sizeof addr.sun_path) {
    *error = "API socket path too long: " + api_path_;
    return false;
  }
  std::memcpy(addr.sun_path, api_path_.c_str(), api_path_.size() + 1);
  listen_ = ipc::UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  ::unlink(api_path_.c_str());
  mode_t old = umask(0177);  // created 0600: only our uid (and root) may connect
  int b = bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old);
  if (b != 0 || listen(listen_.get(), 1024) != 0) {
    *error = "API socket " + api_path_ + ": " + std::strerror(errno);
    return false;
  }
  chmod(api_path_.c_str(), 0600);

  if (!watch(epoll_.get(), listen_.get(), EPOLLIN, tag(kListen, listen_.get())) ||
      !watch(epoll_.get(), signals_.get(), EPOLLIN, tag(kSignal, signals_.get())) ||
      !watch(epoll_.get(), broker_.epoll_fd(), EPOLLIN, tag(kBroker, broker_.epoll_fd()))) {
    *error = std::string("epoll_ctl: ") + std::strerror(errno);
    return false;
  }
  // A hint ("raise it with --max-fds") belongs in the container's own log, once per run, not
  // once per denial nor once per daemon.
  audit_->set_denial_sink([this](const broker::Denial& d) {
    auto it = containers_.find(d.container);
    if (it == containers_.end()) return;
    Container& c = *it->second;
    if (c.hinted.size() >= 32 ||
        std::find(c.hinted.begin(), c.hinted.end(), d.hint) != c.hinted.end())
      return;
    c.hinted.push_back(d.hint);
    append_log(
        c, "webcontainerd: hint: " + d.op + " " + d.target + ": " + d.rule + " (" + d.hint + ")");
  });
  // Limits the broker saw reached or the worker reported (each once per run by the Session):
  // an inspect event and a metric, and a log line unless the log has one already (the worker's
  // own line on the guest's stderr, or the hint above).
  audit_->set_limit_sink([this](const broker::LimitHit& h) {
    auto it = containers_.find(h.container);
    if (it == containers_.end()) return;
    limit_event(*it->second, h.limit, h.detail);
    if (!h.already_said)
      append_log(*it->second, "webcontainerd: limit " + h.limit + ": " + h.detail);
  });
  // The broker kills a worker that breaks the protocol by the container's pid rather than a
  // pidfd of its own per worker: race-free, since the pid is the container's only until this
  // daemon reaps it (daemon.h, reaping); a worker already reaped (pid -1) is not signalled.
  broker_.kill_worker = [this](const std::string& id, pid_t pid) {
    auto it = containers_.find(id);
    if (it != containers_.end() && it->second->pid == pid && pid > 0) kill(pid, SIGKILL);
  };
  broker_.on_output = [this](const std::string& id, std::string_view bytes) {
    return take_output(id, bytes);
  };
  broker_.on_worker_gone = [this](const std::string& id, pid_t, broker::Gone why) {
    auto it = containers_.find(id);
    if (it != containers_.end() && why == broker::Gone::kKilled)
      it->second->killed_by_broker = true;
  };

  // What the state dir holds. A container that was running when the daemon died is not any
  // more (its worker died with the daemon): it ended, and its restart policy decides.
  containers_ = store_.load_all();
  for (auto& [id, c] : containers_) {
    if (c->state == State::kRunning || c->state == State::kRestarting) {
      c->state = State::kExited;
      c->exit_code = 128 + SIGKILL;
      c->exit_message = "the daemon ended while the container ran";
      c->finished_at = c->finished_at > c->started_at ? c->finished_at : c->started_at;
      bool restart = !c->stopped_by_user && (c->def.restart.policy == RestartPolicy::kAlways ||
                                             c->def.restart.policy == RestartPolicy::kOnFailure);
      if (restart) {
        std::string e;
        int status = 0;
        if (!start_container(*c, &e, &status))
          append_log(*c, "webcontainerd: restart failed: " + e);
      } else {
        persist(*c);
      }
    }
  }
  if (!config.metrics.empty()) {
    if (!open_metrics(config.metrics, error)) return false;
    if (!watch(epoll_.get(), metrics_listen_.get(), EPOLLIN,
               tag(kMetricsListen, metrics_listen_.get()))) {
      *error = std::string("epoll_ctl: ") + std::strerror(errno);
      return false;
    }
  }
  tenants_dir_ = config.tenants;
  reconcile();
  return true;
}

int Daemon::run() {
  struct epoll_event events[64];
  while (!stopping_) {
    bool short_of_pool = pool_.ready() < pool_.target();
    // Paused output (--log-rate) resumes from tick(): wake often enough to keep its rate.
    int timeout = short_of_pool ? kRefillQuietMs : output_paused_ ? kOutputResumeMs : 100;
    int n = epoll_wait(epoll_.get(), events, 64, timeout);
    if (n < 0 && errno != EINTR) {
      std::fprintf(stderr, "webcontainerd: epoll_wait: %s\n", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; i++) {
      Tag t = static_cast<Tag>(events[i].data.u64 >> 32);
      int fd = static_cast<int>(events[i].data.u64 & 0xffffffff);
      switch (t) {
        case kListen: accept_connections(false); break;
        case kMetricsListen: accept_connections(true); break;
        case kSignal: {
          struct signalfd_siginfo si;
          while (read(signals_.get(), &si, sizeof si) == sizeof si)
            if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
              stopping_ = true;
            else if (si.ssi_signo == SIGHUP)
              reconcile();
            else if (si.ssi_signo == SIGCHLD)
              reap_children();
          break;
        }
        case kBroker: broker_.poll_once(0); break;
        case kConnection: on_connection(fd, events[i].events); break;
        case kStdin:
          if (auto it = stdins_.find(fd); it != stdins_.end()) on_stdin_writable(it->second);
          break;
      }
    }
    tick();
    refill_pool(n == 0);
  }
  pool_.clear();
  zygotes_.clear();
  // Stop every container. Their state stays "running" on disk, so the next daemon start sees
  // them ended with the daemon and applies their restart policy, as after a crash.
  for (auto& [id, c] : containers_) {
    if (c->pid <= 0) continue;
    kill(c->pid, SIGKILL);  // not reaped yet, so still its worker (daemon.h, reaping)
    int status = 0;
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
    }
    close_stdio(*c);
    append_log(*c, "webcontainerd: stopped: the daemon is shutting down");
  }
  connections_.clear();
  ::unlink(api_path_.c_str());
  return 0;
}

// A pool member is an exec of webcontainerc that loads its libraries and confines itself: on a
// small host that competes for the CPU with the container just started and with the next
// request. So the pool is refilled only at a quiet moment (epoll_wait found nothing to do for
// kRefillQuietMs), one member per moment, after the start was answered and the new container
// had its first burst. A loop that is never quiet (a chatty container) still gets one spawn per
// kRefillStarvedSec, so the pool cannot starve. Under a sustained stream of starts the pool
// stays empty and starts are fresh: a member would cost the same spawn, only earlier.
void Daemon::refill_pool(bool quiet) {
  if (pool_.ready() >= pool_.target()) {
    pool_short_since_ = 0;
    return;
  }
  double now = mono_clock();
  if (pool_short_since_ == 0) pool_short_since_ = now;
  if (!quiet && now - pool_short_since_ < kRefillStarvedSec) return;
  pool_.refill(1);
  pool_short_since_ = pool_.ready() < pool_.target() ? now : 0;
}

void Daemon::accept_connections(bool metrics) {
  for (;;) {
    int fd = accept4(metrics ? metrics_listen_.get() : listen_.get(), nullptr, nullptr,
                     SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN, or out of fds: the backlog waits
    ipc::UniqueFd owned(fd);
    std::string why;
    if (!metrics && !http::peer_allowed(fd, &why)) {
      std::string resp =
          http::http_response(403, http::json_error_body(why), "application/json", false);
      (void)!::write(fd, resp.data(), resp.size());
      continue;
    }
    if (connections_.size() >= kMaxConnections) {
      std::string resp = http::http_response(503, http::json_error_body("too many API connections"),
                                             "application/json", false);
      (void)!::write(fd, resp.data(), resp.size());
      continue;
    }
    if (!watch(epoll_.get(), fd, EPOLLIN | EPOLLRDHUP, tag(kConnection, fd))) continue;
    auto c = std::make_unique<Connection>();
    c->fd = std::move(owned);
    c->metrics = metrics;
    connections_[fd] = std::move(c);
  }
}

void Daemon::on_connection(int fd, uint32_t events) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (events & EPOLLOUT) {
    flush(c);
    if (!connections_.count(fd)) return;
  }
  if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  if (c.in_eof) {  // a write-only stream: only a hangup or error brings us here
    if (events & (EPOLLHUP | EPOLLERR)) close_connection(fd);
    return;
  }
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (!c.stream_id.empty() && (n > 0 || n == 0)) {
    on_stream_input(c, std::string_view(buf, n > 0 ? static_cast<size_t>(n) : 0), n == 0);
    return;
  }
  if (n <= 0) {
    // The peer closed (or half-closed) its side: answer what is buffered, then close.
    if (c.out.empty())
      close_connection(fd);
    else
      c.close_after_write = true;
    return;
  }
  std::string_view data(buf, static_cast<size_t>(n));
  while (!data.empty() && !c.close_after_write) {
    size_t used = 0;
    http::RequestParser::Status s = c.parser.feed(data, &used);
    data.remove_prefix(used);
    if (s == http::RequestParser::Status::kError) {
      c.out += http::http_response(c.parser.error_status(),
                                   http::json_error_body(c.parser.error_message()),
                                   "application/json", false);
      c.close_after_write = true;
      break;
    }
    if (s == http::RequestParser::Status::kIncomplete) break;
    http::Request req = c.parser.take();
    Reply r = c.metrics ? metrics_reply(req) : handle(req);
    if (!r.stream_id.empty()) {
      // From here the connection carries the container's output (and, for an attach with
      // stdin, the guest's input: any bytes after the request are already that).
      start_stream(c, r);
      if (!data.empty() && connections_.count(fd)) on_stream_input(c, data, false);
      if (connections_.count(fd)) flush(c);
      return;
    }
    std::string resp = http::http_response(r.status, r.body, r.content_type, req.keep_alive);
    // Extra headers go right after the status line.
    if (!r.headers.empty()) {
      size_t eol = resp.find("\r\n");
      std::string extra;
      for (const auto& [k, v] : r.headers) extra += k + ": " + v + "\r\n";
      resp.insert(eol + 2, extra);
    }
    c.out += resp;
    if (!req.keep_alive) c.close_after_write = true;
    if (used == 0) break;
  }
  flush(c);
}

void Daemon::flush(Connection& c) {
  int fd = c.fd.get();
  while (!c.out.empty()) {
    ssize_t n = ::write(fd, c.out.data(), c.out.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (c.want_out) return;
      c.want_out = true;
      update_events(c);
      return;
    }
    if (n < 0) {
      close_connection(fd);
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.close_after_write) {
    close_connection(fd);
    return;
  }
  if (c.want_out) {  // drained: back to reading only (EPOLLOUT is level-triggered)
    c.want_out = false;
    update_events(c);
  }
}

void Daemon::update_events(Connection& c) {
  struct epoll_event ev = {};
  ev.events = (c.want_out ? EPOLLOUT : 0u) |
              (c.in_eof || c.in_paused ? 0u : static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP));
  ev.data.u64 = tag(kConnection, c.fd.get());
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
}

void Daemon::close_connection(int fd) {
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  if (!it->second->stream_id.empty()) {
    // A follower that leaves: unlist it; an attach that leaves ends the guest's stdin.
    auto cit = containers_.find(it->second->stream_id);
    if (cit != containers_.end()) {
      Container& c = *cit->second;
      std::erase(c.followers, fd);
      if (c.stdin_owner == fd) {
        connections_.erase(it);
        close_stdin(c);
        return;
      }
    }
  }
  connections_.erase(it);
}

}  // namespace wc::daemon
