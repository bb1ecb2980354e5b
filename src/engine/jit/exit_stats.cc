#include "engine/jit/exit_stats.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/interp/iops.h"

namespace wc::jit {
namespace {

struct Table {
  std::mutex mu;  // several threads may run compiled code
  std::unordered_map<const void*, uint64_t> exits;
  bool printed = false;
};

// Set by count_exits_for_testing().
std::atomic<bool> counting_for_tests{false};

Table& table() {
  static Table* t = new Table;  // never destroyed: the atexit printer reads it
  return *t;
}

void print_table() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  if (t.printed) return;  // once: print_exit_stats() and then atexit in the same process
  t.printed = true;
  std::unordered_map<const void*, int> ops;
  const void* const* h = wc::engine::iop_handlers();
  for (int i = 0; i < static_cast<int>(wc::engine::IOp::Count); ++i) ops[h[i]] = i;
  std::vector<std::pair<uint64_t, const void*>> order;
  uint64_t total = 0;
  for (const auto& [handler, n] : t.exits) {
    order.push_back({n, handler});
    total += n;
  }
  std::sort(order.rbegin(), order.rend());
  std::fprintf(stderr, "jit exits to the interpreter: %llu\n",
               static_cast<unsigned long long>(total));
  for (const auto& [n, handler] : order) {
    auto it = ops.find(handler);
    const char* name =
        it == ops.end() ? "?" : wc::engine::iop_name(static_cast<wc::engine::IOp>(it->second));
    std::fprintf(stderr, "  %12llu  %s\n", static_cast<unsigned long long>(n), name);
  }
}

// WC_JIT_STATS (read once): counting and the printer.
bool stats_requested() {
  static const bool on = [] {
    const char* e = std::getenv("WC_JIT_STATS");
    bool enabled = e && *e && std::strcmp(e, "0") != 0;
    if (enabled) std::atexit(print_table);
    return enabled;
  }();
  return on;
}

}  // namespace

void print_exit_stats() {
  if (stats_requested()) print_table();
}

bool exit_stats_enabled() {
  return stats_requested() || counting_for_tests.load(std::memory_order_relaxed);
}

void count_exits_for_testing() { counting_for_tests.store(true, std::memory_order_relaxed); }

uint64_t exits_at(wc::engine::IOp op) {
  const void* handler = wc::engine::iop_handlers()[static_cast<int>(op)];
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.exits.find(handler);
  return it == t.exits.end() ? 0 : it->second;
}

void record_exit(const void* handler) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  ++t.exits[handler];
}

}  // namespace wc::jit
