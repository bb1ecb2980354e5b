// v128 templates (see x64_simd.h). Slots are addressed from rbx; a v128 is two adjacent
// slots, so one unaligned 16-byte access (movups) moves it. Frame slots are only 8-byte
// aligned, so every vector operand is loaded with movups first (legacy SSE memory operands
// must be 16-byte aligned); constants are built in registers.
//
// A template must give exactly the interpreter's result (simd_ops.cc), bit for bit, NaN
// payloads included: most integer ops are one x86 instruction; for f32x4/f64x2 add, sub, mul
// and div a NaN operand makes both the template (the first operand is the first source) and
// the interpreter (simd_ops.cc's nan_first) return the first NaN operand, quieted; the ops
// where x86 differs from wasm (unsigned compares, byte shifts, min/max, pmin/pmax,
// saturating conversions, swizzle's out-of-range indices) carry fix-ups, each explained
// where it is emitted. Ops without a template on this CPU (those needing SSE4.1 or SSE4.2
// where it is missing) go through the SimdFn. tests/jit/probes/simd_templates.wat compares every
// template with the interpreter on edge inputs.
#include "engine/jit/x64_simd.h"

#include <xbyak/xbyak_util.h>

#include <bit>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <unordered_map>

#include "engine/interp/simd_ops.h"
#include "engine/jit/native_code.h"
#include "engine/jit/x64_analysis.h"
#include "engine/runtime/store.h"
#include "engine/simd_opcodes.h"

namespace wc::jit {
namespace {

using wc::engine::IOp;
using wc::engine::Op;
using wc::engine::SimdFn;
using namespace Xbyak;
using namespace Xbyak::util;

static_assert(offsetof(wc::engine::GlobalInstance, hi) ==
                  offsetof(wc::engine::GlobalInstance, bits) + 8,
              "a v128 global's halves are adjacent");

// The op a Simd instruction runs, found from its function pointer (the slot form keeps only
// the pointer). Ops sharing one function have the same semantics, so any of them will do.
const std::unordered_map<SimdFn, Op>& ops_by_function() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<SimdFn, Op>;
    for (uint32_t sub = 0; sub < 0x200; ++sub) {
      const Op op = static_cast<Op>(0xFD0000u | sub);
      if (SimdFn fn = wc::engine::simd_function(op)) m->emplace(fn, op);
    }
    return m;
  }();
  return *map;
}

bool sse41() { return cpu_has_sse41(); }  // also implies SSSE3 (pshufb, pabs*, pmaddubsw)
bool sse42() {
  static const bool yes = cpu_has_sse41() && Xbyak::util::Cpu().has(Xbyak::util::Cpu::tSSE42);
  return yes;
}

uint32_t sub_of(Op op) { return static_cast<uint32_t>(op) & 0xFFFFu; }

// Whether `op` has an SSE template on this CPU. Every op listed here must be emitted by
// V128Emitter::inline_op (it throws otherwise: a template that fell back to a call would
// clobber the pinned registers the compiler did not write back).
bool has_template(Op op, const uint32_t* ops) {
  const wc::engine::SimdInfo info = wc::engine::simd_info(sub_of(op));
  // Lane immediates are validated; checked again so that a bad one cannot address outside
  // the vector (n: the lane count, or for lane loads/stores log2 of the lane's bytes).
  using K = wc::engine::SimdKind;
  if ((info.kind == K::Extract || info.kind == K::Replace) && ops[4] >= info.n) return false;
  if ((info.kind == K::LoadLane || info.kind == K::StoreLane) && ops[4] >= (16u >> info.n))
    return false;
  const uint32_t sub = sub_of(op);
  // Integer compares of i8x16, i16x8 and i32x4 (0x23..0x40): SSE2.
  if (sub >= 0x23 && sub <= 0x40) return true;
  switch (op) {
    // i64x2 compares: pcmpeqq is SSE4.1, pcmpgtq SSE4.2.
    case Op::I64x2Eq:
    case Op::I64x2Ne: return sse41();
    case Op::I64x2LtS:
    case Op::I64x2GtS:
    case Op::I64x2LeS:
    case Op::I64x2GeS: return sse42();
    // SSE4.1 (or SSSE3, which every SSE4.1 CPU has).
    case Op::I32x4Mul:
    case Op::I64x2Mul:
    case Op::I8x16Shuffle:
    case Op::I8x16Swizzle:
    case Op::I8x16ReplaceLane:
    case Op::I32x4ReplaceLane:
    case Op::F32x4ReplaceLane:
    case Op::I64x2ReplaceLane:
    case Op::F64x2ReplaceLane:
    case Op::V128Load8Lane:
    case Op::V128Load32Lane:
    case Op::V128Load64Lane:
    case Op::I8x16Abs:
    case Op::I16x8Abs:
    case Op::I32x4Abs:
    case Op::I8x16Popcnt:
    case Op::I8x16MinS:
    case Op::I8x16MaxS:
    case Op::I16x8MinU:
    case Op::I16x8MaxU:
    case Op::I32x4MinS:
    case Op::I32x4MinU:
    case Op::I32x4MaxS:
    case Op::I32x4MaxU:
    case Op::I16x8NarrowI32x4U:
    case Op::I16x8Q15mulrSatS:
    case Op::I16x8ExtaddPairwiseI8x16S:
    case Op::I16x8ExtaddPairwiseI8x16U:
    case Op::I64x2ExtmulLowI32x4S:
    case Op::I64x2ExtmulHighI32x4S:
    case Op::F32x4Ceil:
    case Op::F32x4Floor:
    case Op::F32x4Trunc:
    case Op::F32x4Nearest:
    case Op::F64x2Ceil:
    case Op::F64x2Floor:
    case Op::F64x2Trunc:
    case Op::F64x2Nearest:
    case Op::I32x4TruncSatF32x4U:
    case Op::I32x4TruncSatF64x2UZero: return sse41();
    // SSE2.
    case Op::V128Load:
    case Op::V128Load8x8S:
    case Op::V128Load8x8U:
    case Op::V128Load16x4S:
    case Op::V128Load16x4U:
    case Op::V128Load32x2S:
    case Op::V128Load32x2U:
    case Op::V128Load8Splat:
    case Op::V128Load16Splat:
    case Op::V128Load32Splat:
    case Op::V128Load64Splat:
    case Op::V128Load32Zero:
    case Op::V128Load64Zero:
    case Op::V128Load16Lane:
    case Op::V128Store:
    case Op::V128Store8Lane:
    case Op::V128Store16Lane:
    case Op::V128Store32Lane:
    case Op::V128Store64Lane:
    case Op::I8x16Splat:
    case Op::I16x8Splat:
    case Op::I32x4Splat:
    case Op::F32x4Splat:
    case Op::I64x2Splat:
    case Op::F64x2Splat:
    case Op::I8x16ExtractLaneS:
    case Op::I8x16ExtractLaneU:
    case Op::I16x8ExtractLaneS:
    case Op::I16x8ExtractLaneU:
    case Op::I32x4ExtractLane:
    case Op::F32x4ExtractLane:
    case Op::I64x2ExtractLane:
    case Op::F64x2ExtractLane:
    case Op::I16x8ReplaceLane:
    case Op::F32x4Eq:
    case Op::F32x4Ne:
    case Op::F32x4Lt:
    case Op::F32x4Gt:
    case Op::F32x4Le:
    case Op::F32x4Ge:
    case Op::F64x2Eq:
    case Op::F64x2Ne:
    case Op::F64x2Lt:
    case Op::F64x2Gt:
    case Op::F64x2Le:
    case Op::F64x2Ge:
    case Op::V128Not:
    case Op::V128And:
    case Op::V128AndNot:
    case Op::V128Or:
    case Op::V128Xor:
    case Op::V128Bitselect:
    case Op::V128AnyTrue:
    case Op::I8x16AllTrue:
    case Op::I16x8AllTrue:
    case Op::I32x4AllTrue:
    case Op::I64x2AllTrue:
    case Op::I8x16Bitmask:
    case Op::I16x8Bitmask:
    case Op::I32x4Bitmask:
    case Op::I64x2Bitmask:
    case Op::I8x16Neg:
    case Op::I16x8Neg:
    case Op::I32x4Neg:
    case Op::I64x2Neg:
    case Op::I64x2Abs:
    case Op::I8x16Shl:
    case Op::I8x16ShrS:
    case Op::I8x16ShrU:
    case Op::I16x8Shl:
    case Op::I16x8ShrS:
    case Op::I16x8ShrU:
    case Op::I32x4Shl:
    case Op::I32x4ShrS:
    case Op::I32x4ShrU:
    case Op::I64x2Shl:
    case Op::I64x2ShrS:
    case Op::I64x2ShrU:
    case Op::I8x16Add:
    case Op::I8x16Sub:
    case Op::I8x16AddSatS:
    case Op::I8x16AddSatU:
    case Op::I8x16SubSatS:
    case Op::I8x16SubSatU:
    case Op::I8x16MinU:
    case Op::I8x16MaxU:
    case Op::I8x16AvgrU:
    case Op::I16x8Add:
    case Op::I16x8Sub:
    case Op::I16x8Mul:
    case Op::I16x8AddSatS:
    case Op::I16x8AddSatU:
    case Op::I16x8SubSatS:
    case Op::I16x8SubSatU:
    case Op::I16x8MinS:
    case Op::I16x8MaxS:
    case Op::I16x8AvgrU:
    case Op::I32x4Add:
    case Op::I32x4Sub:
    case Op::I64x2Add:
    case Op::I64x2Sub:
    case Op::I8x16NarrowI16x8S:
    case Op::I8x16NarrowI16x8U:
    case Op::I16x8NarrowI32x4S:
    case Op::I16x8ExtendLowI8x16S:
    case Op::I16x8ExtendHighI8x16S:
    case Op::I16x8ExtendLowI8x16U:
    case Op::I16x8ExtendHighI8x16U:
    case Op::I32x4ExtendLowI16x8S:
    case Op::I32x4ExtendHighI16x8S:
    case Op::I32x4ExtendLowI16x8U:
    case Op::I32x4ExtendHighI16x8U:
    case Op::I64x2ExtendLowI32x4S:
    case Op::I64x2ExtendHighI32x4S:
    case Op::I64x2ExtendLowI32x4U:
    case Op::I64x2ExtendHighI32x4U:
    case Op::I16x8ExtmulLowI8x16S:
    case Op::I16x8ExtmulHighI8x16S:
    case Op::I16x8ExtmulLowI8x16U:
    case Op::I16x8ExtmulHighI8x16U:
    case Op::I32x4ExtmulLowI16x8S:
    case Op::I32x4ExtmulHighI16x8S:
    case Op::I32x4ExtmulLowI16x8U:
    case Op::I32x4ExtmulHighI16x8U:
    case Op::I64x2ExtmulLowI32x4U:
    case Op::I64x2ExtmulHighI32x4U:
    case Op::I32x4DotI16x8S:
    case Op::I32x4ExtaddPairwiseI16x8S:
    case Op::I32x4ExtaddPairwiseI16x8U:
    case Op::F32x4Abs:
    case Op::F32x4Neg:
    case Op::F32x4Sqrt:
    case Op::F64x2Abs:
    case Op::F64x2Neg:
    case Op::F64x2Sqrt:
    case Op::F32x4Add:
    case Op::F32x4Sub:
    case Op::F32x4Mul:
    case Op::F32x4Div:
    case Op::F32x4Min:
    case Op::F32x4Max:
    case Op::F32x4Pmin:
    case Op::F32x4Pmax:
    case Op::F64x2Add:
    case Op::F64x2Sub:
    case Op::F64x2Mul:
    case Op::F64x2Div:
    case Op::F64x2Min:
    case Op::F64x2Max:
    case Op::F64x2Pmin:
    case Op::F64x2Pmax:
    case Op::I32x4TruncSatF32x4S:
    case Op::F32x4ConvertI32x4S:
    case Op::F32x4ConvertI32x4U:
    case Op::I32x4TruncSatF64x2SZero:
    case Op::F64x2ConvertLowI32x4S:
    case Op::F64x2ConvertLowI32x4U:
    case Op::F32x4DemoteF64x2Zero:
    case Op::F64x2PromoteLowF32x4: return true;
    default: return false;
  }
}

