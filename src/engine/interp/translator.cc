// Translates a validated function body into the interpreter's slot form (compiled_function.h).
//
// The translator keeps a *virtual* operand stack: each entry says which frame slot holds the
// value. `local.get` and constants push entries naming the local's or the constant's slot and
// emit nothing; an operation reads its operands wherever they are and writes its result to the
// entry's canonical slot (stack_base + position). Entries that name a local are copied to their
// canonical slot ("materialized") before that local is overwritten and before control flow
// merges, so every path agrees on where each value lives.
//
// A v128 takes two adjacent slots, low half first, everywhere: params, locals, constants,
// operand stack, results. The virtual stack then holds two entries for it (the second marked
// as a high half), so a v128 at stack position p lives in canonical slots p and p+1, calls
// pass v128 arguments in place like scalars, and branch/merge copies stay per slot. Two
// 8-byte slots rather than 16-byte aligned pairs: functions without v128 keep exactly their
// previous layout (no padding, no frame growth), and unaligned 16-byte accesses cost nothing
// extra on the hosts we run on. An entry pair always names adjacent slots: both come from
// one local, one pooled constant pair, or one canonical position, and materializing copies
// both halves.
#include <cstring>
#include <map>
#include <optional>
#include <unordered_map>

#include "engine/interp/compiled_function.h"
#include "engine/interp/interpreter.h"
#include "engine/interp/iops.h"
#include "engine/interp/simd_ops.h"
#include "engine/runtime/trap.h"

namespace wc::engine {
namespace {

constexpr size_t kNone = SIZE_MAX;
// Constants beyond this many distinct values are materialized by instructions instead, so a
// huge function does not make every call copy a huge constant pool.
constexpr size_t kMaxPooledConstants = 512;

struct Fixup {
  size_t instr;  // position of the branch instruction (offsets are relative to it)
  size_t field;  // position of the offset word
};

struct Ctrl {
  Op kind = Op::Block;
  uint32_t height = 0;       // operand-stack height below the block's parameters
  uint32_t num_params = 0;   // in slots (a v128 counts two)
  uint32_t num_results = 0;  // in slots
  const ValType* param_types = nullptr;
  uint32_t num_param_types = 0;
  const ValType* result_types = nullptr;
  uint32_t num_result_types = 0;
  size_t loop_start = 0;
  std::vector<Fixup> fixups;  // forward branches to the end
  std::optional<Fixup> else_fixup;
  bool unreachable = false;
  bool is_function = false;
  uint32_t label_arity() const { return kind == Op::Loop ? num_params : num_results; }
};

class Translator {
 public:
  Translator(const Module& module, uint32_t defined_index, const std::vector<uint32_t>& type_ids)
      : m_(module),
        body_(module.code[defined_index]),
        type_(module.func_type(module.num_imported_funcs + defined_index)),
        type_ids_(type_ids),
        handlers_(iop_handlers()) {}

  std::unique_ptr<CompiledFunction> run() {
    out_ = std::make_unique<CompiledFunction>();
    out_->num_params = slots_of(type_.params.data(), type_.params.size());
    out_->num_locals = static_cast<uint32_t>(body_.num_locals);
    out_->num_results = slots_of(type_.results.data(), type_.results.size());
    map_local_slots();
    const_base_ = out_->num_params + out_->num_locals;
    entry_zero_.assign(const_base_, false);
    for (uint32_t i = out_->num_params; i < const_base_; ++i) entry_zero_[i] = true;
    collect_constants();
    stack_base_ = const_base_ + static_cast<uint32_t>(out_->constants.size());

    Ctrl fn;
    fn.kind = Op::Block;
    fn.is_function = true;
    fn.num_results = out_->num_results;
    fn.result_types = type_.results.data();
    fn.num_result_types = static_cast<uint32_t>(type_.results.size());
    ctrls_.push_back(fn);

    InstrReader reader(m_.bytes.data(), body_.code_begin, body_.code_end);
    Instr in;
    uint32_t dead_depth = 0;  // blocks opened inside unreachable code
    while (!reader.at_end() && !ctrls_.empty()) {
      reader.read(in);
      if (ctrls_.back().unreachable) {
        if (in.op == Op::Block || in.op == Op::Loop || in.op == Op::If) {
          ++dead_depth;
          continue;
        }
        if (dead_depth > 0) {
          if (in.op == Op::End) --dead_depth;
          continue;
        }
        if (in.op != Op::Else && in.op != Op::End) continue;
      }
      translate(in);
    }
    out_->code = std::move(code_);
    out_->frame_template.assign(out_->num_locals, 0);
    out_->frame_template.insert(out_->frame_template.end(), out_->constants.begin(),
                                out_->constants.end());
    out_->frame_slots = stack_base_ + max_height_ + 1;
    return std::move(out_);
  }

 private:
  // ---- slots of v128 values ----
  static uint32_t slots_of(const ValType* t, size_t n) {
    uint32_t slots = static_cast<uint32_t>(n);
    for (size_t i = 0; i < n; ++i) slots += t[i] == ValType::V128;
    return slots;
  }
  // Local index -> first slot, needed only when some param or local is a v128 (otherwise the
  // identity, and local_slot_ stays empty).
  void map_local_slots() {
    bool any = false;
    for (ValType t : type_.params) any |= t == ValType::V128;
    for (const LocalGroup& g : body_.locals) any |= g.type == ValType::V128;
    if (!any) return;
    uint32_t slot = 0;
    for (ValType t : type_.params) {
      local_slot_.push_back(slot);
      slot += t == ValType::V128 ? 2 : 1;
    }
    uint32_t locals = 0;
    for (const LocalGroup& g : body_.locals) {
      for (uint64_t i = 0; i < g.count; ++i) {
        local_slot_.push_back(slot);
        slot += g.type == ValType::V128 ? 2 : 1;
      }
      locals += static_cast<uint32_t>(g.count) * (g.type == ValType::V128 ? 2 : 1);
    }
    local_slot_.push_back(slot);
    out_->num_locals = locals;
  }
  uint32_t local_slot(uint32_t index) const {
    return local_slot_.empty() ? index : local_slot_[index];
  }
  bool local_is_v128(uint32_t index) const {
    return !local_slot_.empty() && local_slot_[index + 1] - local_slot_[index] == 2;
  }

