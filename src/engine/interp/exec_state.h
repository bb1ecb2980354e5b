// Per-store execution state of the interpreter: the value stack that holds every frame's
// locals and operands, and the call-depth budget. Complete type for Store's unique_ptr.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/runtime/store.h"

namespace wc::engine {

struct Store::ExecState {
  std::unique_ptr<uint64_t[]> stack;  // value stack, in 64-bit slots
  uint64_t* stack_end = nullptr;
  uint64_t* sp = nullptr;            // first free slot (nested invokes start here)
  uint32_t depth = 0;                // current wasm call depth
};

}  // namespace wc::engine
