// Baseline x86-64 compiler over the slot form (see native_code.h for the contract with the
// interpreter). A scan (x64_analysis.cc) first plans which slots live in registers for the
// whole function and where the interpreter may enter; then one pass emits one template per
// internal instruction. Values are in their frame slots (or pinned registers, spilled to the
// slots whenever the code leaves or calls), so any instruction boundary is a valid place to
// enter or leave the code. What this gains over the interpreter: no dispatch, immediates and
// slot offsets folded into the instructions, compare-and-branch as cmp+jcc, br_table as a
// jump table, memory accesses as one instruction against the pinned memory base (the guard
// region bounds-checks them, as for the interpreter).
//
// Pinned registers: rbx = frame, r12 = linear memory 0, r13 = JitContext. Calls to compiled
// functions of the same instance are native; host functions and bulk-memory operations are
// C helpers reached through the JitContext; v128 instructions are SSE templates or calls of
// the interpreter's own lane functions (x64_simd.cc); table.get/set/size and the reference
// instructions are inline, the other table operations C helpers like bulk memory. Everything
// else an instruction needs beyond that (other calls, traps, the float ops whose x86 form
// differs from wasm's) is
// left to the interpreter: the code returns the instruction's index and the interpreter
// executes it. Traps are therefore raised by the interpreter's own code, with its kinds and
// messages (a helper that fails leaves its instruction to the interpreter, which fails the
// same way; a failed host call is finished by the interpreter without being made again).
#include "engine/jit/x64_compiler.h"

#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <variant>

#include "engine/interp/compiled_function.h"
#include "engine/interp/exec_state.h"
#include "engine/interp/iops.h"
#include "engine/jit/executable_memory.h"
#include "engine/jit/x64_analysis.h"
#include "engine/jit/x64_simd.h"
#include "engine/runtime/store.h"

namespace wc::jit {
namespace {

using wc::engine::IOp;
using namespace Xbyak;
using namespace Xbyak::util;

// Functions larger than this (in code words) stay interpreted: compile time and memory stay
// bounded for hostile modules (a 50 MB function).
constexpr size_t kMaxCodeWords = size_t{4} << 20;
// Native calls nest on the thread's own stack (16 bytes each); deeper recursion continues
// through the interpreter, whose frames live in the value stack.
constexpr uint32_t kMaxNativeNesting = 4096;
// Frames whose template (declared locals + constants) is larger are set up by the interpreter.
constexpr size_t kMaxInlineTemplate = 512;
// Fewer constants than this are stored on entry anyway (see lazy_constants_from). One: even
// a leaf with two constants paid two stores per call (fib: 3-6% of its CPU time), and leaving
// them out costs nothing on the native path.
constexpr uint64_t kMinLazyConstants = 1;

// Xbyak's buffer is plain heap memory that is never made executable; the finished code is
// copied into pages that go straight from read+write to read+exec (executable_memory.cc).
struct HeapAllocator : Allocator {
  uint8_t* alloc(size_t size) override { return static_cast<uint8_t*>(std::malloc(size)); }
  void free(uint8_t* p) override { std::free(p); }
  bool useProtect() const override { return false; }
};

bool has_cpu(Cpu::Type t) {
  static const Cpu cpu;
  return cpu.has(t);
}

enum class Cc { E, NE, L, B, G, A, LE, BE, GE, AE };

Cc inverse(Cc c) {
  switch (c) {
    case Cc::E: return Cc::NE;
    case Cc::NE: return Cc::E;
    case Cc::L: return Cc::GE;
    case Cc::B: return Cc::AE;
    case Cc::G: return Cc::LE;
    case Cc::A: return Cc::BE;
    case Cc::LE: return Cc::G;
    case Cc::BE: return Cc::A;
    case Cc::GE: return Cc::L;
    case Cc::AE: return Cc::B;
  }
  return Cc::E;
}

// An instruction operand naming a frame slot: a register when the slot is pinned, else
// memory. Converts to the Operand xbyak's instructions take.
struct SlotOp {
  std::variant<Address, Reg> where;
  explicit SlotOp(const Address& a) : where(a) {}
  explicit SlotOp(const Reg& r) : where(r) {}
  operator const Operand&() const {
    return std::visit([](const auto& x) -> const Operand& { return x; }, where);
  }
};

// Registers that hold pinned slots for a whole function. The templates' own scratch is rax,
// rcx, rdx, xmm0, xmm1 and xmm15; rbx, r12-r15 are the fixed context (see above). rsi, rdi
// and r8 double as scratch in call sequences, which spill the pinned values first.
const Reg64 kPinRegs[] = {rbp, rsi, rdi, r8, r9, r10, r11};
static_assert(kMaxPins == sizeof kPinRegs / sizeof kPinRegs[0]);
// Slots only SSE instructions and copies use live in xmm2-xmm14.
const Xmm kFloatPinRegs[] = {xmm2, xmm3,  xmm4,  xmm5,  xmm6,  xmm7, xmm8,
                             xmm9, xmm10, xmm11, xmm12, xmm13, xmm14};
static_assert(kMaxFloatPins == sizeof kFloatPinRegs / sizeof kFloatPinRegs[0]);

// The first size of xbyak's code buffer: room for 16 machine bytes per slot-form code word,
// so that the buffer seldom grows (each growth copies it byte by byte). Of 0 (4 KiB and
// growth), 8 and 16 bytes per word, 16 compiled the Go workout fastest (3-4%).
size_t initial_buffer(const wc::engine::CompiledFunction& f) {
  return std::max<size_t>(4096, f.code.size() * 16 + 1024);
}

class Compiler : public CodeGenerator {
 public:
  // A jump target. Every jump the templates make is rel32 (xbyak's T_NEAR form, so the bytes
  // are what xbyak emitted); while a label is undefined, each forward jump's rel32 field holds
  // the offset of the previous such field, a chain that L() walks and patches. xbyak's own
  // Label costs hash-table entries and a heap node per label and per forward jump, which was
  // a sixth of the compile time; it stays only for rip-relative operands.
  struct Near {
    int32_t pos = -1;   // the label's offset, once defined
    int32_t last = -1;  // the newest unpatched rel32 field of a jump here, or -1
  };
  using CodeGenerator::L;
  void L(Near& l) {
    l.pos = static_cast<int32_t>(getSize());
    for (int32_t p = l.last; p >= 0;) {
      int32_t next;
      std::memcpy(&next, getCode() + p, sizeof next);
      rewrite(static_cast<size_t>(p), static_cast<uint32_t>(l.pos - (p + 4)), 4);
      p = next;
      --unpatched_;
    }
    l.last = -1;
  }
  // `prefix` (0: none) and `code` start the instruction; a rel32 to `l` follows.
  void near_jump(uint8_t prefix, uint8_t code, Near& l) {
    if (prefix) db(prefix);
    db(code);
    const int32_t at = static_cast<int32_t>(getSize());
    if (l.pos >= 0) {
      dd(static_cast<uint32_t>(l.pos - (at + 4)));
      return;
    }
    dd(static_cast<uint32_t>(l.last));
    l.last = at;
    ++unpatched_;
  }
  // The jumps the templates make to a Near label (always T_NEAR, as before).
#define WC_NEAR_JUMP(name, prefix, code)                                          \
  using CodeGenerator::name;                                                      \
  void name(Near& l, LabelType type) {                                            \
    if (type != T_NEAR) throw std::logic_error("only near jumps to Near labels"); \
    near_jump(prefix, code, l);                                                   \
  }
  WC_NEAR_JUMP(jmp, 0, 0xE9)
  WC_NEAR_JUMP(jb, 0x0F, 0x82)
  WC_NEAR_JUMP(jae, 0x0F, 0x83)
  WC_NEAR_JUMP(je, 0x0F, 0x84)
  WC_NEAR_JUMP(jz, 0x0F, 0x84)
  WC_NEAR_JUMP(jne, 0x0F, 0x85)
  WC_NEAR_JUMP(jnz, 0x0F, 0x85)
  WC_NEAR_JUMP(jbe, 0x0F, 0x86)
  WC_NEAR_JUMP(ja, 0x0F, 0x87)
  WC_NEAR_JUMP(js, 0x0F, 0x88)
  WC_NEAR_JUMP(jns, 0x0F, 0x89)
  WC_NEAR_JUMP(jp, 0x0F, 0x8A)
  WC_NEAR_JUMP(jl, 0x0F, 0x8C)
  WC_NEAR_JUMP(jge, 0x0F, 0x8D)
  WC_NEAR_JUMP(jle, 0x0F, 0x8E)
  WC_NEAR_JUMP(jg, 0x0F, 0x8F)
#undef WC_NEAR_JUMP

  // `record`: also note the facts each template uses (check_analysis compares them with the
  // scan's); null when compiling.
  Compiler(const wc::engine::CompiledFunction& f, uint32_t min_run, Allocator* alloc,
           const DecodedCode& decoded, const PinPlan& plan, SlotFacts* record)
      : CodeGenerator(initial_buffer(f), AutoGrow, alloc),
        f_(f),
        min_run_(min_run ? min_run : 1),
        decoded_(decoded),
        pinned_slots_(plan.pinned_slots),
        float_pinned_slots_(plan.float_pinned_slots),
        enterable_(plan.enterable),
        label_index_(plan.label_index),
        labels_(plan.label_count),
        record_(record) {
    for (size_t i = float_pinned_slots_.size(); i < kMaxFloatPins; ++i)
      cache_.push_back(CacheEntry{i});
    lazy_from_ = lazy_constants_from();
    if (lazy_from_) template_data_used_ = true;
  }

  // Emits the whole function; false when it cannot be compiled.
  bool emit_all() {
    const std::vector<uint32_t>& code = f_.code;
    if (code.size() > kMaxCodeWords) return false;
    const std::vector<uint32_t>& starts = decoded_.starts;
    entries_.assign(code.size(), 0);

    // Entry: rdi = frame, rsi = memory, rdx = context, rcx = where to start, r8 = the
    // function's slot-form code (for return addresses of native calls).
    push(rbx);
    push(rbp);
    push(r12);
    push(r13);
    push(r14);
    push(r15);
    sub(rsp, 8);
    mov(rbx, rdi);
    mov(r12, rsi);
    mov(r13, rdx);
    mov(r14, r8);
    mov(qword[ctx(offsetof(JitContext, saved_rsp))], rsp);
    // D0, the call depth this run started at, in the alignment slot at saved_rsp (where
    // return_to_caller updates it). Inside the code r15 is the running frame's call depth,
    // D0 + the native nesting, and the frame record's index needs no load. Native calls and
    // returns do not store it: `*ctx->depth` is written only where something outside the
    // code reads it (store_depth: leaving, and before the C helpers that read it or may
    // fault), and a guard-region fault in the code itself takes it from r15 (trap_handler.h).
    mov(rax, qword[ctx(offsetof(JitContext, depth))]);
    mov(eax, dword[rax]);
    mov(qword[rsp], rax);
    mov(r15, rax);
    set_depth_limits(rax);
    jmp(rcx);
    // Leaving, from any native call depth: report the frame, drop the native callers' return
    // addresses (the frame stack in ExecState says where each returns to).
    L(exit_);
    spill_pins();
    L(exit_spilled_);
    store_depth(rdx);
    L(exit_depth_kept_);
    mov(qword[ctx(offsetof(JitContext, exit_fp))], rbx);
    mov(rsp, qword[ctx(offsetof(JitContext, saved_rsp))]);
    add(rsp, 8);
    pop(r15);
    pop(r14);
    pop(r13);
    pop(r12);
    pop(rbp);
    pop(rbx);
    ret();
    emit_function_entry();  // last before the first instruction: it falls into it

    std::vector<bool> native(starts.size());
    for (size_t i = 0; i < starts.size(); ++i) {
      w_ = starts[i];
      ins_ = &code[w_ + 2];
      if (label_index_[w_] || !is_v128_instruction(decoded_.ops[i])) {
        if (in_v128_run_) end_v128_run();
        v128_synced_.clear();
        v128_xmm0_ = kNoV128Slot;
      }
      if (uint32_t l = label_index_[w_]) {
        flush_all();  // on the path falling into the label
        L(labels_[l - 1]);
        forget_all();  // control arrives here from elsewhere too
      }
      // The flags a compare left hold only into the very next instruction, and only when
      // nothing else jumps there.
      flags_ = label_index_[w_] ? Flags{} : flags_next_;
      flags_next_ = Flags{};
      // Likewise rax: only when the previous template's last code was store_rax's.
      rax_in_ = !label_index_[w_] && getSize() == rax_slot_end_ ? rax_slot_ : UINT32_MAX;
      size_t before = native_ops_;
      if (!emit(decoded_.ops[i])) return false;
      native[i] = native_ops_ > before;
    }
    if (in_v128_run_) end_v128_run();
    for (const CallSlowPaths& p : call_slow_paths_) emit_call_slow_paths(p);
    // Entering and leaving compiled code costs about as much as a few interpreted
    // instructions, so an entry is offered only where compiled code then runs for a while: at
    // least min_run_ instructions in a row before the next one left to the interpreter (a
    // call's return point followed by one add and a return stays interpreted, as in fib).
    // Which entries exist changes speed, never results (values live in frame slots).
    size_t run = 0;
    bool any_entry = false;
    std::vector<size_t> entry_points;
    for (size_t i = starts.size(); i-- > 0;) {
      run = native[i] ? run + 1 : 0;
      if (run >= min_run_ && enterable_[starts[i]]) entry_points.push_back(i);
    }
    // Each entry loads the pinned slots, then joins the code at its instruction.
    for (size_t i : entry_points) {
      entries_[starts[i]] = static_cast<uint32_t>(getSize()) + 1;
      fill_pins();
      jmp(label_at(starts[i]), T_NEAR);
      any_entry = true;
    }
    emit_template_data();
    // Jump-table entries: every label is defined now.
    for (const TableEntry& e : table_entries_) {
      uint32_t dest =
          e.word ? static_cast<uint32_t>(labels_[label_index_[e.target] - 1].pos) : e.target;
      rewrite(e.at, static_cast<uint32_t>(int64_t{dest} - int64_t{e.table}), 4);
    }
    if (unpatched_) throw std::logic_error("a jump to a label never defined");
    ready();
    // Nothing worth entering from the interpreter and no native callers possible: no code.
    return any_entry || function_entry_ != 0;
  }

  std::vector<uint32_t> take_entries() { return std::move(entries_); }
  uint32_t function_entry() const { return function_entry_; }
  uint32_t lazy_from() const { return lazy_from_; }

 private:
  // Go's functions carry a hundred or more constants each, and storing them into every new
  // frame was a sixth of the compiled code's time in an HTTP benchmark even as block copies.
  // The code itself needs them only as immediates or, in the frame, read: such reads can take
  // the constant from the copy of the frame template placed after the code instead. So native
  // callers leave the constants that no return can overwrite (slots from the first one at or
  // above both the declared locals and the results: never written, see fixed_constant) out of
  // a new frame, and the interpreter stores them (complete_native_frames, interpreter.cc)
  // when the code leaves and it may run such a frame. 0 when every constant is stored on
  // entry: no native entry, too few constants to matter, or v128 instructions, whose
  // templates (x64_simd.cc) address the frame themselves.
  uint32_t lazy_constants_from() const {
    const std::vector<uint64_t>& tmpl = f_.frame_template;
    if (tmpl.size() > kMaxInlineTemplate) return 0;
    const uint64_t first =
        std::max<uint64_t>(uint64_t{f_.num_params} + f_.num_locals, f_.num_results);
    const uint64_t end = uint64_t{f_.num_params} + tmpl.size();
    if (first == 0 || end < first + kMinLazyConstants) return 0;
    for (IOp o : decoded_.ops)
      if (is_v128_instruction(o)) return 0;
    return static_cast<uint32_t>(first);
  }
  bool lazy_slot(uint32_t s) const {
    return lazy_from_ && s >= lazy_from_ && s < uint64_t{f_.num_params} + f_.frame_template.size();
  }
  // An xmm register of the float cache (see cached()).
  struct CacheEntry {
    size_t reg;  // index in kFloatPinRegs
    uint32_t slot = 0;
    bool valid = false;
    bool dirty = false;  // the frame slot does not hold the value yet
  };

  uint32_t op(int k) const { return ins_[k]; }
  int32_t off(int k) const { return static_cast<int32_t>(ins_[k]); }