  // ---- constants ----
  void collect_constants() {
    InstrReader reader(m_.bytes.data(), body_.code_begin, body_.code_end);
    Instr in;
    while (!reader.at_end()) {
      reader.read(in);
      if (in.op == Op::I32Const) {
        pool_constant(in.bits & 0xFFFFFFFFu);  // 32-bit values live zero-extended in slots
      } else if (in.op == Op::I64Const || in.op == Op::F32Const || in.op == Op::F64Const) {
        pool_constant(in.bits);
      } else if (in.op == Op::RefNull) {
        pool_constant(0);
      } else if (in.op == Op::V128Const || in.op == Op::I8x16Shuffle) {
        pool_v128(in.bits, in.bits_hi);
      }
      if (out_->constants.size() >= kMaxPooledConstants) break;
    }
  }
  void pool_constant(uint64_t bits) {
    if (const_slots_.count(bits)) return;
    const_slots_[bits] = const_base_ + static_cast<uint32_t>(out_->constants.size());
    out_->constants.push_back(bits);
  }
  // A v128 constant takes two adjacent pool slots of its own.
  void pool_v128(uint64_t lo, uint64_t hi) {
    if (v128_slots_.count({lo, hi})) return;
    v128_slots_[{lo, hi}] = const_base_ + static_cast<uint32_t>(out_->constants.size());
    out_->constants.push_back(lo);
    out_->constants.push_back(hi);
  }
  void push_v128_constant(uint64_t lo, uint64_t hi) {
    auto it = v128_slots_.find({lo, hi});
    if (it != v128_slots_.end()) {
      push_slot(it->second);
      push_hi(it->second + 1);
      return;
    }
    uint32_t dst = push_new();
    push_new_hi();
    emit(IOp::Const64);
    word(dst);
    word(static_cast<uint32_t>(lo));
    word(static_cast<uint32_t>(lo >> 32));
    emit(IOp::Const64);
    word(dst + 1);
    word(static_cast<uint32_t>(hi));
    word(static_cast<uint32_t>(hi >> 32));
  }
  void push_constant(uint64_t bits) {
    auto it = const_slots_.find(bits);
    if (it != const_slots_.end()) {
      push_slot(it->second);
      return;
    }
    size_t pos = emit(IOp::Const64);
    uint32_t dst = push_new();
    word(dst);
    word(static_cast<uint32_t>(bits));
    word(static_cast<uint32_t>(bits >> 32));
    last_result_ = pos;
  }

  // ---- emission ----
  size_t emit(IOp op) {
    size_t pos = code_.size();
    prev_emitted_ = last_emitted_;
    prev_emitted_op_ = last_emitted_op_;
    last_emitted_ = pos;
    last_emitted_op_ = op;
    const void* h = handlers_[static_cast<uint16_t>(op)];
    uint32_t words[2];
    std::memcpy(words, &h, sizeof h);
    code_.push_back(words[0]);
    code_.push_back(words[1]);
    last_result_ = kNone;
    last_v128_result_ = kNone;
    return pos;
  }
  void word(uint32_t w) { code_.push_back(w); }
  // Drops instructions from `pos` on (to re-emit them fused); what was known about the last
  // instructions no longer holds.
  void truncate(size_t pos) {
    code_.resize(pos);
    last_emitted_ = prev_emitted_ = kNone;
    last_result_ = kNone;
    last_v128_result_ = kNone;
  }
  void place_label() {
    entry_zero_.clear();  // past a label, a local may have been written on another path
    last_emitted_ = prev_emitted_ = kNone;  // no fusing across a jump target
    last_result_ = kNone;
    last_v128_result_ = kNone;
  }

  uint32_t canonical(size_t position) const {
    return stack_base_ + static_cast<uint32_t>(position);
  }
  // Every entry may later be materialized into its canonical slot, so the frame must cover
  // the deepest stack reached, whatever the entries name.
  void push_slot(uint32_t slot) {
    vs_.push_back(slot);
    hi_.push_back(false);
    if (vs_.size() > max_height_) max_height_ = static_cast<uint32_t>(vs_.size());
  }
  // The high half of a v128 whose low half was just pushed (always the next slot).
  void push_hi(uint32_t slot) {
    push_slot(slot);
    hi_.back() = true;
  }
  uint32_t push_new_hi() {
    uint32_t slot = canonical(vs_.size());
    push_hi(slot);
    return slot;
  }
  // Pushes fresh stack values of these types.
  void push_new_types(const ValType* t, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      push_new();
      if (t[i] == ValType::V128) push_new_hi();
    }
  }
  bool top_is_v128() const { return !hi_.empty() && hi_.back(); }
  // Pops a v128 and returns its first slot.
  uint32_t pop_v128() {
    pop();
    return pop();
  }
  void resize_stack(size_t n) {
    vs_.resize(n);
    hi_.resize(n);
  }
  uint32_t push_new() {
    uint32_t slot = canonical(vs_.size());
    push_slot(slot);
    return slot;
  }
  uint32_t pop() {
    uint32_t s = vs_.back();
    vs_.pop_back();
    hi_.pop_back();
    return s;
  }
  bool is_local_slot(uint32_t slot) const { return slot < const_base_; }

  void materialize(size_t position) {
    uint32_t c = canonical(position);
    if (vs_[position] == c) return;
    emit_copy(c, vs_[position]);
    vs_[position] = c;
  }

  // The code ends with a plain Copy (no label since), which the next instruction may absorb.
  bool ends_with_copy() const {
    return last_emitted_ != kNone && last_emitted_op_ == IOp::Copy &&
           last_emitted_ + 4 == code_.size();
  }
  // A slot copy; two in a row become one Copy2 (argument and result shuffles come in runs).
  void emit_copy(uint32_t dst, uint32_t src) {
    if (ends_with_copy()) {
      const void* h = handlers_[static_cast<uint16_t>(IOp::Copy2)];
      std::memcpy(&code_[last_emitted_], &h, sizeof h);
      last_emitted_op_ = IOp::Copy2;
      word(dst);
      word(src);
      return;
    }
    emit(IOp::Copy);
    word(dst);
    word(src);
  }

  // An op producing one value into a fresh stack slot; remembered so local.set can retarget it.
  void emit_result(IOp op, std::initializer_list<uint32_t> operands) {
    size_t pos = emit(op);
    word(push_new());
    for (uint32_t o : operands) word(o);
    last_result_ = pos;
  }
  void emit_plain(IOp op, std::initializer_list<uint32_t> operands) {
    emit(op);
    for (uint32_t o : operands) word(o);
  }

  // ---- branches ----
  Fixup emit_jump() {
    // A copy just before (a branch value or a local set for the target) rides along.
    if (ends_with_copy()) {
      size_t pos = last_emitted_;
      const void* h = handlers_[static_cast<uint16_t>(IOp::CopyJump)];
      std::memcpy(&code_[pos], &h, sizeof h);
      last_emitted_op_ = IOp::CopyJump;
      last_result_ = kNone;
      word(0);
      return {pos, pos + 4};
    }
    size_t pos = emit(IOp::Jump);
    word(0);
    return {pos, pos + 2};
  }
  void patch(const Fixup& f, size_t target) {
    code_[f.field] = static_cast<uint32_t>(static_cast<int32_t>(target - f.instr));
  }
  void link_to(Ctrl& target, const Fixup& f) {
    if (target.kind == Op::Loop)
      patch(f, target.loop_start);
    else
      target.fixups.push_back(f);
  }

