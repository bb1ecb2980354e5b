// The broker's event loop: one epoll set serving many workers, each over its own
// SOCK_SEQPACKET socket with its own Session. A worker that breaks the protocol (a malformed
// message, unexpected fds, a request while its replies go unread) is killed with SIGKILL
// through a pidfd taken at registration (so a recycled pid is never hit) and dropped; the
// others keep being served.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/audit.h"
#include "broker/policy.h"
#include "broker/session.h"

namespace wc::broker {

enum class Gone { kDisconnected, kKilled };

class Broker {
 public:
  // `audit` may be null; it must outlive the broker.
  explicit Broker(AuditLog* audit = nullptr);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Starts serving a worker. `socket` is the broker's end of the worker's socketpair (taken
  // over and made non-blocking), `pid` the worker process (without kill_worker it must exist:
  // a pidfd is opened now). False with *error if a mount cannot be opened or the pid is gone.
  bool add_worker(ipc::UniqueFd socket, pid_t pid, const Policy& policy, std::string container_id,
                  std::string* error);

  // Waits up to timeout_ms (-1: forever) for requests, serves one request per ready worker,
  // and returns the number of workers still connected. 0 means there is nothing left to do.
  size_t poll_once(int timeout_ms);
  // How many ready sockets the last poll_once served (0: it timed out).
  int last_poll_events() const { return last_events_; }
  // poll_once until no worker remains.
  void run();

  size_t worker_count() const { return workers_.size(); }
  // The epoll set itself, so a daemon can nest it in its own loop: readable means
  // poll_once(0) has work.
  int epoll_fd() const { return epoll_.get(); }

  // Called when a worker leaves (it closed its socket, or it was killed).
  std::function<void(const std::string& container_id, pid_t pid, Gone why)> on_worker_gone;
  // How a worker that breaks the protocol is killed. Unset, add_worker opens a pidfd per worker
  // and the broker kills through it. A daemon that reaps its workers itself sets this
  // (serve: by pid, no fd per container, since fds bound how many containers fit under
  // RLIMIT_NOFILE); it must kill `pid` only if it is still that container's unreaped worker.
  std::function<void(const std::string& container_id, pid_t pid)> kill_worker;
  // The guest's output (an output request's bytes, already validated, at most ipc::kMaxOutput):
  // true answers the worker now; false holds the answer, and the broker reads nothing more
  // from that worker, until release_output(container_id). Unset: output requests get ENOSYS.
  std::function<bool(const std::string& container_id, std::string_view bytes)> on_output;
  // Sends a held output answer (if any) and serves the worker again.
  void release_output(const std::string& container_id);
  // Serves every message the worker already sent (its socket holds them still) and returns:
  // the daemon calls it on the worker's exit, so the last output is taken before its end.
  void drain(const std::string& container_id);

 private:
  struct Worker {
    ipc::UniqueFd sock;
    ipc::UniqueFd pidfd;  // only without kill_worker
    pid_t pid = 0;
    std::unique_ptr<Session> session;
    std::optional<ipc::Message> held;  // an output answer waiting for release_output
  };
  // One message from the worker: false when there was none to read (or it was dropped).
  bool serve(uint64_t key, uint32_t events);
  bool answer(uint64_t key, const ipc::Message& reply);  // false: the worker was dropped
  void drop(uint64_t key, Gone why, const char* reason);

  AuditLog* audit_;
  ipc::UniqueFd epoll_;
  std::map<uint64_t, Worker> workers_;
  std::map<std::string, uint64_t> by_container_;  // container id -> key
  uint64_t next_key_ = 1;
  int last_events_ = 0;
};

}  // namespace wc::broker
