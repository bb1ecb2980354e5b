// v128 templates (see x64_simd.h). Slots are addressed from rbx; a v128 is two adjacent
// slots, so one unaligned 16-byte access (movups) moves it.
//
// The SSE templates are those whose x86 instruction gives exactly the interpreter's result:
// bitwise ops and integer add/sub/mul wrap the same way; for f32x4/f64x2 add, sub, mul and div
// a NaN operand makes both the template (the first operand is the first source) and the
// interpreter (simd_ops.cc's nan_first) return the first NaN operand, quieted. Min/max,
// conversions, saturating ops and the rest go through the SimdFn.
#include "engine/jit/x64_simd.h"

#include <xbyak/xbyak_util.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "engine/interp/simd_ops.h"
#include "engine/jit/native_code.h"
#include "engine/jit/x64_analysis.h"
#include "engine/runtime/store.h"

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

// The form of an op's SSE template, which says the slots it touches; None: no template (the
// SimdFn is called).
enum class Shape { None, Load, Store, Binary, Splat, Extract };

Shape shape_of(Op op, const uint32_t* ops) {
  switch (op) {
    case Op::V128Load:
    case Op::V128Load32Splat:
    case Op::V128Load64Splat: return Shape::Load;
    case Op::V128Store: return Shape::Store;
    case Op::I32x4Mul: return cpu_has_sse41() ? Shape::Binary : Shape::None;
    case Op::V128And:
    case Op::V128Or:
    case Op::V128Xor:
    case Op::I8x16Add:
    case Op::I8x16Sub:
    case Op::I16x8Add:
    case Op::I16x8Sub:
    case Op::I16x8Mul:
    case Op::I32x4Add:
    case Op::I32x4Sub:
    case Op::I64x2Add:
    case Op::I64x2Sub:
    case Op::F32x4Add:
    case Op::F32x4Sub:
    case Op::F32x4Mul:
    case Op::F32x4Div:
    case Op::F64x2Add:
    case Op::F64x2Sub:
    case Op::F64x2Mul:
    case Op::F64x2Div: return Shape::Binary;
    case Op::I32x4Splat:
    case Op::F32x4Splat:
    case Op::I64x2Splat:
    case Op::F64x2Splat: return Shape::Splat;
    case Op::I32x4ExtractLane:
    case Op::F32x4ExtractLane: return ops[4] < 4 ? Shape::Extract : Shape::None;
    case Op::I64x2ExtractLane:
    case Op::F64x2ExtractLane: return ops[4] < 2 ? Shape::Extract : Shape::None;
    default: return Shape::None;
  }
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

class V128Emitter {
 public:
  V128Emitter(CodeGenerator& g, const uint32_t* ops, uint32_t word)
      : g_(g), ops_(ops), word_(word) {}

  // Operands (simd_ops.h): dst a b c lane fn_lo fn_hi.
  void simd() {
    Op op;
    if (simd_op(ops_, &op) && shape_of(op, ops_) != Shape::None && inline_op(op)) return;
    call_function();
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
    const int32_t d = static_cast<int32_t>(disp);
    switch (bits) {
      case 32: return dword[rbx + d];
      case 64: return qword[rbx + d];
      default: return xword[rbx + d];
    }
  }
  void global_address(uint32_t index) {
    const uint64_t disp = uint64_t{index} * 8;
    if (disp > INT32_MAX) throw std::runtime_error("global index too large");
    g_.mov(rax, qword[r13 + offsetof(JitContext, globals)]);
    g_.mov(rax, qword[rax + static_cast<int32_t>(disp)]);
  }
  // The effective address of a v128 load/store: u32 base (slot k) + u32 memarg offset
  // (operand 3), as simd_ops.cc's `at` computes it.
  Address memory(int addr_k, int bits = 128) {
    g_.mov(eax, slot(addr_k, 32));
    uint32_t offset = ops_[3];
    if (offset > static_cast<uint32_t>(INT32_MAX)) {
      g_.mov(ecx, offset);
      g_.add(rax, rcx);
      offset = 0;
    }
    const int32_t d = static_cast<int32_t>(offset);
    switch (bits) {
      case 32: return dword[r12 + rax + d];
      case 64: return qword[r12 + rax + d];
      default: return xword[r12 + rax + d];
    }
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

  // Slot 0 = the 32-bit or 64-bit value at `from` in every lane (a splat, or a load_splat when
  // `from` is memory).
  void splat32(const Address& from) {
    g_.movd(xmm0, from);
    g_.pshufd(xmm0, xmm0, 0);
    g_.movups(slot(0), xmm0);
  }
  void splat64(const Address& from) {
    g_.movq(xmm0, from);
    g_.punpcklqdq(xmm0, xmm0);
    g_.movups(slot(0), xmm0);
  }

  // xmm0 = a `op` b, stored to dst.
  template <typename Emit>
  void binary(Emit emit) {
    g_.movups(xmm0, slot(1));
    g_.movups(xmm1, slot(2));
    emit();
    g_.movups(slot(0), xmm0);
  }

  bool inline_op(Op op) {
    switch (op) {
      case Op::V128Load:
        g_.movups(xmm0, memory(1));
        g_.movups(slot(0), xmm0);
        return true;
      case Op::V128Load32Splat: splat32(memory(1, 32)); return true;
      case Op::V128Load64Splat: splat64(memory(1, 64)); return true;
      case Op::V128Store:
        g_.movups(xmm0, slot(1));
        g_.movups(memory(0), xmm0);
        return true;
      case Op::V128And: binary([&] { g_.pand(xmm0, xmm1); }); return true;
      case Op::V128Or: binary([&] { g_.por(xmm0, xmm1); }); return true;
      case Op::V128Xor: binary([&] { g_.pxor(xmm0, xmm1); }); return true;
      case Op::I8x16Add: binary([&] { g_.paddb(xmm0, xmm1); }); return true;
      case Op::I8x16Sub: binary([&] { g_.psubb(xmm0, xmm1); }); return true;
      case Op::I16x8Add: binary([&] { g_.paddw(xmm0, xmm1); }); return true;
      case Op::I16x8Sub: binary([&] { g_.psubw(xmm0, xmm1); }); return true;
      case Op::I16x8Mul: binary([&] { g_.pmullw(xmm0, xmm1); }); return true;
      case Op::I32x4Add: binary([&] { g_.paddd(xmm0, xmm1); }); return true;
      case Op::I32x4Sub: binary([&] { g_.psubd(xmm0, xmm1); }); return true;
      case Op::I32x4Mul: binary([&] { g_.pmulld(xmm0, xmm1); }); return true;
      case Op::I64x2Add: binary([&] { g_.paddq(xmm0, xmm1); }); return true;
      case Op::I64x2Sub: binary([&] { g_.psubq(xmm0, xmm1); }); return true;
      case Op::F32x4Add: binary([&] { g_.addps(xmm0, xmm1); }); return true;
      case Op::F32x4Sub: binary([&] { g_.subps(xmm0, xmm1); }); return true;
      case Op::F32x4Mul: binary([&] { g_.mulps(xmm0, xmm1); }); return true;
      case Op::F32x4Div: binary([&] { g_.divps(xmm0, xmm1); }); return true;
      case Op::F64x2Add: binary([&] { g_.addpd(xmm0, xmm1); }); return true;
      case Op::F64x2Sub: binary([&] { g_.subpd(xmm0, xmm1); }); return true;
      case Op::F64x2Mul: binary([&] { g_.mulpd(xmm0, xmm1); }); return true;
      case Op::F64x2Div: binary([&] { g_.divpd(xmm0, xmm1); }); return true;
      case Op::I32x4Splat:
      case Op::F32x4Splat: splat32(slot(1, 32)); return true;
      case Op::I64x2Splat:
      case Op::F64x2Splat: splat64(slot(1, 64)); return true;
      // Extracted 32-bit lanes are zero-extended in their slot, as the interpreter keeps them.
      case Op::I32x4ExtractLane:
      case Op::F32x4ExtractLane:
        g_.mov(eax, slot(1, 32, ops_[4] * 4));
        g_.mov(slot(0, 64), rax);
        return true;
      case Op::I64x2ExtractLane:
      case Op::F64x2ExtractLane:
        g_.mov(rax, slot(1, 64, ops_[4] * 8));
        g_.mov(slot(0, 64), rax);
        return true;
      default: return false;
    }
  }

  CodeGenerator& g_;
  const uint32_t* ops_;
  uint32_t word_;
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
    case Shape::Binary: read_v128(ops[1]), read_v128(ops[2]), write_v128(ops[0]); return true;
    case Shape::Splat: read(ops[1]), write_v128(ops[0]); return true;
    case Shape::Extract:
      read_v128(ops[1]);
      out->writes[0] = ops[0];
      out->write_count = 1;
      return true;
  }
  return false;
}

void emit_v128_instruction(CodeGenerator& g, IOp o, const uint32_t* ops, uint32_t word) {
  V128Emitter e(g, ops, word);
  switch (o) {
    case IOp::Simd: e.simd(); return;
    case IOp::Select128: e.select128(); return;
    case IOp::GlobalGet128: e.global_get128(); return;
    case IOp::GlobalSet128: e.global_set128(); return;
    default: throw std::logic_error("not a v128 instruction");
  }
}

}  // namespace wc::jit
