#include "watchdog.h"

namespace wc::jitdiff {

Watchdog::Watchdog() : thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Watchdog::arm(engine::Store& store, std::chrono::milliseconds budget) {
  store.clear_interrupt();
  {
    std::lock_guard lock(mu_);
    store_ = &store;
    fired_ = false;
    deadline_ = std::chrono::steady_clock::now() + budget;
  }
  cv_.notify_all();
}

void Watchdog::disarm() {
  engine::Store* store = nullptr;
  {
    std::lock_guard lock(mu_);
    store = store_;
    store_ = nullptr;
  }
  // The watchdog raises the flag only while holding mu_ with store_ set, so once store_ is
  // cleared above no late interrupt can reach the next call.
  if (store) store->clear_interrupt();
}

void Watchdog::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (!store_ || fired_) {
      cv_.wait(lock);
      continue;
    }
    cv_.wait_until(lock, deadline_);
    if (store_ && !fired_ && std::chrono::steady_clock::now() >= deadline_) {
      store_->interrupt();  // the flag stays up until disarm clears it
      fired_ = true;
    }
  }
}

}  // namespace wc::jitdiff
