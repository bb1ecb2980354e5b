// What the x86-64 compiler needs to know about a function before it emits any code: where its
// instructions start, which frame slots are worth pinning in registers, and where the
// interpreter may enter the code. Found by one cheap scan of the slot form (no code emitted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/interp/iops.h"

namespace wc::engine {
struct CompiledFunction;
}

namespace wc::jit {

// The instructions of a function's slot form, in order.
struct DecodedCode {
  std::vector<uint32_t> starts;      // code word of each instruction
  std::vector<wc::engine::IOp> ops;  // its operation
  std::vector<bool> is_start;        // per code word
};

// False when the code is not a well-formed instruction stream (an unknown handler, operands
// past the end).
bool decode_code(const std::vector<uint32_t>& code, DecodedCode* out);

// How each instruction template touches frame slots, as (slot, code word) pairs, and the
// control facts that weigh them. The compiler's templates (x64_compiler.cc) and
// record_instruction() must agree: check_analysis() compares the two.
struct SlotFacts {
  std::vector<std::pair<uint32_t, uint32_t>> uses;        // by integer instructions
  std::vector<std::pair<uint32_t, uint32_t>> float_uses;  // by SSE instructions
  std::vector<std::pair<uint32_t, uint32_t>> copy_uses;   // by plain copies
  // Both slots of each v128 operand of v128 instructions, which work on the frame
  // (x64_simd.h): a slot used more this way than as a scalar is not pinned, since a pin
  // would be reloaded after every v128 write and written back before every v128 read, an
  // 8-byte store under a 16-byte load (a failed store forward). Not checked against the
  // templates (check_analysis): a pin plan is correct whatever it pins.
  std::vector<std::pair<uint32_t, uint32_t>> vector_uses;
  std::vector<std::pair<uint32_t, uint32_t>> back_edges;  // (target, source) code words
  std::vector<uint32_t> call_returns;                     // code words after calls
  std::vector<uint32_t> branch_targets;  // code words branched to (any direction, repeats)
  // Constant slots the integer templates take as imm32 operands (constants that no return
  // overwrites and that fit a sign-extended imm32): never pinned to a general register,
  // where they would only take a register and its reload after every call.
  std::vector<uint32_t> immediates;  // ascending
};

// Registers the compiler pins slots to (x64_compiler.cc names them); the plan fills at most
// this many of each.
constexpr size_t kMaxPins = 7;
constexpr size_t kMaxFloatPins = 13;
// xmm registers always left to the float cache (x64_compiler.cc), for the temporaries of
// float expressions: with every register pinned they would each go through the frame.
constexpr size_t kMinFloatCache = 4;

// br_table: up to this many targets as a compare chain, more through a jump table; above
// kMaxJumpTable targets the instruction stays interpreted (bounds the table at 4 MiB).
constexpr uint32_t kMaxCompareChain = 4;
constexpr uint32_t kMaxJumpTable = uint32_t{1} << 20;

// What the emit pass works from.
struct PinPlan {
  std::vector<uint32_t> pinned_slots;        // at most kMaxPins, in register order
  std::vector<uint32_t> float_pinned_slots;  // at most kMaxFloatPins, in register order
  std::vector<bool> enterable;               // per code word: the interpreter may enter there
  // Per code word: 1 + the index of its label, or 0 when nothing jumps there (xbyak labels
  // cost a hash-table entry each, so only branch targets and entries get one).
  std::vector<uint32_t> label_index;
  uint32_t label_count = 0;
};

// The facts of a whole decoded function.
SlotFacts scan_function(const wc::engine::CompiledFunction& f, const DecodedCode& d);

// The slots most used by integer (resp. SSE) instructions, weighted 8^loop depth, pinned;
// slots used both ways stay in memory. Enterable: function start, loop headers (backward
// branch targets), call returns (the places the interpreter looks for compiled code).
PinPlan make_plan(const SlotFacts& facts, size_t code_words);

// Shared with the emitter: CPU features that change which templates exist.
bool cpu_has_popcnt();
bool cpu_has_sse41();

}  // namespace wc::jit
