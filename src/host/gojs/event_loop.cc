#include "host/gojs/event_loop.h"

#include <cerrno>
#include <cmath>
#include <thread>

namespace wc::host::gojs {

namespace {
// Longest single wait: blocked programs notice the interrupt flag within this.
constexpr int kSliceMs = 100;
}  // namespace

void EventLoop::post(Task task) { tasks_.push_back(std::move(task)); }

uint32_t EventLoop::add_timer(double delay_ms, Task task) {
  // setTimeout clamps negative, NaN and huge delays; a week is "never" for our purposes.
  if (!(delay_ms >= 0)) delay_ms = 0;
  delay_ms = std::min(delay_ms, 7.0 * 24 * 3600 * 1000);
  auto due = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(delay_ms * 1000));
  uint32_t id = next_timer_id_++;
  if (next_timer_id_ == 0) next_timer_id_ = 1;
  auto it = timers_.emplace(due, Timer{id, std::move(task)});
  timers_by_id_[id] = it;
  return id;
}

void EventLoop::cancel_timer(uint32_t id) {
  auto it = timers_by_id_.find(id);
  if (it == timers_by_id_.end()) return;
  timers_.erase(it->second);
  timers_by_id_.erase(it);
}

uint64_t EventLoop::watch_fd(int fd, short events, std::function<void(short)> on_ready) {
  uint64_t id = next_watch_id_++;
  watches_[id] = Watch{fd, events, std::move(on_ready)};
  return id;
}

void EventLoop::cancel_watch(uint64_t id) { watches_.erase(id); }

bool EventLoop::alive() const { return !tasks_.empty() || !timers_.empty() || !watches_.empty(); }

bool EventLoop::run_ready_tasks() {
  // Only the tasks present now: a task that posts another lets timers and fds have a turn.
  size_t n = tasks_.size();
  for (size_t i = 0; i < n && !tasks_.empty(); ++i) {
    Task t = std::move(tasks_.front());
    tasks_.pop_front();
    t();
  }
  return n > 0;
}

bool EventLoop::run_due_timers() {
  bool ran = false;
  auto now = Clock::now();
  // Timers due now, in deadline order; ones added while running wait for the next turn.
  std::vector<uint32_t> due;
  for (auto it = timers_.begin(); it != timers_.end() && it->first <= now; ++it)
    due.push_back(it->second.id);
  for (uint32_t id : due) {
    auto found = timers_by_id_.find(id);
    if (found == timers_by_id_.end()) continue;  // cancelled by an earlier timer's task
    Task t = std::move(found->second->second.task);
    timers_.erase(found->second);
    timers_by_id_.erase(found);
    t();
    ran = true;
  }
  return ran;
}

bool EventLoop::wait_fds(int timeout_ms) {
  if (watches_.empty()) {
    if (timeout_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    return false;
  }
  std::vector<struct pollfd> pfds;
  std::vector<uint64_t> ids;
  pfds.reserve(watches_.size());
  for (const auto& [id, w] : watches_) {
    pfds.push_back({w.fd, w.events, 0});
    ids.push_back(id);
  }
  int n = ::poll(pfds.data(), pfds.size(), timeout_ms);
  if (n <= 0) return false;
  bool ran = false;
  for (size_t i = 0; i < pfds.size(); ++i) {
    if (!pfds[i].revents) continue;
    auto it = watches_.find(ids[i]);
    if (it == watches_.end()) continue;  // cancelled by an earlier handler
    auto handler = std::move(it->second.on_ready);
    watches_.erase(it);
    handler(pfds[i].revents);
    ran = true;
  }
  return ran;
}

bool EventLoop::run_once(const std::atomic<bool>* interrupt) {
  if (!alive()) return false;
  bool ran = run_ready_tasks();
  ran |= run_due_timers();
  if (ran) {
    // Sockets that became ready meanwhile get their turn without waiting.
    if (!watches_.empty()) wait_fds(0);
    return true;
  }
  // Nothing ready: sleep until the earliest timer or fd readiness, in slices.
  while (true) {
    if (interrupt && interrupt->load(std::memory_order_relaxed)) return true;
    int timeout = kSliceMs;
    if (!timers_.empty()) {
      auto until = timers_.begin()->first - Clock::now();
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(until).count();
      timeout = static_cast<int>(std::clamp<int64_t>(ms, 0, kSliceMs));
    } else if (watches_.empty()) {
      return true;  // only tasks, which ran above: nothing to wait for
    }
    if (wait_fds(timeout)) return true;
    if (run_due_timers()) return true;
    if (!tasks_.empty()) return true;
  }
}

}  // namespace wc::host::gojs
