// WC_JIT_STATS=1: counts, per internal instruction, how often compiled code left to the
// interpreter there, and prints the table to stderr at process exit. A developer aid for
// finding what a hot loop still leaves to the interpreter; off by default, and when off it
// costs one predictable branch per exit.
#pragma once

#include <cstdint>

namespace wc::jit {

// True when WC_JIT_STATS is set to a non-empty value other than "0" (read once).
bool exit_stats_enabled();

// Notes one exit at the instruction whose handler address is `handler`.
void record_exit(const void* handler);

// Prints the table now, if enabled, for processes that leave with _exit and so never run
// the atexit printer (the sandboxed worker).
void print_exit_stats();

}  // namespace wc::jit
