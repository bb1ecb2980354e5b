// Turns a fault in a linear memory's guard region into a trap. Each interpreter entry opens a
// TrapScope; the SIGSEGV/SIGBUS handler longjmps to the innermost one when the faulting address
// lies in the reservation of the memory the running code uses, and otherwise passes the signal
// on (a real crash stays a crash).
#pragma once

#include <csetjmp>

#include "engine/runtime/store.h"

namespace wc::engine {

struct TrapScope {
  sigjmp_buf buf;
  TrapScope* prev = nullptr;
  Instance* prev_instance = nullptr;
  // Where the fault that longjmped here happened (x86-64; 0 elsewhere): the instruction
  // address and r15, which compiled code keeps the call depth in (jit/x64_compiler.cc).
  uint64_t fault_pc = 0;
  uint64_t fault_r15 = 0;
};

// Usage (sigsetjmp must run in the frame that stays alive):
//   TrapScope scope; trap_scope_push(scope);
//   if (sigsetjmp(scope.buf, 0) == 0) { ...run... } else { ...faulted... }
//   trap_scope_pop(scope);
void trap_scope_push(TrapScope& scope);
void trap_scope_pop(TrapScope& scope);

// The instance whose memory the running code accesses (its memory 0).
void set_trap_instance(Instance* instance);

}  // namespace wc::engine