// The form of an op's SSE template, which says the slots it touches (from its kind in
// simd_opcodes.h); None: no template (the SimdFn is called).
enum class Shape {
  None,
  Load,       // dst <- memory at slot 1
  Store,      // memory at slot 0 <- slot 1
  LoadLane,   // dst <- slot 2 with one lane from memory at slot 1
  StoreLane,  // memory at slot 0 <- one lane of slot 1
  Unary,      // dst <- f(slot 1)
  Binary,     // dst <- f(slot 1, slot 2)
  Ternary,    // dst <- f(slot 1, slot 2, slot 3)
  Scalar,     // dst <- f(slot 1) and slot 2 a scalar (shifts, replace_lane)
  Splat,      // dst <- scalar slot 1
  Extract,    // scalar dst <- slot 1 (extract_lane, any_true, all_true, bitmask)
};

Shape shape_of(Op op, const uint32_t* ops) {
  using K = wc::engine::SimdKind;
  if (!has_template(op, ops)) return Shape::None;
  switch (wc::engine::simd_info(sub_of(op)).kind) {
    case K::Load: return Shape::Load;
    case K::Store: return Shape::Store;
    case K::LoadLane: return Shape::LoadLane;
    case K::StoreLane: return Shape::StoreLane;
    case K::Un: return Shape::Unary;
    case K::Bin: return Shape::Binary;
    case K::Tern:
    case K::Shuffle: return Shape::Ternary;  // a shuffle's slot 3 holds its lane indices
    case K::Shift:
    case K::Replace: return Shape::Scalar;
    case K::Splat: return Shape::Splat;
    case K::Extract:
    case K::Test: return Shape::Extract;
    case K::None:
    case K::Const: return Shape::None;
  }
  return Shape::None;
}

// The op of a Simd instruction (operands 5 and 6 hold its SimdFn), or nothing.
bool simd_op(const uint32_t* ops, Op* op) {
  SimdFn fn;
  static_assert(sizeof fn == 8);
  const uint64_t bits = uint64_t{ops[5]} | (uint64_t{ops[6]} << 32);
  std::memcpy(&fn, &bits, sizeof fn);
  auto it = ops_by_function().find(fn);
  if (it == ops_by_function().end()) return false;
  *op = it->second;
  return true;
}

// The integer comparisons, in the sub-opcode order of i8x16/i16x8/i32x4 (eq at 0x23, 0x2D,
// 0x37).
enum class Cmp { Eq, Ne, LtS, LtU, GtS, GtU, LeS, LeU, GeS, GeU };
bool is_unsigned(Cmp c) { return c == Cmp::LtU || c == Cmp::GtU || c == Cmp::LeU || c == Cmp::GeU; }

class V128Emitter {
 public:
  V128Emitter(CodeGenerator& g, const uint32_t* ops, uint32_t word, uint32_t xmm0_slot)
      : g_(g), ops_(ops), word_(word), xmm0_slot_(xmm0_slot) {}

  // The slots whose v128 xmm0 holds after the instruction (see emit_v128_instruction).
  uint32_t xmm0_slot_after() const { return result_in_xmm0_ ? ops_[0] : kNoV128Slot; }

  // Operands (simd_ops.h): dst a b c lane fn_lo fn_hi.
  void simd() {
    Op op;
    if (!simd_op(ops_, &op) || shape_of(op, ops_) == Shape::None) return call_function();
    if (!inline_op(op)) throw std::logic_error("v128 template listed but not emitted");
  }

  // dst a b cond
  void select128() {
    Label keep;
    g_.mov(eax, slot(3, 32));
    g_.movups(xmm0, slot(1));
    g_.test(eax, eax);
    g_.jnz(keep);
    g_.movups(xmm0, slot(2));
    g_.L(keep);
    g_.movups(slot(0), xmm0);
  }
  // dst global_index
  void global_get128() {
    global_address(ops_[1]);
    g_.movups(xmm0, xword[rax + offsetof(wc::engine::GlobalInstance, bits)]);
    g_.movups(slot(0), xmm0);
  }
  // global_index src
  void global_set128() {
    global_address(ops_[0]);
    g_.movups(xmm0, slot(1));
    g_.movups(xword[rax + offsetof(wc::engine::GlobalInstance, bits)], xmm0);
  }

