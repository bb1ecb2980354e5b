// Traps are values: a kind, the spec's message, and a backtrace of function names.
#pragma once

#include <string>
#include <vector>

namespace wc::engine {

enum class TrapKind {
  Unreachable,
  MemoryOutOfBounds,
  TableOutOfBounds,
  UndefinedElement,      // call_indirect index past the table
  UninitializedElement,  // call_indirect through a null entry
  IndirectCallTypeMismatch,
  IntegerDivideByZero,
  IntegerOverflow,
  InvalidConversion,
  StackExhausted,
  Interrupted,  // the host asked the guest to stop (epoch / timeout)
  Host,         // a host function failed
  Exit,         // the guest asked to exit (proc_exit); `exit_code` is set
};

// The message the spec test suite expects for each kind.
const char* trap_message(TrapKind kind);

struct Trap {
  TrapKind kind = TrapKind::Unreachable;
  std::string message;
  std::vector<std::string> backtrace;  // innermost first
  int exit_code = 0;                   // TrapKind::Exit only
};

}  // namespace wc::engine
