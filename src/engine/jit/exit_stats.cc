#include "engine/jit/exit_stats.h"

#include <algorithm>
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

}  // namespace

void print_exit_stats() {
  if (exit_stats_enabled()) print_table();
}

bool exit_stats_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("WC_JIT_STATS");
    bool enabled = e && *e && std::strcmp(e, "0") != 0;
    if (enabled) std::atexit(print_table);
    return enabled;
  }();
  return on;
}

void record_exit(const void* handler) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  ++t.exits[handler];
}

}  // namespace wc::jit