 private:
  // Frame slot of operand k.
  Address slot(int k, int bits = 128, uint32_t byte_offset = 0) {
    const uint64_t disp = uint64_t{ops_[k]} * 8 + byte_offset;
    if (disp > INT32_MAX - 16) throw std::runtime_error("frame too large");
    return sized(rbx + static_cast<int32_t>(disp), bits);
  }
  static Address sized(const RegExp& e, int bits) {
    switch (bits) {
      case 8: return byte[e];
      case 16: return word[e];
      case 32: return dword[e];
      case 64: return qword[e];
      default: return xword[e];
    }
  }
  void global_address(uint32_t index) {
    const uint64_t disp = uint64_t{index} * 8;
    if (disp > INT32_MAX) throw std::runtime_error("global index too large");
    g_.mov(rax, qword[r13 + offsetof(JitContext, globals)]);
    g_.mov(rax, qword[rax + static_cast<int32_t>(disp)]);
  }
  // The effective address of a load/store: u32 base (slot k) + u32 memarg offset (operand
  // 3), as simd_ops.cc's `at` computes it. Uses rax and rcx.
  Address memory(int addr_k, int bits = 128) {
    g_.mov(eax, slot(addr_k, 32));
    uint32_t offset = ops_[3];
    if (offset > static_cast<uint32_t>(INT32_MAX)) {
      g_.mov(ecx, offset);
      g_.add(rax, rcx);
      offset = 0;
    }
    return sized(r12 + rax + static_cast<int32_t>(offset), bits);
  }

  // The interpreter's own function: fn(frame, operands, memory 0).
  void call_function() {
    const uint64_t at = (uint64_t{word_} + 2) * 4;
    if (at + 20 > INT32_MAX) throw std::runtime_error("code too large");
    g_.mov(rdi, rbx);
    g_.lea(rsi, ptr[r14 + static_cast<int32_t>(at)]);
    g_.mov(rdx, r12);
    g_.call(qword[r14 + static_cast<int32_t>(at + 20)]);  // operands 5 and 6
  }

  // ---- building blocks. Scratch: rax, rcx, rdx, xmm0, xmm1, xmm15 (x64_simd.h). ----
  // Every template's first load() comes before anything else writes xmm0, and its store()
  // of the result, if any, is its last instruction: so a first load of the slot xmm0 still
  // holds can be skipped, and xmm0 holds dst after a store from it.
  void load(const Xmm& x, int k) {
    const bool first = first_load_;
    first_load_ = false;
    if (first && x == xmm0 && ops_[k] == xmm0_slot_) return;
    g_.movups(x, slot(k));
  }
  void store(const Xmm& x) {
    g_.movups(slot(0), x);
    result_in_xmm0_ = x == xmm0;
  }
  // x = the 32-bit `bits` in every lane. Uses eax.
  void dwords(const Xmm& x, uint32_t bits) {
    if (bits == 0) return g_.pxor(x, x);
    if (bits == 0xFFFFFFFFu) return g_.pcmpeqd(x, x);
    g_.mov(eax, bits);
    g_.movd(x, eax);
    g_.pshufd(x, x, 0);
  }
  // x = the 16-byte constant lo, hi (SSE4.1). Uses rax.
  void bytes16(const Xmm& x, uint64_t lo, uint64_t hi) {
    g_.mov(rax, lo);
    g_.movq(x, rax);
    g_.mov(rax, hi);
    g_.pinsrq(x, rax, 1);
  }
  // x = the sign bit of every `w`-byte lane.
  void sign_bits(const Xmm& x, int w) {
    if (w == 1) return dwords(x, 0x80808080u);
    g_.pcmpeqd(x, x);
    switch (w) {
      case 2: return g_.psllw(x, 15);
      case 4: return g_.pslld(x, 31);
      default: return g_.psllq(x, 63);
    }
  }
  // x = ~x. Uses xmm15 (so x is not xmm15).
  void invert(const Xmm& x) {
    g_.pcmpeqd(xmm15, xmm15);
    g_.pxor(x, xmm15);
  }
  void pcmpeq(int w, const Xmm& x, const Xmm& y) {
    switch (w) {
      case 1: return g_.pcmpeqb(x, y);
      case 2: return g_.pcmpeqw(x, y);
      case 4: return g_.pcmpeqd(x, y);
      default: return g_.pcmpeqq(x, y);
    }
  }
  void pcmpgt(int w, const Xmm& x, const Xmm& y) {
    switch (w) {
      case 1: return g_.pcmpgtb(x, y);
      case 2: return g_.pcmpgtw(x, y);
      case 4: return g_.pcmpgtd(x, y);
      default: return g_.pcmpgtq(x, y);
    }
  }
  void psub(int w, const Xmm& x, const Xmm& y) {
    switch (w) {
      case 1: return g_.psubb(x, y);
      case 2: return g_.psubw(x, y);
      case 4: return g_.psubd(x, y);
      default: return g_.psubq(x, y);
    }
  }

  // dst = op(a, b) through xmm0 = a, xmm1 = b; `emit` leaves the result in xmm0.
  template <typename Emit>
  void binary(Emit emit) {
    load(xmm0, 1);
    load(xmm1, 2);
    emit();
    store(xmm0);
  }
  // dst = op(a) through xmm0 = a; `emit` leaves the result in xmm0.
  template <typename Emit>
  void unary(Emit emit) {
    load(xmm0, 1);
    emit();
    store(xmm0);
  }
  // A scalar i32 result (zero-extended in its slot, as the interpreter keeps it) from eax.
  void store_eax() { g_.mov(slot(0, 64), rax); }

  // Slot 0 = the 32-bit or 64-bit value at `from` in every lane (a splat, or a load_splat when
  // `from` is memory).
  void splat32(const Address& from) {
    g_.movd(xmm0, from);
    g_.pshufd(xmm0, xmm0, 0);
    store(xmm0);
  }
  void splat64(const Address& from) {
    g_.movq(xmm0, from);
    g_.punpcklqdq(xmm0, xmm0);
    store(xmm0);
  }
  // The byte or 16-bit value at `from`, repeated through a 32-bit lane, then splat32.
  void splat_small(const Address& from, int bits) {
    g_.movzx(eax, from);
    g_.imul(eax, eax, bits == 8 ? 0x01010101 : 0x00010001);
    g_.movd(xmm0, eax);
    g_.pshufd(xmm0, xmm0, 0);
    store(xmm0);
  }

  // ---- integer compares: unsigned ones flip the sign bits and compare signed ----
  void compare(int w, Cmp c) {
    load(xmm0, 1);
    load(xmm1, 2);
    if (is_unsigned(c)) {
      sign_bits(xmm15, w);
      g_.pxor(xmm0, xmm15);
      g_.pxor(xmm1, xmm15);
    }
    switch (c) {
      case Cmp::Eq: pcmpeq(w, xmm0, xmm1); break;
      case Cmp::Ne: pcmpeq(w, xmm0, xmm1), invert(xmm0); break;
      case Cmp::GtS:
      case Cmp::GtU: pcmpgt(w, xmm0, xmm1); break;
      case Cmp::LeS:
      case Cmp::LeU: pcmpgt(w, xmm0, xmm1), invert(xmm0); break;
      case Cmp::LtS:
      case Cmp::LtU: pcmpgt(w, xmm1, xmm0), g_.movdqa(xmm0, xmm1); break;
      case Cmp::GeS:
      case Cmp::GeU: pcmpgt(w, xmm1, xmm0), invert(xmm1), g_.movdqa(xmm0, xmm1); break;
    }
    store(xmm0);
  }
  // Float compares: cmpps/cmppd predicate 0 eq, 1 lt, 2 le, 4 neq; gt and ge swap operands.
  void float_compare(bool f64, int sub_from_eq) {
    static constexpr uint8_t kPred[] = {0, 4, 1, 1, 2, 2};
    const bool swap = sub_from_eq == 3 || sub_from_eq == 5;
    load(xmm0, swap ? 2 : 1);
    load(xmm1, swap ? 1 : 2);
    if (f64)
      g_.cmppd(xmm0, xmm1, kPred[sub_from_eq]);
    else
      g_.cmpps(xmm0, xmm1, kPred[sub_from_eq]);
    store(xmm0);
  }

  // ---- tests ----
  // eax = the 16-bit byte mask of the lanes of xmm0 (`w` bytes wide) equal to zero.
  void zero_lanes_mask(int w) {
    g_.pxor(xmm1, xmm1);
    if (w == 8) {  // a 64-bit lane is zero when both its halves are
      g_.pcmpeqd(xmm0, xmm1);
      g_.pshufd(xmm1, xmm0, 0xB1);
      g_.pand(xmm0, xmm1);
    } else {
      pcmpeq(w, xmm0, xmm1);
    }
    g_.pmovmskb(eax, xmm0);
  }
  void any_true() {
    load(xmm0, 1);
    zero_lanes_mask(1);
    g_.xor_(ecx, ecx);
    g_.cmp(eax, 0xFFFF);
    g_.setne(cl);
    g_.mov(slot(0, 64), rcx);
  }
  void all_true(int w) {
    load(xmm0, 1);
    zero_lanes_mask(w);
    g_.xor_(ecx, ecx);
    g_.test(eax, eax);
    g_.sete(cl);
    g_.mov(slot(0, 64), rcx);
  }
  void bitmask(int w) {
    load(xmm0, 1);
    switch (w) {
      case 1: g_.pmovmskb(eax, xmm0); break;
      case 2:  // signed saturation keeps each lane's sign in a byte
        g_.packsswb(xmm0, xmm0);
        g_.pmovmskb(eax, xmm0);
        g_.movzx(eax, al);
        break;
      case 4: g_.movmskps(eax, xmm0); break;
      default: g_.movmskpd(eax, xmm0); break;
    }
    store_eax();
  }

