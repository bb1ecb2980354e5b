// Per-store execution state of the interpreter: the value stack that holds every frame's
// locals and operands, and the call stack of return addresses. Complete type for Store.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>

#include "engine/runtime/store.h"

namespace wc::engine {

// One activation: where to return to (code, frame and the caller's instance), and the
// function that was entered (for backtraces).
struct CallFrame {
  const uint32_t* ret_ip;
  uint64_t* ret_fp;
  Instance* ret_instance;
  FuncInstance* func;
};

struct Store::ExecState {
  std::unique_ptr<uint64_t[]> stack;  // value stack, in 64-bit slots
  uint64_t* stack_end = nullptr;
  uint64_t* sp = nullptr;  // first free slot: where a nested invoke starts
  std::unique_ptr<CallFrame[]> frames;
  uint32_t max_depth = 0;
  uint32_t depth = 0;             // frames in use
  std::optional<Trap> host_trap;  // set when a host function trapped
  // A host function called from compiled code threw something call_host does not turn into a
  // trap: kept here and rethrown by the interpreter where its own call would have thrown it
  // (C++ exceptions never unwind through compiled code).
  std::exception_ptr host_exception;
  uint64_t trap_detail = 0;  // the element index of a failed call_indirect
  // What a failed call from compiled code (JitContext::call_host, call_cold) ends the run
  // with: the status the interpreter's own call would have returned (0: a host trap).
  int jit_failed_status = 0;
  // Nested runs for compiled code's calls to cold functions (JitContext::call_cold) grow the
  // thread's native stack; below this address the helper refuses and the code leaves the
  // call to the interpreter instead. Set by the outermost interpret() on this store.
  uintptr_t native_stack_limit = 0;
};

}  // namespace wc::engine
