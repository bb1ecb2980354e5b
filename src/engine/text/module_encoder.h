// Text module fields -> binary module bytes. Internal to src/engine/text (wat.h is the API).
//
// Two passes over the fields: the first gives every definition its index (so a function may
// call one defined further down, and an inline type use finds explicit types written later),
// the second writes the sections. Instructions are in instr_encoder.cc.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/text/binary_writer.h"
#include "engine/text/cursor.h"
#include "engine/types.h"

namespace wc::engine::text {

// One index space (functions, tables, ...): the names bound so far and how many entries.
struct IndexSpace {
  explicit IndexSpace(const char* w) : what(w) {}
  const char* what;
  std::map<std::string, uint32_t> names;
  uint32_t count = 0;

  void add(const std::optional<std::string>& id, Pos pos);
};

// Names visible inside one function body: locals and the enclosing labels.
struct FunctionScope {
  std::map<std::string, uint32_t> locals;
  std::vector<std::string> labels;  // innermost last; "" for an unnamed block
};

class ModuleEncoder {
 public:
  std::vector<uint8_t> encode(std::span<const SExpr> fields, Pos end_pos);

  // Used by the instruction encoder.
  uint32_t index(Cursor& c, const IndexSpace& space);
  uint32_t type_use(Cursor& c, std::vector<std::optional<std::string>>* param_names,
                    FuncType* out_type);
  ValType valtype(Cursor& c);
  ValType reftype(Cursor& c);
  void instrs(Cursor& c, BinaryWriter& out, FunctionScope& scope);  // until `end`/`else`/done
  void expr(Cursor& c, BinaryWriter& out);                          // a constant expression + end

  IndexSpace types{"type"}, funcs{"function"}, tables{"table"}, memories{"memory"},
      globals{"global"}, elems{"elem segment"}, datas{"data segment"};
  std::vector<FuncType> type_list;  // explicit types first, then those inline uses add

 private:
  void declare(const SExpr& field);
  void define(const SExpr& field);
  void func_field(Cursor& c);
  void table_field(Cursor& c, Pos pos);
  void memory_field(Cursor& c);
  void global_field(Cursor& c);
  void import_field(Cursor& c);
  void export_field(Cursor& c);
  void elem_field(Cursor& c, Pos pos);
  void data_field(Cursor& c);
  void inline_exports(Cursor& c, ExternKind kind, uint32_t index);
  bool inline_import(Cursor& c, std::string* module, std::string* name);
  void limits(Cursor& c, BinaryWriter& out);
  void globaltype(Cursor& c, BinaryWriter& out);
  void elem_list(Cursor& c, BinaryWriter& out, bool* as_exprs, ValType* type, uint32_t* count,
                 bool need_type);
  FuncType functype(Cursor& c);

  uint32_t num_imports_ = 0, num_exports_ = 0, num_elems_ = 0, num_datas_ = 0;
  uint32_t num_funcs_ = 0, num_tables_ = 0, num_memories_ = 0, num_globals_ = 0;
  uint32_t num_code_ = 0, num_tables_defined_ = 0, num_memories_defined_ = 0,
           num_globals_defined_ = 0;
  bool saw_definition_ = false;
  std::optional<uint32_t> start_;
  BinaryWriter imports_, funcs_, tables_, memories_, globals_, exports_, elems_, code_, datas_;
};

}  // namespace wc::engine::text
