// The compiler's first pass: one walk over the slot form that records, for every instruction,
// which operand slots its x86-64 template reads or writes and how (general register, SSE or a
// plain copy), plus loop back edges and call returns. It mirrors the templates in
// x64_compiler.cc operand for operand, so the emit pass pins exactly the slots an emitting
// analysis would pin, at a small fraction of the cost (no code is generated twice).
#include "engine/jit/x64_analysis.h"

#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "engine/jit/native_code.h"
#include "engine/jit/x64_simd.h"

namespace wc::jit {

using wc::engine::IOp;

namespace {

// The op of each interpreter handler address: an open-addressing table at most a quarter
// full, looked up once per instruction by decode_code (std::unordered_map's lookup was most of
// decode_code's time). Handlers shared by two ops (identical code folded) keep the first op.
class HandlerTable {
 public:
  HandlerTable() {
    const size_t count = static_cast<size_t>(IOp::Count);
    size_t size = 16;
    while (size < 4 * count) size *= 2;
    entries_.resize(size);
    mask_ = size - 1;
    const void* const* h = wc::engine::iop_handlers();
    for (size_t i = 0; i < count; ++i) {
      Entry* e = &entries_[hash(h[i])];
      while (e->handler && e->handler != h[i]) e = &entries_[(e - entries_.data() + 1) & mask_];
      if (!e->handler) *e = Entry{h[i], static_cast<IOp>(i)};
    }
  }
  // False for an address that is no handler (null included: no handler is null).
  bool find(const void* handler, IOp* op) const {
    if (!handler) return false;
    for (size_t i = hash(handler);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.handler == handler) {
        *op = e.op;
        return true;
      }
      if (!e.handler) return false;
    }
  }

 private:
  struct Entry {
    const void* handler = nullptr;
    IOp op = IOp::Count;
  };
  size_t hash(const void* p) const {
    return static_cast<size_t>((reinterpret_cast<uintptr_t>(p) * 0x9E3779B97F4A7C15ull) >> 32) &
           mask_;
  }
  std::vector<Entry> entries_;
  size_t mask_ = 0;
};

const HandlerTable& ops_by_handler() {
  static const HandlerTable* table = new HandlerTable;
  return *table;
}

// Records one instruction's facts. `ins` points at its operands, `w` is its code word.
class Scanner {
 public:
  Scanner(const DecodedCode& d, SlotFacts* out) : d_(d), out_(*out) {}