  // A frame slot as an operand: the register it is pinned to, or its place in the frame.
  SlotOp slot(int k, int bits = 64) {
    uint32_t s = op(k);
    if (record_) record_->uses.push_back({s, w_});
    flush(s);   // the integer template reads the frame slot
    forget(s);  // and may write it
    if (const Reg64* r = pinned(s)) {
      switch (bits) {
        case 8: return SlotOp{r->cvt8()};
        case 16: return SlotOp{r->cvt16()};
        case 32: return SlotOp{r->cvt32()};
        default: return SlotOp{*r};
      }
    }
    return SlotOp{frame_slot(s, bits)};
  }
  // A read-only operand that is a constant fitting an imm32 of a `bits`-wide instruction
  // (sign-extended for 64 bits), not pinned: true with the immediate, noted as slot(k) notes
  // it. Such constants are never pinned (make_plan), so templates take them as immediates
  // instead of reading the frame.
  bool imm(int k, int bits, uint32_t* v) {
    uint32_t s = op(k);
    uint64_t c;
    if (pinned(s) || !fixed_constant(s, &c)) return false;
    if (bits == 64 && static_cast<int64_t>(c) != static_cast<int32_t>(c)) return false;
    if (record_) record_->uses.push_back({s, w_});
    flush(s);
    forget(s);
    *v = static_cast<uint32_t>(c);
    return true;
  }
  // base + disp. xbyak's general sum of two RegExps (Reg + int makes one of each) was a tenth
  // of the compile time; operator- only copies the base and moves its displacement (size_t
  // arithmetic, so subtracting -disp adds disp). The same RegExp either way.
  static RegExp plus(const RegExp& base, int32_t disp) {
    return base - static_cast<size_t>(-int64_t{disp});
  }
  // A JitContext field (r13 + offset).
  RegExp ctx(size_t offset) const { return plus(context_base_, static_cast<int32_t>(offset)); }
  Address frame_slot(uint32_t s, int bits = 64) {
    if (lazy_slot(s)) {  // a constant a native caller did not store: from the template's copy
      ++rip_operands_;   // see replay()
      const int32_t d = static_cast<int32_t>((s - f_.num_params) * 8);
      switch (bits) {
        case 8: return byte[rip + template_data_ + d];
        case 16: return word[rip + template_data_ + d];
        case 32: return dword[rip + template_data_ + d];
        default: return qword[rip + template_data_ + d];
      }
    }
    uint64_t disp = uint64_t{s} * 8;
    if (disp > INT32_MAX - 16) throw std::runtime_error("frame too large");
    const RegExp e = plus(frame_base_, static_cast<int32_t>(disp));
    switch (bits) {
      case 8: return byte[e];
      case 16: return word[e];
      case 32: return dword[e];
      default: return qword[e];
    }
  }
  // A slot read by an SSE instruction (an xmm register or memory operand). A slot pinned to a
  // general register is first moved to xmm15 (the analysis keeps slots used both ways in
  // memory, so that is only a safety net).
  SlotOp fslot(int k, int bits) {
    uint32_t s = op(k);
    if (record_) record_->float_uses.push_back({s, w_});
    if (const Xmm* x = float_pinned(s)) return SlotOp{*x};
    if (const Xmm* c = cached(s)) return SlotOp{*c};
    if (const Reg64* r = pinned(s)) {
      if (bits == 64)
        movq(xmm15, *r);
      else
        movd(xmm15, r->cvt32());
      return SlotOp{xmm15};
    }
    return SlotOp{frame_slot(s, bits)};
  }
  // A float slot into `dst` (xmm0 or xmm1). From a register the whole register is copied:
  // movsd/movss between registers would merge into dst's old value and make this template
  // wait for whatever last wrote dst.
  void fload(const Xmm& dst, int k, int bits) {
    SlotOp v = fslot(k, bits);
    if (const Reg* r = std::get_if<Reg>(&v.where))
      movapd(dst, Xmm(r->getIdx()));
    else if (bits == 64)
      movsd(dst, v);
    else
      movss(dst, v);
  }
  // Writes xmm0's low 64 bits (an f64) to a slot.
  void fstore64(int k) {
    uint32_t s = op(k);
    if (record_) record_->float_uses.push_back({s, w_});
    if (const Xmm* x = float_pinned(s))
      movapd(*x, xmm0);
    else if (const Reg64* r = pinned(s))
      movq(*r, xmm0);
    else if (!cache_.empty())
      remember(s, xmm0, true);  // written to the frame when it must be (see the cache)
    else
      movsd(frame_slot(s), xmm0);
  }
  // The xmm register slot `s` is in now (pinned or cached), or -1.
  int xmm_of(uint32_t s) const {
    if (const Xmm* x = float_pinned(s)) return x->getIdx();
    if (const Xmm* c = cached(s)) return c->getIdx();
    return -1;
  }
  // Where an f64 template computes slot k's new value, so the result needs no move from xmm0:
  // the slot's pinned register, or a float cache register taken for it now (a victim's dirty
  // value written back first). The template still reads operands after writing it, so it is
  // never the register of `avoid1` or `avoid2` (xmm indices, -1: none). Null: use xmm0 and
  // fstore64. The template ends with fdone64(k).
  const Xmm* fdest64(int k, int avoid1, int avoid2) {
    const uint32_t s = op(k);
    auto avoided = [&](const Xmm& x) { return x.getIdx() == avoid1 || x.getIdx() == avoid2; };
    if (const Xmm* x = float_pinned(s)) return avoided(*x) ? nullptr : x;
    if (pinned(s) || cache_.empty()) return nullptr;
    CacheEntry* to = nullptr;
    for (CacheEntry& e : cache_)
      if (e.valid && e.slot == s) to = &e;
    if (to && avoided(kFloatPinRegs[to->reg])) return nullptr;
    if (!to)
      for (CacheEntry& e : cache_)
        if (!e.valid) to = &e;
    for (size_t tries = 0; !to && tries < cache_.size(); ++tries) {
      CacheEntry& e = cache_[next_victim_];
      next_victim_ = (next_victim_ + 1) % cache_.size();
      if (!avoided(kFloatPinRegs[e.reg])) {
        to = &e;
        write_back(e);  // a victim's value (its register may still be read as operand a)
      }
    }
    if (!to) return nullptr;
    // s's own old value needs no write-back: this instruction replaces it (a load that
    // faults ends the run with a trap, which discards the frame's values).
    to->valid = false;
    fdest_ = to;
    return &kFloatPinRegs[to->reg];
  }
  // The template wrote slot k's value into the register fdest64(k) gave.
  void fdone64(int k) {
    const uint32_t s = op(k);
    if (record_) record_->float_uses.push_back({s, w_});
    if (!fdest_) return;  // pinned
    forget(s);
    fdest_->slot = s;
    fdest_->valid = true;
    cache_used_ = true;
    fdest_->dirty = true;
    fdest_ = nullptr;
  }
  // `d` = an f64 operand (a register or memory), whole register copied (see fload).
  void fmove64(const Xmm& d, const SlotOp& v) {
    if (const Reg* r = std::get_if<Reg>(&v.where)) {
      if (r->getIdx() != d.getIdx()) movapd(d, Xmm(r->getIdx()));
    } else {
      movsd(d, v);
    }
  }

  // Writes xmm0's low 32 bits (an f32) to a slot, zero-extended as the interpreter keeps it.
  void store_f32(int k = 0) {
    uint32_t s = op(k);
    if (record_) record_->float_uses.push_back({s, w_});
    movd(eax, xmm0);
    if (const Xmm* x = float_pinned(s)) {
      movd(*x, eax);
    } else if (const Reg64* r = pinned(s)) {
      mov(r->cvt32(), eax);
    } else if (!cache_.empty()) {
      movd(xmm0, eax);  // the slot's exact 64 bits (zero-extended), as the cache keeps them
      remember(s, xmm0, true);
    } else {
      mov(frame_slot(s), rax);
    }
  }
  // slot(dst) = slot(src), whatever class each is pinned to.
  void copy_slot(int dst, int src) {
    uint32_t d = op(dst), s = op(src);
    if (record_) {
      record_->copy_uses.push_back({d, w_});
      record_->copy_uses.push_back({s, w_});
    }
    const Xmm* xd = float_pinned(d);
    const Xmm* xs = float_pinned(s);
    const Reg64* rd = pinned(d);
    const Reg64* rs = pinned(s);
    if (!xs && !rs) xs = cached(s);  // the cache holds the slot's exact 64 bits
    if (xs) {
      if (xd)
        movapd(*xd, *xs);
      else if (rd)
        movq(*rd, *xs);
      else
        movsd(frame_slot(d), *xs);
      if (!xd && !rd) remember(d, *xs, false);
      return;
    }
    forget(d);  // overwritten below
    // Through rax only from memory to memory or into an xmm register.
    if (rd && rs) {
      if (rd->getIdx() != rs->getIdx()) mov(*rd, *rs);
      return;
    }
    const bool in_rax = !rs && operand_in_rax(src);  // see operand_in_rax
    if (rd) {
      if (in_rax)
        mov(*rd, rax);
      else
        mov(*rd, frame_slot(s));
      return;
    }
    if (rs && !xd) {
      mov(frame_slot(d), *rs);
      return;
    }
    if (rs)
      mov(rax, *rs);
    else if (!in_rax)
      mov(rax, frame_slot(s));
    rax_in_ = UINT32_MAX;  // a second copy of Copy2 finds rax changed
    if (xd) {
      movq(*xd, rax);
    } else {
      mov(frame_slot(d), rax);
      rax_slot_ = d;  // as store_rax leaves it
      rax_slot_end_ = getSize();
    }
  }
  // A slot's 64 bits into `r` / rax's into a slot, wherever the slot lives: the templates of
  // the float bit operations (abs, neg, copysign, reinterpret) count as copies, so they keep
  // no slot out of an xmm register.
  void bits_to(const Reg64& r, int k) {
    uint32_t s = op(k);
    if (record_) record_->copy_uses.push_back({s, w_});
    const Xmm* x = float_pinned(s);
    if (!x) x = cached(s);
    if (x)
      movq(r, *x);
    else if (const Reg64* g = pinned(s))
      mov(r, *g);
    else
      mov(r, frame_slot(s));
  }
  void bits_from_rax(int k) {
    uint32_t s = op(k);
    if (record_) record_->copy_uses.push_back({s, w_});
    if (const Xmm* x = float_pinned(s)) {
      movq(*x, rax);
    } else if (const Reg64* g = pinned(s)) {
      mov(*g, rax);
    } else {
      forget(s);
      mov(frame_slot(s), rax);
    }
  }
  const Xmm* float_pinned(uint32_t s) const {
    for (size_t i = 0; i < float_pinned_slots_.size(); ++i)
      if (float_pinned_slots_[i] == s) return &kFloatPinRegs[i];
    return nullptr;
  }
  const Reg64* pinned(uint32_t s) const {
    for (size_t i = 0; i < pinned_slots_.size(); ++i)
      if (pinned_slots_[i] == s) return &kPinRegs[i];
    return nullptr;
  }

  // The float cache: xmm registers no slot is pinned to hold the values SSE templates write
  // to unpinned slots, so the next float template reads a register instead of reloading the
  // slot, and a temporary overwritten before anything else reads it never reaches the frame.
  // A cached value is "dirty" until written to its slot. The cache is a compile-time state of
  // straight-line code, kept so that the frame is the truth wherever the code may go
  // elsewhere: every dirty value is written back before a branch, a label (control also
  // arrives there from elsewhere, so the cache is emptied after it), a call or return, and on
  // every path that leaves to the interpreter (exit_at writes them on the exit path only). An
  // integer template's operand is written back before it reads the slot and dropped from the
  // cache, as it may write it; a copy's destination is dropped. Flushes change the state, so
  // they are only emitted where they dominate the code that follows (never on a side path).
  const Xmm* cached(uint32_t s) const {
    if (!cache_used_) return nullptr;
    for (const CacheEntry& e : cache_)
      if (e.valid && e.slot == s) return &kFloatPinRegs[e.reg];
    return nullptr;
  }
  // Drops slot `s` from the cache without writing it (its value is about to be replaced).
  void forget(uint32_t s) {
    if (!cache_used_) return;
    for (CacheEntry& e : cache_)
      if (e.slot == s) e.valid = false;
  }
  // Empties the cache; nothing may be dirty (flush_all() first).
  void forget_all() {
    for (CacheEntry& e : cache_) {
      if (e.valid && e.dirty) throw std::runtime_error("float cache: dropped a dirty value");
      e.valid = false;
    }
  }
  void write_back(CacheEntry& e) {
    if (!e.valid || !e.dirty) return;
    movsd(frame_slot(e.slot), kFloatPinRegs[e.reg]);
    e.dirty = false;
  }
  // Writes slot `s` back if it is dirty (on the path that follows).
  void flush(uint32_t s) {
    if (!cache_used_) return;
    for (CacheEntry& e : cache_)
      if (e.slot == s) write_back(e);
  }
  // Writes every dirty value back (on the path that follows).
  void flush_all() {
    if (!cache_used_) return;
    for (CacheEntry& e : cache_) write_back(e);
  }
  // The stores flush_all() would emit, for a path that leaves (the state does not change).
  void emit_flush_stores() {
    for (const CacheEntry& e : cache_)
      if (e.valid && e.dirty) movsd(frame_slot(e.slot), kFloatPinRegs[e.reg]);
  }
  // Slot `s` now holds the low 64 bits of `from`; `dirty`: not yet in the frame slot.
  void remember(uint32_t s, const Xmm& from, bool dirty) {
    if (cache_.empty()) return;
    CacheEntry* to = nullptr;
    for (CacheEntry& e : cache_)
      if (e.valid && e.slot == s) to = &e;
    if (!to) {
      for (CacheEntry& e : cache_)
        if (!e.valid) to = &e;
      if (!to) {
        to = &cache_[next_victim_];
        next_victim_ = (next_victim_ + 1) % cache_.size();
        write_back(*to);
      }
    }
    const Xmm& r = kFloatPinRegs[to->reg];
    if (r.getIdx() != from.getIdx()) movapd(r, from);
    forget(s);
    to->slot = s;
    to->valid = true;
    to->dirty = dirty;
    cache_used_ = true;
  }
  // The frame is the truth outside compiled code: pinned values go to their slots before the
  // code leaves or calls, and come back from them where it is entered or a call returns.
  // A constant slot at or above the results holds its constant for the frame's whole life:
  // every frame gets the constants on entry, and the translator writes a constant slot only
  // when it is also a result slot (a return copies the results into slots 0..n-1, which may
  // reach past the locals). Such a slot is never spilled, and a register it is pinned to is
  // filled from the constant itself rather than from memory.
  bool fixed_constant(uint32_t s, uint64_t* value) const {
    return s >= f_.num_results && constant_slot(s, value);
  }
  void spill_pins() { spill_pins_below(UINT32_MAX); }
  // spill_pins() for the slots below `end` only, from slot `from` on.
  void spill_pins_below(uint32_t end, uint32_t from = 0) {
    if (std::all_of(pinned_slots_.begin(), pinned_slots_.end(),
                    [&](uint32_t s) { return s < end; }) &&
        std::all_of(float_pinned_slots_.begin(), float_pinned_slots_.end(),
                    [&](uint32_t s) { return s < end; }))
      end = UINT32_MAX;  // all of them: the same code as spill_pins()
    auto emit = [&] {
      uint64_t k;
      for (size_t i = 0; i < float_pinned_slots_.size(); ++i) {
        const uint32_t s = float_pinned_slots_[i];
        if (s >= from && s < end && !fixed_constant(s, &k)) movsd(frame_slot(s), kFloatPinRegs[i]);
      }
      for (size_t i = 0; i < pinned_slots_.size(); ++i) {
        const uint32_t s = pinned_slots_[i];
        if (s >= from && s < end && !fixed_constant(s, &k)) mov(frame_slot(s), kPinRegs[i]);
      }
    };
    if (end == UINT32_MAX && from == 0)
      replay(spill_all_, emit);
    else
      emit();
  }
  // `in_rax`: a slot whose value is also in rax (UINT32_MAX: none).
  void fill_pins(uint32_t in_rax = UINT32_MAX) {
    auto is_in_rax = [&](uint32_t s) { return s == in_rax; };
    if (std::none_of(pinned_slots_.begin(), pinned_slots_.end(), is_in_rax) &&
        std::none_of(float_pinned_slots_.begin(), float_pinned_slots_.end(), is_in_rax))
      in_rax = UINT32_MAX;  // not pinned: the same code as fill_pins()
    auto emit = [&] {
      for (size_t i = 0; i < float_pinned_slots_.size(); ++i) {
        if (float_pinned_slots_[i] == in_rax)
          movq(kFloatPinRegs[i], rax);
        else
          movsd(kFloatPinRegs[i], frame_slot(float_pinned_slots_[i]));
      }
      for (size_t i = 0; i < pinned_slots_.size(); ++i) {
        if (pinned_slots_[i] == in_rax)
          mov(kPinRegs[i], rax);
        else
          fill_pin(i);
      }
    };
    if (in_rax == UINT32_MAX)
      replay(fill_all_, emit);
    else
      emit();
  }
  // Code that depends only on the function's plan (every pin spilled or reloaded, after every
  // call and at every entry) is encoded by xbyak once and copied after that: it was a fifth of
  // the compile time of call-heavy Go code. Only for code with no position-dependent operand:
  // a copy's rip-relative operand would point elsewhere. frame_slot() counts the rip-relative
  // operands it makes (a float pin may reload a lazy constant from the template's copy), and
  // a sequence that had one is encoded anew every time. The pins' code has no jumps.
  struct Replay {
    std::vector<uint8_t> bytes;
    bool made = false;
    bool copyable = false;  // position-independent, so `bytes` may be copied
  };
  template <class Emit>
  void replay(Replay& r, const Emit& emit) {
    if (!r.made || !r.copyable) {
      const size_t from = getSize(), rip_before = rip_operands_;
      emit();
      if (!r.made && rip_operands_ == rip_before) {
        r.bytes.assign(getCode() + from, getCode() + getSize());
        r.copyable = true;
      }
      r.made = true;
      return;
    }
    while (size_ + r.bytes.size() > maxSize_) growMemory();
    if (!r.bytes.empty()) std::memcpy(top_ + size_, r.bytes.data(), r.bytes.size());
    size_ += r.bytes.size();
  }
  // Integer pin `i` from its slot: a constant as an immediate, anything else from the frame.
  void fill_pin(size_t i) {
    const uint32_t s = pinned_slots_[i];
    const Reg64& r = kPinRegs[i];
    uint64_t k;
    if (!fixed_constant(s, &k))
      mov(r, frame_slot(s));
    else if (k == 0)
      xor_(r.cvt32(), r.cvt32());
    else
      mov(r, k);
  }

