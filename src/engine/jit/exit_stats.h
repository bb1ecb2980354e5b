// WC_JIT_STATS=1: counts, per internal instruction, how often compiled code left to the
// interpreter there, and prints the table to stderr at process exit. A developer aid for
// finding what a hot loop still leaves to the interpreter; off by default, and when off it
// costs one predictable branch per exit.
#pragma once

#include <cstdint>

#include "engine/interp/iops.h"

namespace wc::jit {

// True when WC_JIT_STATS is set to a non-empty value other than "0" (read once), or once
// count_exits_for_testing() ran. Read by the interpreter each time it starts a run.
bool exit_stats_enabled();

// Tests: count exits from now on (interpreter runs started after this call), without the
// printer at exit, so a test can check what compiled code still leaves to the interpreter.
void count_exits_for_testing();

// The exits counted so far at instructions of kind `op` (ops whose handlers the compiler
// folded into one share a count).
uint64_t exits_at(wc::engine::IOp op);

// Notes one exit at the instruction whose handler address is `handler`.
void record_exit(const void* handler);

// Prints the table now, if enabled, for processes that leave with _exit and so never run
// the atexit printer (the sandboxed worker).
void print_exit_stats();

}  // namespace wc::jit