  void instruction(IOp o, const uint32_t* ins, uint32_t w) {
    ins_ = ins;
    w_ = w;
    o_ = o;
    switch (o) {
      case IOp::Copy: copy(0, 1); return;
      case IOp::Copy2: copy(0, 1), copy(2, 3); return;
      case IOp::Const32:
      case IOp::Const64:
      case IOp::GlobalGet: g(0); return;
      case IOp::Jump: branch(0); return;
      case IOp::Call: call_return(4); return;
      case IOp::Return: return;
      case IOp::MemoryFill:
      case IOp::MemoryCopy: g(0), g(1), g(2); return;
      case IOp::MemoryInit: g(3), g(1), g(2); return;
      case IOp::MemorySize: g(0); return;
      case IOp::MemoryGrow: g(1), g(0); return;
      case IOp::CallIndirect: g(3), call_return(6); return;
      // Inline only when the table's element vector has a known layout (table_access).
      case IOp::TableGet:
        if (table_elems_layout().ok) g(2), g(0);
        return;
      case IOp::TableSet:
        if (table_elems_layout().ok) g(1), g(2);
        return;
      case IOp::TableSize:
        if (table_elems_layout().ok) g(0);
        return;
      case IOp::TableGrow: g(2), g(3), g(0); return;
      case IOp::TableFill: g(1), g(2), g(3); return;
      case IOp::TableCopy:
      case IOp::TableInit: g(2), g(3), g(4); return;
      case IOp::RefIsNull: g(1), g(0); return;
      case IOp::RefFunc: g(0); return;
      case IOp::CopyJump: copy(0, 1), branch(2); return;
      case IOp::BrIfNez:
      case IOp::BrIfEqz:
      case IOp::BrIfI64Nez:
      case IOp::BrIfI64Eqz: g(0), branch(1); return;
      case IOp::BrIfI32Eq:
      case IOp::BrIfI32Ne:
      case IOp::BrIfI32LtS:
      case IOp::BrIfI32LtU:
      case IOp::BrIfI32GtS:
      case IOp::BrIfI32GtU:
      case IOp::BrIfI32LeS:
      case IOp::BrIfI32LeU:
      case IOp::BrIfI32GeS:
      case IOp::BrIfI32GeU: g(0), g(1), branch(2); return;
      case IOp::AddBrIfI32Eq:
      case IOp::AddBrIfI32Ne:
      case IOp::AddBrIfI32LtS:
      case IOp::AddBrIfI32LtU:
      case IOp::AddBrIfI32GtS:
      case IOp::AddBrIfI32GtU:
      case IOp::AddBrIfI32LeS:
      case IOp::AddBrIfI32LeU:
      case IOp::AddBrIfI32GeS:
      case IOp::AddBrIfI32GeU: g(1), g(2), g(0), g(3), branch(4); return;
      case IOp::BrIfF64Eq:
      case IOp::BrIfF64Ne:
      case IOp::BrIfF64Lt:
      case IOp::BrIfF64Gt:
      case IOp::BrIfF64Le:
      case IOp::BrIfF64Ge:
      case IOp::BrUnlessF64Eq:
      case IOp::BrUnlessF64Ne:
      case IOp::BrUnlessF64Lt:
      case IOp::BrUnlessF64Gt:
      case IOp::BrUnlessF64Le:
      case IOp::BrUnlessF64Ge: f(0), f(1), branch(2); return;
      case IOp::BrTable: br_table(); return;
      case IOp::Select: g(3), g(1), g(2), g(0); return;
      case IOp::GlobalSet: g(1); return;
      case IOp::I32AddGlobalSet:
      case IOp::I32SubGlobalSet: g(1), g(2); return;
      case IOp::I32AddTeeGlobalSet:
      case IOp::I32SubTeeGlobalSet: g(2), g(3), g(1); return;
      // Loads: address operands, then the destination (SSE for float loads).
      case IOp::F32Load:
      case IOp::F64Load: g(1), f(0); return;
      case IOp::F32LoadAdd:
      case IOp::F64LoadAdd: g(1), g(2), f(0); return;
      case IOp::F32LoadScaled:
      case IOp::F64LoadScaled: g(2), g(1), f(0); return;
      case IOp::I32Load:
      case IOp::I64Load:
      case IOp::I32Load8S:
      case IOp::I32Load8U:
      case IOp::I32Load16S:
      case IOp::I32Load16U:
      case IOp::I64Load8S:
      case IOp::I64Load8U:
      case IOp::I64Load16S:
      case IOp::I64Load16U:
      case IOp::I64Load32S:
      case IOp::I64Load32U: g(1), g(0); return;
      case IOp::I32LoadAdd:
      case IOp::I64LoadAdd:
      case IOp::I32Load8SAdd:
      case IOp::I32Load8UAdd:
      case IOp::I32Load16SAdd:
      case IOp::I32Load16UAdd:
      case IOp::I64Load8SAdd:
      case IOp::I64Load8UAdd:
      case IOp::I64Load16SAdd:
      case IOp::I64Load16UAdd:
      case IOp::I64Load32SAdd:
      case IOp::I64Load32UAdd: g(1), g(2), g(0); return;
      case IOp::I32LoadScaled:
      case IOp::I64LoadScaled: g(2), g(1), g(0); return;
      case IOp::I32Store:
      case IOp::I64Store:
      case IOp::I32Store8:
      case IOp::I32Store16:
      case IOp::I64Store8:
      case IOp::I64Store16:
      case IOp::I64Store32: g(0), g(1); return;
      case IOp::I32StoreAdd:
      case IOp::I64StoreAdd:
      case IOp::I32Store8Add:
      case IOp::I32Store16Add:
      case IOp::I64Store8Add:
      case IOp::I64Store16Add:
      case IOp::I64Store32Add: g(0), g(1), g(2); return;
      case IOp::F32Store:
      case IOp::F64Store: g(0), f(1); return;
      case IOp::F32StoreAdd:
      case IOp::F64StoreAdd: g(0), g(1), f(2); return;
      // Unary integer-register templates: source, destination.
      case IOp::I32Eqz:
      case IOp::I64Eqz:
      case IOp::I32WrapI64:
      case IOp::I64ExtendI32S:
      case IOp::I64ExtendI32U:
      case IOp::I32Extend8S:
      case IOp::I32Extend16S:
      case IOp::I64Extend8S:
      case IOp::I64Extend16S:
      case IOp::I64Extend32S: g(1), g(0); return;
      // Templates that move bits the way copies do (the float bit operations).
      case IOp::I32ReinterpretF32:
      case IOp::I64ReinterpretF64:
      case IOp::F32ReinterpretI32:
      case IOp::F64ReinterpretI64: copy(0, 1); return;
      case IOp::F64Abs:
      case IOp::F64Neg:
      case IOp::F32Abs:
      case IOp::F32Neg: c(1), c(0); return;
      // Binary integer-register templates: a, b, destination.
      case IOp::I32Eq:
      case IOp::I32Ne:
      case IOp::I32LtS:
      case IOp::I32LtU:
      case IOp::I32GtS:
      case IOp::I32GtU:
      case IOp::I32LeS:
      case IOp::I32LeU:
      case IOp::I32GeS:
      case IOp::I32GeU:
      case IOp::I64Eq:
      case IOp::I64Ne:
      case IOp::I64LtS:
      case IOp::I64LtU:
      case IOp::I64GtS:
      case IOp::I64GtU:
      case IOp::I64LeS:
      case IOp::I64LeU:
      case IOp::I64GeS:
      case IOp::I64GeU:
      case IOp::I32Add:
      case IOp::I32Sub:
      case IOp::I32And:
      case IOp::I32Or:
      case IOp::I32Xor:
      case IOp::I64Add:
      case IOp::I64Sub:
      case IOp::I64And:
      case IOp::I64Or:
      case IOp::I64Xor:
      case IOp::I32Mul:
      case IOp::I64Mul:
      case IOp::I32Shl:
      case IOp::I32ShrS:
      case IOp::I32ShrU:
      case IOp::I32Rotl:
      case IOp::I32Rotr:
      case IOp::I64Shl:
      case IOp::I64ShrS:
      case IOp::I64ShrU:
      case IOp::I64Rotl:
      case IOp::I64Rotr: g(1), g(2), g(0); return;
      case IOp::F64Copysign:
      case IOp::F32Copysign: c(1), c(2), c(0); return;
      case IOp::I32DivS:
      case IOp::I32DivU:
      case IOp::I32RemS:
      case IOp::I32RemU:
      case IOp::I64DivS:
      case IOp::I64DivU:
      case IOp::I64RemS:
      case IOp::I64RemU: g(2), g(1), g(0); return;
      // Float compares: two SSE operands, an integer result.
      case IOp::F32Eq:
      case IOp::F32Ne:
      case IOp::F32Lt:
      case IOp::F32Gt:
      case IOp::F32Le:
      case IOp::F32Ge:
      case IOp::F64Eq:
      case IOp::F64Ne:
      case IOp::F64Lt:
      case IOp::F64Gt:
      case IOp::F64Le:
      case IOp::F64Ge: f(1), f(2), g(0); return;
      case IOp::F64Add:
      case IOp::F64Sub:
      case IOp::F64Mul:
      case IOp::F64Div:
      case IOp::F32Add:
      case IOp::F32Sub:
      case IOp::F32Mul:
      case IOp::F32Div: f(1), f(2), f(0); return;
      case IOp::F64MulAdd:
      case IOp::F64MulSub:
      case IOp::F64SubMul:
      case IOp::F32MulAdd:
      case IOp::F32MulSub:
      case IOp::F32SubMul: f(1), f(2), f(3), f(0); return;
      case IOp::F64Sqrt:
      case IOp::F32Sqrt:
      case IOp::F64PromoteF32:
      case IOp::F32DemoteF64: f(1), f(0); return;
      case IOp::I32Clz:
      case IOp::I32Ctz:
      case IOp::I64Clz:
      case IOp::I64Ctz: g(1), g(0); return;
      case IOp::I32Popcnt:
      case IOp::I64Popcnt:
        g(1);  // read before the template finds no popcnt and leaves it to the interpreter
        if (cpu_has_popcnt()) g(0);
        return;
      case IOp::I32TruncF32S:
      case IOp::I32TruncF32U:
      case IOp::I32TruncF64S:
      case IOp::I32TruncF64U:
      case IOp::I64TruncF32S:
      case IOp::I64TruncF64S:
      case IOp::I32TruncSatF32S:
      case IOp::I32TruncSatF32U:
      case IOp::I32TruncSatF64S:
      case IOp::I32TruncSatF64U:
      case IOp::I64TruncSatF32S:
      case IOp::I64TruncSatF64S:
      case IOp::I64TruncF32U:
      case IOp::I64TruncF64U:
      case IOp::I64TruncSatF32U:
      case IOp::I64TruncSatF64U: f(1), g(0); return;
      case IOp::F64Ceil:
      case IOp::F64Floor:
      case IOp::F64Trunc:
      case IOp::F64Nearest:
      case IOp::F32Ceil:
      case IOp::F32Floor:
      case IOp::F32Trunc:
      case IOp::F32Nearest:
        if (cpu_has_sse41()) f(1), f(0);
        return;
      case IOp::F64ConvertI32S:
      case IOp::F64ConvertI64S:
      case IOp::F64ConvertI32U:
      case IOp::F32ConvertI32S:
      case IOp::F32ConvertI64S:
      case IOp::F32ConvertI32U:
      case IOp::F64ConvertI64U:
      case IOp::F32ConvertI64U: g(1), f(0); return;
      case IOp::F64Min:
      case IOp::F64Max:
      case IOp::F32Min:
      case IOp::F32Max: f(1), f(2), f(0); return;
      case IOp::Simd:
      case IOp::Select128:
      case IOp::GlobalGet128:
      case IOp::GlobalSet128: vectors(); return;
      default: return;  // left to the interpreter: no slot in a register is touched
    }
  }