  // v128 instructions (x64_simd.h) work on the frame. One with an SSE template needs only
  // its own slots there: those it reads are written back, those it writes dropped from the
  // cache and reloaded into their pins. Around those calling a SimdFn (which clobbers the
  // caller-saved registers and may write any slot) the float cache and every pin are
  // written back before the first of a run and the pins reloaded after the last; a run also
  // ends before a label (control arrives there with the pins loaded).
  void v128_instruction(IOp o) {
    V128Slots io;
    if (!in_v128_run_ && v128_template_slots(o, ins_, &io)) {
      for (int i = 0; i < io.read_count; ++i) {
        const uint32_t s = io.reads[i];
        if (v128_synced(s)) continue;
        if (s - v128_xmm0_ <= 1) v128_xmm0_ = kNoV128Slot;  // its bytes may change
        slot_to_frame(s);
        v128_synced_.push_back(s);
      }
      for (int i = 0; i < io.write_count; ++i) forget(io.writes[i]);
      emit_v128_instruction(*this, o, ins_, w_, &v128_xmm0_);
      for (int i = 0; i < io.write_count; ++i) {
        slot_from_frame(io.writes[i]);
        if (!v128_synced(io.writes[i])) v128_synced_.push_back(io.writes[i]);
      }
      return;
    }
    v128_synced_.clear();
    v128_xmm0_ = kNoV128Slot;
    if (!in_v128_run_) {
      flush_all();
      spill_pins();
      store_depth(rax);  // a SimdFn's fault in the guard region is a trap at this depth
      in_v128_run_ = true;
    }
    emit_v128_instruction(*this, o, ins_, w_, &v128_xmm0_);
    v128_xmm0_ = kNoV128Slot;  // the next may call a SimdFn first
    forget_all();              // nothing is dirty; the registers are gone
  }
  // Whether slot `s` is in v128_synced_.
  bool v128_synced(uint32_t s) const {
    return std::find(v128_synced_.begin(), v128_synced_.end(), s) != v128_synced_.end();
  }
  // The frame slot `s` gets its value from the cache or its pin (a no-op when it has it).
  void slot_to_frame(uint32_t s) {
    uint64_t k;
    flush(s);
    if (fixed_constant(s, &k)) return;
    if (const Xmm* x = float_pinned(s)) movsd(frame_slot(s), *x);
    if (const Reg64* r = pinned(s)) mov(frame_slot(s), *r);
  }
  // Slot `s`'s pin gets the value just written to the frame.
  void slot_from_frame(uint32_t s) {
    if (const Xmm* x = float_pinned(s)) movsd(*x, frame_slot(s));
    if (const Reg64* r = pinned(s)) mov(*r, frame_slot(s));
  }
  void end_v128_run() {
    fill_pins();
    in_v128_run_ = false;
  }

  // Leaves the code at the current instruction: the interpreter executes it.
  void exit_here() { exit_at(w_); }
  void exit_at(uint32_t word) {
    emit_flush_stores();
    mov(eax, word);
    jmp(exit_, T_NEAR);
  }
  // Leaves after spill_pins() already ran (the pinned registers may hold scratch since).
  void exit_spilled() { exit_spilled_at(w_); }
  void exit_spilled_at(uint32_t word) {
    mov(eax, word);
    jmp(exit_spilled_, T_NEAR);
  }
  // A call's host, cold and interpreter ways, emitted after the function's last instruction so
  // that the native call falls through with no taken jump around them. Pins are placed for
  // the whole function, so this code needs no state of its instruction but these.
  struct CallSlowPaths {
    Near* no_entry;
    Near* cold;
    Near* interp;   // also CallIndirect's failed checks
    Near* done;     // back after the call
    uint64_t disp;  // the callee's frame, from rbx
    uint32_t word;  // the call instruction, where the interpreter takes over
  };
  // A label for code emitted after the function's (emit_call_slow_paths): it outlives the
  // instruction that made it, at an address that does not move (jumps chain through it).
  Near& out_of_line_label() { return out_of_line_labels_.emplace_back(); }

  void jcc(Cc c, Near& l) {
    static constexpr uint8_t kCode[] = {0x84, 0x85, 0x8C, 0x82, 0x8F, 0x87, 0x8E, 0x86, 0x8D, 0x83};
    near_jump(0x0F, kCode[static_cast<int>(c)], l);
  }
  void setcc(Cc c, const Reg8& r) {
    switch (c) {
      case Cc::E: sete(r); break;
      case Cc::NE: setne(r); break;
      case Cc::L: setl(r); break;
      case Cc::B: setb(r); break;
      case Cc::G: setg(r); break;
      case Cc::A: seta(r); break;
      case Cc::LE: setle(r); break;
      case Cc::BE: setbe(r); break;
      case Cc::GE: setge(r); break;
      case Cc::AE: setae(r); break;
    }
  }

  // The label at code word `w`; the plan gives one to every branch target and entry.
  Near& label_at(uint32_t w) {
    uint32_t i = w < label_index_.size() ? label_index_[w] : 0;
    if (!i) throw std::runtime_error("no label at a branch target");  // scan and emit disagree
    return labels_[i - 1];
  }

  // The label of the branch target `offset` words from this instruction; false if it is not
  // an instruction start (the translator never makes one; refuse rather than jump wild).
  bool target(int32_t offset, uint32_t* word) {
    int64_t t = int64_t{w_} + offset;
    if (t < 0 || t >= static_cast<int64_t>(decoded_.is_start.size()) || !decoded_.is_start[t])
      return false;
    *word = static_cast<uint32_t>(t);
    return true;
  }

  // At a loop back-edge: when the interrupt flag is set, leave to the interpreter at this
  // instruction, which raises the trap.
  void poll_interrupt() {
    mov(rax, qword[ctx(offsetof(JitContext, interrupt))]);
    cmp(byte[rax], 0);
    Near go;
    je(go, T_NEAR);
    exit_here();
    L(go);
  }

  // An unconditional branch. A backward one is a loop back-edge: poll the interrupt flag
  // there and, when set, leave to the interpreter at this branch, which raises the trap.
  bool branch(int32_t offset) {
    flush_all();  // a no-op on branch_if's side path: it flushed before its jcc
    uint32_t t;
    if (!target(offset, &t)) return false;
    if (offset <= 0) {
      // The poll's own branch makes the jump: one taken branch per loop iteration.
      if (record_) record_->back_edges.push_back({t, w_});
      mov(rax, qword[ctx(offsetof(JitContext, interrupt))]);
      cmp(byte[rax], 0);
      je(label_at(t), T_NEAR);
      exit_here();
      return true;
    }
    jmp(label_at(t), T_NEAR);
    return true;
  }
  // The value of a constant-pool slot (constants are never written: the translator gives
  // every result a local or operand-stack slot); false for any other slot.
  bool constant_slot(uint32_t s, uint64_t* value) const {
    const uint64_t first = uint64_t{f_.num_params} + f_.num_locals;
    if (s < first || s - first >= f_.constants.size()) return false;
    *value = f_.constants[s - first];
    return true;
  }

  // CopyJump is Go's jump inside a function: `i32.const k; local.set $PC; br $loop`, where
  // the loop starts with the `br_table` on $PC that dispatches to the function's blocks.
  // When the value is a constant and the jump lands on that br_table, go straight to the
  // table's k-th target: the same place, without the table's load and indirect jump. The
  // slot is still written (the interpreter or a resumed call may read it), and a backward
  // jump still polls the interrupt flag, as the loop's back-edge did.
  bool copy_jump(uint32_t dst, uint32_t src, int32_t offset) {
    flush_all();  // the float cache's pending values, as branch() does before any jump
    uint32_t header;
    uint64_t k;
    if (!target(offset, &header) || !constant_slot(src, &k)) return branch(offset);
    auto at = std::lower_bound(decoded_.starts.begin(), decoded_.starts.end(), header);
    if (at == decoded_.starts.end() || *at != header) return branch(offset);
    const uint32_t* table = &f_.code[header + 2];
    if (decoded_.ops[static_cast<size_t>(at - decoded_.starts.begin())] != IOp::BrTable ||
        table[0] != dst || table[1] > kMaxJumpTable)
      return branch(offset);
    const uint32_t count = table[1];
    const uint32_t index = static_cast<uint32_t>(k) < count ? static_cast<uint32_t>(k) : count;
    const int64_t dest = int64_t{header} + static_cast<int32_t>(table[2 + index]);
    if (dest < 0 || dest >= static_cast<int64_t>(decoded_.is_start.size()) ||
        !decoded_.is_start[static_cast<size_t>(dest)])
      return branch(offset);
    if (offset <= 0 || dest <= w_) {
      if (record_ && offset <= 0) record_->back_edges.push_back({header, w_});
      poll_interrupt();
    }
    jmp(label_at(static_cast<uint32_t>(dest)), T_NEAR);
    return true;
  }

  // A conditional branch on flags already set.
  bool branch_if(Cc c, int32_t offset) {
    flush_all();  // stores only: the flags survive
    uint32_t t;
    if (!target(offset, &t)) return false;
    if (offset > 0) {
      jcc(c, label_at(t));
      return true;
    }
    Near skip;
    jcc(inverse(c), skip);
    branch(offset);
    L(skip);
    return true;
  }

  // Flags for a fused compare-and-branch of operands 0 and 1: a pinned first operand is
  // compared in place, a constant second one as an immediate.
  void compare_operands() {
    SlotOp a = rax_or_slot(0, 32);
    const Reg* r = std::get_if<Reg>(&a.where);
    if (!r) {
      mov(eax, a);
      r = &eax;
    }
    const Reg lhs = *r;
    if (uint32_t v; imm(1, 32, &v))
      cmp(lhs, v);
    else
      cmp(lhs, slot(1, 32));
  }
  // Where a template computes slot k's integer result: the slot's pinned register (its 32-bit
  // view for an i32: a 32-bit write zeroes the top half, as the slots keep i32 values), else
  // rax / eax and result_done stores it. Only for templates that read no operand after
  // writing the result and cannot leave to the interpreter after it (the interpreter would
  // re-run the instruction on a clobbered operand), or that check the destination is no
  // operand they read later.
  Reg result_reg(int k, bool wide) const {
    const Reg64* d = pinned(op(k));
    const Reg64 r = d ? *d : rax;
    return wide ? Reg(r) : Reg(r.cvt32());
  }
  void result_done(int k, const Reg& r) {
    if (r.getIdx() == rax.getIdx())
      store_rax(k);
    else
      (void)slot(k);  // noted as written (it is the register written)
  }
  // A template that writes only its result register: f(r) with r from result_reg.
  template <class F>
  void into_result(bool wide, const F& f) {
    const Reg r = result_reg(0, wide);
    f(r);
    result_done(0, r);
  }
  void store_rax(int k) {
    const uint32_t s = op(k);
    mov(slot(k), rax);
    if (!pinned(s) && !float_pinned(s)) {
      rax_slot_ = s;
      rax_slot_end_ = getSize();
    }
  }

  // rax forwarding. A template that ends by storing rax into an unpinned slot leaves the
  // value in rax too, and the next instruction (when nothing else jumps to it) reads it from
  // there instead of the frame: an operand-stack temporary is mostly read by the very next
  // instruction, and the reload waited for the store to forward on the dependency chain
  // (VdbeExec in SQLite, byte decoding). The slot is still stored, so anything else that
  // reads the frame (an exit, a branch target, a later instruction) sees the same value.
  // `rax_in_` is set at each instruction's start; a template that uses it reads rax before it
  // writes rax and clears it then. Registers hold exactly what the 64-bit store wrote, so a
  // 32- or 64-bit read of rax equals the same read of the slot.
  bool operand_in_rax(int k) const { return rax_in_ != UINT32_MAX && op(k) == rax_in_; }
  // Operand k: rax / eax when it holds it (noted as read, as slot() notes it), else slot().
  SlotOp rax_or_slot(int k, int bits) {
    if (!operand_in_rax(k)) return slot(k, bits);
    (void)slot(k, bits);
    return SlotOp{bits == 64 ? Reg(rax) : Reg(eax)};
  }
  // eax = the u32 address operand k (zero-extended, as `mov eax, dword` gives it).
  void address_into_eax(int k) {
    if (operand_in_rax(k)) {
      (void)slot(k, 32);
      mov(eax, eax);
    } else {
      mov(eax, slot(k, 32));
    }
    rax_in_ = UINT32_MAX;
  }

  // Effective address of a load/store in rax: u32 base (already in eax) + u32 offset.
  Address mem_at(uint32_t offset, int bits) {
    if (offset > static_cast<uint32_t>(INT32_MAX)) {
      mov(ecx, offset);
      add(rax, rcx);
      offset = 0;
    }
    const RegExp e = plus(memory_index_, static_cast<int32_t>(offset));
    switch (bits) {
      case 8: return byte[e];
      case 16: return word[e];
      case 32: return dword[e];
      default: return qword[e];
    }
  }

  enum class LoadKind { I32, I64, S8_32, U8_32, S16_32, U16_32, S8_64, S16_64, S32_64, F32, F64 };
  void load_into_slot(LoadKind k, Address a) {
    switch (k) {
      case LoadKind::F32:
        movss(xmm0, a);
        store_f32(0);
        return;
      case LoadKind::F64:
        if (const Xmm* d = fdest64(0, -1, -1)) {
          movsd(*d, a);
          fdone64(0);
          return;
        }
        movsd(xmm0, a);
        fstore64(0);
        return;
      default: break;
    }
    // Straight into a pinned destination: the address is in rax (and rcx), a faulting load
    // writes nothing, and nothing is read after it.
    const Reg r32 = result_reg(0, false), r64 = result_reg(0, true);
    switch (k) {
      case LoadKind::I32: mov(r32, a); break;
      case LoadKind::I64: mov(r64, a); break;
      case LoadKind::S8_32: movsx(r32, a); break;
      case LoadKind::U8_32: movzx(r32, a); break;
      case LoadKind::S16_32: movsx(r32, a); break;
      case LoadKind::U16_32: movzx(r32, a); break;
      case LoadKind::S8_64: movsx(r64, a); break;
      case LoadKind::S16_64: movsx(r64, a); break;
      case LoadKind::S32_64: movsxd(Reg64(r64.getIdx()), a); break;
      default: break;
    }
    result_done(0, r64);
  }
  static int load_bits(LoadKind k) {
    switch (k) {
      case LoadKind::I32:
      case LoadKind::F32:
      case LoadKind::S32_64: return 32;
      case LoadKind::I64:
      case LoadKind::F64: return 64;
      case LoadKind::S8_32:
      case LoadKind::U8_32:
      case LoadKind::S8_64: return 8;
      default: return 16;
    }
  }
  // dst addr offset
  void load(LoadKind k) {
    address_into_eax(1);
    load_into_slot(k, mem_at(op(2), load_bits(k)));
  }
  // dst a b offset
  // eax += slot k (an immediate when it is a constant).
  void add_operand(int k) {
    if (uint32_t v; imm(k, 32, &v))
      add(eax, v);
    else
      add(eax, slot(k, 32));
  }
  void load_add(LoadKind k) {
    int a = 1, b = 2;
    if (operand_in_rax(b) && !operand_in_rax(a)) std::swap(a, b);  // the add commutes
    if (operand_in_rax(a))
      (void)slot(a, 32);  // in eax already (the add zero-extends)
    else
      mov(eax, slot(a, 32));
    rax_in_ = UINT32_MAX;
    if (uint32_t v; imm(b, 32, &v))
      add(eax, v);
    else
      add(eax, slot(b, 32));
    load_into_slot(k, mem_at(op(3), load_bits(k)));
  }
  // dst base index shift offset
  void load_scaled(LoadKind k) {
    mov(eax, slot(2, 32));
    shl(eax, static_cast<uint8_t>(op(3) & 31));
    add(eax, slot(1, 32));
    load_into_slot(k, mem_at(op(4), load_bits(k)));
  }
  // Before a store's address goes into eax: a value operand that rax holds (see
  // operand_in_rax) is moved to rdx, where store() takes it from.
  void store_value_from_rax(int k) {
    value_in_rdx_ = operand_in_rax(k) && !pinned(op(k));
    if (value_in_rdx_) mov(rdx, rax);
  }
  // A store of slot `value_slot` at eax + offset: a constant as an immediate, a pinned value
  // from its register.
  void store(int addr_slot, int value_slot, int bits, uint32_t offset) {
    (void)addr_slot;
    if (uint32_t v; imm(value_slot, bits == 64 ? 64 : 32, &v)) {
      // The immediate as xbyak takes it for this width (64: sign-extended imm32).
      value_in_rdx_ = false;
      const uint64_t x = bits == 8    ? v & 0xff
                         : bits == 16 ? v & 0xffff
                         : bits == 32 ? uint64_t{v}
                                      : static_cast<uint64_t>(int64_t{static_cast<int32_t>(v)});
      mov(mem_at(offset, bits), x);
      return;
    }
    const SlotOp value = slot(value_slot);
    Reg64 r = rdx;
    if (const Reg* p = std::get_if<Reg>(&value.where))
      r = Reg64(p->getIdx());
    else if (!std::exchange(value_in_rdx_, false))
      mov(rdx, value);
    Address a = mem_at(offset, bits);
    switch (bits) {
      case 8: mov(a, r.cvt8()); break;
      case 16: mov(a, r.cvt16()); break;
      case 32: mov(a, r.cvt32()); break;
      default: mov(a, r); break;
    }
  }