  // ---- shifts: the count (slot 2) modulo the lane width ----
  enum class Shift { Left, RightS, RightU };
  void shift(int w, Shift kind) {
    g_.mov(ecx, slot(2, 32));
    g_.and_(ecx, w * 8 - 1);
    load(xmm0, 1);
    if (w == 1) return shift8(kind);
    g_.movd(xmm1, ecx);
    switch (kind) {
      case Shift::Left:
        if (w == 2) g_.psllw(xmm0, xmm1);
        if (w == 4) g_.pslld(xmm0, xmm1);
        if (w == 8) g_.psllq(xmm0, xmm1);
        break;
      case Shift::RightU:
        if (w == 2) g_.psrlw(xmm0, xmm1);
        if (w == 4) g_.psrld(xmm0, xmm1);
        if (w == 8) g_.psrlq(xmm0, xmm1);
        break;
      case Shift::RightS:
        if (w == 2) g_.psraw(xmm0, xmm1);
        if (w == 4) g_.psrad(xmm0, xmm1);
        if (w == 8) {
          // No psraq: x >> k (arithmetic) = ((x ^ s) >>> k) ^ s with s the sign of x.
          g_.pshufd(xmm15, xmm0, 0xF5);
          g_.psrad(xmm15, 31);
          g_.pxor(xmm0, xmm15);
          g_.psrlq(xmm0, xmm1);
          g_.pxor(xmm0, xmm15);
        }
        break;
    }
    store(xmm0);
  }
  // No byte shifts: 16-bit shifts with the bits crossing into a neighbour masked off, and
  // the arithmetic one on each byte widened into the high byte of a 16-bit lane.
  void shift8(Shift kind) {
    if (kind == Shift::RightS) {
      g_.add(ecx, 8);
      g_.movd(xmm1, ecx);
      g_.movdqa(xmm15, xmm0);
      g_.punpcklbw(xmm0, xmm0);
      g_.punpckhbw(xmm15, xmm15);
      g_.psraw(xmm0, xmm1);
      g_.psraw(xmm15, xmm1);
      g_.packsswb(xmm0, xmm15);
      return store(xmm0);
    }
    g_.movd(xmm1, ecx);
    g_.mov(eax, 0xFF);
    if (kind == Shift::Left) {
      g_.psllw(xmm0, xmm1);
      g_.shl(eax, cl);
      g_.movzx(eax, al);
    } else {
      g_.psrlw(xmm0, xmm1);
      g_.shr(eax, cl);
    }
    g_.imul(eax, eax, 0x01010101);
    g_.movd(xmm15, eax);
    g_.pshufd(xmm15, xmm15, 0);
    g_.pand(xmm0, xmm15);
    store(xmm0);
  }

  // ---- widening ----
  // x = the low or high half of x's `from`-byte lanes, sign- or zero-extended to twice the
  // width. Uses `scratch` (not x).
  void extend(const Xmm& x, int from, bool high, bool sign, const Xmm& scratch) {
    if (from == 4) {
      if (sign) {
        g_.movdqa(scratch, x);
        g_.psrad(scratch, 31);
      } else {
        g_.pxor(scratch, scratch);
      }
      if (high)
        g_.punpckhdq(x, scratch);
      else
        g_.punpckldq(x, scratch);
      return;
    }
    const Xmm& second = sign ? x : scratch;  // signed: the lane in the top half, then shifted
    if (!sign) g_.pxor(scratch, scratch);
    if (from == 1) {
      if (high)
        g_.punpckhbw(x, second);
      else
        g_.punpcklbw(x, second);
      if (sign) g_.psraw(x, 8);
    } else {
      if (high)
        g_.punpckhwd(x, second);
      else
        g_.punpcklwd(x, second);
      if (sign) g_.psrad(x, 16);
    }
  }
  void extmul(int from, bool high, bool sign) {
    load(xmm0, 1);
    load(xmm1, 2);
    if (from == 1) {
      extend(xmm0, 1, high, sign, xmm15);
      extend(xmm1, 1, high, sign, xmm15);
      g_.pmullw(xmm0, xmm1);
    } else if (from == 2) {  // the low and high 16 bits of each product, interleaved
      g_.movdqa(xmm15, xmm0);
      g_.pmullw(xmm0, xmm1);
      if (sign)
        g_.pmulhw(xmm15, xmm1);
      else
        g_.pmulhuw(xmm15, xmm1);
      if (high)
        g_.punpckhwd(xmm0, xmm15);
      else
        g_.punpcklwd(xmm0, xmm15);
    } else {  // pmul(u)dq multiplies 32-bit lanes 0 and 2
      const uint8_t spread = high ? 0xFA : 0x50;
      g_.pshufd(xmm0, xmm0, spread);
      g_.pshufd(xmm1, xmm1, spread);
      if (sign)
        g_.pmuldq(xmm0, xmm1);
      else
        g_.pmuludq(xmm0, xmm1);
    }
    store(xmm0);
  }

  // ---- lanes ----
  // Extracted lanes are zero-extended from 32 bits in their slot, as the interpreter keeps
  // them (i64/f64: the whole slot).
  void extract(int bits, bool sign) {
    const Address lane = slot(1, bits, ops_[4] * (bits / 8));
    switch (bits) {
      case 8:
      case 16:
        if (sign)
          g_.movsx(eax, lane);
        else
          g_.movzx(eax, lane);
        break;
      case 32: g_.mov(eax, lane); break;
      default: g_.mov(rax, lane); break;
    }
    store_eax();
  }
  // dst = a with lane ops[4] from the low bits of slot 2.
  void replace(int bits) {
    load(xmm0, 1);
    const uint8_t lane = static_cast<uint8_t>(ops_[4]);
    switch (bits) {
      case 8: g_.pinsrb(xmm0, slot(2, 8), lane); break;
      case 16: g_.pinsrw(xmm0, slot(2, 16), lane); break;
      case 32: g_.pinsrd(xmm0, slot(2, 32), lane); break;
      default: g_.pinsrq(xmm0, slot(2, 64), lane); break;
    }
    store(xmm0);
  }
  void load_lane(int bits) {
    load(xmm0, 2);
    const Address from = memory(1, bits);
    const uint8_t lane = static_cast<uint8_t>(ops_[4]);
    switch (bits) {
      case 8: g_.pinsrb(xmm0, from, lane); break;
      case 16: g_.pinsrw(xmm0, from, lane); break;
      case 32: g_.pinsrd(xmm0, from, lane); break;
      default: g_.pinsrq(xmm0, from, lane); break;
    }
    store(xmm0);
  }
  void store_lane(int bits) {
    const Address lane = slot(1, bits, ops_[4] * (bits / 8));
    switch (bits) {
      case 8: g_.mov(dl, lane); break;
      case 16: g_.mov(dx, lane); break;
      case 32: g_.mov(edx, lane); break;
      default: g_.mov(rdx, lane); break;
    }
    const Address to = memory(0, bits);
    switch (bits) {
      case 8: g_.mov(to, dl); break;
      case 16: g_.mov(to, dx); break;
      case 32: g_.mov(to, edx); break;
      default: g_.mov(to, rdx); break;
    }
  }
  // A load of 8 bytes widened to 16 (load8x8, 16x4, 32x2).
  void load_extend(int from, bool sign) {
    g_.movq(xmm0, memory(1, 64));
    extend(xmm0, from, false, sign, xmm1);
    store(xmm0);
  }