  // Conditional branch on the popped i32, taken when it is non-zero (`when_true`) or zero.
  // Fuses with an immediately preceding i32 comparison.
  Fixup emit_cond_branch(uint32_t cond_slot, bool when_true) {
    // br_if on a wrapped i64 tests its low 32 bits, which is what BrIfNez reads anyway.
    cond_slot = unwrap_low32(cond_slot);
    size_t last_cmp = last_compare();
    if (last_cmp != kNone && cond_slot == code_[last_cmp + 2]) {
      IOp cmp = last_emitted_op_;
      uint32_t a = code_[last_cmp + 3];
      if (cmp == IOp::I32Eqz || cmp == IOp::I64Eqz) {
        bool wide = cmp == IOp::I64Eqz;
        truncate(last_cmp);
        size_t pos = emit(when_true ? (wide ? IOp::BrIfI64Eqz : IOp::BrIfEqz)
                                    : (wide ? IOp::BrIfI64Nez : IOp::BrIfNez));
        word(a);
        word(0);
        return {pos, pos + 3};
      }
      uint32_t b = code_[last_cmp + 4];
      IOp branch = fused_branch(cmp, when_true);
      if (auto fused = fuse_add_into_branch(branch, a, b)) return *fused;
      truncate(last_cmp);
      size_t pos = emit(branch);
      word(a);
      word(b);
      word(0);
      return {pos, pos + 4};
    }
    size_t pos = emit(when_true ? IOp::BrIfNez : IOp::BrIfEqz);
    word(cond_slot);
    word(0);
    return {pos, pos + 3};
  }
  // `x = y + z` right before `br_if (x CMP other)`: one instruction that still writes x.
  // The add must be the instruction just before the compare (no jump target in between).
  std::optional<Fixup> fuse_add_into_branch(IOp branch, uint32_t a, uint32_t b) {
    if (prev_emitted_ == kNone || prev_emitted_op_ != IOp::I32Add ||
        prev_emitted_ + 5 != last_emitted_ || add_branch(branch) == IOp::Count)
      return std::nullopt;
    uint32_t sum = code_[prev_emitted_ + 2];
    if ((a == sum) == (b == sum)) return std::nullopt;
    uint32_t other = a == sum ? b : a;
    if (b == sum) branch = swapped_branch(branch);  // other CMP sum == sum CMP' other
    uint32_t y = code_[prev_emitted_ + 3], z = code_[prev_emitted_ + 4];
    truncate(prev_emitted_);
    size_t pos = emit(add_branch(branch));
    word(sum);
    word(y);
    word(z);
    word(other);
    word(0);
    return Fixup{pos, pos + 6};
  }
  static IOp swapped_branch(IOp br) {
    switch (br) {
      case IOp::BrIfI32LtS: return IOp::BrIfI32GtS;
      case IOp::BrIfI32LtU: return IOp::BrIfI32GtU;
      case IOp::BrIfI32GtS: return IOp::BrIfI32LtS;
      case IOp::BrIfI32GtU: return IOp::BrIfI32LtU;
      case IOp::BrIfI32LeS: return IOp::BrIfI32GeS;
      case IOp::BrIfI32LeU: return IOp::BrIfI32GeU;
      case IOp::BrIfI32GeS: return IOp::BrIfI32LeS;
      case IOp::BrIfI32GeU: return IOp::BrIfI32LeU;
      default: return br;  // Eq, Ne are symmetric
    }
  }
  static IOp add_branch(IOp br) {
    switch (br) {
      case IOp::BrIfI32Eq: return IOp::AddBrIfI32Eq;
      case IOp::BrIfI32Ne: return IOp::AddBrIfI32Ne;
      case IOp::BrIfI32LtS: return IOp::AddBrIfI32LtS;
      case IOp::BrIfI32LtU: return IOp::AddBrIfI32LtU;
      case IOp::BrIfI32GtS: return IOp::AddBrIfI32GtS;
      case IOp::BrIfI32GtU: return IOp::AddBrIfI32GtU;
      case IOp::BrIfI32LeS: return IOp::AddBrIfI32LeS;
      case IOp::BrIfI32LeU: return IOp::AddBrIfI32LeU;
      case IOp::BrIfI32GeS: return IOp::AddBrIfI32GeS;
      case IOp::BrIfI32GeU: return IOp::AddBrIfI32GeU;
      default: return IOp::Count;
    }
  }
  static IOp fused_branch(IOp cmp, bool when_true) {
    switch (cmp) {
      case IOp::I32Eq: return when_true ? IOp::BrIfI32Eq : IOp::BrIfI32Ne;
      case IOp::I32Ne: return when_true ? IOp::BrIfI32Ne : IOp::BrIfI32Eq;
      case IOp::I32LtS: return when_true ? IOp::BrIfI32LtS : IOp::BrIfI32GeS;
      case IOp::I32LtU: return when_true ? IOp::BrIfI32LtU : IOp::BrIfI32GeU;
      case IOp::I32GtS: return when_true ? IOp::BrIfI32GtS : IOp::BrIfI32LeS;
      case IOp::I32GtU: return when_true ? IOp::BrIfI32GtU : IOp::BrIfI32LeU;
      case IOp::I32LeS: return when_true ? IOp::BrIfI32LeS : IOp::BrIfI32GtS;
      case IOp::I32LeU: return when_true ? IOp::BrIfI32LeU : IOp::BrIfI32GtU;
      case IOp::I32GeS: return when_true ? IOp::BrIfI32GeS : IOp::BrIfI32LtS;
      case IOp::I32GeU: return when_true ? IOp::BrIfI32GeU : IOp::BrIfI32LtU;
      case IOp::F64Eq: return when_true ? IOp::BrIfF64Eq : IOp::BrUnlessF64Eq;
      case IOp::F64Ne: return when_true ? IOp::BrIfF64Ne : IOp::BrUnlessF64Ne;
      case IOp::F64Lt: return when_true ? IOp::BrIfF64Lt : IOp::BrUnlessF64Lt;
      case IOp::F64Gt: return when_true ? IOp::BrIfF64Gt : IOp::BrUnlessF64Gt;
      case IOp::F64Le: return when_true ? IOp::BrIfF64Le : IOp::BrUnlessF64Le;
      case IOp::F64Ge: return when_true ? IOp::BrIfF64Ge : IOp::BrUnlessF64Ge;
      default: return IOp::Count;
    }
  }
  static bool is_fusable_compare(IOp op) {
    return op == IOp::I32Eqz || op == IOp::I64Eqz || fused_branch(op, true) != IOp::Count;
  }

