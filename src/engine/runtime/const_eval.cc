#include "engine/runtime/const_eval.h"

#include <vector>

namespace wc::engine {

std::optional<Value> eval_const_expr(const ConstExpr& expr,
                                     std::span<GlobalInstance* const> globals,
                                     std::span<FuncInstance* const> funcs) {
  std::vector<Value> stack;
  for (const Instr& in : expr.instrs) {
    switch (in.op) {
      // The decoder sign-extends i32 immediates; a Value keeps the upper 32 bits zero.
      case Op::I32Const: stack.push_back(Value::i32(static_cast<uint32_t>(in.bits))); break;
      case Op::I64Const: stack.push_back(Value::i64(in.bits)); break;
      case Op::F32Const: stack.push_back(Value::f32_bits(static_cast<uint32_t>(in.bits))); break;
      case Op::F64Const: stack.push_back(Value::f64_bits(in.bits)); break;
      case Op::V128Const: stack.push_back(Value::v128(in.bits, in.bits_hi)); break;
      case Op::RefNull: stack.push_back(Value::null(in.type)); break;
      case Op::RefFunc:
        if (in.idx >= funcs.size() || !funcs[in.idx]) return std::nullopt;
        stack.push_back(Value::ref(ValType::FuncRef, reinterpret_cast<uint64_t>(funcs[in.idx])));
        break;
      case Op::GlobalGet:
        if (in.idx >= globals.size() || !globals[in.idx]) return std::nullopt;
        stack.push_back(globals[in.idx]->value());
        break;
      case Op::I32Add:
      case Op::I32Sub:
      case Op::I32Mul:
      case Op::I64Add:
      case Op::I64Sub:
      case Op::I64Mul: {
        bool is32 = in.op == Op::I32Add || in.op == Op::I32Sub || in.op == Op::I32Mul;
        ValType t = is32 ? ValType::I32 : ValType::I64;
        if (stack.size() < 2 || stack[stack.size() - 1].type != t ||
            stack[stack.size() - 2].type != t)
          return std::nullopt;
        uint64_t b = stack.back().bits;
        stack.pop_back();
        uint64_t a = stack.back().bits;
        uint64_t r = (in.op == Op::I32Add || in.op == Op::I64Add)   ? a + b
                     : (in.op == Op::I32Sub || in.op == Op::I64Sub) ? a - b
                                                                    : a * b;
        stack.back().bits = is32 ? (r & 0xFFFFFFFFu) : r;
        break;
      }
      default: return std::nullopt;
    }
  }
  if (stack.size() != 1) return std::nullopt;
  return stack[0];
}

}  // namespace wc::engine