  // ---- byte permutations (pshufb: an index byte with its top bit set gives 0) ----
  // swizzle: indices >= 16 give 0, so each is saturated up past 0x7F (0x70 + 16 = 0x80).
  void swizzle() {
    load(xmm0, 1);
    load(xmm1, 2);
    dwords(xmm15, 0x70707070u);
    g_.paddusb(xmm1, xmm15);
    g_.pshufb(xmm0, xmm1);
    store(xmm0);
  }
  // shuffle: indices are < 32. Into a: index + 0x70 (>= 0x80 for b's lanes); into b:
  // index - 16 (>= 0xF0 for a's lanes).
  void shuffle() {
    load(xmm15, 3);
    dwords(xmm1, 0x70707070u);
    g_.paddb(xmm1, xmm15);
    load(xmm0, 1);
    g_.pshufb(xmm0, xmm1);
    dwords(xmm1, 0x10101010u);
    g_.psubb(xmm15, xmm1);
    load(xmm1, 2);
    g_.pshufb(xmm1, xmm15);
    g_.por(xmm0, xmm1);
    store(xmm0);
  }
  // Nibble lookups: popcount(x) = table[x & 15] + table[x >> 4].
  void popcnt() {
    static constexpr uint64_t kLo = 0x0302020102010100u, kHi = 0x0403030203020201u;
    load(xmm0, 1);
    g_.movdqa(xmm1, xmm0);
    g_.psrlw(xmm1, 4);
    dwords(xmm15, 0x0F0F0F0Fu);
    g_.pand(xmm0, xmm15);
    g_.pand(xmm1, xmm15);
    bytes16(xmm15, kLo, kHi);
    g_.pshufb(xmm15, xmm0);
    bytes16(xmm0, kLo, kHi);
    g_.pshufb(xmm0, xmm1);
    g_.paddb(xmm0, xmm15);
    store(xmm0);
  }

  // ---- floats ----
  // abs/neg: clear or flip the sign bits (NaN payloads pass through, as in simd_ops.cc).
  void sign_op(bool f64, bool neg) {
    load(xmm0, 1);
    g_.pcmpeqd(xmm1, xmm1);
    if (neg) {
      if (f64)
        g_.psllq(xmm1, 63);
      else
        g_.pslld(xmm1, 31);
      g_.pxor(xmm0, xmm1);
    } else {
      if (f64)
        g_.psrlq(xmm1, 1);
      else
        g_.psrld(xmm1, 1);
      g_.pand(xmm0, xmm1);
    }
    store(xmm0);
  }
  // wasm min/max (numeric::wasm_min/max): minps/maxps return their second operand when
  // either is NaN or both are zeros, so both orders are taken. Where neither is NaN they agree
  // except for min(-0, +0), which OR (min) or AND (max) of the two settles. Where one is NaN,
  // the two orders gave a and b, and addps(a, b) returns the first NaN operand quieted, the
  // interpreter's result; that sum is NaN exactly in those lanes (elsewhere it is m + m).
  void min_max(bool f64, bool is_max) {
    load(xmm0, 1);
    load(xmm1, 2);
    g_.movaps(xmm15, xmm0);
    if (f64) {
      is_max ? g_.maxpd(xmm15, xmm1) : g_.minpd(xmm15, xmm1);  // (a, b): NaN lanes b
      is_max ? g_.maxpd(xmm1, xmm0) : g_.minpd(xmm1, xmm0);    // (b, a): NaN lanes a
      g_.movapd(xmm0, xmm1);
      g_.addpd(xmm0, xmm15);  // NaN lanes: the wasm result
      is_max ? g_.andpd(xmm1, xmm15) : g_.orpd(xmm1, xmm15);
      g_.movapd(xmm15, xmm0);
      g_.cmpunordpd(xmm15, xmm15);
    } else {
      is_max ? g_.maxps(xmm15, xmm1) : g_.minps(xmm15, xmm1);
      is_max ? g_.maxps(xmm1, xmm0) : g_.minps(xmm1, xmm0);
      g_.movaps(xmm0, xmm1);
      g_.addps(xmm0, xmm15);
      is_max ? g_.andps(xmm1, xmm15) : g_.orps(xmm1, xmm15);
      g_.movaps(xmm15, xmm0);
      g_.cmpunordps(xmm15, xmm15);
    }
    g_.andps(xmm0, xmm15);   // the NaN lanes of the sum
    g_.andnps(xmm15, xmm1);  // the other lanes of min/max
    g_.orps(xmm0, xmm15);
    store(xmm0);
  }
  // pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a: minps/maxps with b first.
  void pmin_pmax(bool f64, bool is_max) {
    load(xmm0, 2);
    load(xmm1, 1);
    if (f64)
      is_max ? g_.maxpd(xmm0, xmm1) : g_.minpd(xmm0, xmm1);
    else
      is_max ? g_.maxps(xmm0, xmm1) : g_.minps(xmm0, xmm1);
    store(xmm0);
  }
  // i32x4.trunc_sat_f32x4_s: cvttps2dq gives 0x80000000 for NaN and out of range; NaN lanes
  // are zeroed first, and lanes with a non-negative input and a negative result (positive
  // overflow) flipped to 0x7FFFFFFF.
  void trunc_sat_s() {
    load(xmm0, 1);
    g_.movaps(xmm1, xmm0);
    g_.cmpeqps(xmm1, xmm1);  // ordered lanes
    g_.andps(xmm0, xmm1);
    g_.pxor(xmm1, xmm0);  // top bit: input >= +0
    g_.cvttps2dq(xmm0, xmm0);
    g_.pand(xmm1, xmm0);
    g_.psrad(xmm1, 31);
    g_.pxor(xmm0, xmm1);
    store(xmm0);
  }
  // i32x4.trunc_sat_f32x4_u: NaN and negative lanes become 0 (maxps with 0 returns 0 for NaN),
  // then lanes >= 2^31 are converted as x - 2^31 and added back, lanes >= 2^32 saturated.
  void trunc_sat_u() {
    load(xmm0, 1);
    g_.xorps(xmm15, xmm15);
    g_.maxps(xmm0, xmm15);
    g_.pcmpeqd(xmm15, xmm15);
    g_.psrld(xmm15, 1);
    g_.cvtdq2ps(xmm15, xmm15);  // 2^31
    g_.movaps(xmm1, xmm0);
    g_.subps(xmm1, xmm15);
    g_.cmpleps(xmm15, xmm1);  // x - 2^31 >= 2^31: saturate
    g_.cvttps2dq(xmm1, xmm1);
    g_.pxor(xmm1, xmm15);
    g_.pxor(xmm15, xmm15);
    g_.pmaxsd(xmm1, xmm15);  // lanes below 2^31 add nothing
    g_.cvttps2dq(xmm0, xmm0);
    g_.paddd(xmm0, xmm1);
    store(xmm0);
  }
  // f32x4.convert_i32x4_u: the high and low 16 bits converted exactly and summed, one
  // rounding (the high part halved first, so that it converts as a positive i32).
  void convert_u() {
    load(xmm0, 1);
    g_.movdqa(xmm1, xmm0);
    g_.pslld(xmm1, 16);
    g_.psrld(xmm1, 16);
    g_.psubd(xmm0, xmm1);
    g_.cvtdq2ps(xmm1, xmm1);
    g_.psrld(xmm0, 1);
    g_.cvtdq2ps(xmm0, xmm0);
    g_.addps(xmm0, xmm0);
    g_.addps(xmm0, xmm1);
    store(xmm0);
  }
  // i32x4.trunc_sat_f64x2_s_zero: NaN lanes become 0 and the rest are clamped to INT32_MAX
  // (minpd returns its second operand for NaN); below INT32_MIN cvttpd2dq gives INT32_MIN.
  void trunc_sat_f64_s() {
    load(xmm0, 1);
    g_.movapd(xmm1, xmm0);
    g_.cmpeqpd(xmm1, xmm1);
    g_.mov(rax, std::bit_cast<uint64_t>(2147483647.0));
    g_.movq(xmm15, rax);
    g_.punpcklqdq(xmm15, xmm15);
    g_.andpd(xmm1, xmm15);
    g_.minpd(xmm0, xmm1);
    g_.cvttpd2dq(xmm0, xmm0);
    store(xmm0);
  }
  // i32x4.trunc_sat_f64x2_u_zero: clamped to [0, 2^32 - 1] (NaN to 0), truncated, then the
  // low 32 bits of x + 2^52 are the integer.
  void trunc_sat_f64_u() {
    load(xmm0, 1);
    g_.xorpd(xmm15, xmm15);
    g_.maxpd(xmm0, xmm15);
    g_.mov(rax, std::bit_cast<uint64_t>(4294967295.0));
    g_.movq(xmm1, rax);
    g_.punpcklqdq(xmm1, xmm1);
    g_.minpd(xmm0, xmm1);
    g_.roundpd(xmm0, xmm0, 3 | 8);
    g_.mov(rax, std::bit_cast<uint64_t>(4503599627370496.0));
    g_.movq(xmm1, rax);
    g_.punpcklqdq(xmm1, xmm1);
    g_.addpd(xmm0, xmm1);
    g_.shufps(xmm0, xmm15, 0x88);
    store(xmm0);
  }
  // f64x2.convert_low_i32x4_u: 2^52 + x as a double's bits, minus 2^52 (both exact).
  void convert_low_u() {
    load(xmm0, 1);
    dwords(xmm1, 0x43300000u);
    g_.unpcklps(xmm0, xmm1);
    g_.psllq(xmm1, 32);
    g_.subpd(xmm0, xmm1);
    store(xmm0);
  }