  // True if branching to `target` needs copies of the branch values.
  bool needs_moves(const Ctrl& target) const {
    if (target.is_function) return true;
    uint32_t arity = target.label_arity();
    for (uint32_t i = 0; i < arity; ++i)
      if (vs_[vs_.size() - arity + i] != canonical(target.height + i)) return true;
    return false;
  }
  // Copies the branch values into the target's result slots. Sources sit at or above their
  // destinations (or in locals/constants), so copying upward never clobbers a later source.
  void emit_moves(const Ctrl& target) {
    uint32_t arity = target.label_arity();
    for (uint32_t i = 0; i < arity; ++i) {
      uint32_t src = vs_[vs_.size() - arity + i];
      uint32_t dst = canonical(target.height + i);
      if (src != dst) emit_copy(dst, src);
    }
  }
  // Unconditional branch (also the taken path of a conditional one).
  void emit_br(uint32_t depth) {
    Ctrl& target = ctrls_[ctrls_.size() - 1 - depth];
    if (target.is_function) {
      emit_return();
      return;
    }
    emit_moves(target);
    link_to(target, emit_jump());
  }

  void emit_return() {
    uint32_t n = out_->num_results;
    size_t first = vs_.size() - n;
    if (n == 1) {
      if (retarget_last_result(0)) {
        // The instruction that computed the result now writes it to slot 0.
      } else if (vs_[first] != 0) {
        emit_copy(0, vs_[first]);
      }
    } else {
      // A result read from a low slot could be overwritten by an earlier result's copy, so
      // such values go through their canonical slot first. Works on a copy of the entries:
      // this may be the taken path of a conditional branch, and the fall-through path must
      // not believe those copies happened.
      std::vector<uint32_t> src(vs_.begin() + first, vs_.end());
      for (uint32_t i = 0; i < n; ++i) {
        if (src[i] < n && src[i] != canonical(first + i)) {
          emit_copy(canonical(first + i), src[i]);
          src[i] = canonical(first + i);
        }
      }
      for (uint32_t i = 0; i < n; ++i)
        if (src[i] != i) emit_copy(i, src[i]);
    }
    emit(IOp::Return);
  }

  void set_unreachable() {
    Ctrl& c = ctrls_.back();
    c.unreachable = true;
    resize_stack(c.height);
  }

  // ---- blocks ----
  // The block's parameter and result types, and their sizes in slots.
  static const ValType* single_type(ValType t) {
    static constexpr ValType kSingles[] = {ValType::I32,      ValType::I64,  ValType::F32,
                                           ValType::F64,      ValType::V128, ValType::FuncRef,
                                           ValType::ExternRef};
    for (const ValType& s : kSingles)
      if (s == t) return &s;
    return &kSingles[0];  // not reached for a validated module
  }
  void block_types(const BlockType& bt, Ctrl& c) const {
    switch (bt.kind) {
      case BlockType::Kind::Empty: break;
      case BlockType::Kind::Value:
        c.result_types = single_type(bt.value);
        c.num_result_types = 1;
        break;
      case BlockType::Kind::TypeIndex: {
        const FuncType& t = m_.types[bt.type_index];
        c.param_types = t.params.data();
        c.num_param_types = static_cast<uint32_t>(t.params.size());
        c.result_types = t.results.data();
        c.num_result_types = static_cast<uint32_t>(t.results.size());
        break;
      }
    }
    c.num_params = slots_of(c.param_types, c.num_param_types);
    c.num_results = slots_of(c.result_types, c.num_result_types);
  }
  // Values that flow into a block must be where every path into and out of it expects them:
  // parameters in their canonical slots, and nothing left naming a local the block may write.
  void materialize_for_block(uint32_t num_params) {
    for (size_t i = 0; i < vs_.size(); ++i)
      if (is_local_slot(vs_[i]) || i >= vs_.size() - num_params) materialize(i);
  }
  void enter_block(Op kind, const BlockType& bt) {
    // Entering a block or if keeps straight-line order; loop headers and the labels where paths
    // merge (else, end) forget what is known (place_label).
    Ctrl c;
    c.kind = kind;
    block_types(bt, c);
    uint32_t np = c.num_params;
    if (kind == Op::If) {
      uint32_t cond = pop();
      materialize_for_block(np);
      c.height = static_cast<uint32_t>(vs_.size()) - np;
      c.else_fixup = emit_cond_branch(cond, false);
    } else {
      materialize_for_block(np);
      c.height = static_cast<uint32_t>(vs_.size()) - np;
      if (kind == Op::Loop) {
        place_label();
        c.loop_start = code_.size();
      }
    }
    ctrls_.push_back(std::move(c));
  }
  void materialize_results(const Ctrl& c) {
    for (size_t i = vs_.size() - c.num_results; i < vs_.size(); ++i) materialize(i);
  }
  void on_else() {
    Ctrl& c = ctrls_.back();
    if (!c.unreachable) {
      materialize_results(c);
      c.fixups.push_back(emit_jump());
    }
    patch(*c.else_fixup, code_.size());
    c.else_fixup.reset();
    place_label();
    c.kind = Op::Else;
    c.unreachable = false;
    resize_stack(c.height);
    for (uint32_t i = 0, pos = c.height; i < c.num_param_types; ++i) {
      push_slot(canonical(pos++));
      if (c.param_types[i] == ValType::V128) push_hi(canonical(pos++));
    }
  }
  void on_end() {
    Ctrl c = std::move(ctrls_.back());
    ctrls_.pop_back();
    if (c.is_function) {
      if (!c.unreachable) emit_return();
      return;
    }
    if (!c.unreachable) materialize_results(c);
    bool reachable = !c.unreachable || !c.fixups.empty() || c.else_fixup.has_value();
    if (c.else_fixup) patch(*c.else_fixup, code_.size());
    for (const Fixup& f : c.fixups) patch(f, code_.size());
    place_label();
    resize_stack(c.height);
    push_new_types(c.result_types, c.num_result_types);
    if (!reachable) set_unreachable();
  }

  void on_br_if(uint32_t depth) {
    uint32_t cond = pop();
    Ctrl& target = ctrls_[ctrls_.size() - 1 - depth];
    if (!needs_moves(target)) {
      link_to(target, emit_cond_branch(cond, true));
      return;
    }
    Fixup skip = emit_cond_branch(cond, false);
    emit_br(depth);
    patch(skip, code_.size());
    place_label();
  }

  void on_br_table(const Instr& in) {
    uint32_t index = pop();
    size_t count = in.targets.size();
    size_t pos = emit(IOp::BrTable);
    word(index);
    word(static_cast<uint32_t>(count));
    size_t table = code_.size();
    for (size_t i = 0; i <= count; ++i) word(0);
    for (size_t i = 0; i <= count; ++i) {
      uint32_t depth = i < count ? in.targets[i] : in.idx;
      Ctrl& target = ctrls_[ctrls_.size() - 1 - depth];
      Fixup entry{pos, table + i};
      if (needs_moves(target)) {
        patch(entry, code_.size());  // a stub that moves the values, then jumps
        emit_br(depth);
      } else {
        link_to(target, entry);
      }
    }
    set_unreachable();
  }

