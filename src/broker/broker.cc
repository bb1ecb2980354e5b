#include "broker/broker.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ipc/limit_notice.h"
#include "ipc/socket.h"

namespace wc::broker {

Broker::Broker(AuditLog* audit) : audit_(audit), epoll_(epoll_create1(EPOLL_CLOEXEC)) {}

Broker::~Broker() = default;

bool Broker::add_worker(ipc::UniqueFd socket, pid_t pid, const Policy& policy,
                        std::string container_id, std::string* error) {
  if (!epoll_) {
    *error = std::string("epoll: ") + std::strerror(errno);
    return false;
  }
  ipc::UniqueFd pidfd;
  if (!kill_worker) pidfd = ipc::UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!kill_worker && !pidfd) {
    *error = "worker pid " + std::to_string(pid) + ": " + std::strerror(errno);
    return false;
  }
  int fl = fcntl(socket.get(), F_GETFL);
  if (fl < 0 || fcntl(socket.get(), F_SETFL, fl | O_NONBLOCK) != 0) {
    *error = std::string("worker socket: ") + std::strerror(errno);
    return false;
  }
  std::unique_ptr<Session> session =
      Session::create(policy, std::move(container_id), audit_, error);
  if (!session) return false;
  uint64_t key = next_key_++;
  if (on_output)
    session->set_output_sink([this, id = session->container_id()](std::string_view bytes) {
      return on_output(id, bytes);
    });
  struct epoll_event ev = {};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = key;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, socket.get(), &ev) != 0) {
    *error = std::string("epoll_ctl: ") + std::strerror(errno);
    return false;
  }
  by_container_[workers_
                    .emplace(key, Worker{std::move(socket), std::move(pidfd), pid,
                                         std::move(session), std::nullopt})
                    .first->second.session->container_id()] = key;
  return true;
}

size_t Broker::poll_once(int timeout_ms) {
  if (workers_.empty()) return 0;
  struct epoll_event events[64];
  int n = epoll_wait(epoll_.get(), events, 64, timeout_ms);
  last_events_ = n > 0 ? n : 0;
  for (int i = 0; i < n; i++) serve(events[i].data.u64, events[i].events);
  return workers_.size();
}

void Broker::run() {
  while (poll_once(-1) > 0) {
  }
}

bool Broker::serve(uint64_t key, uint32_t events) {
  auto it = workers_.find(key);
  if (it == workers_.end()) return false;
  Worker& w = it->second;
  if (w.held) {  // waiting for release_output: only its hang-up is news
    if (events & (EPOLLHUP | EPOLLERR)) drop(key, Gone::kDisconnected, nullptr);
    return false;
  }
  ipc::Message msg;
  int r = ipc::recv_message(w.sock.get(), &msg);
  if (r == -EAGAIN) {
    // Spurious or hang-up without data.
    if (events & (EPOLLHUP | EPOLLERR)) drop(key, Gone::kDisconnected, nullptr);
    return false;
  }
  if (r == 0) return drop(key, Gone::kDisconnected, nullptr), false;
  if (r == -EBADMSG) return drop(key, Gone::kKilled, "malformed datagram"), false;
  if (r < 0) return drop(key, Gone::kDisconnected, nullptr), false;

  if (ipc::is_limit_notice(msg.header)) {  // one-way: nothing to reply
    if (!w.session->notice(std::move(msg)))
      return drop(key, Gone::kKilled, "malformed limit notice"), false;
    return true;
  }
  std::optional<ipc::Message> reply = w.session->handle(std::move(msg));
  if (!reply) return drop(key, Gone::kKilled, "malformed request"), false;
  if (w.session->take_held_reply()) {
    // Read nothing more until released: the worker sends nothing before this answer anyway.
    w.held = std::move(reply);
    struct epoll_event ev = {};
    ev.events = EPOLLRDHUP;
    ev.data.u64 = key;
    epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, w.sock.get(), &ev);
    return true;
  }
  return answer(key, *reply);
}

bool Broker::answer(uint64_t key, const ipc::Message& reply) {
  int s = ipc::send_message(workers_[key].sock.get(), reply);
  // A full socket means the worker sends requests without reading replies: one request, one
  // reply is the protocol, and the broker must never block on one worker.
  if (s == -EAGAIN) return drop(key, Gone::kKilled, "replies not read"), false;
  if (s < 0) return drop(key, Gone::kDisconnected, nullptr), false;
  return true;
}

void Broker::release_output(const std::string& container_id) {
  auto k = by_container_.find(container_id);
  if (k == by_container_.end()) return;
  uint64_t key = k->second;
  Worker& w = workers_[key];
  if (!w.held) return;
  ipc::Message reply = std::move(*w.held);
  w.held.reset();
  struct epoll_event ev = {};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = key;
  epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, w.sock.get(), &ev);
  answer(key, reply);
}

void Broker::drain(const std::string& container_id) {
  auto k = by_container_.find(container_id);
  if (k == by_container_.end()) return;
  uint64_t key = k->second;
  // Bounded: a worker's socket holds a few hundred KiB at most, and one held answer stops it.
  for (int i = 0; i < 1024 && serve(key, 0); i++) {
  }
}

void Broker::drop(uint64_t key, Gone why, const char* reason) {
  auto it = workers_.find(key);
  Worker w = std::move(it->second);
  workers_.erase(it);
  std::string id = w.session->container_id();
  if (auto k = by_container_.find(id); k != by_container_.end() && k->second == key)
    by_container_.erase(k);
  if (why == Gone::kKilled) {
    if (w.pidfd)
      syscall(SYS_pidfd_send_signal, w.pidfd.get(), SIGKILL, nullptr, 0);
    else
      kill_worker(id, w.pid);
    if (audit_ != nullptr) {
      audit_->record({id, "ipc", "pid " + std::to_string(w.pid),
                      std::string("protocol violation (") + reason + "): worker killed", EPROTO,
                      ""});
    }
  }
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, w.sock.get(), nullptr);
  if (on_worker_gone) on_worker_gone(id, w.pid, why);
}

}  // namespace wc::broker