  bool inline_op(Op op) {
    const uint32_t sub = sub_of(op);
    if (sub >= 0x23 && sub <= 0x40) {  // i8x16, i16x8, i32x4 compares
      const uint32_t k = sub - 0x23;
      compare(1 << (k / 10), static_cast<Cmp>(k % 10));
      return true;
    }
    if (sub >= 0x41 && sub <= 0x4C) {  // f32x4, f64x2 compares
      float_compare(sub >= 0x47, static_cast<int>((sub - 0x41) % 6));
      return true;
    }
    return memory_op(op) || lane_op(op) || bitwise_op(op) || integer_op(op) || widening_op(op) ||
           float_op(op);
  }

  bool memory_op(Op op) {
    switch (op) {
      case Op::V128Load:
        g_.movups(xmm0, memory(1));
        store(xmm0);
        return true;
      case Op::V128Load8x8S: load_extend(1, true); return true;
      case Op::V128Load8x8U: load_extend(1, false); return true;
      case Op::V128Load16x4S: load_extend(2, true); return true;
      case Op::V128Load16x4U: load_extend(2, false); return true;
      case Op::V128Load32x2S: load_extend(4, true); return true;
      case Op::V128Load32x2U: load_extend(4, false); return true;
      case Op::V128Load8Splat: splat_small(memory(1, 8), 8); return true;
      case Op::V128Load16Splat: splat_small(memory(1, 16), 16); return true;
      case Op::V128Load32Splat: splat32(memory(1, 32)); return true;
      case Op::V128Load64Splat: splat64(memory(1, 64)); return true;
      case Op::V128Load32Zero:  // movd/movq zero the rest of the register
        g_.movd(xmm0, memory(1, 32));
        store(xmm0);
        return true;
      case Op::V128Load64Zero:
        g_.movq(xmm0, memory(1, 64));
        store(xmm0);
        return true;
      case Op::V128Load8Lane: load_lane(8); return true;
      case Op::V128Load16Lane: load_lane(16); return true;
      case Op::V128Load32Lane: load_lane(32); return true;
      case Op::V128Load64Lane: load_lane(64); return true;
      case Op::V128Store:
        load(xmm0, 1);
        g_.movups(memory(0), xmm0);
        return true;
      case Op::V128Store8Lane: store_lane(8); return true;
      case Op::V128Store16Lane: store_lane(16); return true;
      case Op::V128Store32Lane: store_lane(32); return true;
      case Op::V128Store64Lane: store_lane(64); return true;
      default: return false;
    }
  }

  bool lane_op(Op op) {
    switch (op) {
      case Op::I8x16Splat: splat_small(slot(1, 8), 8); return true;
      case Op::I16x8Splat: splat_small(slot(1, 16), 16); return true;
      case Op::I32x4Splat:
      case Op::F32x4Splat: splat32(slot(1, 32)); return true;
      case Op::I64x2Splat:
      case Op::F64x2Splat: splat64(slot(1, 64)); return true;
      case Op::I8x16ExtractLaneS: extract(8, true); return true;
      case Op::I8x16ExtractLaneU: extract(8, false); return true;
      case Op::I16x8ExtractLaneS: extract(16, true); return true;
      case Op::I16x8ExtractLaneU: extract(16, false); return true;
      case Op::I32x4ExtractLane:
      case Op::F32x4ExtractLane: extract(32, false); return true;
      case Op::I64x2ExtractLane:
      case Op::F64x2ExtractLane: extract(64, false); return true;
      case Op::I8x16ReplaceLane: replace(8); return true;
      case Op::I16x8ReplaceLane: replace(16); return true;
      case Op::I32x4ReplaceLane:
      case Op::F32x4ReplaceLane: replace(32); return true;
      case Op::I64x2ReplaceLane:
      case Op::F64x2ReplaceLane: replace(64); return true;
      case Op::I8x16Shuffle: shuffle(); return true;
      case Op::I8x16Swizzle: swizzle(); return true;
      case Op::V128AnyTrue: any_true(); return true;
      case Op::I8x16AllTrue: all_true(1); return true;
      case Op::I16x8AllTrue: all_true(2); return true;
      case Op::I32x4AllTrue: all_true(4); return true;
      case Op::I64x2AllTrue: all_true(8); return true;
      case Op::I8x16Bitmask: bitmask(1); return true;
      case Op::I16x8Bitmask: bitmask(2); return true;
      case Op::I32x4Bitmask: bitmask(4); return true;
      case Op::I64x2Bitmask: bitmask(8); return true;
      default: return false;
    }
  }

  bool bitwise_op(Op op) {
    switch (op) {
      case Op::V128Not: unary([&] { invert(xmm0); }); return true;
      case Op::V128And: binary([&] { g_.pand(xmm0, xmm1); }); return true;
      case Op::V128Or: binary([&] { g_.por(xmm0, xmm1); }); return true;
      case Op::V128Xor: binary([&] { g_.pxor(xmm0, xmm1); }); return true;
      case Op::V128AndNot:  // pandn: ~dst & src
        binary([&] { g_.pandn(xmm1, xmm0), g_.movdqa(xmm0, xmm1); });
        return true;
      case Op::V128Bitselect:  // b ^ ((a ^ b) & c)
        load(xmm0, 1);
        load(xmm1, 2);
        load(xmm15, 3);
        g_.pxor(xmm0, xmm1);
        g_.pand(xmm0, xmm15);
        g_.pxor(xmm0, xmm1);
        store(xmm0);
        return true;
      default: return false;
    }
  }

