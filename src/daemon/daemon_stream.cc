// The guests' output and input. A running guest's stdout and stderr reach the daemon as output
// requests on its broker socket (the worker forwards its own stdout+stderr pipe:
// ipc/output_forwarder.h), so an idle container costs the daemon no fd for its output: bytes go
// to the container's capped log (container_log.h) and, at once, to every connection following
// it, so `webcontainer run` and `logs -f` see output as it is written rather than when they
// next ask. --log-rate holds the answer to an output request, so the guest's writes wait. `run -i`
// feeds the guest's stdin pipe from an attach connection; the client's EOF closes it.
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "daemon/daemon.h"
#include "daemon/http/query.h"
#include "daemon/http/response.h"

namespace wc::daemon {

namespace {

// epoll tags (see daemon.cc's Tag): 8 stdin pipe.
constexpr uint64_t kStdinTag = 8;
uint64_t tagged(uint64_t t, int fd) { return (t << 32) | static_cast<uint32_t>(fd); }

// A follower this far behind is dropped rather than buffered without end (its stream ends
// without the final chunk, so the client knows it missed output).
constexpr size_t kMaxFollowerBacklog = 64u << 20;
// Reading the attach connection pauses while the guest's stdin pipe has this much waiting.
constexpr size_t kMaxStdinBacklog = 1u << 20;
// --log-rate: answers are held when the budget falls below kPauseBelow bytes and resume once it
// is back to kResumeAt (or the whole budget, if smaller), so a throttled guest costs the daemon
// a few large requests per second rather than many small ones.
constexpr double kPauseBelow = 4096, kResumeAt = 65536;

double mono_seconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Tops up c's budget for the time since its last top-up (at most one second's worth).
double refill(Container& c, uint64_t rate, double now) {
  double cap = static_cast<double>(rate);
  c.log_budget =
      c.log_budget_at == 0 ? cap : std::min(cap, c.log_budget + (now - c.log_budget_at) * cap);
  c.log_budget_at = now;
  return c.log_budget;
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace

ContainerLog& Daemon::log_of(Container& c) {
  if (!c.log_open) {
    c.log.configure(store_.log_path(c.def.id), log_max_bytes_, c.log_dropped);
    c.log_open = true;
  }
  return c.log;
}

void Daemon::log_bytes(Container& c, std::string_view data) {
  if (data.empty()) return;
  if (log_of(c).append(data)) {
    c.log_dropped = c.log.dropped();
    persist(c);
  }
  std::vector<int> dropped;
  for (int fd : c.followers) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) continue;
    Connection& conn = *it->second;
    if (conn.out.size() > kMaxFollowerBacklog) {
      dropped.push_back(fd);
      continue;
    }
    conn.out += conn.chunked ? chunk(data) : std::string(data);
    flush(conn);  // may close it (the client went away): close_connection unlists it
  }
  for (int fd : dropped) close_connection(fd);
}

bool Daemon::take_output(const std::string& id, std::string_view bytes) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return true;
  Container& c = *it->second;
  log_bytes(c, bytes);
  if (log_rate_ == 0) return true;
  // Paid after the fact: one request (at most ipc::kMaxOutput bytes) may overdraw the budget,
  // and the answer then waits until the debt is refilled.
  c.log_budget = refill(c, log_rate_, mono_seconds()) - static_cast<double>(bytes.size());
  if (c.log_budget >= kPauseBelow) return true;
  pause_output(c);
  return false;
}

// Out of --log-rate budget: the worker's answer is held (its writes wait once its own pipe is
// full) until resume_output finds the budget refilled. The first time in a run is a limit hit.
void Daemon::pause_output(Container& c) {
  if (c.output_paused) return;
  c.output_paused = true;
  output_paused_++;
  if (c.log_rate_hit) return;
  c.log_rate_hit = true;
  std::string detail = "the guest writes output faster than --log-rate " +
                       std::to_string(log_rate_) + " bytes/s; its writes wait";
  limit_event(c, "log_rate", detail);
  append_log(c, "webcontainerd: limit log_rate: " + detail + " (once per run)");
}

