// Bounds one guest call by wall-clock time: raises a store's interrupt flag once the deadline
// passes, so a runaway loop ends with TrapKind::Interrupted. One background thread serves every
// arm/disarm, so bounding a call costs no thread creation.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/runtime/store.h"

namespace wc::jitdiff {

class Watchdog {
 public:
  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Interrupts `store` unless disarm() comes within `budget`. Clears the store's flag first.
  void arm(engine::Store& store, std::chrono::milliseconds budget);
  // After this returns the watchdog no longer touches the store; the flag is cleared.
  void disarm();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  engine::Store* store_ = nullptr;  // armed when non-null
  std::chrono::steady_clock::time_point deadline_;
  bool fired_ = false;  // the armed store has been interrupted
  bool stop_ = false;
  std::thread thread_;
};

// Arms on construction, disarms on destruction.
class WatchdogScope {
 public:
  WatchdogScope(Watchdog& dog, engine::Store& store, std::chrono::milliseconds budget) : dog_(dog) {
    dog_.arm(store, budget);
  }
  ~WatchdogScope() { dog_.disarm(); }
  WatchdogScope(const WatchdogScope&) = delete;
  WatchdogScope& operator=(const WatchdogScope&) = delete;

 private:
  Watchdog& dog_;
};

}  // namespace wc::jitdiff
