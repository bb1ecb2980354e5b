// Instructions, flat (`block ... end`) and folded (`(i32.add (a) (b))`), to binary code. The
// opcode names come from opcodes.h's tables, the same ones the decoder and validator use.
#include <string_view>
#include <unordered_map>

#include "engine/opcodes.h"
#include "engine/text/immediates.h"
#include "engine/text/module_encoder.h"
#include "engine/text/simd_encoder.h"

namespace wc::engine::text {
namespace {

enum class ImmKind : uint8_t { None, MemArg, Special };

struct OpEntry {
  Op op;
  ImmKind kind;
  uint8_t natural_align;  // log2, MemArg only
};

const std::unordered_map<std::string_view, OpEntry>& op_table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, OpEntry>;
#define WC_PLAIN(name, code, text, a, b, c) t->emplace(text, OpEntry{Op::name, ImmKind::None, 0});
#define WC_MEM(name, code, text, type, bytes, align) \
  t->emplace(text, OpEntry{Op::name, ImmKind::MemArg, align});
#define WC_OTHER(name, code, text) \
  t->emplace(text, OpEntry{Op::name, ImmKind::Special, 0});  // first `select` wins
    WC_NUMERIC_OPS(WC_PLAIN)
    WC_LOAD_OPS(WC_MEM)
    WC_STORE_OPS(WC_MEM)
    WC_OTHER_OPS(WC_OTHER)
#undef WC_PLAIN
#undef WC_MEM
#undef WC_OTHER
    return t;
  }();
  return *table;
}

uint32_t local_index(Cursor& c, const FunctionScope& scope) {
  Pos p = c.pos();
  if (c.peek_id()) {
    const std::string& id = c.next().tok.text;
    auto it = scope.locals.find(id);
    if (it == scope.locals.end()) throw TextError(p, "unknown local $" + id);
    return it->second;
  }
  if (!c.peek_index()) throw TextError(p, "expected a local index");
  return c.nat32("local index");
}

uint32_t label_index(Cursor& c, const FunctionScope& scope) {
  Pos p = c.pos();
  if (c.peek_id()) {
    const std::string& id = c.next().tok.text;
    for (size_t k = scope.labels.size(); k-- > 0;)
      if (scope.labels[k] == id) return static_cast<uint32_t>(scope.labels.size() - 1 - k);
    throw TextError(p, "unknown label $" + id);
  }
  if (!c.peek_index()) throw TextError(p, "expected a label");
  return c.nat32("label index");
}

}  // namespace

namespace {

class InstrEncoder {
 public:
  InstrEncoder(ModuleEncoder& m, FunctionScope& scope) : m_(m), scope_(scope) {}

  // Instructions up to an `end` or `else` that closes no block opened here (the caller's), or
  // the end of the list. Flat blocks (`block ... end`) are kept on an explicit stack rather
  // than recursed into, so their depth costs no native stack.
  void sequence(Cursor& c, BinaryWriter& out) {
    struct OpenBlock {
      std::string name, label;
      bool in_else = false;
    };
    std::vector<OpenBlock> open;
    while (!c.done()) {
      const SExpr& s = *c.peek();
      Pos p = s.pos();
      if (s.is_list) {
        folded(c.next(), out);
      } else if (s.is_atom("end") || s.is_atom("else")) {
        if (open.empty()) return;
        bool is_else = s.is_atom("else");
        c.next();
        OpenBlock& top = open.back();
        end_label(c, top.label);
        if (is_else) {
          if (top.name != "if" || top.in_else) throw TextError(p, "unexpected 'else'");
          top.in_else = true;
          out.byte(0x05);
        } else {
          out.byte(0x0B);
          scope_.labels.pop_back();
          open.pop_back();
        }
      } else if (s.is_atom() && is_block(s.tok.text)) {
        const std::string& name = c.next().tok.text;
        std::string label = c.take_id().value_or("");
        out.byte(block_opcode(name));
        blocktype(c, out);
        enter(label, p);
        open.push_back({name, label});
      } else if (s.is_atom()) {
        instruction(c.next().tok.text, p, c, out);
      } else {
        throw TextError(p, s.is_id() ? "unexpected identifier $" + s.tok.text
                                     : "unexpected string in instructions");
      }
    }
    if (!open.empty()) throw TextError(c.pos(), "expected 'end' of " + open.back().name);
  }

 private:
  static bool is_block(std::string_view name) {
    return name == "block" || name == "loop" || name == "if";
  }
  static uint8_t block_opcode(std::string_view name) {
    return name == "block" ? 0x02 : name == "loop" ? 0x03 : 0x04;
  }

