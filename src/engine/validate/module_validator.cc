// Module-level validation rules (WebAssembly 2.0), in the order of the reference interpreter's
// check_module: imports, definitions, segments, function bodies, start, exports.
#include <algorithm>
#include <cstdio>
#include <string_view>

#include "engine/validate/function_validator.h"
#include "engine/validate/validation_error.h"
#include "engine/validate/validator.h"

namespace wc::engine {

namespace {

class ModuleValidator {
 public:
  explicit ModuleValidator(const Module& m) : m_(m) {}

  std::optional<Error> run() {
    try {
      return check();
    } catch (const ValidationFailure& f) {
      // Offset 0 is the magic number, never an item: it stands for "no precise offset".
      return Error{f.message + " (" + where() + (f.offset ? ", offset " + hex(f.offset) : "") +
                   ")"};
    }
  }

 private:
  // Where the checks are, for messages: `what`, then the index and quoted names if given. Kept
  // in parts and formatted only on failure, since a module can have 100000 data segments.
  static constexpr size_t kNoIndex = ~size_t(0);
  void at(const char* what, size_t index = kNoIndex, const std::string* name1 = nullptr,
          const std::string* name2 = nullptr) {
    where_what_ = what;
    where_index_ = index;
    where_names_[0] = name1;
    where_names_[1] = name2;
  }
  std::string where() const {
    std::string s = where_what_;
    if (where_index_ != kNoIndex) s += " " + std::to_string(where_index_);
    for (const std::string* name : where_names_)
      if (name) s += " \"" + *name + "\"";
    return s;
  }

  [[noreturn]] void fail(size_t offset, const std::string& message) const {
    throw ValidationFailure{offset, message};
  }

  // Function-body errors come back from FunctionValidator with their own context.
  std::optional<Error> check() {
    const Module& m = m_;
    // The memory index space is at most one in 2.0 (multi-memory is a later proposal).
    at("memories");
    if (m.memory_space.size() > 1) fail(0, "multiple memories");

    for (size_t i = 0; i < m.imports.size(); ++i) {
      const Import& im = m.imports[i];
      at("import", i, &im.module, &im.name);
      switch (im.kind) {
        case ExternKind::Func: check_type_index(im.func_type); break;
        case ExternKind::Table: check_table(im.table); break;
        case ExternKind::Memory: check_memory(im.memory); break;
        case ExternKind::Global: break;
      }
    }
    for (size_t i = 0; i < m.functions.size(); ++i) {
      at("function", m.num_imported_funcs + i);
      check_type_index(m.functions[i]);
    }
    if (m.functions.size() != m.code.size()) {
      at("code section");
      fail(0, "function and code section have inconsistent lengths");
    }
    for (size_t i = 0; i < m.tables.size(); ++i) {
      at("table", m.num_imported_tables + i);
      check_table(m.tables[i]);
    }
    for (size_t i = 0; i < m.memories.size(); ++i) {
      at("memory", m.num_imported_memories + i);
      check_memory(m.memories[i]);
    }

    compute_declared_refs();

    for (size_t i = 0; i < m.globals.size(); ++i) {
      at("global", m.num_imported_globals + i);
      check_const(m.globals[i].init, m.globals[i].type.type);
    }
    for (size_t i = 0; i < m.elems.size(); ++i) {
      at("elem segment", i);
      const ElemSegment& e = m.elems[i];
      if (!is_reftype(e.type)) fail(0, "malformed reference type");
      if (e.mode == SegmentMode::Active) {
        if (e.table >= m.table_space.size())
          fail(e.offset.offset, "unknown table " + std::to_string(e.table));
        if (m.table_space[e.table].elem != e.type)
          fail(e.offset.offset, std::string("type mismatch: ") + valtype_name(e.type) +
                                    " segment for a " + valtype_name(m.table_space[e.table].elem) +
                                    " table");
        check_const(e.offset, ValType::I32);
      }
      for (const ConstExpr& init : e.init) check_const(init, e.type);
    }
    for (size_t i = 0; i < m.datas.size(); ++i) {
      at("data segment", i);
      const DataSegment& d = m.datas[i];
      if (d.mode == SegmentMode::Active) {
        if (d.memory >= m.memory_space.size())
          fail(d.offset.offset, "unknown memory " + std::to_string(d.memory));
        check_const(d.offset, ValType::I32);
      }
    }

    FunctionValidator fv(m, declared_);
    for (uint32_t i = 0; i < m.code.size(); ++i)
      if (auto err = fv.validate(i)) return err;

    if (m.start) {
      at("start section");
      const uint32_t f = *m.start;
      if (f >= m.func_space.size()) fail(0, "unknown function " + std::to_string(f));
      const FuncType& ft = m.func_type(f);
      if (!ft.params.empty() || !ft.results.empty())
        fail(0, "start function must have type [] -> [], function " + std::to_string(f) + " has " +
                    functype_to_string(ft));
    }

    std::vector<std::string_view> names;
    names.reserve(m.exports.size());
    for (size_t i = 0; i < m.exports.size(); ++i) {
      const Export& ex = m.exports[i];
      at("export", i, &ex.name);
      size_t count = 0;
      const char* what = "";
      switch (ex.kind) {
        case ExternKind::Func:
          count = m.func_space.size();
          what = "function";
          break;
        case ExternKind::Table:
          count = m.table_space.size();
          what = "table";
          break;
        case ExternKind::Memory:
          count = m.memory_space.size();
          what = "memory";
          break;
        case ExternKind::Global:
          count = m.global_space.size();
          what = "global";
          break;
      }
      if (ex.index >= count)
        fail(0, std::string("unknown ") + what + " " + std::to_string(ex.index));
      names.push_back(ex.name);
    }
    std::sort(names.begin(), names.end());
    auto dup = std::adjacent_find(names.begin(), names.end());
    if (dup != names.end()) {
      at("export section");
      fail(0, "duplicate export name \"" + std::string(*dup) + "\"");
    }
    return std::nullopt;
  }