void Daemon::resume_output(double now) {
  if (output_paused_ == 0) return;
  for (auto& [id, cp] : containers_) {
    Container& c = *cp;
    if (!c.output_paused) continue;
    if (c.pid > 0 &&
        refill(c, log_rate_, now) < std::min(kResumeAt, static_cast<double>(log_rate_)))
      continue;
    c.output_paused = false;
    output_paused_--;
    broker_.release_output(id);
  }
}

// Opens the guest's stdio for a new run: its output goes over its broker socket (the worker
// is told by WorkerSpec::output_to_broker and gets /dev/null for fds 1 and 2 until it puts its
// own pipe there), its stdin is /dev/null or (run -i) a pipe the attach connection feeds.
// *out/*in are the worker's ends.
bool Daemon::open_stdio(Container& c, ipc::UniqueFd* out, ipc::UniqueFd* in, std::string* error) {
  *out = ipc::UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!*out) {
    *error = std::string("/dev/null: ") + std::strerror(errno);
    return false;
  }
  if (c.def.open_stdin && !c.stdin_eof) {
    int q[2];
    if (pipe2(q, O_CLOEXEC) != 0) {
      *error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    *in = ipc::UniqueFd(q[0]);
    c.stdin_w = ipc::UniqueFd(q[1]);
    fcntl(c.stdin_w.get(), F_SETFL, O_NONBLOCK);
    c.stdin_pending.clear();
  } else {
    *in = ipc::UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  if (!*in) {
    *error = std::string("/dev/null: ") + std::strerror(errno);
    c.stdin_w.reset();
    return false;
  }
  return true;
}

// Ends the current run's stdio: the rest of its output (what the worker sent before it ended
// and the broker has not read yet), and its stdin pipe.
void Daemon::close_stdio(Container& c) {
  broker_.drain(c.def.id);
  if (c.output_paused) {  // the held answer goes with the worker
    c.output_paused = false;
    output_paused_--;
  }
  if (c.stdin_w) {
    stdins_.erase(c.stdin_w.get());
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.stdin_w.get(), nullptr);
    c.stdin_w.reset();
  }
  c.stdin_pending.clear();
}

void Daemon::feed_stdin(Container& c, std::string_view data) {
  if (!c.stdin_w) return;  // between runs, or the guest closed its stdin: nobody reads
  c.stdin_pending.append(data);
  on_stdin_writable(c.def.id);
}

void Daemon::on_stdin_writable(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  Container& c = *it->second;
  if (!c.stdin_w) return;
  int fd = c.stdin_w.get();
  while (!c.stdin_pending.empty()) {
    ssize_t n = ::write(fd, c.stdin_pending.data(), c.stdin_pending.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) {  // EPIPE: the guest closed its stdin; what it never read is dropped
      c.stdin_pending.clear();
      break;
    }
    c.stdin_pending.erase(0, static_cast<size_t>(n));
  }
  bool waiting = !c.stdin_pending.empty();
  bool watched = stdins_.count(fd) > 0;
  if (waiting && !watched) {
    struct epoll_event ev = {};
    ev.events = EPOLLOUT;
    ev.data.u64 = tagged(kStdinTag, fd);
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
    stdins_[fd] = id;
  } else if (!waiting && watched) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    stdins_.erase(fd);
  }
  if (!waiting && c.stdin_eof) {  // everything the client sent is in the pipe: EOF
    if (watched) stdins_.erase(fd);
    c.stdin_w.reset();
  }
  // The attach connection reads again once the backlog is small.
  auto cit = connections_.find(c.stdin_owner);
  if (cit != connections_.end()) {
    Connection& conn = *cit->second;
    bool pause = c.stdin_pending.size() >= kMaxStdinBacklog;
    if (pause != conn.in_paused) {
      conn.in_paused = pause;
      update_events(conn);
    }
  }
}

void Daemon::close_stdin(Container& c) {
  c.stdin_eof = true;
  c.stdin_owner = -1;
  on_stdin_writable(c.def.id);
}