  void on_call(uint32_t func_index) {
    const FuncType& t = m_.func_type(func_index);
    emit_call_sequence(t, [&](uint32_t arg_start) {
      emit_plain(IOp::Call, {func_index, arg_start});
    });
  }
  void on_call_indirect(const Instr& in) {
    uint32_t index = pop();
    const FuncType& t = m_.types[in.idx];
    emit_call_sequence(t, [&](uint32_t arg_start) {
      emit_plain(IOp::CallIndirect, {type_ids_[in.idx], in.idx2, arg_start, index});
    });
  }
  template <typename EmitCall>
  void emit_call_sequence(const FuncType& t, EmitCall emit_call) {
    size_t np = slots_of(t.params.data(), t.params.size());
    for (size_t i = vs_.size() - np; i < vs_.size(); ++i) materialize(i);
    uint32_t arg_start = canonical(vs_.size() - np);
    emit_call(arg_start);
    resize_stack(vs_.size() - np);
    push_new_types(t.results.data(), static_cast<uint32_t>(t.results.size()));
    // The callee's frame overlaps our operand stack from arg_start on; make room for results.
  }

  // If the value on top of the stack was computed by the last instruction into its stack
  // slot, makes that instruction write `slot` instead. A stack value is consumed exactly once,
  // so nothing else will read the old slot.
  // `i32.shl x k` (constant k) then `i32.add base, that` then a load of it: one instruction.
  bool emit_scaled_load(Op op, uint32_t addr, uint32_t offset) {
    IOp scaled = op == Op::I32Load   ? IOp::I32LoadScaled
                 : op == Op::I64Load ? IOp::I64LoadScaled
                 : op == Op::F32Load ? IOp::F32LoadScaled
                 : op == Op::F64Load ? IOp::F64LoadScaled
                                     : IOp::Count;
    size_t add = last_result_of(IOp::I32Add), shl = shl_before_last();
    if (scaled == IOp::Count || add == kNone || shl == kNone) return false;
    if (addr != code_[add + 2] || addr < stack_base_) return false;
    uint32_t shifted = code_[shl + 2];
    uint32_t index = code_[shl + 3], amount = code_[shl + 4];
    uint32_t a = code_[add + 3], b = code_[add + 4];
    if (shifted < stack_base_ || !is_constant_slot(amount) || (a == shifted) == (b == shifted))
      return false;
    uint32_t base = a == shifted ? b : a;
    uint32_t shift = static_cast<uint32_t>(out_->constants[amount - const_base_] & 31);
    truncate(shl);
    emit_result(scaled, {base, index, shift, offset});
    return true;
  }
  // The last instruction's position if it is `op` and its result is still a stack temporary.
  size_t last_result_of(IOp op) const {
    return last_result_ != kNone && last_emitted_ == last_result_ && last_emitted_op_ == op
               ? last_result_
               : kNone;
  }
  // The last instruction's position if it wrote `slot` as a stack temporary (so whatever
  // consumes `slot` now is its only reader).
  size_t last_temp_result(uint32_t slot) const {
    return last_result_ != kNone && last_emitted_ == last_result_ && slot >= stack_base_ &&
                   code_[last_result_ + 2] == slot
               ? last_result_
               : kNone;
  }
  // The same for any comparison that fuses with a branch.
  size_t last_compare() const {
    return last_result_ != kNone && last_emitted_ == last_result_ &&
                   is_fusable_compare(last_emitted_op_)
               ? last_result_
               : kNone;
  }
  // The i32.shl emitted right before the last instruction, if any.
  size_t shl_before_last() const {
    return prev_emitted_ != kNone && prev_emitted_op_ == IOp::I32Shl &&
                   prev_emitted_ + 5 == last_emitted_
               ? prev_emitted_
               : kNone;
  }
  bool is_constant_slot(uint32_t slot) const { return slot >= const_base_ && slot < stack_base_; }

  bool is_zero_constant(uint32_t slot) const {
    return slot >= const_base_ && slot < stack_base_ && out_->constants[slot - const_base_] == 0;
  }

  bool retarget_last_result(uint32_t slot) {
    if (last_result_ == kNone || vs_.empty()) return false;
    uint32_t top = vs_.back();
    if (top != canonical(vs_.size() - 1) || code_[last_result_ + 2] != top) return false;
    code_[last_result_ + 2] = slot;
    last_result_ = kNone;
    return true;
  }

  void on_local_set(uint32_t local, bool tee) {
    uint32_t value = pop();
    // Compilers often store 0 into a fresh local first thing; it is already 0 on entry.
    if (local < entry_zero_.size() && entry_zero_[local] && is_zero_constant(value)) {
      if (tee) push_slot(local);
      return;
    }
    if (local < entry_zero_.size()) entry_zero_[local] = false;
    for (size_t i = 0; i < vs_.size(); ++i)
      if (vs_[i] == local) materialize(i);
    if (value != local) {
      // Retarget the instruction that just computed the value, instead of copying it.
      push_slot(value);
      bool retargeted = retarget_last_result(local);
      pop();
      if (!retargeted) emit_copy(local, value);
    }
    if (tee) push_slot(local);
  }

  // An op producing one v128 into fresh stack slots; remembered so local.set can retarget it.
  void emit_v128_result(IOp op, std::initializer_list<uint32_t> operands) {
    size_t pos = emit(op);
    uint32_t dst = push_new();
    push_new_hi();
    word(dst);
    for (uint32_t o : operands) word(o);
    last_v128_result_ = pos;
  }

  void on_v128_local_set(uint32_t local, bool tee) {
    uint32_t value = pop_v128();
    for (uint32_t s : {local, local + 1})
      if (s < entry_zero_.size()) entry_zero_[s] = false;
    for (size_t i = 0; i < vs_.size(); ++i)
      if (vs_[i] == local || vs_[i] == local + 1) materialize(i);
    if (value != local) {
      if (last_v128_result_ != kNone && last_emitted_ == last_v128_result_ &&
          value == canonical(vs_.size()) && code_[last_v128_result_ + 2] == value) {
        code_[last_v128_result_ + 2] = local;  // the op that computed it writes the local
        last_v128_result_ = kNone;
      } else {
        emit_copy(local, value);
        emit_copy(local + 1, value + 1);
      }
    }
    if (tee) {
      push_slot(local);
      push_hi(local + 1);
    }
  }