  // blocktype ::= (type x)? (param t*)* (result t*)*; empty or one result is written inline.
  void blocktype(Cursor& c, BinaryWriter& out) {
    if (!c.peek_list("type")) {
      Cursor probe = c;
      size_t params = 0, results = 0;
      while (probe.peek_list("param")) params += probe.next().items.size() - 1;
      while (probe.peek_list("result")) results += probe.next().items.size() - 1;
      if (params == 0 && results <= 1) {
        while (c.peek_list("param")) c.next();
        ValType single = ValType::I32;
        bool any = false;
        while (c.peek_list("result")) {
          Cursor r(c.next());
          r.next();
          if (!r.done()) {
            single = m_.valtype(r);
            any = true;
          }
        }
        if (any)
          out.byte(static_cast<uint8_t>(single));
        else
          out.byte(0x40);
        return;
      }
    }
    Pos p = c.pos();
    std::vector<std::optional<std::string>> names;
    uint32_t type = m_.type_use(c, &names, nullptr);
    for (auto& n : names)
      if (n) throw TextError(p, "unexpected token: a block parameter cannot be named");
    out.s64(type);
  }

  // Blocks nest without parentheses in the flat form, so their depth has its own bound.
  static constexpr size_t kMaxBlockDepth = 10000;
  void enter(const std::string& label, Pos p) {
    if (scope_.labels.size() >= kMaxBlockDepth)
      throw TextError(p, "blocks nested deeper than " + std::to_string(kMaxBlockDepth) + " levels");
    scope_.labels.push_back(label);
  }

  void end_label(Cursor& c, const std::string& label) {
    if (!c.peek_id()) return;
    Pos p = c.pos();
    const std::string& id = c.next().tok.text;
    if (id != label) throw TextError(p, "mismatching label $" + id);
  }

  void folded(const SExpr& list, BinaryWriter& out) {
    Cursor f(list);
    if (!f.peek() || !f.peek()->is_atom()) throw TextError(list.pos(), "expected an instruction");
    const std::string& name = f.next().tok.text;
    if (name == "block" || name == "loop") {
      std::string label = f.take_id().value_or("");
      out.byte(block_opcode(name));
      blocktype(f, out);
      enter(label, list.pos());
      sequence(f, out);
      f.expect_done(name);
      out.byte(0x0B);
      scope_.labels.pop_back();
      return;
    }
    if (name == "if") {
      std::string label = f.take_id().value_or("");
      BinaryWriter bt;
      blocktype(f, bt);
      while (f.peek() && f.peek()->is_list && !f.peek_list("then")) folded(f.next(), out);
      out.byte(0x04);
      out.append(bt.bytes);
      enter(label, list.pos());
      if (!f.peek_list("then")) throw TextError(f.pos(), "expected (then ...)");
      Cursor t(f.next());
      t.next();
      sequence(t, out);
      t.expect_done("then");
      if (f.peek_list("else")) {
        Cursor e(f.next());
        e.next();
        out.byte(0x05);
        sequence(e, out);
        e.expect_done("else");
      }
      f.expect_done("if");
      out.byte(0x0B);
      scope_.labels.pop_back();
      return;
    }
    BinaryWriter op;
    instruction(name, list.pos(), f, op);
    while (!f.done()) {
      if (!f.peek()->is_list) throw TextError(f.pos(), "unexpected token in a folded instruction");
      folded(f.next(), out);
    }
    out.append(op.bytes);
  }

