// The interpreter's internal form of one function.
//
// Frame layout, in 64-bit slots from the frame pointer:
//   [params | declared locals | constants | operand stack (max_height)]
// Every operand of an internal instruction names a frame slot, so locals and constants are read
// in place (no local.get / const instructions on the hot path). A caller leaves the arguments at
// the top of its operand stack and the callee's frame starts there; results come back in the
// callee's slots 0..n, which are exactly where the caller expects them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/jit/native_code.h"
#include "engine/types.h"

namespace wc::engine {

struct CompiledFunction {
  // Instruction stream: each instruction is an 8-byte handler address (two words) followed by
  // 32-bit operands; see iops.h for each instruction's operands.
  std::vector<uint32_t> code;
  std::vector<uint64_t> constants;       // the constant pool (slots after the locals)
  std::vector<uint64_t> frame_template;  // num_locals zeros then the constants: copied on entry
  uint32_t num_params = 0;
  uint32_t num_locals = 0;  // declared locals, zeroed on entry
  uint32_t num_results = 0;
  uint32_t frame_slots = 0;  // params + locals + constants + max operand height
  // Machine code for this function (the JIT tier), when the store compiles natively.
  std::unique_ptr<wc::jit::NativeCode> native;
  // `--engine auto`: calls plus loop back-edges left before the interpreter asks the store to
  // compile this function. Only the interpreter running it counts (a store is single-threaded).
  mutable int32_t tier_up_budget = INT32_MAX;
};

// The interp and auto engines translate a function on its first call: most functions of a big
// module (Go's tens of thousands) never run. Until then the function's `code` is this shared,
// never-written stand-in, whose frame (kUntranslatedFrameSlots) never fits the value stack: the
// call path's own stack check sends the first call to its slow path, which translates
// (Store::translate) and calls again, so a call of a translated function costs nothing extra.
inline constexpr uint32_t kUntranslatedFrameSlots = UINT32_MAX;
const CompiledFunction* untranslated_function();

}  // namespace wc::engine