  // Every SIMD op is one Simd instruction calling its implementation (simd_ops.h).
  void emit_simd(Op op, bool v128_result, bool scalar_result,
                 std::initializer_list<uint32_t> operands) {
    size_t pos = emit(IOp::Simd);
    uint32_t dst = 0;
    if (v128_result) {
      dst = push_new();
      push_new_hi();
    } else if (scalar_result) {
      dst = push_new();
    }
    if (v128_result || scalar_result) word(dst);
    for (uint32_t o : operands) word(o);
    while (code_.size() < pos + 7) word(0);
    SimdFn fn = simd_function(op);
    uint32_t words[2];
    std::memcpy(words, &fn, sizeof fn);
    word(words[0]);
    word(words[1]);
    if (v128_result) last_v128_result_ = pos;
    if (scalar_result) last_result_ = pos;
  }

  void translate_simd(const Instr& in) {
    const SimdInfo info = simd_info(static_cast<uint32_t>(in.op) & 0xFFFF);
    const uint32_t offset = static_cast<uint32_t>(in.mem.offset);
    switch (info.kind) {
      case SimdKind::None: return;
      case SimdKind::Const: push_v128_constant(in.bits, in.bits_hi); return;
      case SimdKind::Load: {
        uint32_t addr = unwrap_low32(pop());
        emit_simd(in.op, true, false, {addr, 0, offset, 0});
        return;
      }
      case SimdKind::LoadLane: {
        uint32_t v = pop_v128();
        uint32_t addr = pop();
        emit_simd(in.op, true, false, {addr, v, offset, in.lane});
        return;
      }
      case SimdKind::Store:
      case SimdKind::StoreLane: {
        uint32_t v = pop_v128();
        uint32_t addr = pop();
        emit_simd(in.op, false, false, {addr, v, 0, offset, in.lane});
        return;
      }
      case SimdKind::Shuffle: {
        push_v128_constant(in.bits, in.bits_hi);  // above the operands: never clobbers them
        uint32_t mask = pop_v128();
        uint32_t b = pop_v128();
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, b, mask, 0});
        return;
      }
      case SimdKind::Splat: {
        uint32_t a = pop();
        emit_simd(in.op, true, false, {a, 0, 0, 0});
        return;
      }
      case SimdKind::Extract: {
        uint32_t a = pop_v128();
        emit_simd(in.op, false, true, {a, 0, 0, in.lane});
        return;
      }
      case SimdKind::Replace: {
        uint32_t x = pop();
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, x, 0, in.lane});
        return;
      }
      case SimdKind::Un: {
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, 0, 0, 0});
        return;
      }
      case SimdKind::Bin: {
        uint32_t b = pop_v128();
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, b, 0, 0});
        return;
      }
      case SimdKind::Tern: {
        uint32_t c = pop_v128();
        uint32_t b = pop_v128();
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, b, c, 0});
        return;
      }
      case SimdKind::Test: {
        uint32_t a = pop_v128();
        emit_simd(in.op, false, true, {a, 0, 0, 0});
        return;
      }
      case SimdKind::Shift: {
        uint32_t k = pop();
        uint32_t a = pop_v128();
        emit_simd(in.op, true, false, {a, k, 0, 0});
        return;
      }
    }
  }

  void translate(const Instr& in) {
    switch (in.op) {
#define WC_TR_SIMD(name, sub, text, kind, t, n) case Op::name:
      WC_SIMD_OPS(WC_TR_SIMD)
#undef WC_TR_SIMD
      return translate_simd(in);
#define WC_TR_NUM(name, code, text, a, b, r) case Op::name:
      WC_NUMERIC_OPS(WC_TR_NUM)
#undef WC_TR_NUM
      return translate_numeric(in.op);

#define WC_TR_LOAD(name, code, text, t, bytes, align) case Op::name:
      WC_LOAD_OPS(WC_TR_LOAD) {
        uint32_t addr = unwrap_low32(pop());
        uint32_t offset = static_cast<uint32_t>(in.mem.offset);
        if (emit_scaled_load(in.op, addr, offset)) return;
        if (size_t add = last_result_of(IOp::I32Add);
            add != kNone && addr == code_[add + 2] && addr >= stack_base_) {
          // base + index computed just before: fold the i32.add into the load.
          uint32_t a = code_[add + 3], b = code_[add + 4];
          truncate(add);
          emit_result(load_add_iop(in.op), {a, b, offset});
          return;
        }
        emit_result(load_iop(in.op), {addr, offset});
        return;
      }
      WC_STORE_OPS(WC_TR_LOAD) {
        uint32_t value = pop();
        uint32_t addr = unwrap_low32(pop());
        uint32_t offset = static_cast<uint32_t>(in.mem.offset);
        if (size_t add = last_result_of(IOp::I32Add);
            add != kNone && addr == code_[add + 2] && addr >= stack_base_) {
          // The address was computed just before (the value needed no instruction).
          uint32_t a = code_[add + 3], b = code_[add + 4];
          truncate(add);
          emit_plain(store_add_iop(in.op), {a, b, value, offset});
          return;
        }
        emit_plain(store_iop(in.op), {addr, value, offset});
        return;
      }
#undef WC_TR_LOAD

      case Op::Unreachable:
        emit_plain(IOp::Trap, {static_cast<uint32_t>(TrapKind::Unreachable)});
        set_unreachable();
        return;
      case Op::Nop: return;
      case Op::Block:
      case Op::Loop:
      case Op::If: enter_block(in.op, in.block); return;
      case Op::Else: on_else(); return;
      case Op::End: on_end(); return;
      case Op::Br:
        emit_br(in.idx);
        set_unreachable();
        return;
      case Op::BrIf: on_br_if(in.idx); return;
      case Op::BrTable: on_br_table(in); return;
      case Op::Return:
        emit_return();
        set_unreachable();
        return;
      case Op::Call: on_call(in.idx); return;
      case Op::CallIndirect: on_call_indirect(in); return;
      case Op::Drop:
        if (top_is_v128()) pop();
        pop();
        return;
      case Op::Select:
      case Op::SelectT: {
        uint32_t c = pop();
        if (top_is_v128()) {
          uint32_t b = pop_v128();
          uint32_t a = pop_v128();
          emit_v128_result(IOp::Select128, {a, b, c});
          return;
        }
        uint32_t b = pop();
        uint32_t a = pop();
        emit_result(IOp::Select, {a, b, c});
        return;
      }
      case Op::LocalGet:
        push_slot(local_slot(in.idx));
        if (local_is_v128(in.idx)) push_hi(local_slot(in.idx) + 1);
        return;
      case Op::LocalSet:
      case Op::LocalTee:
        if (local_is_v128(in.idx))
          on_v128_local_set(local_slot(in.idx), in.op == Op::LocalTee);
        else
          on_local_set(local_slot(in.idx), in.op == Op::LocalTee);
        return;
      case Op::GlobalGet:
        if (m_.global_space[in.idx].type == ValType::V128)
          emit_v128_result(IOp::GlobalGet128, {in.idx});
        else
          emit_result(IOp::GlobalGet, {in.idx});
        return;
      case Op::GlobalSet: on_global_set(in.idx); return;
      case Op::TableGet: {
        uint32_t i = pop();
        emit_result(IOp::TableGet, {in.idx, i});
        return;
      }
      case Op::TableSet: {
        uint32_t v = pop();
        uint32_t i = pop();
        emit_plain(IOp::TableSet, {in.idx, i, v});
        return;
      }
      case Op::MemorySize: emit_result(IOp::MemorySize, {}); return;
      case Op::MemoryGrow: {
        uint32_t delta = pop();
        emit_result(IOp::MemoryGrow, {delta});
        return;
      }
      case Op::I32Const: push_constant(in.bits & 0xFFFFFFFFu); return;
      case Op::I64Const:
      case Op::F32Const:
      case Op::F64Const: push_constant(in.bits); return;
      case Op::RefNull: push_constant(0); return;
      case Op::RefIsNull: {
        uint32_t a = pop();
        emit_result(IOp::RefIsNull, {a});
        return;
      }
      case Op::RefFunc: emit_result(IOp::RefFunc, {in.idx}); return;
      case Op::MemoryInit: {
        uint32_t n = pop(), s = pop(), d = pop();
        emit_plain(IOp::MemoryInit, {in.idx, d, s, n});
        return;
      }
      case Op::DataDrop: emit_plain(IOp::DataDrop, {in.idx}); return;
      case Op::MemoryCopy: {
        uint32_t n = pop(), s = pop(), d = pop();
        emit_plain(IOp::MemoryCopy, {d, s, n});
        return;
      }
      case Op::MemoryFill: {
        uint32_t n = pop(), v = pop(), d = pop();
        emit_plain(IOp::MemoryFill, {d, v, n});
        return;
      }
      case Op::TableInit: {
        uint32_t n = pop(), s = pop(), d = pop();
        emit_plain(IOp::TableInit, {in.idx, in.idx2, d, s, n});
        return;
      }
      case Op::ElemDrop: emit_plain(IOp::ElemDrop, {in.idx}); return;
      case Op::TableCopy: {
        uint32_t n = pop(), s = pop(), d = pop();
        emit_plain(IOp::TableCopy, {in.idx, in.idx2, d, s, n});
        return;
      }
      case Op::TableGrow: {
        uint32_t n = pop(), init = pop();
        emit_result(IOp::TableGrow, {in.idx, init, n});
        return;
      }
      case Op::TableSize: emit_result(IOp::TableSize, {in.idx}); return;
      case Op::TableFill: {
        uint32_t n = pop(), v = pop(), i = pop();
        emit_plain(IOp::TableFill, {in.idx, i, v, n});
        return;
      }
    }
  }

  // `t = a * b` immediately followed by `t + c`, `c + t`, `t - c` or `c - t`, where t is a
  // stack temporary (consumed only here): one instruction.
  bool fuse_mul_add(IOp iop) {
    bool f64 = iop == IOp::F64Add || iop == IOp::F64Sub;
    bool f32 = iop == IOp::F32Add || iop == IOp::F32Sub;
    if ((!f64 && !f32) || last_result_ == kNone) return false;
    if (last_emitted_op_ != (f64 ? IOp::F64Mul : IOp::F32Mul)) return false;
    uint32_t t = code_[last_result_ + 2];
    uint32_t y = vs_[vs_.size() - 1], x = vs_[vs_.size() - 2];
    if (t < stack_base_ || (x == t) == (y == t)) return false;
    bool is_add = iop == IOp::F64Add || iop == IOp::F32Add;
    IOp fused;
    if (is_add)
      fused = f64 ? IOp::F64MulAdd : IOp::F32MulAdd;
    else if (x == t)
      fused = f64 ? IOp::F64MulSub : IOp::F32MulSub;
    else
      fused = f64 ? IOp::F64SubMul : IOp::F32SubMul;
    uint32_t c = x == t ? y : x;
    uint32_t a = code_[last_result_ + 3], b = code_[last_result_ + 4];
    pop();
    pop();
    truncate(last_result_);
    emit_result(fused, {a, b, c});
    return true;
  }

  // ---- i32.wrap_i64 (Go's wasm port computes every address in i64, then wraps it)
  //
  // Handlers read an i32 operand as the low 32 bits of its slot and write i32 results
  // zero-extended, so wrapping the result of the instruction just emitted can often be folded
  // into it: wrap(extend(y)) is y; wrap(a OP b) is the 32-bit OP for add, sub, mul and the
  // bitwise ops (the low bits of the result depend only on the low bits of the operands);
  // wrap(narrow i64 load) is the i32 load of the same bytes.
  bool fold_wrap() {
    size_t pos = last_temp_result(vs_.back());
    if (pos == kNone) return false;
    IOp op = last_emitted_op_;
    if (op == IOp::I64ExtendI32U || op == IOp::I64ExtendI32S) {
      uint32_t y = code_[pos + 3];
      truncate(pos);
      pop();
      push_slot(y);
      return true;
    }
    IOp narrow = narrowed(op);
    if (narrow == IOp::Count) return false;
    if (drop_extend_into(pos, narrow)) return true;
    const void* h = handlers_[static_cast<uint16_t>(narrow)];
    std::memcpy(&code_[pos], &h, sizeof h);
    last_emitted_op_ = narrow;  // the stack top is now that instruction's i32 result
    return true;
  }
  // The narrowed binary op at `pos` has an operand made by an i64.extend_i32 emitted just
  // before it (a stack temporary only it reads): only the low bits matter now, which are the
  // extend's operand, so drop the extend and re-emit the op on that operand.
  bool drop_extend_into(size_t pos, IOp narrow) {
    bool arithmetic = narrow == IOp::I32Add || narrow == IOp::I32Sub || narrow == IOp::I32Mul ||
                      narrow == IOp::I32And || narrow == IOp::I32Or || narrow == IOp::I32Xor;
    if (!arithmetic || prev_emitted_ == kNone || prev_emitted_ + 4 != pos ||
        (prev_emitted_op_ != IOp::I64ExtendI32U && prev_emitted_op_ != IOp::I64ExtendI32S))
      return false;
    uint32_t ext = code_[prev_emitted_ + 2], src = code_[prev_emitted_ + 3];
    uint32_t a = code_[pos + 3], b = code_[pos + 4];
    if (ext < stack_base_ || (a == ext) == (b == ext)) return false;
    if (a == ext)
      a = src;
    else
      b = src;
    truncate(prev_emitted_);
    pop();
    emit_result(narrow, {a, b});
    return true;
  }
  // i64.eqz(i64.extend_i32(y)) is i32.eqz(y) (Go turns booleans into i64 and back).
  bool fold_eqz_of_extend() {
    size_t pos = last_temp_result(vs_.back());
    if (pos == kNone ||
        (last_emitted_op_ != IOp::I64ExtendI32U && last_emitted_op_ != IOp::I64ExtendI32S))
      return false;
    uint32_t y = code_[pos + 3];
    truncate(pos);
    pop();
    emit_result(IOp::I32Eqz, {y});
    return true;
  }
  static IOp narrowed(IOp op) {
    switch (op) {
      case IOp::I64Add: return IOp::I32Add;
      case IOp::I64Sub: return IOp::I32Sub;
      case IOp::I64Mul: return IOp::I32Mul;
      case IOp::I64And: return IOp::I32And;
      case IOp::I64Or: return IOp::I32Or;
      case IOp::I64Xor: return IOp::I32Xor;
      // Loads only where the width read stays the same: the access is still bounds-checked
      // (by the guard pages) on every byte the i64 load would read. A full i64.load keeps
      // its wrap.
      case IOp::I64Load32U:
      case IOp::I64Load32S: return IOp::I32Load;
      case IOp::I64Load8U: return IOp::I32Load8U;
      case IOp::I64Load8S: return IOp::I32Load8S;
      case IOp::I64Load16U: return IOp::I32Load16U;
      case IOp::I64Load16S: return IOp::I32Load16S;
      case IOp::I64Load32UAdd:
      case IOp::I64Load32SAdd: return IOp::I32LoadAdd;
      case IOp::I64Load8UAdd: return IOp::I32Load8UAdd;
      case IOp::I64Load8SAdd: return IOp::I32Load8SAdd;
      case IOp::I64Load16UAdd: return IOp::I32Load16UAdd;
      case IOp::I64Load16SAdd: return IOp::I32Load16SAdd;
      default: return IOp::Count;
    }
  }
  // `global = a + b` / `a - b` computed just before (Go moves its stack pointer, a global,
  // this way around every call): one instruction.
  // Go writes it as `local.tee $sp` first: the add then also keeps writing that local.
  void on_global_set(uint32_t global) {
    if (m_.global_space[global].type == ValType::V128) {
      emit_plain(IOp::GlobalSet128, {global, pop_v128()});
      return;
    }
    uint32_t value = pop();
    size_t pos = last_emitted_;
    bool add = last_emitted_op_ == IOp::I32Add, sub = last_emitted_op_ == IOp::I32Sub;
    if (pos != kNone && (add || sub) && code_[pos + 2] == value) {
      uint32_t a = code_[pos + 3], b = code_[pos + 4];
      truncate(pos);
      if (value >= stack_base_)  // a stack temporary only this global.set reads
        emit_plain(add ? IOp::I32AddGlobalSet : IOp::I32SubGlobalSet, {global, a, b});
      else
        emit_plain(add ? IOp::I32AddTeeGlobalSet : IOp::I32SubTeeGlobalSet, {global, value, a, b});
      return;
    }
    emit_plain(IOp::GlobalSet, {global, value});
  }

  // An address (or branch condition) computed by an i32.wrap_i64 emitted just before: memory
  // ops and conditional branches read only the low 32 bits of the slot, so the wrap's operand
  // serves directly.
  uint32_t unwrap_low32(uint32_t slot) {
    size_t wrap = last_temp_result(slot);
    if (wrap == kNone || last_emitted_op_ != IOp::I32WrapI64) return slot;
    uint32_t wide = code_[wrap + 3];
    truncate(wrap);
    return wide;
  }

  void translate_numeric(Op op) {
    IOp iop = numeric_iop(op);
    if (op == Op::I32WrapI64 && fold_wrap()) return;
    if (op == Op::I64Eqz && fold_eqz_of_extend()) return;
    if (fuse_mul_add(iop)) return;
    if (iop_operand_words(iop) == 2) {
      uint32_t a = pop();
      emit_result(iop, {a});
    } else {
      uint32_t b = pop();
      uint32_t a = pop();
      emit_result(iop, {a, b});
    }
  }
  static IOp numeric_iop(Op op) {
    switch (op) {
#define WC_TR_MAP(name, code, text, a, b, r) \
  case Op::name: return IOp::name;
      WC_NUMERIC_OPS(WC_TR_MAP)
#undef WC_TR_MAP
      default: return IOp::Count;
    }
  }
  static IOp load_iop(Op op) {
    switch (op) {
#define WC_TR_MAP(name, code, text, t, bytes, align) \
  case Op::name: return IOp::name;
      WC_LOAD_OPS(WC_TR_MAP)
      WC_STORE_OPS(WC_TR_MAP)
#undef WC_TR_MAP
      default: return IOp::Count;
    }
  }
  static IOp store_iop(Op op) { return load_iop(op); }
  static IOp store_add_iop(Op op) {
    switch (op) {
#define WC_TR_MAP(name, code, text, t, bytes, align) \
  case Op::name: return IOp::name##Add;
      WC_STORE_OPS(WC_TR_MAP)
#undef WC_TR_MAP
      default: return IOp::Count;
    }
  }
  static IOp load_add_iop(Op op) {
    switch (op) {
#define WC_TR_MAP(name, code, text, t, bytes, align) \
  case Op::name: return IOp::name##Add;
      WC_LOAD_OPS(WC_TR_MAP)
#undef WC_TR_MAP
      default: return IOp::Count;
    }
  }

  const Module& m_;
  const FunctionBody& body_;
  const FuncType& type_;
  const std::vector<uint32_t>& type_ids_;
  const void* const* handlers_;
  std::unique_ptr<CompiledFunction> out_;
  std::vector<uint32_t> code_;
  std::vector<uint32_t> vs_;  // virtual operand stack: the slot holding each value
  std::vector<bool> hi_;      // per entry: the high half of a v128 (the low half is below it)
  std::vector<uint32_t> local_slot_;  // local index -> first slot, when some local is a v128
  std::map<std::pair<uint64_t, uint64_t>, uint32_t> v128_slots_;  // pooled v128 constants
  std::vector<Ctrl> ctrls_;
  std::unordered_map<uint64_t, uint32_t> const_slots_;
  uint32_t const_base_ = 0;
  uint32_t stack_base_ = 0;
  uint32_t max_height_ = 0;
  size_t last_v128_result_ = kNone;  // the same for an op producing a v128 (two slots)
  size_t last_result_ = kNone;       // position of the last instruction while its single result is
                                     // still in its own stack slot (not retargeted, no label since)
  // The last two instructions emitted (forgotten at jump targets and truncation). With
  // last_result_ they say everything the peephole fusions need.
  size_t last_emitted_ = kNone, prev_emitted_ = kNone;
  IOp last_emitted_op_ = IOp::Count, prev_emitted_op_ = IOp::Count;
  // Declared locals still known to hold their entry value 0 (straight-line code from entry).
  std::vector<bool> entry_zero_;
};

}  // namespace

std::unique_ptr<CompiledFunction> compile_function(const Module& module, uint32_t defined_index,
                                                   const std::vector<uint32_t>& type_ids) {
  return Translator(module, defined_index, type_ids).run();
}

}  // namespace wc::engine