  // One non-block instruction: its opcode and immediates.
  void instruction(const std::string& name, Pos p, Cursor& c, BinaryWriter& out) {
    const auto& table = op_table();
    auto it = table.find(name);
    if (it == table.end() || name == "else" || name == "end" || is_block(name)) {
      if (simd_instruction(name, c, out)) return;
      throw TextError(p, "unknown operator '" + name + "'");
    }
    const OpEntry& e = it->second;
    out.op(static_cast<uint32_t>(e.op));
    if (e.kind == ImmKind::None) return;
    if (e.kind == ImmKind::MemArg) return memarg(c, out, e.natural_align);
    switch (e.op) {
      case Op::Br:
      case Op::BrIf: out.u32(label_index(c, scope_)); return;
      case Op::BrTable: {
        std::vector<uint32_t> labels;
        while (c.peek_index()) labels.push_back(label_index(c, scope_));
        if (labels.empty()) throw TextError(c.pos(), "expected a label");
        out.u32(labels.size() - 1);
        for (uint32_t l : labels) out.u32(l);
        return;
      }
      case Op::Call:
      case Op::RefFunc: out.u32(m_.index(c, m_.funcs)); return;
      case Op::CallIndirect: {
        uint32_t table = c.peek_index() ? m_.index(c, m_.tables) : 0;
        std::vector<std::optional<std::string>> names;
        uint32_t type = m_.type_use(c, &names, nullptr);
        for (auto& n : names)
          if (n) throw TextError(p, "unexpected parameter name in call_indirect");
        out.u32(type);
        out.u32(table);
        return;
      }
      case Op::Select: {
        std::vector<ValType> types;
        bool any = false;
        while (c.peek_list("result")) {
          any = true;
          Cursor r(c.next());
          r.next();
          while (!r.done()) types.push_back(m_.valtype(r));
        }
        if (any) {
          out.bytes.back() = 0x1C;
          out.u32(types.size());
          for (ValType t : types) out.byte(static_cast<uint8_t>(t));
        }
        return;
      }
      case Op::LocalGet:
      case Op::LocalSet:
      case Op::LocalTee: out.u32(local_index(c, scope_)); return;
      case Op::GlobalGet:
      case Op::GlobalSet: out.u32(m_.index(c, m_.globals)); return;
      case Op::TableGet:
      case Op::TableSet:
      case Op::TableGrow:
      case Op::TableSize:
      case Op::TableFill: out.u32(c.peek_index() ? m_.index(c, m_.tables) : 0); return;
      case Op::MemorySize:
      case Op::MemoryGrow:
      case Op::MemoryFill: out.byte(0x00); return;
      case Op::MemoryCopy:
        out.byte(0x00);
        out.byte(0x00);
        return;
      case Op::MemoryInit:
        out.u32(m_.index(c, m_.datas));
        out.byte(0x00);
        return;
      case Op::DataDrop: out.u32(m_.index(c, m_.datas)); return;
      case Op::ElemDrop: out.u32(m_.index(c, m_.elems)); return;
      case Op::TableInit: {
        // table.init x? y: with one index it is the element segment, on table 0.
        uint32_t table = 0, elem;
        if (c.peek_index() && c.peek(1) && (c.peek(1)->is_id() || c.peek(1)->is_atom()) &&
            c.peek_index()) {
          Cursor probe = c;
          probe.next();
          if (probe.peek_index()) table = m_.index(c, m_.tables);
        }
        elem = m_.index(c, m_.elems);
        out.u32(elem);
        out.u32(table);
        return;
      }
      case Op::TableCopy: {
        uint32_t dst = 0, src = 0;
        if (c.peek_index()) {
          dst = m_.index(c, m_.tables);
          src = m_.index(c, m_.tables);
        }
        out.u32(dst);
        out.u32(src);
        return;
      }
      case Op::I32Const:
      case Op::I64Const: {
        Pos lp = c.pos();
        const std::string& t = c.atom("an integer constant");
        auto v = parse_int(t, e.op == Op::I32Const ? 32 : 64);
        if (!v) throw TextError(lp, "malformed or out of range integer constant '" + t + "'");
        int64_t s = e.op == Op::I32Const ? static_cast<int64_t>(static_cast<int32_t>(*v))
                                         : static_cast<int64_t>(*v);
        out.s64(s);
        return;
      }
      case Op::F32Const: {
        Pos lp = c.pos();
        const std::string& t = c.atom("a float constant");
        auto v = parse_f32(t);
        if (!v) throw TextError(lp, "malformed or out of range f32 constant '" + t + "'");
        out.fixed(*v, 4);
        return;
      }
      case Op::F64Const: {
        Pos lp = c.pos();
        const std::string& t = c.atom("a float constant");
        auto v = parse_f64(t);
        if (!v) throw TextError(lp, "malformed or out of range f64 constant '" + t + "'");
        out.fixed(*v, 8);
        return;
      }
      case Op::RefNull: {
        Pos lp = c.pos();
        const std::string& t = c.atom("a heap type");
        if (t == "func")
          out.byte(static_cast<uint8_t>(ValType::FuncRef));
        else if (t == "extern")
          out.byte(static_cast<uint8_t>(ValType::ExternRef));
        else
          throw TextError(lp, "unknown heap type '" + t + "'");
        return;
      }
      default: return;  // no immediates
    }
  }

  ModuleEncoder& m_;
  FunctionScope& scope_;
};

}  // namespace

void ModuleEncoder::instrs(Cursor& c, BinaryWriter& out, FunctionScope& scope) {
  InstrEncoder(*this, scope).sequence(c, out);
}

}  // namespace wc::engine::text