 private:
  void g(int k) { out_.uses.push_back({ins_[k], w_}); }
  void f(int k) { out_.float_uses.push_back({ins_[k], w_}); }
  void c(int k) { out_.copy_uses.push_back({ins_[k], w_}); }
  void vectors() {
    uint32_t first[4];
    const int n = v128_value_slots(o_, ins_, first);
    for (int k = 0; k < n; ++k) {
      out_.vector_uses.push_back({first[k], w_});
      out_.vector_uses.push_back({first[k] + 1, w_});
    }
  }
  void copy(int dst, int src) {
    out_.copy_uses.push_back({ins_[dst], w_});
    out_.copy_uses.push_back({ins_[src], w_});
  }
  void call_return(uint32_t words) { out_.call_returns.push_back(w_ + words); }
  // A branch whose offset is operand k: a backward one to an instruction start is a back edge
  // (a branch to anything else makes the emit pass refuse the function).
  void branch(int k) {
    int32_t offset = static_cast<int32_t>(ins_[k]);
    int64_t t = int64_t{w_} + offset;
    if (t < 0 || t >= static_cast<int64_t>(d_.is_start.size()) || !d_.is_start[t]) return;
    out_.branch_targets.push_back(static_cast<uint32_t>(t));
    if (offset <= 0) out_.back_edges.push_back({static_cast<uint32_t>(t), w_});
  }
  // index count, then count + 1 offsets (the last the default).
  void br_table() {
    uint32_t count = ins_[1];
    if (count > kMaxJumpTable) {
      // Left to the interpreter; its backward targets are still loop headers where the
      // interpreter enters.
      for (uint32_t i = 0; i <= count; ++i) {
        int32_t offset = static_cast<int32_t>(ins_[2 + i]);
        int64_t t = int64_t{w_} + offset;
        if (offset <= 0 && t >= 0) out_.back_edges.push_back({static_cast<uint32_t>(t), w_});
      }
      return;
    }
    g(0);
    for (uint32_t i = 0; i <= count; ++i) branch(2 + static_cast<int>(i));
  }

