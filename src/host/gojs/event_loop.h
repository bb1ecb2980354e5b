// The worker's event loop for Go js/wasm programs: what node's libuv loop does for
// wasm_exec.js. Three sources of work, each delivered on a later turn of the loop, never from
// inside the host call that asked for it (Node's rule: callbacks are always asynchronous):
//   - callbacks queued by host functions (an fs call completed: call Go's callback with
//     (err, result));
//   - timers (runtime.scheduleTimeoutEvent);
//   - readiness of file descriptors (a brokered socket became readable or writable).
// The loop runs C++ closures; calling into Go (resume) is what those closures do.
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

namespace wc::host::gojs {

class EventLoop {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  // Runs `task` on a later turn, after every task posted before it (FIFO).
  void post(Task task);

  // Runs `task` once `delay_ms` milliseconds have passed (setTimeout). Returns an id > 0.
  uint32_t add_timer(double delay_ms, Task task);
  // Cancels a timer; unknown or already-run ids are ignored (clearTimeout).
  void cancel_timer(uint32_t id);
  bool has_timer(uint32_t id) const { return timers_by_id_.count(id) != 0; }

  // Runs `on_ready(revents)` once `fd` polls ready for `events` (POLLIN / POLLOUT); errors and
  // hang-ups count as ready (the handler finds out with its read/write). One-shot.
  uint64_t watch_fd(int fd, short events, std::function<void(short revents)> on_ready);
  void cancel_watch(uint64_t id);

  // True while any task, timer or fd watch is pending: the program may still make progress.
  bool alive() const;

  // Runs one turn: every posted task that is ready, then due timers; if none of those ran,
  // waits (in slices of at most 100 ms, returning early when `interrupt` is set) for the
  // earliest timer or fd readiness and runs what became ready. Returns false when nothing is
  // pending (the caller decides what that means: a deadlock for Go).
  bool run_once(const std::atomic<bool>* interrupt);

 private:
  struct Timer {
    uint32_t id;
    Task task;
  };
  struct Watch {
    int fd;
    short events;
    std::function<void(short)> on_ready;
  };
  bool run_ready_tasks();
  bool run_due_timers();
  // Waits up to `timeout_ms` for fd readiness (or just sleeps with no watches); runs handlers.
  bool wait_fds(int timeout_ms);

  std::deque<Task> tasks_;
  std::multimap<Clock::time_point, Timer> timers_;
  std::map<uint32_t, std::multimap<Clock::time_point, Timer>::iterator> timers_by_id_;
  uint32_t next_timer_id_ = 1;
  std::map<uint64_t, Watch> watches_;
  uint64_t next_watch_id_ = 1;
};

}  // namespace wc::host::gojs
