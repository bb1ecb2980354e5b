#include "engine/types.h"

namespace wc::engine {

bool is_valtype_byte(uint8_t b) {
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x7B:
    case 0x70:
    case 0x6F: return true;
    default: return false;
  }
}

bool is_reftype(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef; }

bool is_numtype(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64;
}

const char* valtype_name(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

std::string functype_to_string(const FuncType& t) {
  auto list = [](const std::vector<ValType>& types) {
    std::string s;
    for (ValType v : types) {
      if (!s.empty()) s += ' ';
      s += valtype_name(v);
    }
    return s;
  };
  std::string s = "[";
  s += list(t.params);
  s += "] -> [";
  s += list(t.results);
  s += ']';
  return s;
}

const char* extern_kind_name(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
  }
  return "?";
}

}  // namespace wc::engine
