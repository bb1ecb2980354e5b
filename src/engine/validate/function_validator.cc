// The spec appendix's validation algorithm for one function body, transcribed closely:
// an operand stack of value types (kUnknownType standing for the spec's Unknown) and a control
// stack of frames {opcode, start types, end types, height, unreachable}.
#include "engine/validate/function_validator.h"

#include <algorithm>
#include <cstdio>

#include "engine/binary/binary_reader.h"
#include "engine/validate/validation_error.h"

namespace wc::engine {

namespace {

const char* type_name(ValType t) { return t == kUnknownType ? "unknown" : valtype_name(t); }

// The spec's predicates, under which Unknown matches every class.
bool is_num(ValType t) { return t == kUnknownType || is_numtype(t); }
bool is_vec(ValType t) { return t == kUnknownType || t == ValType::V128; }
bool is_ref(ValType t) { return t == kUnknownType || is_reftype(t); }

// Backing storage for single-value block types, so Types never owns memory.
constexpr ValType kSingles[] = {ValType::I32,  ValType::I64,     ValType::F32,      ValType::F64,
                                ValType::V128, ValType::FuncRef, ValType::ExternRef};

// Operand and result types of the fixed-signature numeric table; V marks "no operand".
constexpr ValType kT_I32 = ValType::I32, kT_I64 = ValType::I64, kT_F32 = ValType::F32,
                  kT_F64 = ValType::F64, kT_V = kUnknownType;

}  // namespace

bool FunctionValidator::Types::operator==(const Types& o) const {
  return size == o.size && std::equal(data, data + size, o.data);
}

FunctionValidator::FunctionValidator(const Module& module, const std::vector<bool>& declared)
    : module_(module), declared_(declared) {}

std::optional<Error> FunctionValidator::validate(uint32_t defined_index) {
  func_index_ = module_.num_imported_funcs + defined_index;
  try {
    run(defined_index);
    return std::nullopt;
  } catch (const ValidationFailure& f) {
    return Error{f.message + " (function " + std::to_string(func_index_) + ", offset " +
                 hex(f.offset) + ")"};
  } catch (const DecodeError& e) {
    // Bodies are decoded lazily, here: malformed code must still surface as an Error.
    return Error{"offset " + hex(e.offset()) + ": " + e.what() + " (function " +
                 std::to_string(func_index_) + ")"};
  }
}

void FunctionValidator::fail(const std::string& message) const {
  throw ValidationFailure{offset_, message};
}

void FunctionValidator::fail_mismatch(ValType expected, ValType actual, bool empty) const {
  std::string got = empty ? std::string("nothing (empty stack)") : type_name(actual);
  fail(std::string("type mismatch: ") + op_name(instr_.op) + " expected " + type_name(expected) +
       " but got " + got);
}

void FunctionValidator::run(uint32_t defined_index) {
  if (defined_index >= module_.code.size() || defined_index >= module_.functions.size())
    fail("function and code section have inconsistent lengths");
  const FunctionBody& body = module_.code[defined_index];
  offset_ = body.code_begin;
  const uint32_t type_index = module_.functions[defined_index];
  if (type_index >= module_.types.size()) failf("unknown type ", type_index);
  const FuncType& ft = module_.types[type_index];
  params_ = {ft.params.data(), static_cast<uint32_t>(ft.params.size())};
  results_ = {ft.results.data(), static_cast<uint32_t>(ft.results.size())};

  locals_.assign(ft.params.begin(), ft.params.end());
  for (const LocalGroup& g : body.locals) locals_.insert(locals_.end(), g.count, g.type);

  vals_.clear();
  ctrls_.clear();
  instr_.op = Op::Block;
  push_ctrl(Op::Block, Types{}, results_);  // the function's own frame; `return` targets it

  InstrReader reader(module_.bytes.data(), body.code_begin, body.code_end);
  while (!ctrls_.empty()) {
    if (reader.at_end()) {
      offset_ = reader.pos();
      fail("END opcode expected");
    }
    reader.read(instr_);
    offset_ = instr_.offset;
    step(instr_);
  }
  if (!reader.at_end()) {
    offset_ = reader.pos();
    fail("operators remaining after end of function");
  }
}

ValType FunctionValidator::pop() {
  const Frame& f = ctrls_.back();
  if (vals_.size() == f.height) {
    if (f.unreachable) return kUnknownType;
    failf("type mismatch: ", op_name(instr_.op), " expected a value but the stack is empty");
  }
  ValType t = vals_.back();
  vals_.pop_back();
  return t;
}

ValType FunctionValidator::pop_checked(ValType expected) {
  const Frame& f = ctrls_.back();
  if (vals_.size() == f.height) {
    if (f.unreachable) return kUnknownType;
    fail_mismatch(expected, kUnknownType, true);
  }
  ValType actual = vals_.back();
  vals_.pop_back();
  if (actual != expected && actual != kUnknownType && expected != kUnknownType)
    fail_mismatch(expected, actual, false);
  return actual;
}

void FunctionValidator::push(Types ts) { vals_.push(ts.data, ts.size); }

void FunctionValidator::pop(Types ts) {
  for (uint32_t i = ts.size; i-- > 0;) pop(ts[i]);
}

void FunctionValidator::push_ctrl(Op op, Types in, Types out) {
  ctrls_.push_back(Frame{op, in, out, vals_.size(), false});
  push(in);
}

FunctionValidator::Frame FunctionValidator::pop_ctrl() {
  Frame f = ctrls_.back();
  pop(f.end);
  if (vals_.size() != f.height)
    failf("type mismatch: ", vals_.size() - f.height,
          " value(s) left on the stack at the end of the block");
  ctrls_.pop_back();
  return f;
}

void FunctionValidator::set_unreachable() {
  vals_.truncate(ctrls_.back().height);
  ctrls_.back().unreachable = true;
}

const FunctionValidator::Frame& FunctionValidator::label(uint32_t depth) const {
  if (depth >= ctrls_.size()) failf("unknown label ", depth);
  return ctrls_[ctrls_.size() - 1 - depth];
}

FunctionValidator::Types FunctionValidator::single(ValType t) const {
  for (const ValType& s : kSingles)
    if (s == t) return Types{&s, 1};
  fail("malformed value type");
}

void FunctionValidator::block_types(const BlockType& bt, Types& in, Types& out) const {
  in = out = Types{};
  switch (bt.kind) {
    case BlockType::Kind::Empty: return;
    case BlockType::Kind::Value: out = single(bt.value); return;
    case BlockType::Kind::TypeIndex: {
      if (bt.type_index >= module_.types.size()) failf("unknown type ", bt.type_index);
      const FuncType& ft = module_.types[bt.type_index];
      in = {ft.params.data(), static_cast<uint32_t>(ft.params.size())};
      out = {ft.results.data(), static_cast<uint32_t>(ft.results.size())};
      return;
    }
  }
}

ValType FunctionValidator::local_type(uint32_t index) const {
  if (index >= locals_.size()) [[unlikely]]
    failf("unknown local ", index);
  return locals_[index];
}

void FunctionValidator::check_memory(uint32_t index) const {
  if (index >= module_.memory_space.size()) failf("unknown memory ", index);
}

const TableType& FunctionValidator::table(uint32_t index) const {
  if (index >= module_.table_space.size()) failf("unknown table ", index);
  return module_.table_space[index];
}

void FunctionValidator::mem_access(const MemArg& m, uint32_t natural_align) const {
  check_memory(m.memory);
  if (m.align > natural_align) fail("alignment must not be larger than natural");
}

void FunctionValidator::step(const Instr& in) {
  constexpr ValType I32 = ValType::I32;
  switch (in.op) {
#define WC_NUMERIC(name, code, text, a, b, r) \
  case Op::name:                              \
    if (kT_##b != kUnknownType) pop(kT_##b);  \
    pop(kT_##a);                              \
    push(kT_##r);                             \
    return;
    WC_NUMERIC_OPS(WC_NUMERIC)
#undef WC_NUMERIC

#define WC_LOAD(name, code, text, type, bytes, align) \
  case Op::name:                                      \
    mem_access(in.mem, align);                        \
    pop(I32);                                         \
    push(kT_##type);                                  \
    return;
    WC_LOAD_OPS(WC_LOAD)
#undef WC_LOAD

#define WC_STORE(name, code, text, type, bytes, align) \
  case Op::name:                                       \
    mem_access(in.mem, align);                         \
    pop(kT_##type);                                    \
    pop(I32);                                          \
    return;
    WC_STORE_OPS(WC_STORE)
#undef WC_STORE

    case Op::Unreachable: set_unreachable(); return;
    case Op::Nop: return;
    case Op::Block:
    case Op::Loop: {
      Types a, b;
      block_types(in.block, a, b);
      pop(a);
      push_ctrl(in.op, a, b);
      return;
    }
    case Op::If: {
      Types a, b;
      block_types(in.block, a, b);
      pop(I32);
      pop(a);
      push_ctrl(Op::If, a, b);
      return;
    }
    case Op::Else: {
      Frame f = pop_ctrl();
      if (f.op != Op::If) fail("else without matching if");
      push_ctrl(Op::Else, f.start, f.end);
      return;
    }
    case Op::End: {
      Frame f = pop_ctrl();
      // A missing else branch is the identity, so it must map the params to the results.
      if (f.op == Op::If && !(f.start == f.end))
        fail("type mismatch: if without else must have matching parameter and result types");
      push(f.end);
      return;
    }
    case Op::Br:
      pop(label_types(label(in.idx)));
      set_unreachable();
      return;
    case Op::BrIf: {
      Types t = label_types(label(in.idx));
      pop(I32);
      pop(t);
      push(t);
      return;
    }
    case Op::BrTable: {
      pop(I32);
      Types dt = label_types(label(in.idx));
      for (uint32_t target : in.targets) {
        Types t = label_types(label(target));
        if (t.size != dt.size) fail("type mismatch: br_table targets have different arities");
        // Check the stack against this label without consuming it (Unknowns stay Unknown).
        scratch_.resize(t.size);
        for (uint32_t i = t.size; i-- > 0;) scratch_[i] = pop(t[i]);
        vals_.push(scratch_.data(), scratch_.size());
      }
      pop(dt);
      set_unreachable();
      return;
    }
    case Op::Return:
      pop(results_);
      set_unreachable();
      return;
    case Op::Call: {
      if (in.idx >= module_.func_space.size()) failf("unknown function ", in.idx);
      const FuncType& ft = module_.func_type(in.idx);
      pop(Types{ft.params.data(), static_cast<uint32_t>(ft.params.size())});
      push(Types{ft.results.data(), static_cast<uint32_t>(ft.results.size())});
      return;
    }
    case Op::CallIndirect: {
      if (table(in.idx2).elem != ValType::FuncRef)
        failf("type mismatch: call_indirect through a table of ",
              valtype_name(table(in.idx2).elem));
      if (in.idx >= module_.types.size()) failf("unknown type ", in.idx);
      const FuncType& ft = module_.types[in.idx];
      pop(I32);
      pop(Types{ft.params.data(), static_cast<uint32_t>(ft.params.size())});
      push(Types{ft.results.data(), static_cast<uint32_t>(ft.results.size())});
      return;
    }
    case Op::Drop: pop(); return;
    case Op::Select: {
      pop(I32);
      ValType t1 = pop();
      ValType t2 = pop();
      // Untyped select only for numeric (and vector) operands; references need `select t`.
      if (!((is_num(t1) && is_num(t2)) || (is_vec(t1) && is_vec(t2))))
        failf("type mismatch: select without type on ", type_name(t1), " and ", type_name(t2));
      if (t1 != t2 && t1 != kUnknownType && t2 != kUnknownType)
        failf("type mismatch: select operands ", type_name(t2), " and ", type_name(t1));
      push(t1 == kUnknownType ? t2 : t1);
      return;
    }
    case Op::SelectT:
      pop(I32);
      pop(in.type);
      pop(in.type);
      push(in.type);
      return;
    case Op::LocalGet: push(local_type(in.idx)); return;
    case Op::LocalSet: pop(local_type(in.idx)); return;
    case Op::LocalTee: {
      ValType t = local_type(in.idx);
      pop(t);
      push(t);
      return;
    }
    case Op::GlobalGet:
      if (in.idx >= module_.global_space.size()) failf("unknown global ", in.idx);
      push(module_.global_space[in.idx].type);
      return;
    case Op::GlobalSet: {
      if (in.idx >= module_.global_space.size()) failf("unknown global ", in.idx);
      const GlobalType& g = module_.global_space[in.idx];
      if (!g.is_mutable) failf("global is immutable: global ", in.idx);
      pop(g.type);
      return;
    }
    case Op::TableGet: {
      ValType t = table(in.idx).elem;
      pop(I32);
      push(t);
      return;
    }
    case Op::TableSet: {
      ValType t = table(in.idx).elem;
      pop(t);
      pop(I32);
      return;
    }
    case Op::MemorySize:
      check_memory(in.idx);
      push(I32);
      return;
    case Op::MemoryGrow:
      check_memory(in.idx);
      pop(I32);
      push(I32);
      return;
    case Op::I32Const: push(I32); return;
    case Op::I64Const: push(ValType::I64); return;
    case Op::F32Const: push(ValType::F32); return;
    case Op::F64Const: push(ValType::F64); return;
    case Op::RefNull:
      if (!is_reftype(in.type)) fail("malformed reference type");
      push(in.type);
      return;
    case Op::RefIsNull: {
      ValType t = pop();
      if (!is_ref(t)) failf("type mismatch: ref.is_null on ", type_name(t));
      push(I32);
      return;
    }
    case Op::RefFunc:
      if (in.idx >= module_.func_space.size()) failf("unknown function ", in.idx);
      if (!declared_[in.idx])
        failf("undeclared function reference: function ", in.idx,
              " appears in no element segment, export or global initializer");
      push(ValType::FuncRef);
      return;
    case Op::MemoryInit:
    case Op::DataDrop:
      if (in.op == Op::MemoryInit) check_memory(in.idx2);
      if (!module_.data_count) fail("data count section required");
      if (in.idx >= *module_.data_count) failf("unknown data segment ", in.idx);
      if (in.op == Op::MemoryInit) {
        pop(I32);
        pop(I32);
        pop(I32);
      }
      return;
    case Op::MemoryCopy:
      check_memory(in.idx);
      check_memory(in.idx2);
      pop(I32);
      pop(I32);
      pop(I32);
      return;
    case Op::MemoryFill:
      check_memory(in.idx);
      pop(I32);
      pop(I32);
      pop(I32);
      return;
    case Op::TableInit: {
      ValType t = table(in.idx2).elem;
      if (in.idx >= module_.elems.size()) failf("unknown elem segment ", in.idx);
      if (module_.elems[in.idx].type != t)
        failf("type mismatch: table.init of ", valtype_name(module_.elems[in.idx].type),
              " segment into ", valtype_name(t), " table");
      pop(I32);
      pop(I32);
      pop(I32);
      return;
    }
    case Op::ElemDrop:
      if (in.idx >= module_.elems.size()) failf("unknown elem segment ", in.idx);
      return;
    case Op::TableCopy: {
      ValType dst = table(in.idx).elem;
      ValType src = table(in.idx2).elem;
      if (dst != src)
        failf("type mismatch: table.copy from ", valtype_name(src), " table to ", valtype_name(dst),
              " table");
      pop(I32);
      pop(I32);
      pop(I32);
      return;
    }
    case Op::TableGrow: {
      ValType t = table(in.idx).elem;
      pop(I32);
      pop(t);
      push(I32);
      return;
    }
    case Op::TableSize:
      table(in.idx);
      push(I32);
      return;
    case Op::TableFill: {
      ValType t = table(in.idx).elem;
      pop(I32);
      pop(t);
      pop(I32);
      return;
    }
#define WC_SIMD_CASE(name, sub, text, kind, t, n) case Op::name:
      WC_SIMD_OPS(WC_SIMD_CASE)
#undef WC_SIMD_CASE
      step_simd(in);
      return;
  }
  fail("illegal opcode");  // not reachable for ops the reader produces
}

// The SIMD instructions by their kind in the table (simd_opcodes.h).
void FunctionValidator::step_simd(const Instr& in) {
  constexpr ValType I32 = ValType::I32, V128 = ValType::V128;
  const SimdInfo info = simd_info(uint32_t(in.op) & 0xFFFF);
  const ValType scalar = ValType(info.scalar);
  auto check_lane = [&](uint32_t lanes) {
    if (in.lane >= lanes) failf("invalid lane index ", in.lane);
  };
  switch (info.kind) {
    case SimdKind::None: break;
    case SimdKind::Load:
      mem_access(in.mem, info.n);
      pop(I32);
      push(V128);
      return;
    case SimdKind::Store:
      mem_access(in.mem, info.n);
      pop(V128);
      pop(I32);
      return;
    case SimdKind::LoadLane:
    case SimdKind::StoreLane:
      mem_access(in.mem, info.n);
      check_lane(16u >> info.n);
      pop(V128);
      pop(I32);
      if (info.kind == SimdKind::LoadLane) push(V128);
      return;
    case SimdKind::Const: push(V128); return;
    case SimdKind::Shuffle:
      for (int i = 0; i < 16; ++i) {
        uint64_t byte = ((i < 8 ? in.bits : in.bits_hi) >> (8 * (i % 8))) & 0xFF;
        if (byte >= 32) failf("invalid lane index ", byte);
      }
      pop(V128);
      pop(V128);
      push(V128);
      return;
    case SimdKind::Splat:
      pop(scalar);
      push(V128);
      return;
    case SimdKind::Extract:
      check_lane(info.n);
      pop(V128);
      push(scalar);
      return;
    case SimdKind::Replace:
      check_lane(info.n);
      pop(scalar);
      pop(V128);
      push(V128);
      return;
    case SimdKind::Un:
      pop(V128);
      push(V128);
      return;
    case SimdKind::Bin:
      pop(V128);
      pop(V128);
      push(V128);
      return;
    case SimdKind::Tern:
      pop(V128);
      pop(V128);
      pop(V128);
      push(V128);
      return;
    case SimdKind::Test:
      pop(V128);
      push(I32);
      return;
    case SimdKind::Shift:
      pop(I32);
      pop(V128);
      push(V128);
      return;
  }
  fail("illegal opcode");
}

}  // namespace wc::engine