  // An f32/f64 store of slot `value_slot` at eax + offset, through xmm0.
  void float_store(int value_slot, int bits, uint32_t offset) {
    SlotOp v = fslot(value_slot, bits);  // a register: stored from it directly
    if (const Reg* r = std::get_if<Reg>(&v.where)) {
      const Xmm x(r->getIdx());
      if (bits == 64)
        movsd(mem_at(offset, 64), x);
      else
        movss(mem_at(offset, 32), x);
      return;
    }
    if (bits == 64) {
      movsd(xmm0, v);
      movsd(mem_at(offset, 64), xmm0);
    } else {
      movss(xmm0, v);
      movss(mem_at(offset, 32), xmm0);
    }
  }

  using AluRR = void (CodeGenerator::*)(const Operand&, const Operand&);
  using AluRI = void (CodeGenerator::*)(const Operand&, uint32_t);
  // dst = a OP b, `bits` wide, made in one register: dst's own when it is pinned and is not
  // operand b (read after the register is written), else rax / eax. A commutative op whose
  // destination is its second operand (x = y ^ x) is made as b OP a. load_operands() puts a in
  // the register (no move when it is dst's already), store_result() ends the template.
  struct InPlace {
    Reg r;
    int b;  // the operand combined into r
    bool in_place;
  };
  InPlace load_operands(bool commutative, int bits) {
    int a = 1, b = 2;
    if (commutative && pinned(op(0)) && op(0) == op(2) && op(1) != op(0)) a = 2, b = 1;
    const Reg64* d = pinned(op(0));
    const bool in_place = d && op(0) != op(b);
    // In rax already: b combined into it as a (commutative), or a itself.
    if (!in_place && commutative && operand_in_rax(b) && !operand_in_rax(a)) std::swap(a, b);
    const Reg r = bits == 64 ? Reg(in_place ? *d : rax) : Reg(in_place ? d->cvt32() : eax);
    if (in_place && op(a) == op(0))
      (void)slot(a, bits);  // noted as read (it is dst's register)
    else if (!in_place && operand_in_rax(a))
      (void)slot(a, bits);  // rax holds it
    else
      mov(r, rax_or_slot(a, bits));  // in place: rax is not written, so b may still use it
    if (!in_place) rax_in_ = UINT32_MAX;
    return {r, b, in_place};
  }
  void store_result(const InPlace& p) {
    if (p.in_place)
      (void)slot(0);  // noted as written
    else
      store_rax(0);
  }
  // A constant b is an immediate.
  void alu(AluRR rr, AluRI ri, int bits) {
    const InPlace p = load_operands(rr != static_cast<AluRR>(&CodeGenerator::sub), bits);
    if (uint32_t v; imm(p.b, bits, &v))
      (this->*ri)(p.r, v);
    else
      (this->*rr)(p.r, rax_or_slot(p.b, bits));
    store_result(p);
  }
  void bin32(AluRR rr, AluRI ri) { alu(rr, ri, 32); }
  void bin64(AluRR rr, AluRI ri) { alu(rr, ri, 64); }
  void multiply(bool wide) {
    const int bits = wide ? 64 : 32;
    const InPlace p = load_operands(true, bits);
    if (uint32_t v; imm(p.b, bits, &v))
      imul(p.r, p.r, static_cast<int>(v));
    else
      imul(p.r, rax_or_slot(p.b, bits));
    store_result(p);
  }
  // dst = a + b, then flags of dst against operand 3 (AddBrIf*). The compare reads operand 3
  // after dst is written, as the interpreter does.
  void add_compare() {
    const InPlace p = load_operands(true, 32);
    if (uint32_t v; imm(p.b, 32, &v))
      add(p.r, v);
    else
      add(p.r, rax_or_slot(p.b, 32));
    store_result(p);
    if (uint32_t v; imm(3, 32, &v))
      cmp(p.r, v);
    else
      cmp(p.r, slot(3, 32));
  }
  void cmp32(Cc c) { compare(c, 32); }
  void cmp64(Cc c) { compare(c, 64); }
  // dst = a CC b as 0 or 1, set in dst's register when it is pinned: zeroed before the
  // compare (which sets the flags setcc reads) when it is no operand, else zero-extended from
  // its low byte after setcc. A pinned first operand is compared in place. The flags stay for
  // a following branch on dst (flags_next_).
  void compare(Cc c, int bits) {
    const Reg64* d = pinned(op(0));
    const bool zero_first = !d || (op(0) != op(1) && op(0) != op(2));
    const Reg32 r = d ? d->cvt32() : eax;
    if (zero_first) xor_(r, r);
    SlotOp first = slot(1, bits);
    Reg a = bits == 64 ? Reg(rcx) : Reg(ecx);
    if (const Reg* p = std::get_if<Reg>(&first.where))
      a = *p;
    else
      mov(a, first);
    if (uint32_t v; imm(2, bits, &v))
      cmp(a, v);
    else
      cmp(a, slot(2, bits));
    setcc_into(c, r, zero_first);
    result_done(0, d ? Reg(*d) : Reg(rax));
    flags_next_ = {true, op(0), c};
  }
  // r (32-bit) = the condition as 0 or 1; `zeroed`: r was zeroed before the flags were set.
  void setcc_into(Cc c, const Reg32& r, bool zeroed) {
    setcc(c, r.cvt8());
    if (!zeroed) movzx(r, r.cvt8());
  }
  // dst = (a == 0), as compare() does it.
  void eqz(bool wide) {
    const Reg64* d = pinned(op(0));
    const bool zero_first = !d || op(0) != op(1);
    const Reg32 r = d ? d->cvt32() : eax;
    if (zero_first) xor_(r, r);
    cmp(slot(1, wide ? 64 : 32), 0);
    setcc_into(Cc::E, r, zero_first);
    result_done(0, d ? Reg(*d) : Reg(rax));
    flags_next_ = {true, op(0), Cc::E};
  }
  // BrIfNez / BrIfEqz (and the i64 forms) of the slot the previous instruction set to a
  // compare's 0/1 result: its flags are still there (setcc, moves and the float cache's
  // stores keep them), so the branch tests them instead of comparing the slot with 0.
  bool branch_on_compare(bool if_nonzero, bool wide) {
    if (!flags_.valid || flags_.slot != op(0)) {
      cmp(rax_or_slot(0, wide ? 64 : 32), 0);
      return branch_if(if_nonzero ? Cc::NE : Cc::E, off(1));
    }
    (void)slot(0, wide ? 64 : 32);  // noted as read
    return branch_if(if_nonzero ? flags_.cc : inverse(flags_.cc), off(1));
  }
  enum class Shift { Shl, Sar, Shr, Rol, Ror };
  // In dst's register when it is pinned: a count from a slot is in cl first (dst may be it).
  void shift(bool wide, Shift s) {
    uint32_t v = 0;
    const bool by_imm = imm(2, 32, &v);
    if (!by_imm) mov(ecx, rax_or_slot(2, 32));
    const Reg r = result_reg(0, wide);
    if (r.getIdx() == rax.getIdx() || op(1) != op(0))
      mov(r, rax_or_slot(1, wide ? 64 : 32));  // rax is not written before this
    else
      (void)slot(1, wide ? 64 : 32);  // noted as read (it is dst's register)
    // `count`: an immediate (int) or cl; x86 masks it as wasm does.
    auto emit = [&](const auto& count) {
      switch (s) {
        case Shift::Shl: shl(r, count); break;
        case Shift::Sar: sar(r, count); break;
        case Shift::Shr: shr(r, count); break;
        case Shift::Rol: rol(r, count); break;
        case Shift::Ror: ror(r, count); break;
      }
    };
    if (by_imm)
      emit(static_cast<int>(v & (wide ? 63 : 31)));  // an immediate count: no load into cl
    else
      emit(cl);
    result_done(0, r);
  }
  // Integer division: a zero divisor or the one overflowing signed quotient is left to the
  // interpreter (it traps); signed remainder by -1 is 0 (x86 would fault on INT_MIN % -1).
  void divide(bool wide, bool is_signed, bool remainder) {
    if (!is_signed && divide_by_constant(wide, remainder)) return;
    Near done, general;
    if (wide)
      mov(rcx, slot(2));
    else
      mov(ecx, slot(2, 32));
    if (wide)
      test(rcx, rcx);
    else
      test(ecx, ecx);
    Near nonzero;
    jne(nonzero, T_NEAR);
    exit_here();
    L(nonzero);
    if (wide)
      mov(rax, slot(1));
    else
      mov(eax, slot(1, 32));
    if (is_signed) {
      if (wide)
        cmp(rcx, -1);
      else
        cmp(ecx, -1);
      jne(general, T_NEAR);
      if (remainder) {
        xor_(eax, eax);
        jmp(done, T_NEAR);
      } else {
        if (wide) {
          mov(rdx, uint64_t{1} << 63);
          cmp(rax, rdx);
        } else {
          cmp(eax, INT32_MIN);
        }
        jne(general, T_NEAR);
        exit_here();
      }
    }
    L(general);
    if (is_signed) {
      if (wide) {
        cqo();
        idiv(rcx);
      } else {
        cdq();
        idiv(ecx);
      }
    } else {
      xor_(edx, edx);
      if (wide)
        div(rcx);
      else
        div(ecx);
    }
    if (remainder) {
      if (wide)
        mov(rax, rdx);
      else
        mov(eax, edx);
    }
    L(done);
    store_rax(0);
  }

  // Unsigned division or remainder by a constant 1..2^31-1 (no trap possible): a shift and a
  // mask for a power of two, else a multiply by a reciprocal (Granlund and Montgomery's
  // round-up method, exact for every 64-bit dividend; i32 dividends are zero-extended).
  // False (nothing emitted) for any other divisor.
  bool divide_by_constant(bool wide, bool remainder) {
    const int bits = wide ? 64 : 32;
    uint64_t c;
    if (pinned(op(2)) || !fixed_constant(op(2), &c)) return false;
    const uint64_t d = wide ? c : static_cast<uint32_t>(c);
    if (d == 0 || d > static_cast<uint64_t>(INT32_MAX)) return false;
    uint32_t v;
    if (!imm(2, bits, &v)) return false;  // notes the divisor's use; d fits, so always true
    if (wide)
      mov(rax, slot(1));
    else
      mov(eax, slot(1, 32));
    if ((d & (d - 1)) == 0) {
      const int k = std::countr_zero(d);
      if (remainder)
        and_(rax, static_cast<uint32_t>(d - 1));
      else if (k)
        shr(rax, k);
      store_rax(0);
      return true;
    }
    const int l = 64 - std::countl_zero(d);  // ceil(log2 d): d is no power of two
    const unsigned __int128 num = static_cast<unsigned __int128>((uint64_t{1} << l) - d) << 64;
    const uint64_t m = static_cast<uint64_t>(num / d) + 1;
    mov(rcx, rax);  // x
    mov(rdx, m);
    mul(rdx);  // rdx = t = high half of x * m
    mov(rax, rcx);
    sub(rax, rdx);
    shr(rax, 1);
    add(rax, rdx);
    shr(rax, l - 1);  // q = (t + ((x - t) >> 1)) >> (l - 1)
    if (remainder) {
      imul(rax, rax, static_cast<int>(d));
      sub(rcx, rax);
      mov(rax, rcx);
    }
    store_rax(0);
    return true;
  }

  // Float compare into eax (0/1) with wasm's unordered semantics. `swap` compares b with a.
  // Operands are slots `first` and `first + 1`.
  void fcmp(bool dbl, Cc c, bool swap, int first) {
    int a = swap ? first + 1 : first, b = swap ? first : first + 1;
    if (dbl) {
      fload(xmm0, a, 64);
      ucomisd(xmm0, fslot(b, 64));
    } else {
      fload(xmm0, a, 32);
      ucomiss(xmm0, fslot(b, 32));
    }
    if (c == Cc::E) {
      sete(al);
      setnp(cl);
      and_(al, cl);
    } else if (c == Cc::NE) {
      setne(al);
      setp(cl);
      or_(al, cl);
    } else {
      setcc(c, al);  // A / AE are false when unordered (CF set)
    }
    movzx(eax, al);
  }
  // The (cc, swap) pair for a wasm float comparison.
  static void fcmp_form(int which, Cc* c, bool* swap) {
    // which: 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge
    static const Cc cc[] = {Cc::E, Cc::NE, Cc::A, Cc::A, Cc::AE, Cc::AE};
    static const bool sw[] = {false, false, true, false, true, false};
    *c = cc[which];
    *swap = sw[which];
  }
  void fcmp_store(bool dbl, int which) {
    Cc c;
    bool sw;
    fcmp_form(which, &c, &sw);
    fcmp(dbl, c, sw, 1);
    store_rax(0);
  }
  bool fcmp_branch(int which, bool negate) {
    Cc c;
    bool sw;
    fcmp_form(which, &c, &sw);
    fcmp(true, c, sw, 0);
    test(eax, eax);
    return branch_if(negate ? Cc::E : Cc::NE, off(2));
  }

  enum class FOp { Add, Sub, Mul, Div };
  void farith(bool dbl, FOp o) {
    if (dbl) {
      // a into the destination's register (or xmm0), then the operation with b there.
      const int b = xmm_of(op(2));
      const SlotOp a = fslot(1, 64);  // before b: both may be xmm15 (general-pinned slots)
      const Xmm* d = fdest64(0, b, -1);
      const Xmm& r = d ? *d : xmm0;
      fmove64(r, a);
      switch (o) {
        case FOp::Add: addsd(r, fslot(2, 64)); break;
        case FOp::Sub: subsd(r, fslot(2, 64)); break;
        case FOp::Mul: mulsd(r, fslot(2, 64)); break;
        case FOp::Div: divsd(r, fslot(2, 64)); break;
      }
      if (d)
        fdone64(0);
      else
        fstore64(0);
    } else {
      fload(xmm0, 1, 32);
      switch (o) {
        case FOp::Add: addss(xmm0, fslot(2, 32)); break;
        case FOp::Sub: subss(xmm0, fslot(2, 32)); break;
        case FOp::Mul: mulss(xmm0, fslot(2, 32)); break;
        case FOp::Div: divss(xmm0, fslot(2, 32)); break;
      }
      store_f32();
    }
  }
  // a * b then +/- c, each rounded (two wasm instructions fused, not an FMA).
  void muladd(bool dbl, int form) {  // 0: a*b+c, 1: a*b-c, 2: c-a*b
    if (dbl && form != 2) {
      const int b = xmm_of(op(2)), c = xmm_of(op(3));
      const SlotOp a = fslot(1, 64);
      const Xmm* d = fdest64(0, b, c);
      const Xmm& r = d ? *d : xmm0;
      fmove64(r, a);
      mulsd(r, fslot(2, 64));
      if (form == 0) addsd(r, fslot(3, 64));
      if (form == 1) subsd(r, fslot(3, 64));
      if (d)
        fdone64(0);
      else
        fstore64(0);
    } else if (dbl) {
      fload(xmm0, 1, 64);
      mulsd(xmm0, fslot(2, 64));
      if (form == 2) {
        fload(xmm1, 3, 64);
        subsd(xmm1, xmm0);
        movapd(xmm0, xmm1);
      }
      fstore64(0);
    } else {
      fload(xmm0, 1, 32);
      mulss(xmm0, fslot(2, 32));
      if (form == 0) addss(xmm0, fslot(3, 32));
      if (form == 1) subss(xmm0, fslot(3, 32));
      if (form == 2) {
        fload(xmm1, 3, 32);
        subss(xmm1, xmm0);
        movaps(xmm0, xmm1);
      }
      store_f32();
    }
  }
  void fround(bool dbl, uint8_t mode) {
    if (dbl) {
      xorps(xmm0, xmm0);  // no wait for xmm0's last writer (roundsd keeps its top half)
      roundsd(xmm0, fslot(1, 64), mode | 8);
      fstore64(0);
    } else {
      xorps(xmm0, xmm0);
      roundss(xmm0, fslot(1, 32), mode | 8);
      store_f32();
    }
  }