  bool integer_op(Op op) {
    switch (op) {
      case Op::I8x16Add: binary([&] { g_.paddb(xmm0, xmm1); }); return true;
      case Op::I8x16Sub: binary([&] { g_.psubb(xmm0, xmm1); }); return true;
      case Op::I8x16AddSatS: binary([&] { g_.paddsb(xmm0, xmm1); }); return true;
      case Op::I8x16AddSatU: binary([&] { g_.paddusb(xmm0, xmm1); }); return true;
      case Op::I8x16SubSatS: binary([&] { g_.psubsb(xmm0, xmm1); }); return true;
      case Op::I8x16SubSatU: binary([&] { g_.psubusb(xmm0, xmm1); }); return true;
      case Op::I8x16MinS: binary([&] { g_.pminsb(xmm0, xmm1); }); return true;
      case Op::I8x16MinU: binary([&] { g_.pminub(xmm0, xmm1); }); return true;
      case Op::I8x16MaxS: binary([&] { g_.pmaxsb(xmm0, xmm1); }); return true;
      case Op::I8x16MaxU: binary([&] { g_.pmaxub(xmm0, xmm1); }); return true;
      case Op::I8x16AvgrU: binary([&] { g_.pavgb(xmm0, xmm1); }); return true;
      case Op::I16x8Add: binary([&] { g_.paddw(xmm0, xmm1); }); return true;
      case Op::I16x8Sub: binary([&] { g_.psubw(xmm0, xmm1); }); return true;
      case Op::I16x8Mul: binary([&] { g_.pmullw(xmm0, xmm1); }); return true;
      case Op::I16x8AddSatS: binary([&] { g_.paddsw(xmm0, xmm1); }); return true;
      case Op::I16x8AddSatU: binary([&] { g_.paddusw(xmm0, xmm1); }); return true;
      case Op::I16x8SubSatS: binary([&] { g_.psubsw(xmm0, xmm1); }); return true;
      case Op::I16x8SubSatU: binary([&] { g_.psubusw(xmm0, xmm1); }); return true;
      case Op::I16x8MinS: binary([&] { g_.pminsw(xmm0, xmm1); }); return true;
      case Op::I16x8MinU: binary([&] { g_.pminuw(xmm0, xmm1); }); return true;
      case Op::I16x8MaxS: binary([&] { g_.pmaxsw(xmm0, xmm1); }); return true;
      case Op::I16x8MaxU: binary([&] { g_.pmaxuw(xmm0, xmm1); }); return true;
      case Op::I16x8AvgrU: binary([&] { g_.pavgw(xmm0, xmm1); }); return true;
      case Op::I16x8Q15mulrSatS:  // pmulhrsw, but 0x8000 * 0x8000 saturates to 0x7FFF
        binary([&] {
          g_.pmulhrsw(xmm0, xmm1);
          sign_bits(xmm1, 2);
          g_.pcmpeqw(xmm1, xmm0);
          g_.pxor(xmm0, xmm1);
        });
        return true;
      case Op::I32x4Add: binary([&] { g_.paddd(xmm0, xmm1); }); return true;
      case Op::I32x4Sub: binary([&] { g_.psubd(xmm0, xmm1); }); return true;
      case Op::I32x4Mul: binary([&] { g_.pmulld(xmm0, xmm1); }); return true;
      case Op::I32x4MinS: binary([&] { g_.pminsd(xmm0, xmm1); }); return true;
      case Op::I32x4MinU: binary([&] { g_.pminud(xmm0, xmm1); }); return true;
      case Op::I32x4MaxS: binary([&] { g_.pmaxsd(xmm0, xmm1); }); return true;
      case Op::I32x4MaxU: binary([&] { g_.pmaxud(xmm0, xmm1); }); return true;
      case Op::I32x4DotI16x8S: binary([&] { g_.pmaddwd(xmm0, xmm1); }); return true;
      case Op::I64x2Add: binary([&] { g_.paddq(xmm0, xmm1); }); return true;
      case Op::I64x2Sub: binary([&] { g_.psubq(xmm0, xmm1); }); return true;
      case Op::I64x2Mul:  // lo(a) * lo(b) + ((lo(a) * hi(b) + hi(a) * lo(b)) << 32)
        binary([&] {
          g_.pshufd(xmm15, xmm1, 0xB1);
          g_.pmulld(xmm15, xmm0);
          g_.pmuludq(xmm0, xmm1);
          g_.movdqa(xmm1, xmm15);
          g_.psrlq(xmm1, 32);
          g_.paddd(xmm15, xmm1);
          g_.psllq(xmm15, 32);
          g_.paddq(xmm0, xmm15);
        });
        return true;
      case Op::I64x2Eq: compare(8, Cmp::Eq); return true;
      case Op::I64x2Ne: compare(8, Cmp::Ne); return true;
      case Op::I64x2LtS: compare(8, Cmp::LtS); return true;
      case Op::I64x2GtS: compare(8, Cmp::GtS); return true;
      case Op::I64x2LeS: compare(8, Cmp::LeS); return true;
      case Op::I64x2GeS: compare(8, Cmp::GeS); return true;
      case Op::I8x16Abs: unary([&] { g_.pabsb(xmm0, xmm0); }); return true;
      case Op::I16x8Abs: unary([&] { g_.pabsw(xmm0, xmm0); }); return true;
      case Op::I32x4Abs: unary([&] { g_.pabsd(xmm0, xmm0); }); return true;
      case Op::I64x2Abs:  // (x ^ s) - s with s the sign of x
        unary([&] {
          g_.pshufd(xmm1, xmm0, 0xF5);
          g_.psrad(xmm1, 31);
          g_.pxor(xmm0, xmm1);
          g_.psubq(xmm0, xmm1);
        });
        return true;
      case Op::I8x16Neg: neg(1); return true;
      case Op::I16x8Neg: neg(2); return true;
      case Op::I32x4Neg: neg(4); return true;
      case Op::I64x2Neg: neg(8); return true;
      case Op::I8x16Popcnt: popcnt(); return true;
      case Op::I8x16Shl: shift(1, Shift::Left); return true;
      case Op::I8x16ShrS: shift(1, Shift::RightS); return true;
      case Op::I8x16ShrU: shift(1, Shift::RightU); return true;
      case Op::I16x8Shl: shift(2, Shift::Left); return true;
      case Op::I16x8ShrS: shift(2, Shift::RightS); return true;
      case Op::I16x8ShrU: shift(2, Shift::RightU); return true;
      case Op::I32x4Shl: shift(4, Shift::Left); return true;
      case Op::I32x4ShrS: shift(4, Shift::RightS); return true;
      case Op::I32x4ShrU: shift(4, Shift::RightU); return true;
      case Op::I64x2Shl: shift(8, Shift::Left); return true;
      case Op::I64x2ShrS: shift(8, Shift::RightS); return true;
      case Op::I64x2ShrU: shift(8, Shift::RightU); return true;
      default: return false;
    }
  }
  void neg(int w) {
    load(xmm1, 1);
    g_.pxor(xmm0, xmm0);
    psub(w, xmm0, xmm1);
    store(xmm0);
  }

  bool widening_op(Op op) {
    switch (op) {
      case Op::I8x16NarrowI16x8S: binary([&] { g_.packsswb(xmm0, xmm1); }); return true;
      case Op::I8x16NarrowI16x8U: binary([&] { g_.packuswb(xmm0, xmm1); }); return true;
      case Op::I16x8NarrowI32x4S: binary([&] { g_.packssdw(xmm0, xmm1); }); return true;
      case Op::I16x8NarrowI32x4U: binary([&] { g_.packusdw(xmm0, xmm1); }); return true;
      case Op::I16x8ExtendLowI8x16S: widen(1, false, true); return true;
      case Op::I16x8ExtendHighI8x16S: widen(1, true, true); return true;
      case Op::I16x8ExtendLowI8x16U: widen(1, false, false); return true;
      case Op::I16x8ExtendHighI8x16U: widen(1, true, false); return true;
      case Op::I32x4ExtendLowI16x8S: widen(2, false, true); return true;
      case Op::I32x4ExtendHighI16x8S: widen(2, true, true); return true;
      case Op::I32x4ExtendLowI16x8U: widen(2, false, false); return true;
      case Op::I32x4ExtendHighI16x8U: widen(2, true, false); return true;
      case Op::I64x2ExtendLowI32x4S: widen(4, false, true); return true;
      case Op::I64x2ExtendHighI32x4S: widen(4, true, true); return true;
      case Op::I64x2ExtendLowI32x4U: widen(4, false, false); return true;
      case Op::I64x2ExtendHighI32x4U: widen(4, true, false); return true;
      case Op::I16x8ExtmulLowI8x16S: extmul(1, false, true); return true;
      case Op::I16x8ExtmulHighI8x16S: extmul(1, true, true); return true;
      case Op::I16x8ExtmulLowI8x16U: extmul(1, false, false); return true;
      case Op::I16x8ExtmulHighI8x16U: extmul(1, true, false); return true;
      case Op::I32x4ExtmulLowI16x8S: extmul(2, false, true); return true;
      case Op::I32x4ExtmulHighI16x8S: extmul(2, true, true); return true;
      case Op::I32x4ExtmulLowI16x8U: extmul(2, false, false); return true;
      case Op::I32x4ExtmulHighI16x8U: extmul(2, true, false); return true;
      case Op::I64x2ExtmulLowI32x4S: extmul(4, false, true); return true;
      case Op::I64x2ExtmulHighI32x4S: extmul(4, true, true); return true;
      case Op::I64x2ExtmulLowI32x4U: extmul(4, false, false); return true;
      case Op::I64x2ExtmulHighI32x4U: extmul(4, true, false); return true;
      // Pairwise sums as multiply-adds by 1 (pmaddubsw: unsigned bytes of its first operand
      // times signed bytes of its second; the sums cannot saturate).
      case Op::I16x8ExtaddPairwiseI8x16U:
        unary([&] { dwords(xmm1, 0x01010101u), g_.pmaddubsw(xmm0, xmm1); });
        return true;
      case Op::I16x8ExtaddPairwiseI8x16S:
        unary([&] {
          dwords(xmm1, 0x01010101u);
          g_.pmaddubsw(xmm1, xmm0);
          g_.movdqa(xmm0, xmm1);
        });
        return true;
      case Op::I32x4ExtaddPairwiseI16x8S:
        unary([&] { dwords(xmm1, 0x00010001u), g_.pmaddwd(xmm0, xmm1); });
        return true;
      case Op::I32x4ExtaddPairwiseI16x8U:  // as signed (x - 2^15), then + 2^16 per pair
        unary([&] {
          sign_bits(xmm1, 2);
          g_.pxor(xmm0, xmm1);
          dwords(xmm1, 0x00010001u);
          g_.pmaddwd(xmm0, xmm1);
          dwords(xmm1, 0x00010000u);
          g_.paddd(xmm0, xmm1);
        });
        return true;
      default: return false;
    }
  }
  void widen(int from, bool high, bool sign) {
    unary([&] { extend(xmm0, from, high, sign, xmm1); });
  }