  const DecodedCode& d_;
  SlotFacts& out_;
  const uint32_t* ins_ = nullptr;
  uint32_t w_ = 0;
  IOp o_ = IOp::Copy;
};

}  // namespace

bool cpu_has_popcnt() {
  static const bool yes = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tPOPCNT);
  return yes;
}

// WC_JIT_NO_SSE41=1 makes the JIT behave as on a CPU without SSE4.1 (and SSE4.2), so that
// the fallbacks of the templates gated on it can be tested here. A developer aid.
bool cpu_has_sse41() {
  static const bool yes =
      Xbyak::util::Cpu().has(Xbyak::util::Cpu::tSSE41) && !std::getenv("WC_JIT_NO_SSE41");
  return yes;
}

bool decode_code(const std::vector<uint32_t>& code, DecodedCode* out) {
  const HandlerTable& by_handler = ops_by_handler();
  out->starts.clear();
  out->ops.clear();
  out->is_start.assign(code.size(), false);
  // Instructions average over three words: one growth at most for most functions.
  out->starts.reserve(code.size() / 3);
  out->ops.reserve(code.size() / 3);
  size_t pc = 0;
  while (pc + 2 <= code.size()) {
    const void* h;
    std::memcpy(&h, &code[pc], sizeof h);
    IOp op;
    if (!by_handler.find(h, &op)) return false;
    uint64_t words = wc::engine::iop_operand_words(op);
    if (op == IOp::BrTable) {
      if (pc + 3 >= code.size()) return false;
      words += uint64_t{code[pc + 3]} + 1;
    }
    if (pc + 2 + words > code.size()) return false;
    out->starts.push_back(static_cast<uint32_t>(pc));
    out->ops.push_back(op);
    out->is_start[pc] = true;
    pc += 2 + words;
  }
  return true;
}