  void check_type_index(uint32_t t) const {
    if (t >= m_.types.size()) fail(0, "unknown type " + std::to_string(t));
  }

  void check_limits(const Limits& l, uint64_t range, const char* range_message) const {
    if (l.min > range || (l.max && *l.max > range)) fail(0, range_message);
    if (l.max && l.min > *l.max) fail(0, "size minimum must not be greater than maximum");
  }

  void check_table(const TableType& t) const {
    if (!is_reftype(t.elem)) fail(0, "malformed reference type");
    check_limits(t.limits, UINT32_MAX, "table size must be at most 2^32-1");
  }

  void check_memory(const MemoryType& t) const {
    check_limits(t.limits, kMaxPages, "memory size must be at most 65536 pages (4GiB)");
  }

  // C.refs: functions named anywhere outside function bodies and the start section.
  void compute_declared_refs() {
    declared_.assign(m_.func_space.size(), false);
    auto scan = [&](const ConstExpr& e) {
      for (const Instr& in : e.instrs)
        if (in.op == Op::RefFunc && in.idx < declared_.size()) declared_[in.idx] = true;
    };
    for (const Global& g : m_.globals) scan(g.init);
    for (const ElemSegment& e : m_.elems) {
      scan(e.offset);
      for (const ConstExpr& init : e.init) scan(init);
    }
    for (const DataSegment& d : m_.datas) scan(d.offset);
    for (const Export& ex : m_.exports)
      if (ex.kind == ExternKind::Func && ex.index < declared_.size()) declared_[ex.index] = true;
  }

  // A constant expression must consist of constant instructions only and leave exactly one
  // value of type `expected`. In 2.0, global.get may name only immutable *imported* globals.
  void check_const(const ConstExpr& e, ValType expected) const {
    stack_.clear();
    for (const Instr& in : e.instrs) {
      switch (in.op) {
        case Op::I32Const: stack_.push_back(ValType::I32); break;
        case Op::I64Const: stack_.push_back(ValType::I64); break;
        case Op::F32Const: stack_.push_back(ValType::F32); break;
        case Op::F64Const: stack_.push_back(ValType::F64); break;
        case Op::V128Const: stack_.push_back(ValType::V128); break;
        case Op::RefNull:
          if (!is_reftype(in.type)) fail(in.offset, "malformed reference type");
          stack_.push_back(in.type);
          break;
        case Op::RefFunc:
          if (in.idx >= m_.func_space.size())
            fail(in.offset, "unknown function " + std::to_string(in.idx));
          stack_.push_back(ValType::FuncRef);
          break;
        case Op::GlobalGet:
          if (in.idx >= m_.num_imported_globals || in.idx >= m_.global_space.size())
            fail(in.offset, "unknown global " + std::to_string(in.idx));
          if (m_.global_space[in.idx].is_mutable)
            fail(in.offset,
                 "constant expression required: global " + std::to_string(in.idx) + " is mutable");
          stack_.push_back(m_.global_space[in.idx].type);
          break;
        default:
          fail(in.offset, std::string("constant expression required: ") + op_name(in.op) +
                              " is not a constant instruction");
      }
    }
    if (stack_.size() != 1 || stack_[0] != expected) {
      std::string got = "[";
      for (size_t i = 0; i < stack_.size(); ++i) {
        if (i) got += ' ';
        got += valtype_name(stack_[i]);
      }
      fail(e.offset, std::string("type mismatch: constant expression must produce ") +
                         valtype_name(expected) + " but produces " + got + "]");
    }
  }

  const Module& m_;
  const char* where_what_ = "";
  size_t where_index_ = kNoIndex;
  const std::string* where_names_[2] = {nullptr, nullptr};
  std::vector<bool> declared_;
  mutable std::vector<ValType> stack_;
};

}  // namespace

std::optional<Error> validate_module(const Module& module) { return ModuleValidator(module).run(); }

}  // namespace wc::engine