  bool float_op(Op op) {
    switch (op) {
      case Op::F32x4Add: binary([&] { g_.addps(xmm0, xmm1); }); return true;
      case Op::F32x4Sub: binary([&] { g_.subps(xmm0, xmm1); }); return true;
      case Op::F32x4Mul: binary([&] { g_.mulps(xmm0, xmm1); }); return true;
      case Op::F32x4Div: binary([&] { g_.divps(xmm0, xmm1); }); return true;
      case Op::F64x2Add: binary([&] { g_.addpd(xmm0, xmm1); }); return true;
      case Op::F64x2Sub: binary([&] { g_.subpd(xmm0, xmm1); }); return true;
      case Op::F64x2Mul: binary([&] { g_.mulpd(xmm0, xmm1); }); return true;
      case Op::F64x2Div: binary([&] { g_.divpd(xmm0, xmm1); }); return true;
      case Op::F32x4Min: min_max(false, false); return true;
      case Op::F32x4Max: min_max(false, true); return true;
      case Op::F64x2Min: min_max(true, false); return true;
      case Op::F64x2Max: min_max(true, true); return true;
      case Op::F32x4Pmin: pmin_pmax(false, false); return true;
      case Op::F32x4Pmax: pmin_pmax(false, true); return true;
      case Op::F64x2Pmin: pmin_pmax(true, false); return true;
      case Op::F64x2Pmax: pmin_pmax(true, true); return true;
      case Op::F32x4Abs: sign_op(false, false); return true;
      case Op::F32x4Neg: sign_op(false, true); return true;
      case Op::F64x2Abs: sign_op(true, false); return true;
      case Op::F64x2Neg: sign_op(true, true); return true;
      // sqrt and rounding of a NaN keep its payload, quieted, as the C++ library does.
      case Op::F32x4Sqrt: unary([&] { g_.sqrtps(xmm0, xmm0); }); return true;
      case Op::F64x2Sqrt: unary([&] { g_.sqrtpd(xmm0, xmm0); }); return true;
      case Op::F32x4Nearest: unary([&] { g_.roundps(xmm0, xmm0, 0 | 8); }); return true;
      case Op::F32x4Floor: unary([&] { g_.roundps(xmm0, xmm0, 1 | 8); }); return true;
      case Op::F32x4Ceil: unary([&] { g_.roundps(xmm0, xmm0, 2 | 8); }); return true;
      case Op::F32x4Trunc: unary([&] { g_.roundps(xmm0, xmm0, 3 | 8); }); return true;
      case Op::F64x2Nearest: unary([&] { g_.roundpd(xmm0, xmm0, 0 | 8); }); return true;
      case Op::F64x2Floor: unary([&] { g_.roundpd(xmm0, xmm0, 1 | 8); }); return true;
      case Op::F64x2Ceil: unary([&] { g_.roundpd(xmm0, xmm0, 2 | 8); }); return true;
      case Op::F64x2Trunc: unary([&] { g_.roundpd(xmm0, xmm0, 3 | 8); }); return true;
      case Op::I32x4TruncSatF32x4S: trunc_sat_s(); return true;
      case Op::I32x4TruncSatF32x4U: trunc_sat_u(); return true;
      case Op::I32x4TruncSatF64x2SZero: trunc_sat_f64_s(); return true;
      case Op::I32x4TruncSatF64x2UZero: trunc_sat_f64_u(); return true;
      case Op::F32x4ConvertI32x4S: unary([&] { g_.cvtdq2ps(xmm0, xmm0); }); return true;
      case Op::F32x4ConvertI32x4U: convert_u(); return true;
      case Op::F64x2ConvertLowI32x4S: unary([&] { g_.cvtdq2pd(xmm0, xmm0); }); return true;
      case Op::F64x2ConvertLowI32x4U: convert_low_u(); return true;
      case Op::F32x4DemoteF64x2Zero: unary([&] { g_.cvtpd2ps(xmm0, xmm0); }); return true;
      case Op::F64x2PromoteLowF32x4: unary([&] { g_.cvtps2pd(xmm0, xmm0); }); return true;
      default: return false;
    }
  }

  CodeGenerator& g_;
  const uint32_t* ops_;
  uint32_t word_;
  uint32_t xmm0_slot_;  // what xmm0 holds on entry
  bool first_load_ = true;
  bool result_in_xmm0_ = false;
};
}  // namespace

bool is_v128_instruction(IOp o) {
  return o == IOp::Simd || o == IOp::Select128 || o == IOp::GlobalGet128 || o == IOp::GlobalSet128;
}

bool v128_template_slots(IOp o, const uint32_t* ops, V128Slots* out) {
  *out = V128Slots{};
  auto read = [&](uint32_t s) { out->reads[out->read_count++] = s; };
  auto read_v128 = [&](uint32_t s) { read(s), read(s + 1); };
  auto write_v128 = [&](uint32_t s) {
    out->writes[0] = s;
    out->writes[1] = s + 1;
    out->write_count = 2;
  };
  switch (o) {
    case IOp::Select128:
      read_v128(ops[1]), read_v128(ops[2]), read(ops[3]), write_v128(ops[0]);
      return true;
    case IOp::GlobalGet128: write_v128(ops[0]); return true;
    case IOp::GlobalSet128: read_v128(ops[1]); return true;
    case IOp::Simd: break;
    default: return false;
  }
  Op op;
  if (!simd_op(ops, &op)) return false;
  switch (shape_of(op, ops)) {
    case Shape::None: return false;
    case Shape::Load: read(ops[1]), write_v128(ops[0]); return true;
    case Shape::Store: read(ops[0]), read_v128(ops[1]); return true;
    case Shape::LoadLane: read(ops[1]), read_v128(ops[2]), write_v128(ops[0]); return true;
    case Shape::StoreLane: read(ops[0]), read_v128(ops[1]); return true;
    case Shape::Unary: read_v128(ops[1]), write_v128(ops[0]); return true;
    case Shape::Binary: read_v128(ops[1]), read_v128(ops[2]), write_v128(ops[0]); return true;
    case Shape::Ternary:
      read_v128(ops[1]), read_v128(ops[2]), read_v128(ops[3]), write_v128(ops[0]);
      return true;
    case Shape::Scalar: read_v128(ops[1]), read(ops[2]), write_v128(ops[0]); return true;
    case Shape::Splat: read(ops[1]), write_v128(ops[0]); return true;
    case Shape::Extract:
      read_v128(ops[1]);
      out->writes[0] = ops[0];
      out->write_count = 1;
      return true;
  }
  return false;
}

int v128_value_slots(IOp o, const uint32_t* ops, uint32_t* out) {
  int n = 0;
  auto add = [&](std::initializer_list<int> ks) {
    for (int k : ks) out[n++] = ops[k];
  };
  switch (o) {
    case IOp::Select128: add({0, 1, 2}); return n;
    case IOp::GlobalGet128: add({0}); return n;
    case IOp::GlobalSet128: add({1}); return n;
    case IOp::Simd: break;
    default: return 0;
  }
  Op op;
  if (!simd_op(ops, &op)) return 0;
  using K = wc::engine::SimdKind;
  switch (wc::engine::simd_info(sub_of(op)).kind) {
    case K::Load:
    case K::Splat: add({0}); break;
    case K::Store:
    case K::StoreLane:
    case K::Extract:
    case K::Test: add({1}); break;
    case K::LoadLane: add({0, 2}); break;
    case K::Un:
    case K::Shift:
    case K::Replace: add({0, 1}); break;
    case K::Bin: add({0, 1, 2}); break;
    case K::Tern:
    case K::Shuffle: add({0, 1, 2, 3}); break;
    case K::None:
    case K::Const: break;
  }
  return n;
}

void emit_v128_instruction(CodeGenerator& g, IOp o, const uint32_t* ops, uint32_t word,
                           uint32_t* xmm0_slot) {
  V128Emitter e(g, ops, word, *xmm0_slot);
  switch (o) {
    case IOp::Simd: e.simd(); break;
    case IOp::Select128: e.select128(); break;
    case IOp::GlobalGet128: e.global_get128(); break;
    case IOp::GlobalSet128: e.global_set128(); break;
    default: throw std::logic_error("not a v128 instruction");
  }
  *xmm0_slot = e.xmm0_slot_after();
}

}  // namespace wc::jit
