// Differential check of the JIT tier against the interpreter (issue 11): one module is
// instantiated in two stores, one interpreting and one with every function compiled to x86-64
// (jit_min_run 1, so every compiled instruction can be entered), every exported function is
// called in both with the same arguments (arg_patterns.h), and after each call the two must
// agree on results, trap kind/message/backtrace, the import log, every memory byte, every
// global and every table. The first disagreement is reported.
//
// Calls are bounded by a watchdog that raises the store's interrupt flag: an interrupt lands at
// a different point in each tier, so once either side is interrupted the states can no longer
// be compared; the check stops there and the module counts as agreeing up to that call.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "watchdog.h"

namespace wc::jitdiff {

struct DiffOptions {
  std::chrono::milliseconds call_budget{2000};  // per call (and per instantiation), each tier
  uint32_t jit_min_run = 1;                     // see StoreConfig::jit_min_run
  uint64_t max_memory_bytes = uint64_t{256} << 20;
  size_t value_stack_bytes = size_t{8} << 20;
  uint32_t patterns = 5;    // argument patterns (at most kNumArgPatterns)
  size_t max_calls = 2000;  // export calls per module
};

enum class Verdict {
  Same,     // every call agreed (possibly stopped early: see DiffReport::stopped)
  Differ,   // a difference: DiffReport::detail
  Invalid,  // the module does not decode or validate: DiffReport::detail says why
};

struct DiffReport {
  Verdict verdict = Verdict::Same;
  std::string detail;           // the difference, or why the module was rejected
  std::string stopped;          // non-empty when an interrupt ended the check early
  size_t calls = 0;             // export calls compared
  size_t traps = 0;             // of which trapped (in both)
  size_t functions = 0;         // defined functions
  size_t native_functions = 0;  // of which the JIT compiled
};

const char* verdict_name(Verdict v);

class DiffChecker {
 public:
  explicit DiffChecker(DiffOptions options = {}) : options_(options) {}
  DiffReport check(std::span<const uint8_t> wasm);

 private:
  DiffOptions options_;
  Watchdog watchdog_;
};

}  // namespace wc::jitdiff