  Address global_bits(uint32_t index) {
    if (index < kDirectGlobals) {
      mov(rax, qword[r13 + static_cast<int32_t>(offsetof(JitContext, global_bits) + index * 8)]);
      return qword[rax];
    }
    mov(rax, qword[ctx(offsetof(JitContext, globals))]);
    uint64_t disp = uint64_t{index} * 8;
    if (disp > INT32_MAX) throw std::runtime_error("global index too large");
    mov(rax, qword[rax + static_cast<int32_t>(disp)]);
    return qword[rax + offsetof(wc::engine::GlobalInstance, bits)];
  }

  bool emit(IOp o);

  // br_table with the index in eax: a bounds check sends out-of-range indices to the default
  // target, then a jump through a table of 32-bit offsets relative to the table itself, so the
  // code stays position-independent. Backward targets go through a stub that polls the
  // interrupt flag first (one per distinct target); a set flag leaves at this br_table.
  bool jump_table(uint32_t count) {
    struct Dest {
      uint32_t target;
      bool word;
    };
    std::vector<Dest> dests(count + 1);
    std::vector<uint32_t> backward;  // distinct backward targets, in first-use order
    for (uint32_t i = 0; i <= count; ++i) {
      int32_t offset = off(2 + static_cast<int>(i));
      uint32_t t;
      if (!target(offset, &t)) return false;
      dests[i] = {t, true};
      if (offset <= 0) {
        if (record_) record_->back_edges.push_back({t, w_});
        backward.push_back(t);
      }
    }
    std::sort(backward.begin(), backward.end());
    backward.erase(std::unique(backward.begin(), backward.end()), backward.end());
    std::vector<Near> stubs(backward.size());
    auto stub_of = [&](uint32_t t) {
      return static_cast<size_t>(std::lower_bound(backward.begin(), backward.end(), t) -
                                 backward.begin());
    };
    // Out of range: the default target, directly or through its stub.
    const Dest& def = dests[count];
    cmp(eax, count);
    if (off(2 + static_cast<int>(count)) > 0)
      jae(label_at(def.target), T_NEAR);
    else
      jae(stubs[stub_of(def.target)], T_NEAR);
    Label table;
    lea(rcx, ptr[rip + table]);
    movsxd(rax, dword[rcx + rax * 4]);
    add(rax, rcx);
    jmp(rax);
    align(4);
    L(table);
    const uint32_t table_at = static_cast<uint32_t>(getSize());
    table_entries_.reserve(table_entries_.size() + count);
    for (uint32_t i = 0; i < count; ++i) {
      table_entries_.push_back({static_cast<uint32_t>(getSize()), table_at, dests[i].target, true});
      dd(0);
    }
    // The stubs, after the table; entries to backward targets point at them.
    std::vector<uint32_t> stub_offsets(backward.size());
    if (!backward.empty()) {
      Near leave;
      for (size_t k = 0; k < backward.size(); ++k) {
        stub_offsets[k] = static_cast<uint32_t>(getSize());
        L(stubs[k]);
        mov(rcx, qword[ctx(offsetof(JitContext, interrupt))]);
        cmp(byte[rcx], 0);
        jne(leave, T_NEAR);
        jmp(label_at(backward[k]), T_NEAR);
      }
      L(leave);
      exit_here();
    }
    for (size_t i = table_entries_.size() - count; i < table_entries_.size(); ++i) {
      TableEntry& e = table_entries_[i];
      uint32_t index = (e.at - table_at) / 4;
      if (off(2 + static_cast<int>(index)) <= 0) {
        e.target = stub_offsets[stub_of(e.target)];
        e.word = false;
      }
    }
    return true;
  }

  // clz / ctz / popcnt into rax (a zero input gives the width, as wasm says).
  bool bit_count(IOp o) {
    const bool wide = o == IOp::I64Clz || o == IOp::I64Ctz || o == IOp::I64Popcnt;
    const Reg& a = wide ? static_cast<const Reg&>(rax) : static_cast<const Reg&>(eax);
    const Reg& c = wide ? static_cast<const Reg&>(rcx) : static_cast<const Reg&>(ecx);
    const int width = wide ? 64 : 32;
    if (wide)
      mov(rcx, slot(1));
    else
      mov(ecx, slot(1, 32));
    if (o == IOp::I32Popcnt || o == IOp::I64Popcnt) {
      if (!cpu_has_popcnt()) return false;
      popcnt(a, c);
    } else if (o == IOp::I32Clz || o == IOp::I64Clz) {
      if (has_cpu(Cpu::tLZCNT)) {
        lzcnt(a, c);
      } else {
        Near done;
        mov(eax, width);
        test(c, c);
        jz(done, T_NEAR);
        bsr(a, c);
        xor_(eax, width - 1);
        L(done);
      }
    } else {
      if (has_cpu(Cpu::tBMI1)) {
        tzcnt(a, c);
      } else {
        Near done;
        mov(eax, width);
        test(c, c);
        jz(done, T_NEAR);
        bsf(a, c);
        L(done);
      }
    }
    if (!wide) mov(eax, eax);
    store_rax(0);
    return true;
  }

  // Float to integer truncation. x86's cvtt* give the "integer indefinite" value (the
  // minimum signed integer) for NaN and out-of-range inputs; on that value the code leaves
  // the instruction to the interpreter, which traps or saturates (or, for an input that
  // truly truncates to the minimum, gives it). Unsigned 32-bit goes through the signed
  // 64-bit conversion and checks the range; unsigned 64-bit see truncate_u64().
  bool truncate(bool dbl, bool to64, bool is_signed) {
    if (!is_signed && to64) return truncate_u64(dbl);
    if (dbl)
      fload(xmm0, 1, 64);
    else
      fload(xmm0, 1, 32);
    Near ok;
    if (is_signed && !to64) {
      if (dbl)
        cvttsd2si(eax, xmm0);
      else
        cvttss2si(eax, xmm0);
      cmp(eax, INT32_MIN);
      jne(ok, T_NEAR);
    } else {
      if (dbl)
        cvttsd2si(rax, xmm0);
      else
        cvttss2si(rax, xmm0);
      if (is_signed) {
        mov(rcx, uint64_t{1} << 63);
        cmp(rax, rcx);
        jne(ok, T_NEAR);
      } else {
        mov(rcx, rax);
        shr(rcx, 32);
        jz(ok, T_NEAR);  // 0 <= value < 2^32 (also rules out the negative results)
      }
    }
    exit_here();
    L(ok);
    store_rax(0);
    return true;
  }

  // Float to u64: below 2^63 the signed conversion, from 2^63 on the signed conversion of
  // x - 2^63 with the top bit set back. A negative signed result means out of range or NaN
  // (x <= -1, x >= 2^64: the "integer indefinite" value is negative too): left to the
  // interpreter, which traps or saturates. (-1, 0) truncates to 0, as it should.
  bool truncate_u64(bool dbl) {
    Near big, ok;
    fload(xmm0, 1, dbl ? 64 : 32);
    if (dbl) {
      mov(rax, uint64_t{0x43E0000000000000});  // 2^63
      movq(xmm1, rax);
      ucomisd(xmm0, xmm1);
    } else {
      mov(eax, 0x5F000000u);  // 2^63
      movd(xmm1, eax);
      ucomiss(xmm0, xmm1);
    }
    jae(big, T_NEAR);  // not taken when unordered (CF set)
    if (dbl)
      cvttsd2si(rax, xmm0);
    else
      cvttss2si(rax, xmm0);
    test(rax, rax);
    jns(ok, T_NEAR);
    exit_here();
    L(big);
    if (dbl) {
      subsd(xmm0, xmm1);
      cvttsd2si(rax, xmm0);
    } else {
      subss(xmm0, xmm1);
      cvttss2si(rax, xmm0);
    }
    test(rax, rax);
    Near in_range;
    jns(in_range, T_NEAR);
    exit_here();  // x >= 2^64
    L(in_range);
    btc(rax, 63);
    L(ok);
    store_rax(0);
    return true;
  }

  // u64 to float: below 2^63 the signed conversion; from 2^63 on, half the value with its
  // lowest bit kept as a sticky bit (so the one rounding is still correct), doubled after.
  void convert_u64(bool dbl) {
    Near big, done;
    mov(rax, slot(1));
    xorps(xmm0, xmm0);
    test(rax, rax);
    js(big, T_NEAR);
    if (dbl)
      cvtsi2sd(xmm0, rax);
    else
      cvtsi2ss(xmm0, rax);
    jmp(done, T_NEAR);
    L(big);
    mov(rcx, rax);
    shr(rcx, 1);
    and_(eax, 1);
    or_(rcx, rax);
    if (dbl) {
      cvtsi2sd(xmm0, rcx);
      addsd(xmm0, xmm0);
    } else {
      cvtsi2ss(xmm0, rcx);
      addss(xmm0, xmm0);
    }
    L(done);
    if (dbl)
      fstore64(0);
    else
      store_f32();
  }

  // wasm min/max: a NaN operand gives the first NaN operand quieted (`addss a, b` does exactly
  // that, as numeric::first_nan_quieted does for the interpreter); equal operands (where x86's
  // minsd/maxsd would pick by position, for ±0) give a | b for min (-0 wins) and a & b for max
  // (+0 wins), exact for equal non-zero values too.
  void min_max(bool dbl, bool is_min) {
    Near unordered, equal, done;
    fload(xmm0, 1, dbl ? 64 : 32);
    fload(xmm1, 2, dbl ? 64 : 32);
    if (dbl)
      ucomisd(xmm0, xmm1);
    else
      ucomiss(xmm0, xmm1);
    jp(unordered, T_NEAR);
    je(equal, T_NEAR);
    if (dbl) {
      if (is_min)
        minsd(xmm0, xmm1);
      else
        maxsd(xmm0, xmm1);
    } else {
      if (is_min)
        minss(xmm0, xmm1);
      else
        maxss(xmm0, xmm1);
    }
    jmp(done, T_NEAR);
    L(equal);
    if (is_min)
      orpd(xmm0, xmm1);
    else
      andpd(xmm0, xmm1);
    jmp(done, T_NEAR);
    L(unordered);
    if (dbl)
      addsd(xmm0, xmm1);
    else
      addss(xmm0, xmm1);
    L(done);
    if (dbl)
      fstore64(0);
    else
      store_f32();
  }

  // Where native callers enter (rbx = the new frame, arguments in place): the rest of the
  // frame gets the declared locals' zeros and the constants, as the interpreter's call does.
  void emit_function_entry() {
    const std::vector<uint64_t>& tmpl = f_.frame_template;
    if (tmpl.size() > kMaxInlineTemplate) return;       // the interpreter makes such calls
    if (f_.frame_slots > kMaxNativeFrameSlots) return;  // native_call's stack check needs it
    function_entry_ = static_cast<uint32_t>(getSize()) + 1;
    const size_t stored = lazy_from_ ? lazy_from_ - f_.num_params : tmpl.size();
    const size_t copied = copy_template_blocks(stored);
    bool zeroed = false;  // rax, once a zero is stored: a leaf storing none needs no xor
    for (size_t i = copied; i < stored; ++i) {
      // A declared local pinned to a general register starts as a zeroed register (below);
      // its frame slot is read only after a spill has written it.
      if (i < f_.num_locals && pinned(f_.num_params + static_cast<uint32_t>(i))) continue;
      int32_t d = static_cast<int32_t>((f_.num_params + i) * 8);
      uint64_t v = tmpl[i];
      if (v == 0) {
        if (!std::exchange(zeroed, true)) xor_(eax, eax);
        mov(qword[rbx + d], rax);
      } else if (static_cast<int64_t>(v) == static_cast<int32_t>(v)) {
        mov(qword[rbx + d], v);  // sign-extended imm32: v itself, never its low half
      } else {
        mov(rcx, v);
        mov(qword[rbx + d], rcx);
      }
    }
    // The pinned registers get their slots' entry values: parameters from the frame, declared
    // locals and constants straight from the template (no reload of what was just stored).
    // Operand-stack slots hold nothing yet (the stack is empty at entry; the translator
    // writes each before reading it), so theirs are not loaded.
    const uint64_t template_end = uint64_t{f_.num_params} + tmpl.size();
    for (size_t i = 0; i < float_pinned_slots_.size(); ++i)
      if (float_pinned_slots_[i] < template_end)
        movsd(kFloatPinRegs[i], frame_slot(float_pinned_slots_[i]));
    for (size_t i = 0; i < pinned_slots_.size(); ++i) {
      const uint32_t s = pinned_slots_[i];
      if (s >= f_.num_params + uint64_t{f_.num_locals} && s < template_end)
        fill_pin(i);  // a constant: an immediate, or a load of what was just stored
      else if (s >= f_.num_params && s < template_end)
        xor_(kPinRegs[i].cvt32(), kPinRegs[i].cvt32());  // a declared local: zero
      else if (s < f_.num_params)
        mov(kPinRegs[i], frame_slot(s));
    }
    // Falls into the first instruction, which emit_all emits next (at label_at(0)).
  }

  // Go's functions carry a hundred or more constants each (the frame template), stored on
  // every call: one 8-byte store per slot made their entry a fifth of the compiled code's time
  // in a channel ping-pong. Blocks of 4 slots (AVX) or 2 (SSE) are copied instead from a copy
  // of the template placed after the code (emit_template_data), all-zero blocks stored from a
  // zeroed register. xmm0/xmm1 are scratch here (no float slot is cached or filled yet).
  // Returns how many of the first `count` template slots were written; the caller stores the
  // rest.
  size_t copy_template_blocks(size_t count) {
    const std::vector<uint64_t>& tmpl = f_.frame_template;
    const bool avx = has_cpu(Cpu::tAVX);
    const size_t block = avx ? 4 : 2;
    const size_t n = count / block * block;
    if (n < 2 * block) return 0;  // the plain stores are as short
    template_data_used_ = true;
    bool zeroed = false;
    for (size_t i = 0; i < n; i += block) {
      const int32_t d = static_cast<int32_t>((f_.num_params + i) * 8);
      const int32_t src = static_cast<int32_t>(i * 8);
      const bool zero = std::all_of(tmpl.begin() + static_cast<std::ptrdiff_t>(i),
                                    tmpl.begin() + static_cast<std::ptrdiff_t>(i + block),
                                    [](uint64_t v) { return v == 0; });
      if (avx) {
        if (zero && !zeroed) vpxor(xmm1, xmm1, xmm1), zeroed = true;
        if (!zero) vmovdqu(ymm0, yword[rip + template_data_ + src]);
        vmovdqu(yword[rbx + d], zero ? ymm1 : ymm0);
      } else {
        if (zero && !zeroed) pxor(xmm1, xmm1), zeroed = true;
        if (!zero) movdqu(xmm0, xword[rip + template_data_ + src]);
        movdqu(xword[rbx + d], zero ? xmm1 : xmm0);
      }
    }
    // Legacy SSE code follows: clear the upper halves so it pays no AVX transition.
    if (avx) vzeroupper();
    return n;
  }
  // The frame template's bytes, for copy_template_blocks.
  void emit_template_data() {
    if (!template_data_used_) return;
    align(16);
    L(template_data_);
    for (uint64_t v : f_.frame_template) dq(v);
  }

