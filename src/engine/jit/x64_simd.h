// The JIT's v128 instructions (Simd, Select128, GlobalGet128, GlobalSet128), emitted against
// the frame: the compiler (x64_compiler.cc) writes pinned and cached slots back before the
// first v128 instruction of a run and reloads them after the last one, so these templates
// read and write frame slots only. A SIMD op without an SSE template here calls the same
// SimdFn the interpreter calls (simd_ops.h), so its result is the interpreter's by
// construction; an out-of-bounds access faults in the guard region from that function or
// from the template, with the call depth and frame stack up to date either way, and becomes
// the interpreter's MemoryOutOfBounds trap (trap_handler.h).
#pragma once

#include <xbyak/xbyak.h>

#include <cstdint>

#include "engine/interp/iops.h"

namespace wc::jit {

// The instructions emit_v128_instruction() compiles.
bool is_v128_instruction(wc::engine::IOp o);

// The frame slots an SSE template (one that calls no function) reads and writes.
struct V128Slots {
  uint32_t reads[6];
  uint32_t writes[2];
  int read_count = 0;
  int write_count = 0;
};
// False when instruction `o` (operands `ops`) has no such template: it calls its SimdFn.
// Such a template uses only rax, rcx, rdx, xmm0, xmm1 and xmm15 (the compiler's template
// scratch) besides the fixed registers, so the compiler need only write its read slots to the
// frame and reload its written ones.
bool v128_template_slots(wc::engine::IOp o, const uint32_t* ops, V128Slots* out);

// The first slots of the v128 operands (two slots each) of v128 instruction `o` (operands
// `ops`), at most 4, into `out`; returns how many. Its other operands are scalars.
int v128_value_slots(wc::engine::IOp o, const uint32_t* ops, uint32_t* out);

// No slot (see emit_v128_instruction's xmm0_slot).
inline constexpr uint32_t kNoV128Slot = UINT32_MAX;

// Emits instruction `o` at code word `word` (`ops`: its operands) with every slot in the
// frame. Registers: rbx frame, r12 memory 0, r13 JitContext, r14 the function's slot-form
// code (the SimdFn pointer is read from there, so the code holds no absolute address), rsp
// 16-byte aligned. Clobbers every caller-saved register.
// `*xmm0_slot`: in, the first of two frame slots whose v128 xmm0 holds now (the caller
// vouches that nothing changed either since: kNoV128Slot when unsure), so a template reading
// it as its first operand skips the reload; out, the same for after this instruction (a
// template that ended by storing its result from xmm0), else kNoV128Slot.
void emit_v128_instruction(Xbyak::CodeGenerator& g, wc::engine::IOp o, const uint32_t* ops,
                           uint32_t word, uint32_t* xmm0_slot);

}  // namespace wc::jit