SlotFacts scan_function(const wc::engine::CompiledFunction& f, const DecodedCode& d) {
  SlotFacts facts;
  // About two integer operands per instruction: one growth at most for most functions.
  facts.uses.reserve(2 * d.starts.size());
  Scanner s(d, &facts);
  for (size_t i = 0; i < d.starts.size(); ++i)
    s.instruction(d.ops[i], &f.code[d.starts[i] + 2], d.starts[i]);
  // The same test as the compiler's imm() (a constant slot below the results may be written
  // by a return).
  const uint64_t first = uint64_t{f.num_params} + f.num_locals;
  for (size_t i = 0; i < f.constants.size(); ++i) {
    const uint64_t slot = first + i, c = f.constants[i];
    if (slot >= f.num_results && slot <= UINT32_MAX &&
        static_cast<int64_t>(c) == static_cast<int32_t>(c))
      facts.immediates.push_back(static_cast<uint32_t>(slot));
  }
  return facts;
}

PinPlan make_plan(const SlotFacts& facts, size_t n) {
  PinPlan a;
  std::vector<int32_t> nesting(n + 1, 0);
  for (auto [target, source] : facts.back_edges) {
    nesting[target] += 1;
    nesting[source + 1] -= 1;
  }
  for (size_t i = 1; i <= n; ++i) nesting[i] += nesting[i - 1];
  // Weights per slot in dense arrays (slots are frame indices: the declared locals, at most
  // 50000, plus constants and operand-stack slots, both bounded by the code's length); a
  // hash map per kind was a twentieth of the compile time. A used slot weighs at least 1.
  // Slots past kMaxPinnedSlot (a 128 MiB frame; the translator makes none) are never pinned,
  // which bounds the arrays whatever the code says.
  constexpr uint32_t kMaxPinnedSlot = uint32_t{1} << 24;
  uint32_t slots = 0;
  for (const auto* uses : {&facts.uses, &facts.float_uses, &facts.copy_uses})
    for (auto [s, w] : *uses)
      if (s < kMaxPinnedSlot) slots = std::max(slots, s + 1);
  auto weigh = [&](const std::vector<std::pair<uint32_t, uint32_t>>& uses) {
    std::vector<uint64_t> weight(slots, 0);
    for (auto [s, w] : uses)
      if (s < slots) weight[s] += uint64_t{1} << (3 * std::min(nesting[w], 6));
    return weight;
  };
  const std::vector<uint64_t> gpr = weigh(facts.uses), sse = weigh(facts.float_uses),
                              moves = weigh(facts.copy_uses), vectors = weigh(facts.vector_uses);
  auto rank = [&](const std::vector<uint64_t>& own, const std::vector<uint64_t>& other,
                  size_t max) {
    std::vector<std::pair<uint64_t, uint32_t>> ranked;
    for (uint32_t s = 0; s < slots; ++s) {
      if (!own[s] || other[s]) continue;   // unused, or used both ways: stays in memory
      if (vectors[s] >= own[s]) continue;  // mostly a v128 half (see SlotFacts)
      if (&own == &gpr && std::binary_search(facts.immediates.begin(), facts.immediates.end(), s))
        continue;  // an immediate operand
      uint64_t total = own[s] + moves[s];
      if (total >= 2) ranked.push_back({total, s});
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    std::vector<uint32_t> out;
    for (size_t i = 0; i < ranked.size() && i < max; ++i) out.push_back(ranked[i].second);
    return out;
  };
  a.pinned_slots = rank(gpr, sse, kMaxPins);
  a.float_pinned_slots = rank(sse, gpr, kMaxFloatPins - kMinFloatCache);
  a.enterable.assign(n, false);
  if (n) a.enterable[0] = true;
  for (auto [target, source] : facts.back_edges) a.enterable[target] = true;
  for (uint32_t w : facts.call_returns)
    if (w < n) a.enterable[w] = true;
  a.label_index.assign(n, 0);
  auto label = [&](uint32_t w) {
    if (w < n && !a.label_index[w]) a.label_index[w] = ++a.label_count;
  };
  for (uint32_t w : facts.branch_targets) label(w);
  // The enterable words, from the lists that made them (not a walk over every code word).
  // Label numbers only index the compiler's labels: their order changes no code.
  if (n) label(0);
  for (auto [target, source] : facts.back_edges) label(target);
  for (uint32_t w : facts.call_returns) label(w);
  return a;
}

}  // namespace wc::jit