  // A call to a function of the same instance with machine code, made natively: the checks
  // and the frame record of the interpreter's call, then a native `call`. A host function is
  // called through JitContext::call_host; any other function without code here (not compiled
  // yet, or of another instance) through JitContext::call_cold, a nested interpreter run.
  // What remains (a set interrupt flag, a limit reached, call_cold refusing) leaves the call
  // instruction to the interpreter, which makes it or traps as it always has.
  // rax = the callee's FuncInstance*; `arg_slot` = where its frame starts; `words` = the
  // length of the call instruction (for the return address).
  // `interp`: where the call goes to the interpreter (CallIndirect's failed checks jump there
  // too); a new out-of-line label when null.
  void native_call(uint32_t arg_slot, uint32_t words, bool spilled, Near* interp_label = nullptr) {
    if (record_) record_->call_returns.push_back(w_ + words);
    flush_all();  // the callee's arguments may be cached; CallIndirect flushed already
    if (!spilled) spill_pins();
    const int32_t jit = func_instance_jit_offset();
    uint64_t disp = uint64_t{arg_slot} * 8;
    if (disp > INT32_MAX - 16) throw std::runtime_error("frame too large");
    Near& interp = interp_label ? *interp_label : out_of_line_label();
    Near& no_entry = out_of_line_label();
    Near& cold = out_of_line_label();
    Near& done = out_of_line_label();
    cmp(r15, qword[ctx(offsetof(JitContext, native_limit))]);  // see set_depth_limits
    jae(interp, T_NEAR);
    mov(rcx, qword[plus(callee_base_, jit + static_cast<int32_t>(offsetof(JitCallee, entry)))]);
    test(rcx, rcx);
    jz(no_entry, T_NEAR);
    mov(rdx, qword[plus(callee_base_, jit + static_cast<int32_t>(offsetof(JitCallee, instance)))]);
    cmp(rdx, qword[ctx(offsetof(JitContext, instance))]);
    jne(cold, T_NEAR);
    mov(rdx, qword[ctx(offsetof(JitContext, interrupt))]);
    cmp(byte[rdx], 0);
    jne(interp, T_NEAR);
    // The callee has an entry, so its frame is at most kMaxNativeFrameSlots (see
    // emit_function_entry): it fits if it starts at or below native_frame_limit.
    lea(rdi, qword[plus(frame_base_, static_cast<int32_t>(disp))]);
    cmp(rdi, qword[ctx(offsetof(JitContext, native_frame_limit))]);
    ja(interp, T_NEAR);
    // frames[depth] = {return address, this frame, callee}; the new depth is r15 + 1, in r15
    // only (see store_depth).
    mov(rsi, r15);
    shl(rsi, 5);
    static_assert(sizeof(wc::engine::CallFrame) == 32);
    add(rsi, qword[ctx(offsetof(JitContext, frames))]);
    lea(r8, qword[r14 + static_cast<int32_t>((w_ + words) * 4)]);
    mov(qword[plus(call_frame_base_,
                   static_cast<int32_t>(offsetof(wc::engine::CallFrame, ret_ip)))],
        r8);
    mov(qword[plus(call_frame_base_,
                   static_cast<int32_t>(offsetof(wc::engine::CallFrame, ret_fp)))],
        rbx);
    // ret_instance is not written: a native call never leaves the instance, and the
    // interpreter fills it in when the code leaves (complete_native_frames, interpreter.cc).
    mov(qword[plus(call_frame_base_, static_cast<int32_t>(offsetof(wc::engine::CallFrame, func)))],
        rax);
    // One push and the return address keep the stack 16-byte aligned in the callee, for the
    // C helpers compiled code calls. The frame and the nesting come back by arithmetic, not
    // from the stack: a callee returns with the rbx and r15 it was called with, and the
    // reloads of the pinned slots below need rbx at once.
    push(r14);
    mov(r14, qword[plus(callee_base_, jit + static_cast<int32_t>(offsetof(JitCallee, code_base)))]);
    mov(rbx, rdi);
    add(r15, 1);
    call(rcx);
    pop(r14);
    sub(rbx, static_cast<int32_t>(disp));
    sub(r15, 1);
    // The callee's slot 0 comes back in rax only (see native_return): into its pin, or its
    // frame slot. A callee without results leaves garbage there, in a slot that is dead after
    // the call (above the operand stack).
    if (lazy_slot(arg_slot)) throw std::logic_error("a call's results over the constants");
    if (!pinned(arg_slot) && !float_pinned(arg_slot)) mov(frame_slot(arg_slot), rax);
    fill_pins(arg_slot);
    L(done);
    forget_all();  // the xmm registers of the float cache did not survive either call
    // The other ways through the call, after the function's code (see call_slow_paths_).
    call_slow_paths_.push_back({&no_entry, &cold, &interp, &done, disp, w_});
  }
  // After the function's code: a call's ways other than the native one.
  void emit_call_slow_paths(const CallSlowPaths& p) {
    const int32_t jit = func_instance_jit_offset();
    Near failed;
    const int32_t disp = static_cast<int32_t>(p.disp);
    // No machine code: a host function is called through JitContext::call_host, as the
    // interpreter would call it (no depth check, no frame record, no interrupt poll: its call
    // has none either). On failure the code leaves at this call with `host_failed` set, and
    // the interpreter raises what the call raised instead of calling again.
    L(*p.no_entry);
    cmp(byte[plus(callee_base_, jit + static_cast<int32_t>(offsetof(JitCallee, is_host)))], 0);
    je(*p.cold, T_NEAR);
    store_depth(rdx);  // the host call (and any run nested in it) starts from it
    mov(rdi, r13);
    mov(rsi, rax);
    lea(rdx, qword[plus(frame_base_, disp)]);
    call(qword[ctx(offsetof(JitContext, call_host))]);  // the stack is 16-byte aligned here
    test(al, al);
    jz(failed, T_NEAR);
    fill_pins();  // results and everything else back from the frame
    jmp(*p.done, T_NEAR);
    // A wasm function with no code callable from here: the interpreter runs it in a nested run
    // (its own checks, tier-up count and frame record), and the code goes on after the call.
    // On failure (host_failed set) or refusal the code leaves at this call.
    L(*p.cold);
    store_depth(rdx);  // the nested run starts from it
    mov(rdi, r13);
    mov(rsi, rax);
    lea(rdx, qword[plus(frame_base_, disp)]);
    call(qword[ctx(offsetof(JitContext, call_cold))]);  // aligned, as for call_host
    test(al, al);
    jz(failed, T_NEAR);
    fill_pins();
    jmp(*p.done, T_NEAR);
    L(*p.interp);
    exit_spilled_at(p.word);
    // A failed host or cold call leaves `*ctx->depth` where the failure left it (a trap
    // deep in a nested run: its backtrace); a refused cold call left it at r15 (stored
    // above). Either way the exit must not store r15 over it.
    L(failed);
    mov(eax, p.word);
    jmp(exit_depth_kept_, T_NEAR);
  }
  // *ctx->depth = r15 (the running frame's depth; see the entry). `scratch` is clobbered.
  void store_depth(const Reg64& scratch) {
    mov(scratch, qword[ctx(offsetof(JitContext, depth))]);
    mov(dword[scratch], r15d);
  }

  // After a JitContext helper the code called with its pins spilled: a helper that may refuse
  // (`refusable`: false in al) leaves the instruction to the interpreter, which raises the
  // trap; otherwise the pins come back (the helper clobbered every caller-saved register, the
  // float cache's included).
  void resume_after_helper(bool refusable) {
    if (refusable) {
      Near ok;
      test(al, al);
      jnz(ok, T_NEAR);
      exit_spilled();
      L(ok);
    }
    fill_pins();
    forget_all();
  }

  // memory.fill, memory.copy, memory.init and data.drop: a call to the JitContext helper,
  // which applies the interpreter's own operation (same bounds checks, the memory's current
  // size). When it refuses (out of bounds, nothing written), the code leaves at this
  // instruction and the interpreter runs it again, failing the same check: its trap, with its
  // kind, message and backtrace. The helper is C code: every pinned value goes to the frame
  // first and comes back after (all pin and cache registers but rbp are caller-saved).
  void bulk_memory(IOp o) {
    flush_all();
    spill_pins();
    // Operands into eax/ecx/edx first: a slot may be pinned to rdi, rsi or r8, which the
    // argument moves overwrite.
    switch (o) {
      case IOp::MemoryFill:  // dst value n
      case IOp::MemoryCopy:  // dst src n
        mov(eax, slot(0, 32));
        mov(edx, slot(1, 32));
        mov(ecx, slot(2, 32));
        mov(esi, eax);
        mov(rdi, r13);
        call(qword[r13 + (o == IOp::MemoryFill ? offsetof(JitContext, memory_fill)
                                               : offsetof(JitContext, memory_copy))]);
        break;
      case IOp::MemoryInit:  // data dst src n
        mov(eax, slot(3, 32));
        mov(edx, slot(1, 32));
        mov(ecx, slot(2, 32));
        mov(r8d, eax);
        mov(esi, op(0));
        mov(rdi, r13);
        call(qword[ctx(offsetof(JitContext, memory_init))]);
        break;
      default:  // DataDrop: data
        mov(esi, op(0));
        mov(rdi, r13);
        call(qword[ctx(offsetof(JitContext, data_drop))]);
        resume_after_helper(false);
        return;
    }
    resume_after_helper(true);
  }

  // memory.size (dst) and memory.grow (dst delta): a call to the JitContext helper, which
  // applies the interpreter's own operation. Growing commits pages inside the memory's fixed
  // reservation, so the memory base in r12 stays valid and nothing else about the memory is
  // cached in the code (accesses are bounds-checked by the guard region).
  void memory_size_or_grow(IOp o) {
    flush_all();
    spill_pins();
    if (o == IOp::MemoryGrow) {
      mov(eax, slot(1, 32));  // first: the delta may be pinned to rdi or rsi
      mov(esi, eax);
      mov(rdi, r13);
      call(qword[ctx(offsetof(JitContext, memory_grow))]);
    } else {
      mov(rdi, r13);
      call(qword[ctx(offsetof(JitContext, memory_size))]);
    }
    mov(eax, eax);  // a u32 result: the slot holds it zero-extended
    fill_pins();    // leaves rax alone
    forget_all();
    store_rax(0);
  }

  // The running instance's table `t` into `r` (its TableInstance*).
  void load_table(const Reg64& r, uint32_t t) {
    if (t > (INT32_MAX >> 3)) throw std::runtime_error("table index too large");
    mov(r, qword[ctx(offsetof(JitContext, tables))]);
    mov(r, qword[r + static_cast<int32_t>(t * 8)]);
  }
  // table.get (dst table index), table.set (table index value) and table.size (dst table)
  // inline: the element vector's pointers are read where call_indirect reads them (the table
  // may have grown since the last instruction), and an index at or past the end leaves the
  // instruction to the interpreter, which raises its trap. False when the vector's layout is
  // unknown: then the interpreter runs them (the scan makes the same choice).
  bool table_access(IOp o) {
    const TableElemsLayout& layout = table_elems_layout();
    if (!layout.ok) return false;
    if (o == IOp::TableSize) {
      load_table(rax, op(1));
      mov(rcx, qword[rax + layout.end]);
      sub(rcx, qword[rax + layout.begin]);
      shr(rcx, 3);
      into_result(false, [&](const Reg& r) { mov(r, ecx); });
      return true;
    }
    // rcx = the element's address; in bounds when below the end pointer (a u32 index cannot
    // wrap the sum).
    const bool get = o == IOp::TableGet;
    load_table(rax, op(get ? 1 : 0));
    mov(edx, slot(get ? 2 : 1, 32));
    mov(rcx, qword[rax + layout.begin]);
    lea(rcx, qword[rcx + rdx * 8]);
    cmp(rcx, qword[rax + layout.end]);
    Near ok;
    jb(ok, T_NEAR);
    exit_here();
    L(ok);
    if (get) {
      into_result(true, [&](const Reg& r) { mov(r, qword[rcx]); });
      return true;
    }
    // A constant (often ref.null's 0) as xbyak takes a 64-bit store's imm32: sign-extended.
    if (uint32_t v; imm(2, 64, &v)) {
      mov(qword[rcx], static_cast<uint64_t>(int64_t{static_cast<int32_t>(v)}));
      return true;
    }
    SlotOp value = slot(2);
    if (const Reg* r = std::get_if<Reg>(&value.where)) {
      mov(qword[rcx], *r);
    } else {
      mov(rdx, value);
      mov(qword[rcx], rdx);
    }
    return true;
  }

  // table.grow, table.fill, table.copy, table.init and elem.drop: a call to the JitContext
  // helper, which applies the interpreter's own operation, as bulk_memory does for memory
  // (a refusal leaves the instruction to the interpreter, which traps; table.grow's failure
  // is its result, -1). Operands go through rax/rcx/rdx first: the argument registers rsi,
  // rdi, r8 and r9 may hold pinned slots still to be read.
  void table_bulk(IOp o) {
    flush_all();
    spill_pins();
    switch (o) {
      case IOp::TableGrow:  // dst table init n
        mov(rdx, slot(2));
        mov(ecx, slot(3, 32));
        mov(esi, op(1));
        mov(rdi, r13);
        call(qword[ctx(offsetof(JitContext, table_grow))]);
        {
          static_assert(kTableGrowRefused == UINT64_MAX);
          Near grown;
          cmp(rax, -1);
          jne(grown, T_NEAR);
          exit_spilled();
          L(grown);
        }
        fill_pins();  // leaves rax alone: a u32 result, zero-extended as the slot holds it
        forget_all();
        store_rax(0);
        return;
      case IOp::TableFill:  // table index value n
        mov(eax, slot(1, 32));
        mov(rcx, slot(2));
        mov(edx, slot(3, 32));
        mov(r8d, edx);
        mov(edx, eax);
        mov(esi, op(0));
        mov(rdi, r13);
        call(qword[ctx(offsetof(JitContext, table_fill))]);
        break;
      case IOp::TableCopy:  // dst_table src_table dst src n
      case IOp::TableInit:  // segment table dst src n
        mov(eax, slot(2, 32));
        mov(ecx, slot(3, 32));
        mov(edx, slot(4, 32));
        mov(r9d, edx);
        mov(r8d, ecx);
        mov(ecx, eax);
        mov(edx, op(1));
        mov(esi, op(0));
        mov(rdi, r13);
        call(qword[ctx(o == IOp::TableCopy ? offsetof(JitContext, table_copy)
                                           : offsetof(JitContext, table_init))]);
        break;
      default:  // ElemDrop: segment
        mov(esi, op(0));
        mov(rdi, r13);
        call(qword[ctx(offsetof(JitContext, elem_drop))]);
        resume_after_helper(false);
        return;
    }
    resume_after_helper(true);
  }

  // ref.is_null (dst a): null is 0 in every slot (ref.null is a constant 0). ref.func (dst
  // func): the function's FuncInstance* in the running instance, the bits the interpreter
  // stores.
  void ref_instruction(IOp o) {
    if (o == IOp::RefIsNull) {
      cmp(slot(1), 0);
      setz(al);
      movzx(eax, al);
      store_rax(0);
      return;
    }
    if (op(1) > (INT32_MAX >> 3)) throw std::runtime_error("function index too large");
    mov(rax, qword[ctx(offsetof(JitContext, funcs))]);
    into_result(true, [&](const Reg& r) { mov(r, qword[rax + static_cast<int32_t>(op(1) * 8)]); });
  }

  // With r15 = D0 (the depth the code was entered at, or returned to): the native calls'
  // limit, min(max_depth, D0 + kMaxNativeNesting), so one compare makes both checks (the
  // interpreter's depth limit, and the bound on native stack use); and D0 itself, which tells
  // a return with no native caller. `scratch` is clobbered.
  void set_depth_limits(const Reg64& scratch) {
    mov(qword[ctx(offsetof(JitContext, run_depth))], r15);
    lea(scratch, qword[r15 + kMaxNativeNesting]);
    cmp(scratch, qword[ctx(offsetof(JitContext, max_depth))]);
    cmova(scratch, qword[ctx(offsetof(JitContext, max_depth))]);
    mov(qword[ctx(offsetof(JitContext, native_limit))], scratch);
  }

  // A return from a natively called function goes straight back to its native caller; the
  // outermost compiled function returns through the interpreter.
  void native_return() {
    Near interp;
    flush_all();                                            // the results may be cached
    cmp(r15, qword[ctx(offsetof(JitContext, run_depth))]);  // the depth entered at
    je(interp, T_NEAR);
    // Back to a native caller: this frame is dead once the function returns (the interpreter
    // never resumes it), so only the results (slots 0..num_results-1) go to the frame, and
    // slot 0 only in rax: the caller puts it into its pin or its frame (see native_call).
    spill_pins_below(f_.num_results, 1);
    if (f_.num_results > 0) {
      if (const Reg64* r = pinned(0))
        mov(rax, *r);
      else if (const Xmm* x = float_pinned(0))
        movq(rax, *x);
      else
        mov(rax, frame_slot(0));
    }
    ret();  // the caller's depth is r15 - 1, which it computes itself
    L(interp);
    // No native caller (the code was entered here by the interpreter): return_to_caller
    // makes the interpreter's return and gives the caller's entry at its return point, so
    // one exit deep in a call chain does not cost one more exit per compiled frame above it.
    // Only the results matter to the caller, but the interpreter may have to make the return
    // itself (null), and it executes it from the whole frame.
    spill_pins();
    store_depth(rdx);  // return_to_caller reads it
    mov(rdi, r13);
    call(qword[ctx(offsetof(JitContext, return_to_caller))]);  // rsp == saved_rsp: aligned
    test(rax, rax);
    Near leave;
    jz(leave, T_NEAR);
    mov(rbx, qword[ctx(offsetof(JitContext, resume_fp))]);
    mov(r14, qword[ctx(offsetof(JitContext, resume_code_base))]);
    mov(rdx, qword[ctx(offsetof(JitContext, depth))]);  // the caller's depth: the new D0
    mov(r15d, dword[rdx]);
    set_depth_limits(rcx);
    jmp(rax);  // the caller's entry: it reloads its pinned slots from its frame
    L(leave);
    exit_spilled();
  }