// GET .../logs?follow=1 and POST .../attach: the reply is a stream (see start_stream).
Reply Daemon::attach(Container& c, const std::string& query, const http::Request& r) {
  Reply out;
  out.stream_id = c.def.id;
  std::string since = http::query_param(query, "since");
  if (!since.empty() && !http::parse_u64(since, &out.since))
    return {400, http::json_error_body("since: expected a byte offset"), "application/json", {}};
  if (since.empty()) out.since = log_of(c).end();
  if (r.method == "POST") {  // attach: an upgraded connection
    std::string upgrade(r.header("upgrade"));
    if (upgrade != "tcp")
      return {400,
              http::json_error_body("attach: expected Connection: Upgrade, Upgrade: tcp"),
              "application/json",
              {}};
    out.upgrade = true;
    out.takes_stdin = http::query_param(query, "stdin") == "1";
    if (out.takes_stdin && !c.def.open_stdin)
      return {409,
              http::json_error_body("container " + c.def.name + " was not created with stdin"),
              "application/json",
              {}};
    if (out.takes_stdin && (c.stdin_owner >= 0 || c.stdin_eof))
      return {409,
              http::json_error_body("container " + c.def.name + "'s stdin is taken or closed"),
              "application/json",
              {}};
  }
  return out;
}

void Daemon::start_stream(Connection& conn, const Reply& r) {
  Container* c = find(r.stream_id);
  if (!c) return;
  conn.stream_id = c->def.id;
  conn.chunked = !r.upgrade;
  if (r.upgrade)
    conn.out += "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
  else {
    conn.out += r.status == 201 ? "HTTP/1.1 201 Created\r\n" : "HTTP/1.1 200 OK\r\n";
    conn.out +=
        "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\nTrailer: X-Exit-Code\r\nX-Container-State: " +
        std::string(state_name(c->state)) + "\r\n";
    for (const auto& [name, value] : r.headers) conn.out += name + ": " + value + "\r\n";
    conn.out += "\r\n";
  }
  // What was written before the client asked, then everything from now on.
  uint64_t at = r.since, start = 0;
  for (;;) {
    std::string old = log_of(*c).read(at, 1 << 20, &start);
    if (old.empty()) break;
    conn.out += conn.chunked ? chunk(old) : old;
    at = start + old.size();
  }
  c->followers.push_back(conn.fd.get());
  if (r.takes_stdin) c->stdin_owner = conn.fd.get();
  conn.close_after_write = false;
  if (c->state != State::kRunning && c->state != State::kRestarting) end_followers(*c);
}

// Bytes from a streaming connection after its request: the guest's stdin for the attach that
// owns it, ignored otherwise. EOF ends the stdin; a follow connection's EOF ends it.
void Daemon::on_stream_input(Connection& conn, std::string_view data, bool eof) {
  Container* c = find(conn.stream_id);
  bool owner = c && c->stdin_owner == conn.fd.get();
  if (owner && !data.empty()) feed_stdin(*c, data);
  if (!eof) return;
  conn.in_eof = true;
  if (owner) close_stdin(*c);
  if (conn.chunked) {
    close_connection(conn.fd.get());
    return;
  }
  update_events(conn);  // write-only from here
}

// The container has ended for good (or is removed): every follower gets the end of its stream.
void Daemon::end_followers(Container& c) {
  std::vector<int> fds;
  fds.swap(c.followers);
  for (int fd : fds) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) continue;
    Connection& conn = *it->second;
    // The last chunk; its trailer carries the exit code once the container has exited for good
    // (not when it is removed while running), so the client needs no inspect to learn it.
    if (conn.chunked)
      conn.out += c.state == State::kExited
                      ? "0\r\nX-Exit-Code: " + std::to_string(c.exit_code) + "\r\n\r\n"
                      : std::string("0\r\n\r\n");
    conn.stream_id.clear();
    conn.close_after_write = true;
    flush(conn);
  }
  if (c.stdin_owner >= 0) c.stdin_owner = -1;
}

}  // namespace wc::daemon