  const wc::engine::CompiledFunction& f_;
  const uint32_t min_run_;
  const DecodedCode& decoded_;
  std::vector<uint32_t> entries_;
  Near exit_, exit_spilled_, exit_depth_kept_;
  uint32_t rax_slot_ = UINT32_MAX;  // see operand_in_rax
  size_t rax_slot_end_ = SIZE_MAX;
  uint32_t rax_in_ = UINT32_MAX;
  bool value_in_rdx_ = false;  // see store_value_from_rax
  const std::vector<uint32_t>& pinned_slots_;
  const std::vector<uint32_t>& float_pinned_slots_;
  const std::vector<bool>& enterable_;
  const std::vector<uint32_t>& label_index_;
  std::vector<Near> labels_;  // per label index (PinPlan::label_index)
  // A br_table jump-table entry, written once every target's offset is known.
  struct TableEntry {
    uint32_t at;      // the entry's offset in the code
    uint32_t table;   // the table's offset (entries are relative to it)
    uint32_t target;  // a code word (`word`) or a code offset (a poll stub)
    bool word;
  };
  std::vector<TableEntry> table_entries_;
  SlotFacts* const record_;
  std::vector<CacheEntry> cache_;  // one per xmm register no slot is pinned to
  // No entry was ever valid: integer templates (every slot() call) skip the cache's loops,
  // which were a tenth of the compile time of code with no float values.
  bool cache_used_ = false;
  size_t next_victim_ = 0;
  CacheEntry* fdest_ = nullptr;  // taken by fdest64, filled by fdone64
  uint32_t function_entry_ = 0;
  std::vector<CallSlowPaths> call_slow_paths_;  // see CallSlowPaths
  std::deque<Near> out_of_line_labels_;         // stable addresses: see out_of_line_label()
  Label template_data_;                         // see copy_template_blocks
  bool template_data_used_ = false;
  uint32_t lazy_from_ = 0;   // see lazy_constants_from
  size_t rip_operands_ = 0;  // rip-relative frame_slot() operands made so far (see replay())
  uint32_t w_ = 0;
  const uint32_t* ins_ = nullptr;
  size_t native_ops_ = 0;
  size_t unpatched_ = 0;          // forward jumps to Near labels not defined yet
  Replay spill_all_, fill_all_;   // the code of spill_pins() and fill_pins(), once made
  const RegExp frame_base_{rbx};  // see plus()
  const RegExp context_base_{r13};
  const RegExp callee_base_{rax};                          // native_call: the callee's FuncInstance
  const RegExp call_frame_base_{rsi};                      // native_call: its CallFrame
  const RegExp memory_index_ = RegExp(r12) + RegExp(rax);  // a linear-memory access
  // A compare's result slot and condition, whose flags are still set (see compare()).
  struct Flags {
    bool valid = false;
    uint32_t slot = 0;
    Cc cc = Cc::E;
  };
  Flags flags_;               // left by the previous instruction, valid in this one
  Flags flags_next_;          // left by this instruction
  bool in_v128_run_ = false;  // the pins are in the frame (see v128_instruction)
  // Slots a v128 template wrote or had written back, whose frame value is their pin's and
  // cache's (nothing else ran since): a following template reads them without another write
  // back, which would be an 8-byte store right before its 16-byte load of the same bytes, a
  // failed store forward (~12 cycles) in SIMD loops whose v128 slots are also pinned
  // scalars elsewhere. Emptied at every label and every other instruction.
  std::vector<uint32_t> v128_synced_;
  // The first of the two slots whose v128 xmm0 holds, from the last template (see
  // emit_v128_instruction); emptied with v128_synced_.
  uint32_t v128_xmm0_ = kNoV128Slot;
};

bool Compiler::emit(IOp o) {
  ++native_ops_;
  switch (o) {
    case IOp::Copy: copy_slot(0, 1); return true;
    case IOp::Copy2:
      copy_slot(0, 1);
      copy_slot(2, 3);
      return true;
    case IOp::Const32: into_result(false, [&](const Reg& r) { mov(r, op(1)); }); return true;
    case IOp::Const64:
      into_result(true, [&](const Reg& r) { mov(r, uint64_t{op(1)} | (uint64_t{op(2)} << 32)); });
      return true;
    case IOp::Jump: return branch(off(0));
    case IOp::Call:
      mov(rax, qword[ctx(offsetof(JitContext, funcs))]);
      if (op(0) > (INT32_MAX >> 3)) throw std::runtime_error("function index too large");
      mov(rax, qword[rax + static_cast<int32_t>(op(0) * 8)]);
      native_call(op(1), 4, false);
      return true;
    case IOp::Return: native_return(); return true;
    case IOp::MemorySize:
    case IOp::MemoryGrow: memory_size_or_grow(o); return true;
    case IOp::MemoryFill:
    case IOp::MemoryCopy:
    case IOp::MemoryInit:
    case IOp::DataDrop: bulk_memory(o); return true;
    case IOp::TableGet:
    case IOp::TableSet:
    case IOp::TableSize:
      if (table_access(o)) return true;
      break;
    case IOp::TableGrow:
    case IOp::TableFill:
    case IOp::TableCopy:
    case IOp::TableInit:
    case IOp::ElemDrop: table_bulk(o); return true;
    case IOp::RefIsNull:
    case IOp::RefFunc: ref_instruction(o); return true;
    case IOp::CallIndirect: {
      // type_id table arg_start index_slot. Bounds, null and signature are checked here; any
      // failure leaves the call to the interpreter, which raises the trap with its message.
      // Failed checks jump to the call's out-of-line exit; the found callee falls through.
      Near& interp = out_of_line_label();
      flush_all();   // before the C helper, which may use every xmm register
      spill_pins();  // the lookup uses pinned registers as scratch
      const TableElemsLayout& layout = table_elems_layout();
      if (layout.ok) {
        if (op(1) > (INT32_MAX >> 3)) throw std::runtime_error("table index too large");
        mov(rax, qword[ctx(offsetof(JitContext, tables))]);
        mov(rax, qword[rax + static_cast<int32_t>(op(1) * 8)]);
        mov(rcx, qword[rax + layout.begin]);
        mov(rdx, qword[rax + layout.end]);
        sub(rdx, rcx);
        shr(rdx, 3);
        mov(esi, slot(3, 32));
        cmp(rsi, rdx);
        jae(interp, T_NEAR);
        mov(rax, qword[rcx + rsi * 8]);
        test(rax, rax);
        jz(interp, T_NEAR);
        mov(ecx, op(0));
        cmp(rcx, qword[rax + func_instance_jit_offset() + offsetof(JitCallee, type_id)]);
        jne(interp, T_NEAR);
      } else {
        // The C helper's absolute address comes from the context, not the code; the stack is
        // 16-byte aligned here (see native_call).
        mov(edx, slot(3, 32));  // first: the index may be pinned to rdi or rsi
        mov(rdi, r13);
        mov(esi, op(1));
        mov(ecx, op(0));
        call(qword[ctx(offsetof(JitContext, resolve_indirect))]);
        test(rax, rax);
        jz(interp, T_NEAR);
      }
      native_call(op(2), 6, true, &interp);
      return true;
    }
    case IOp::Simd:
    case IOp::Select128:
    case IOp::GlobalGet128:
    case IOp::GlobalSet128: v128_instruction(o); return true;
    case IOp::CopyJump: copy_slot(0, 1); return copy_jump(op(0), op(1), off(2));
    case IOp::BrIfNez: return branch_on_compare(true, false);
    case IOp::BrIfEqz: return branch_on_compare(false, false);
    case IOp::BrIfI64Nez: return branch_on_compare(true, true);
    case IOp::BrIfI64Eqz: return branch_on_compare(false, true);
#define WC_FUSED(name, cc) \
  case IOp::name: compare_operands(); return branch_if(Cc::cc, off(2));
      WC_FUSED(BrIfI32Eq, E)
      WC_FUSED(BrIfI32Ne, NE)
      WC_FUSED(BrIfI32LtS, L)
      WC_FUSED(BrIfI32LtU, B)
      WC_FUSED(BrIfI32GtS, G)
      WC_FUSED(BrIfI32GtU, A)
      WC_FUSED(BrIfI32LeS, LE)
      WC_FUSED(BrIfI32LeU, BE)
      WC_FUSED(BrIfI32GeS, GE)
      WC_FUSED(BrIfI32GeU, AE)
#undef WC_FUSED
#define WC_ADD_FUSED(name, cc) \
  case IOp::Add##name: add_compare(); return branch_if(Cc::cc, off(4));
      WC_ADD_FUSED(BrIfI32Eq, E)
      WC_ADD_FUSED(BrIfI32Ne, NE)
      WC_ADD_FUSED(BrIfI32LtS, L)
      WC_ADD_FUSED(BrIfI32LtU, B)
      WC_ADD_FUSED(BrIfI32GtS, G)
      WC_ADD_FUSED(BrIfI32GtU, A)
      WC_ADD_FUSED(BrIfI32LeS, LE)
      WC_ADD_FUSED(BrIfI32LeU, BE)
      WC_ADD_FUSED(BrIfI32GeS, GE)
      WC_ADD_FUSED(BrIfI32GeU, AE)
#undef WC_ADD_FUSED
    case IOp::BrIfF64Eq: return fcmp_branch(0, false);
    case IOp::BrIfF64Ne: return fcmp_branch(1, false);
    case IOp::BrIfF64Lt: return fcmp_branch(2, false);
    case IOp::BrIfF64Gt: return fcmp_branch(3, false);
    case IOp::BrIfF64Le: return fcmp_branch(4, false);
    case IOp::BrIfF64Ge: return fcmp_branch(5, false);
    case IOp::BrUnlessF64Eq: return fcmp_branch(0, true);
    case IOp::BrUnlessF64Ne: return fcmp_branch(1, true);
    case IOp::BrUnlessF64Lt: return fcmp_branch(2, true);
    case IOp::BrUnlessF64Gt: return fcmp_branch(3, true);
    case IOp::BrUnlessF64Le: return fcmp_branch(4, true);
    case IOp::BrUnlessF64Ge: return fcmp_branch(5, true);
    case IOp::BrTable: {
      uint32_t count = op(1);
      if (count > kMaxJumpTable) {
        // Left to the interpreter; its backward targets are still loop headers where the
        // interpreter enters.
        for (uint32_t i = 0; record_ && i <= count; ++i) {
          int64_t t = int64_t{w_} + off(2 + static_cast<int>(i));
          if (off(2 + static_cast<int>(i)) <= 0 && t >= 0)
            record_->back_edges.push_back({uint32_t(t), w_});
        }
        --native_ops_;
        exit_here();
        return true;
      }
      flush_all();  // before the compare chain's side paths
      mov(eax, slot(0, 32));
      if (count > kMaxCompareChain) return jump_table(count);
      for (uint32_t i = 0; i < count; ++i) {
        Near next;
        cmp(eax, i);
        jne(next, T_NEAR);
        if (!branch(off(2 + static_cast<int>(i)))) return false;
        L(next);
      }
      return branch(off(2 + static_cast<int>(count)));
    }
    case IOp::Select: {
      // In dst's register when it is pinned and not operand 2 (read after it is written).
      mov(ecx, rax_or_slot(3, 32));
      const Reg r = op(0) != op(2) ? result_reg(0, true) : Reg(rax);
      if (r.getIdx() == rax.getIdx() || op(1) != op(0))
        mov(r, rax_or_slot(1, 64));  // rax is not written before this
      else
        (void)slot(1);
      test(ecx, ecx);
      cmovz(r, slot(2));
      result_done(0, r);
      return true;
    }
    case IOp::GlobalGet: {
      Address g = global_bits(op(1));
      into_result(true, [&](const Reg& r) { mov(r, g); });
      return true;
    }
    case IOp::GlobalSet: {
      mov(rcx, slot(1));
      Address g = global_bits(op(0));
      mov(g, rcx);
      return true;
    }
    case IOp::I32AddGlobalSet:
    case IOp::I32SubGlobalSet: {
      mov(ecx, slot(1, 32));
      if (o == IOp::I32AddGlobalSet)
        add(ecx, slot(2, 32));
      else
        sub(ecx, slot(2, 32));
      Address g = global_bits(op(0));
      mov(g, rcx);
      return true;
    }
    case IOp::I32AddTeeGlobalSet:
    case IOp::I32SubTeeGlobalSet: {
      mov(ecx, slot(2, 32));
      if (o == IOp::I32AddTeeGlobalSet)
        add(ecx, slot(3, 32));
      else
        sub(ecx, slot(3, 32));
      mov(slot(1), rcx);
      Address g = global_bits(op(0));
      mov(g, rcx);
      return true;
    }
#define WC_LOADS(suffix, fn)                                 \
  case IOp::I32Load##suffix: fn(LoadKind::I32); return true; \
  case IOp::I64Load##suffix: fn(LoadKind::I64); return true; \
  case IOp::F32Load##suffix: fn(LoadKind::F32); return true; \
  case IOp::F64Load##suffix: fn(LoadKind::F64); return true;
      WC_LOADS(, load)
      WC_LOADS(Add, load_add)
      WC_LOADS(Scaled, load_scaled)
#undef WC_LOADS
#define WC_NARROW_LOADS(suffix, fn)                                \
  case IOp::I32Load8S##suffix: fn(LoadKind::S8_32); return true;   \
  case IOp::I32Load8U##suffix: fn(LoadKind::U8_32); return true;   \
  case IOp::I32Load16S##suffix: fn(LoadKind::S16_32); return true; \
  case IOp::I32Load16U##suffix: fn(LoadKind::U16_32); return true; \
  case IOp::I64Load8S##suffix: fn(LoadKind::S8_64); return true;   \
  case IOp::I64Load8U##suffix: fn(LoadKind::U8_32); return true;   \
  case IOp::I64Load16S##suffix: fn(LoadKind::S16_64); return true; \
  case IOp::I64Load16U##suffix: fn(LoadKind::U16_32); return true; \
  case IOp::I64Load32S##suffix: fn(LoadKind::S32_64); return true; \
  case IOp::I64Load32U##suffix: fn(LoadKind::I32); return true;
      WC_NARROW_LOADS(, load)
      WC_NARROW_LOADS(Add, load_add)
#undef WC_NARROW_LOADS
#define WC_STORES(name, bits) \
  case IOp::name:             \
    store_value_from_rax(1);  \
    address_into_eax(0);      \
    store(0, 1, bits, op(2)); \
    return true;              \
  case IOp::name##Add:        \
    store_value_from_rax(2);  \
    address_into_eax(0);      \
    add_operand(1);           \
    store(0, 2, bits, op(3)); \
    return true;
      WC_STORES(I32Store, 32)
      WC_STORES(I64Store, 64)
      WC_STORES(I32Store8, 8)
      WC_STORES(I32Store16, 16)
      WC_STORES(I64Store8, 8)
      WC_STORES(I64Store16, 16)
      WC_STORES(I64Store32, 32)
#undef WC_STORES
#define WC_FLOAT_STORES(name, bits) \
  case IOp::name:                   \
    mov(eax, slot(0, 32));          \
    float_store(1, bits, op(2));    \
    return true;                    \
  case IOp::name##Add:              \
    mov(eax, slot(0, 32));          \
    add_operand(1);                 \
    float_store(2, bits, op(3));    \
    return true;
      WC_FLOAT_STORES(F32Store, 32)
      WC_FLOAT_STORES(F64Store, 64)
#undef WC_FLOAT_STORES

    case IOp::I32Eqz: eqz(false); return true;
    case IOp::I64Eqz: eqz(true); return true;
    case IOp::I32Eq: cmp32(Cc::E); return true;
    case IOp::I32Ne: cmp32(Cc::NE); return true;
    case IOp::I32LtS: cmp32(Cc::L); return true;
    case IOp::I32LtU: cmp32(Cc::B); return true;
    case IOp::I32GtS: cmp32(Cc::G); return true;
    case IOp::I32GtU: cmp32(Cc::A); return true;
    case IOp::I32LeS: cmp32(Cc::LE); return true;
    case IOp::I32LeU: cmp32(Cc::BE); return true;
    case IOp::I32GeS: cmp32(Cc::GE); return true;
    case IOp::I32GeU: cmp32(Cc::AE); return true;
    case IOp::I64Eq: cmp64(Cc::E); return true;
    case IOp::I64Ne: cmp64(Cc::NE); return true;
    case IOp::I64LtS: cmp64(Cc::L); return true;
    case IOp::I64LtU: cmp64(Cc::B); return true;
    case IOp::I64GtS: cmp64(Cc::G); return true;
    case IOp::I64GtU: cmp64(Cc::A); return true;
    case IOp::I64LeS: cmp64(Cc::LE); return true;
    case IOp::I64LeU: cmp64(Cc::BE); return true;
    case IOp::I64GeS: cmp64(Cc::GE); return true;
    case IOp::I64GeU: cmp64(Cc::AE); return true;
    case IOp::F32Eq: fcmp_store(false, 0); return true;
    case IOp::F32Ne: fcmp_store(false, 1); return true;
    case IOp::F32Lt: fcmp_store(false, 2); return true;
    case IOp::F32Gt: fcmp_store(false, 3); return true;
    case IOp::F32Le: fcmp_store(false, 4); return true;
    case IOp::F32Ge: fcmp_store(false, 5); return true;
    case IOp::F64Eq: fcmp_store(true, 0); return true;
    case IOp::F64Ne: fcmp_store(true, 1); return true;
    case IOp::F64Lt: fcmp_store(true, 2); return true;
    case IOp::F64Gt: fcmp_store(true, 3); return true;
    case IOp::F64Le: fcmp_store(true, 4); return true;
    case IOp::F64Ge: fcmp_store(true, 5); return true;

    case IOp::I32Add: bin32(&CodeGenerator::add, &CodeGenerator::add); return true;
    case IOp::I32Sub: bin32(&CodeGenerator::sub, &CodeGenerator::sub); return true;
    case IOp::I32And: bin32(&CodeGenerator::and_, &CodeGenerator::and_); return true;
    case IOp::I32Or: bin32(&CodeGenerator::or_, &CodeGenerator::or_); return true;
    case IOp::I32Xor: bin32(&CodeGenerator::xor_, &CodeGenerator::xor_); return true;
    case IOp::I64Add: bin64(&CodeGenerator::add, &CodeGenerator::add); return true;
    case IOp::I64Sub: bin64(&CodeGenerator::sub, &CodeGenerator::sub); return true;
    case IOp::I64And: bin64(&CodeGenerator::and_, &CodeGenerator::and_); return true;
    case IOp::I64Or: bin64(&CodeGenerator::or_, &CodeGenerator::or_); return true;
    case IOp::I64Xor: bin64(&CodeGenerator::xor_, &CodeGenerator::xor_); return true;
    case IOp::I32Mul: multiply(false); return true;
    case IOp::I64Mul: multiply(true); return true;
    case IOp::I32Shl: shift(false, Shift::Shl); return true;
    case IOp::I32ShrS: shift(false, Shift::Sar); return true;
    case IOp::I32ShrU: shift(false, Shift::Shr); return true;
    case IOp::I32Rotl: shift(false, Shift::Rol); return true;
    case IOp::I32Rotr: shift(false, Shift::Ror); return true;
    case IOp::I64Shl: shift(true, Shift::Shl); return true;
    case IOp::I64ShrS: shift(true, Shift::Sar); return true;
    case IOp::I64ShrU: shift(true, Shift::Shr); return true;
    case IOp::I64Rotl: shift(true, Shift::Rol); return true;
    case IOp::I64Rotr: shift(true, Shift::Ror); return true;
    case IOp::I32DivS: divide(false, true, false); return true;
    case IOp::I32DivU: divide(false, false, false); return true;
    case IOp::I32RemS: divide(false, true, true); return true;
    case IOp::I32RemU: divide(false, false, true); return true;
    case IOp::I64DivS: divide(true, true, false); return true;
    case IOp::I64DivU: divide(true, false, false); return true;
    case IOp::I64RemS: divide(true, true, true); return true;
    case IOp::I64RemU: divide(true, false, true); return true;

    case IOp::I32WrapI64:
      into_result(false, [&](const Reg& r) { mov(r, slot(1, 32)); });
      return true;
    case IOp::I64ExtendI32S:
      into_result(true, [&](const Reg& r) { movsxd(Reg64(r.getIdx()), slot(1, 32)); });
      return true;
    case IOp::I64ExtendI32U:
      into_result(false, [&](const Reg& r) { mov(r, slot(1, 32)); });
      return true;
    case IOp::I32Extend8S:
      into_result(false, [&](const Reg& r) { movsx(r, slot(1, 8)); });
      return true;
    case IOp::I32Extend16S:
      into_result(false, [&](const Reg& r) { movsx(r, slot(1, 16)); });
      return true;
    case IOp::I64Extend8S:
      into_result(true, [&](const Reg& r) { movsx(r, slot(1, 8)); });
      return true;
    case IOp::I64Extend16S:
      into_result(true, [&](const Reg& r) { movsx(r, slot(1, 16)); });
      return true;
    case IOp::I64Extend32S:
      into_result(true, [&](const Reg& r) { movsxd(Reg64(r.getIdx()), slot(1, 32)); });
      return true;
    case IOp::I32ReinterpretF32:
    case IOp::I64ReinterpretF64:
    case IOp::F32ReinterpretI32:
    case IOp::F64ReinterpretI64: copy_slot(0, 1); return true;  // the slot keeps the bits

    case IOp::F64Add: farith(true, FOp::Add); return true;
    case IOp::F64Sub: farith(true, FOp::Sub); return true;
    case IOp::F64Mul: farith(true, FOp::Mul); return true;
    case IOp::F64Div: farith(true, FOp::Div); return true;
    case IOp::F32Add: farith(false, FOp::Add); return true;
    case IOp::F32Sub: farith(false, FOp::Sub); return true;
    case IOp::F32Mul: farith(false, FOp::Mul); return true;
    case IOp::F32Div: farith(false, FOp::Div); return true;
    case IOp::F64MulAdd: muladd(true, 0); return true;
    case IOp::F64MulSub: muladd(true, 1); return true;
    case IOp::F64SubMul: muladd(true, 2); return true;
    case IOp::F32MulAdd: muladd(false, 0); return true;
    case IOp::F32MulSub: muladd(false, 1); return true;
    case IOp::F32SubMul: muladd(false, 2); return true;
    case IOp::F64Sqrt:
      xorps(xmm0, xmm0);  // no wait for xmm0's last writer (sqrtsd keeps its top half)
      sqrtsd(xmm0, fslot(1, 64));
      fstore64(0);
      return true;
    case IOp::F32Sqrt:
      xorps(xmm0, xmm0);
      sqrtss(xmm0, fslot(1, 32));
      store_f32();
      return true;
    // Sign-bit operations on the bits (exact for NaNs too, as wasm requires). An f32 slot
    // holds its bits zero-extended, and bit 31 operations keep the upper half zero.
    case IOp::F64Abs:
      bits_to(rax, 1);
      btr(rax, 63);
      bits_from_rax(0);
      return true;
    case IOp::F64Neg:
      bits_to(rax, 1);
      btc(rax, 63);
      bits_from_rax(0);
      return true;
    case IOp::F32Abs:
      bits_to(rax, 1);
      btr(rax, 31);
      bits_from_rax(0);
      return true;
    case IOp::F32Neg:
      bits_to(rax, 1);
      btc(rax, 31);
      bits_from_rax(0);
      return true;
    case IOp::F64Copysign:
      bits_to(rax, 1);
      bits_to(rcx, 2);
      btr(rax, 63);
      shr(rcx, 63);
      shl(rcx, 63);
      or_(rax, rcx);
      bits_from_rax(0);
      return true;
    case IOp::F32Copysign:
      bits_to(rax, 1);
      bits_to(rcx, 2);
      btr(rax, 31);
      and_(ecx, 0x80000000u);
      or_(rax, rcx);
      bits_from_rax(0);
      return true;
    case IOp::I32Clz:
    case IOp::I32Ctz:
    case IOp::I32Popcnt:
    case IOp::I64Clz:
    case IOp::I64Ctz:
    case IOp::I64Popcnt:
      if (bit_count(o)) return true;
      break;
#define WC_TRUNC(name, dbl, to64, sgn)         \
  case IOp::name:                              \
    if (truncate(dbl, to64, sgn)) return true; \
    break;
      WC_TRUNC(I32TruncF32S, false, false, true)
      WC_TRUNC(I32TruncF32U, false, false, false)
      WC_TRUNC(I32TruncF64S, true, false, true)
      WC_TRUNC(I32TruncF64U, true, false, false)
      WC_TRUNC(I64TruncF32S, false, true, true)
      WC_TRUNC(I64TruncF64S, true, true, true)
      WC_TRUNC(I32TruncSatF32S, false, false, true)
      WC_TRUNC(I32TruncSatF32U, false, false, false)
      WC_TRUNC(I32TruncSatF64S, true, false, true)
      WC_TRUNC(I32TruncSatF64U, true, false, false)
      WC_TRUNC(I64TruncSatF32S, false, true, true)
      WC_TRUNC(I64TruncSatF64S, true, true, true)
      WC_TRUNC(I64TruncF32U, false, true, false)
      WC_TRUNC(I64TruncF64U, true, true, false)
      WC_TRUNC(I64TruncSatF32U, false, true, false)
      WC_TRUNC(I64TruncSatF64U, true, true, false)
#undef WC_TRUNC
    case IOp::F64ConvertI64U: convert_u64(true); return true;
    case IOp::F32ConvertI64U: convert_u64(false); return true;
    case IOp::F64Min: min_max(true, true); return true;
    case IOp::F64Max: min_max(true, false); return true;
    case IOp::F32Min: min_max(false, true); return true;
    case IOp::F32Max: min_max(false, false); return true;
    case IOp::F64Ceil:
    case IOp::F64Floor:
    case IOp::F64Trunc:
    case IOp::F64Nearest:
    case IOp::F32Ceil:
    case IOp::F32Floor:
    case IOp::F32Trunc:
    case IOp::F32Nearest: {
      if (!cpu_has_sse41()) break;
      bool dbl =
          o == IOp::F64Ceil || o == IOp::F64Floor || o == IOp::F64Trunc || o == IOp::F64Nearest;
      uint8_t mode = (o == IOp::F64Nearest || o == IOp::F32Nearest) ? 0
                     : (o == IOp::F64Floor || o == IOp::F32Floor)   ? 1
                     : (o == IOp::F64Ceil || o == IOp::F32Ceil)     ? 2
                                                                    : 3;
      fround(dbl, mode);
      return true;
    }
    case IOp::F64ConvertI32S:
      xorps(xmm0, xmm0);
      cvtsi2sd(xmm0, slot(1, 32));
      fstore64(0);
      return true;
    case IOp::F64ConvertI64S:
      mov(rax, slot(1));
      xorps(xmm0, xmm0);
      cvtsi2sd(xmm0, rax);
      fstore64(0);
      return true;
    case IOp::F64ConvertI32U:
      mov(eax, slot(1, 32));
      xorps(xmm0, xmm0);
      cvtsi2sd(xmm0, rax);
      fstore64(0);
      return true;
    case IOp::F32ConvertI32S:
      xorps(xmm0, xmm0);
      cvtsi2ss(xmm0, slot(1, 32));
      store_f32();
      return true;
    case IOp::F32ConvertI64S:
      mov(rax, slot(1));
      xorps(xmm0, xmm0);
      cvtsi2ss(xmm0, rax);
      store_f32();
      return true;
    case IOp::F32ConvertI32U:
      mov(eax, slot(1, 32));
      xorps(xmm0, xmm0);
      cvtsi2ss(xmm0, rax);
      store_f32();
      return true;
    case IOp::F64PromoteF32:
      xorps(xmm0, xmm0);
      cvtss2sd(xmm0, fslot(1, 32));
      fstore64(0);
      return true;
    case IOp::F32DemoteF64:
      xorps(xmm0, xmm0);
      cvtsd2ss(xmm0, fslot(1, 64));
      store_f32();
      return true;
    default: break;
  }
  // Left to the interpreter.
  --native_ops_;
  exit_here();
  return true;
}

}  // namespace

uint32_t default_min_run() {
  static const uint32_t n = [] {
    const char* e = std::getenv("WC_JIT_MIN_RUN");
    return e && *e ? static_cast<uint32_t>(std::strtoul(e, nullptr, 10)) : 4u;
  }();
  return n;
}

std::optional<MachineCode> compile_x64(const wc::engine::CompiledFunction& function,
                                       uint32_t min_run) {
  if (function.code.size() > kMaxCodeWords) return std::nullopt;
  HeapAllocator alloc;
  MachineCode out;
  try {
    // A scan of the slot form decides which slots to pin and where the code is entered; one
    // pass then emits with that plan.
    DecodedCode decoded;
    if (!decode_code(function.code, &decoded)) return std::nullopt;
    PinPlan plan = make_plan(scan_function(function, decoded), function.code.size());
    Compiler c(function, min_run, &alloc, decoded, plan, nullptr);
    if (!c.emit_all()) return std::nullopt;
    out.entries = c.take_entries();
    out.function_entry = c.function_entry();
    out.lazy_from = c.lazy_from();
    out.bytes.assign(c.getCode(), c.getCode() + c.getSize());
  } catch (const std::exception&) {
    return std::nullopt;  // an encoder limit: the interpreter keeps the function
  }
  return out;
}

std::optional<std::string> check_analysis(const wc::engine::CompiledFunction& function) {
  if (function.code.size() > kMaxCodeWords) return std::nullopt;
  DecodedCode decoded;
  if (!decode_code(function.code, &decoded)) return std::nullopt;
  SlotFacts scanned = scan_function(function, decoded);
  SlotFacts emitted;
  HeapAllocator alloc;
  try {
    const PinPlan plan = make_plan(scanned, function.code.size());  // outlives the compiler
    Compiler c(function, 1, &alloc, decoded, plan, &emitted);
    if (!c.emit_all()) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto sorted = [](auto v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  auto differ = [&](const char* what, const auto& a, const auto& b) -> std::optional<std::string> {
    if (sorted(a) == sorted(b)) return std::nullopt;
    return std::string(what) + ": the scan found " + std::to_string(a.size()) + ", the templates " +
           std::to_string(b.size());
  };
  if (auto d = differ("integer slot uses", scanned.uses, emitted.uses)) return d;
  if (auto d = differ("SSE slot uses", scanned.float_uses, emitted.float_uses)) return d;
  if (auto d = differ("copy slot uses", scanned.copy_uses, emitted.copy_uses)) return d;
  if (auto d = differ("back edges", scanned.back_edges, emitted.back_edges)) return d;
  if (auto d = differ("call returns", scanned.call_returns, emitted.call_returns)) return d;
  return std::nullopt;
}

std::vector<std::unique_ptr<NativeCode>> place_code(std::vector<std::optional<MachineCode>> code) {
  std::vector<std::unique_ptr<NativeCode>> out(code.size());
  std::vector<uint8_t> all;
  std::vector<size_t> offsets(code.size());
  for (size_t i = 0; i < code.size(); ++i) {
    if (!code[i]) continue;
    all.resize((all.size() + 15) & ~size_t{15}, 0xCC);  // 16-byte aligned function starts
    offsets[i] = all.size();
    all.insert(all.end(), code[i]->bytes.begin(), code[i]->bytes.end());
  }
  if (all.empty()) return out;
  // WC_JIT_DUMP=FILE: the placed code, for `objdump -D -b binary -mi386:x86-64 FILE`. A
  // developer aid; off by default. WC_JIT_DUMP=- writes a line "WC_JIT_DUMP <bytes>" and then
  // the code to stderr instead, for a sandboxed worker (webcontainerd) that cannot open files.
  if (const char* dump = std::getenv("WC_JIT_DUMP"); dump && *dump) {
    if (dump[0] == '-' && dump[1] == '\0') {
      std::fprintf(stderr, "WC_JIT_DUMP %zu\n", all.size());
      std::fwrite(all.data(), 1, all.size(), stderr);
      std::fflush(stderr);
    } else if (FILE* f = std::fopen(dump, "wb")) {
      std::fwrite(all.data(), 1, all.size(), f);
      std::fclose(f);
    }
  }
  std::shared_ptr<const CodeRegion> region = CodeRegion::map(all);
  if (!region) return out;
  for (size_t i = 0; i < code.size(); ++i) {
    if (!code[i]) continue;
    out[i] = std::make_unique<NativeCode>(region, offsets[i], code[i]->bytes.size(),
                                          std::move(code[i]->entries), code[i]->function_entry,
                                          code[i]->lazy_from);
  }
  return out;
}

}  // namespace wc::jit
