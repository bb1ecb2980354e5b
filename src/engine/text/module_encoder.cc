#include "engine/text/module_encoder.h"

namespace wc::engine::text {

void IndexSpace::add(const std::optional<std::string>& id, Pos pos) {
  if (id && !names.emplace(*id, count).second)
    throw TextError(pos, std::string("duplicate ") + what + " $" + *id);
  ++count;
}

uint32_t ModuleEncoder::index(Cursor& c, const IndexSpace& space) {
  Pos p = c.pos();
  if (c.peek_id()) {
    const std::string& id = c.next().tok.text;
    auto it = space.names.find(id);
    if (it == space.names.end())
      throw TextError(p, std::string("unknown ") + space.what + " $" + id);
    return it->second;
  }
  if (!c.peek_index()) throw TextError(p, std::string("expected a ") + space.what + " index");
  return c.nat32(std::string(space.what) + " index");
}

ValType ModuleEncoder::valtype(Cursor& c) {
  Pos p = c.pos();
  const std::string& t = c.atom("a value type");
  if (t == "i32") return ValType::I32;
  if (t == "i64") return ValType::I64;
  if (t == "f32") return ValType::F32;
  if (t == "f64") return ValType::F64;
  if (t == "v128") return ValType::V128;
  if (t == "funcref") return ValType::FuncRef;
  if (t == "externref") return ValType::ExternRef;
  throw TextError(p, "unknown value type '" + t + "'");
}

ValType ModuleEncoder::reftype(Cursor& c) {
  Pos p = c.pos();
  ValType t = valtype(c);
  if (t != ValType::FuncRef && t != ValType::ExternRef)
    throw TextError(p, "expected a reference type");
  return t;
}

// (func (param $x? t*)* (result t*)*) of a type definition.
FuncType ModuleEncoder::functype(Cursor& c) {
  FuncType ft;
  while (c.peek_list("param")) {
    Cursor p(c.next());
    p.next();
    if (p.take_id()) {
      ft.params.push_back(valtype(p));
      p.expect_done("a named parameter");
    } else {
      while (!p.done()) ft.params.push_back(valtype(p));
    }
  }
  while (c.peek_list("result")) {
    Cursor r(c.next());
    r.next();
    while (!r.done()) ft.results.push_back(valtype(r));
  }
  return ft;
}

// typeuse ::= (type x)? (param ...)* (result ...)*. Returns the type index, appending the
// inline signature to the type list when no type matches it (the spec's abbreviation).
uint32_t ModuleEncoder::type_use(Cursor& c, std::vector<std::optional<std::string>>* param_names,
                                 FuncType* out_type) {
  Pos p = c.pos();
  std::optional<uint32_t> explicit_index;
  if (c.peek_list("type")) {
    Cursor t(c.next());
    t.next();
    explicit_index = index(t, types);
    t.expect_done("a type use");
  }
  bool inline_sig = c.peek_list("param") || c.peek_list("result");
  FuncType ft;
  std::vector<std::optional<std::string>> names;
  while (c.peek_list("param")) {
    Cursor pl(c.next());
    pl.next();
    if (auto id = pl.take_id()) {
      for (auto& n : names)
        if (n == id) throw TextError(p, "duplicate local $" + *id);
      names.push_back(id);
      ft.params.push_back(valtype(pl));
      pl.expect_done("a named parameter");
    } else {
      while (!pl.done()) {
        ft.params.push_back(valtype(pl));
        names.push_back(std::nullopt);
      }
    }
  }
  while (c.peek_list("result")) {
    Cursor r(c.next());
    r.next();
    while (!r.done()) ft.results.push_back(valtype(r));
  }
  uint32_t idx;
  if (explicit_index) {
    idx = *explicit_index;
    // Without an inline signature an unknown index is the validator's "unknown type"; with
    // one, the text cannot even be checked against it, so it is malformed text.
    if (inline_sig && idx >= type_list.size()) throw TextError(p, "unknown type");
    if (idx < type_list.size()) {
      if (inline_sig && !(type_list[idx] == ft))
        throw TextError(p, "inline function type does not match the type it names");
      if (!inline_sig) {
        ft = type_list[idx];
        names.assign(ft.params.size(), std::nullopt);
      }
    }
  } else {
    idx = 0;
    while (idx < type_list.size() && !(type_list[idx] == ft)) ++idx;
    if (idx == type_list.size()) type_list.push_back(ft);
  }
  if (param_names) *param_names = std::move(names);
  if (out_type) *out_type = std::move(ft);
  return idx;
}

void ModuleEncoder::expr(Cursor& c, BinaryWriter& out) {
  FunctionScope none;
  instrs(c, out, none);
  c.expect_done("a constant expression");
  out.byte(0x0B);
}

void ModuleEncoder::limits(Cursor& c, BinaryWriter& out) {
  uint32_t min = c.nat32("limit");
  if (c.peek_index() && !c.peek_id()) {
    uint32_t max = c.nat32("limit");
    out.byte(0x01);
    out.u32(min);
    out.u32(max);
  } else {
    out.byte(0x00);
    out.u32(min);
  }
}

void ModuleEncoder::globaltype(Cursor& c, BinaryWriter& out) {
  if (c.peek_list("mut")) {
    Cursor m(c.next());
    m.next();
    out.byte(static_cast<uint8_t>(valtype(m)));
    m.expect_done("a global type");
    out.byte(0x01);
  } else {
    out.byte(static_cast<uint8_t>(valtype(c)));
    out.byte(0x00);
  }
}

void ModuleEncoder::inline_exports(Cursor& c, ExternKind kind, uint32_t idx) {
  while (c.peek_list("export")) {
    Cursor e(c.next());
    e.next();
    exports_.name(e.name("an export name"));
    e.expect_done("an inline export");
    exports_.byte(static_cast<uint8_t>(kind));
    exports_.u32(idx);
    ++num_exports_;
  }
}

bool ModuleEncoder::inline_import(Cursor& c, std::string* module, std::string* name) {
  if (!c.peek_list("import")) return false;
  Cursor i(c.next());
  i.next();
  *module = i.name("a module name");
  *name = i.name("an import name");
  i.expect_done("an inline import");
  return true;
}

// ---- pass 1: names and indices ----

void ModuleEncoder::declare(const SExpr& field) {
  if (!field.is_list || field.items.empty() || !field.items[0].is_atom())
    throw TextError(field.pos(), "expected a module field such as (func ...)");
  const std::string& head = field.items[0].tok.text;
  Cursor c(field);
  c.next();
  bool named = head != "export" && head != "start";  // these two have no identifier
  auto id = named ? c.take_id() : std::nullopt;
  auto has_inline_import = [&] {
    for (size_t k = 0; c.peek(k); ++k) {
      if (c.peek(k)->is_list_of("import")) return true;
      if (!c.peek(k)->is_list_of("export")) return false;
    }
    return false;
  };
  auto definition_or_import = [&](IndexSpace& space) {
    bool import = has_inline_import();
    if (import && saw_definition_)
      throw TextError(field.pos(), "import after a function, table, memory or global definition");
    if (!import) saw_definition_ = true;
    space.add(id, field.pos());
  };
  if (head == "type") {
    types.add(id, field.pos());
    if (!c.peek_list("func")) throw TextError(c.pos(), "expected (func ...) in a type definition");
    Cursor f(c.next());
    f.next();
    type_list.push_back(functype(f));
    f.expect_done("a function type");
    c.expect_done("a type definition");
  } else if (head == "func") {
    definition_or_import(funcs);
  } else if (head == "table") {
    definition_or_import(tables);
    for (size_t k = 0; c.peek(k); ++k)
      if (c.peek(k)->is_list_of("elem")) elems.add(std::nullopt, field.pos());
  } else if (head == "memory") {
    definition_or_import(memories);
    for (size_t k = 0; c.peek(k); ++k)
      if (c.peek(k)->is_list_of("data")) datas.add(std::nullopt, field.pos());
  } else if (head == "global") {
    definition_or_import(globals);
  } else if (head == "import") {
    if (saw_definition_)
      throw TextError(field.pos(), "import after a function, table, memory or global definition");
    if (id) throw TextError(field.pos(), "unexpected identifier in an import");
    // (import "m" "n" (kind $id? ...))
    c.name("a module name");
    c.name("an import name");
    if (!c.peek() || !c.peek()->is_list || c.peek()->items.empty())
      throw TextError(c.pos(), "expected an import description");
    const SExpr& desc = c.next();
    Cursor d(desc);
    const std::string& kind = d.atom("an import kind");
    auto desc_id = d.take_id();
    if (kind == "func")
      funcs.add(desc_id, desc.pos());
    else if (kind == "table")
      tables.add(desc_id, desc.pos());
    else if (kind == "memory")
      memories.add(desc_id, desc.pos());
    else if (kind == "global")
      globals.add(desc_id, desc.pos());
    else
      throw TextError(desc.pos(), "unknown import kind '" + kind + "'");
  } else if (head == "elem") {
    elems.add(id, field.pos());
  } else if (head == "data") {
    datas.add(id, field.pos());
  } else if (head == "export" || head == "start") {
  } else {
    throw TextError(field.pos(), "unknown module field '" + head + "'");
  }
}

// ---- pass 2: sections ----

void ModuleEncoder::define(const SExpr& field) {
  const std::string& head = field.items[0].tok.text;
  Cursor c(field);
  c.next();
  if (head == "type") return;
  if (head == "func") return func_field(c);
  if (head == "table") return table_field(c, field.pos());
  if (head == "memory") return memory_field(c);
  if (head == "global") return global_field(c);
  if (head == "import") return import_field(c);
  if (head == "export") return export_field(c);
  if (head == "elem") return elem_field(c, field.pos());
  if (head == "data") return data_field(c);
  if (head == "start") {
    if (start_) throw TextError(field.pos(), "multiple start sections");
    start_ = index(c, funcs);
    c.expect_done("a start field");
  }
}

void ModuleEncoder::func_field(Cursor& c) {
  c.take_id();
  uint32_t self = num_funcs_++;
  inline_exports(c, ExternKind::Func, self);
  std::string module, name;
  bool import = inline_import(c, &module, &name);
  FunctionScope scope;
  std::vector<std::optional<std::string>> params;
  uint32_t type = type_use(c, &params, nullptr);
  if (import) {
    c.expect_done("an imported function");
    imports_.name(module);
    imports_.name(name);
    imports_.byte(0x00);
    imports_.u32(type);
    ++num_imports_;
    return;
  }
  funcs_.u32(type);
  ++num_code_;
  uint32_t local = 0;
  for (auto& p : params) {
    if (p) scope.locals[*p] = local;
    ++local;
  }
  std::vector<std::pair<uint32_t, ValType>> groups;
  while (c.peek_list("local")) {
    Pos lp = c.pos();
    Cursor l(c.next());
    l.next();
    auto add = [&](ValType t) {
      if (!groups.empty() && groups.back().second == t)
        ++groups.back().first;
      else
        groups.push_back({1, t});
      ++local;
    };
    if (auto id = l.take_id()) {
      if (!scope.locals.emplace(*id, local).second) throw TextError(lp, "duplicate local $" + *id);
      add(valtype(l));
      l.expect_done("a named local");
    } else {
      while (!l.done()) add(valtype(l));
    }
  }
  BinaryWriter body;
  body.u32(groups.size());
  for (auto& [n, t] : groups) {
    body.u32(n);
    body.byte(static_cast<uint8_t>(t));
  }
  scope.labels.push_back("");  // the function body is the outermost block
  instrs(c, body, scope);
  if (!c.done())
    throw TextError(c.pos(), "unexpected '" + c.peek()->tok.text + "' in a function body");
  body.byte(0x0B);
  code_.u32(body.bytes.size());
  code_.append(body.bytes);
}

void ModuleEncoder::table_field(Cursor& c, Pos pos) {
  c.take_id();
  uint32_t self = num_tables_++;
  inline_exports(c, ExternKind::Table, self);
  std::string module, name;
  bool import = inline_import(c, &module, &name);
  BinaryWriter& out = import ? imports_ : tables_;
  if (import) {
    out.name(module);
    out.name(name);
    out.byte(0x01);
    ++num_imports_;
  }
  if (!import && c.peek() && c.peek()->is_atom() &&
      (c.peek()->tok.text == "funcref" || c.peek()->tok.text == "externref")) {
    // (table reftype (elem ...)): limits from the element count, plus an active segment.
    ValType t = reftype(c);
    if (!c.peek_list("elem")) throw TextError(c.pos(), "expected (elem ...) or limits");
    Cursor e(c.next());
    e.next();
    BinaryWriter items;
    bool as_exprs = false;
    uint32_t count = 0;
    ValType et = t;
    elem_list(e, items, &as_exprs, &et, &count, false);
    e.expect_done("an inline element segment");
    out.byte(static_cast<uint8_t>(t));
    out.byte(0x01);
    ++num_tables_defined_;
    out.u32(count);
    out.u32(count);
    // Flags 2/6: active with an explicit table index, element kind or type written out.
    elems_.byte(as_exprs ? 6 : 2);
    elems_.u32(self);
    elems_.byte(0x41);
    elems_.byte(0x00);
    elems_.byte(0x0B);
    if (as_exprs)
      elems_.byte(static_cast<uint8_t>(t));
    else
      elems_.byte(0x00);
    elems_.u32(count);
    elems_.append(items.bytes);
    ++num_elems_;
  } else {
    if (!c.peek_index()) throw TextError(c.pos(), "expected table limits");
    BinaryWriter lim;
    limits(c, lim);
    out.byte(static_cast<uint8_t>(reftype(c)));
    out.append(lim.bytes);
    if (!import) ++num_tables_defined_;
  }
  c.expect_done("a table");
  (void)pos;
}

void ModuleEncoder::memory_field(Cursor& c) {
  c.take_id();
  uint32_t self = num_memories_++;
  inline_exports(c, ExternKind::Memory, self);
  std::string module, name;
  bool import = inline_import(c, &module, &name);
  if (import) {
    imports_.name(module);
    imports_.name(name);
    imports_.byte(0x02);
    limits(c, imports_);
    ++num_imports_;
  } else if (c.peek_list("data")) {
    Cursor d(c.next());
    d.next();
    std::string bytes;
    while (!d.done()) bytes += d.string("data");
    uint64_t pages = (bytes.size() + kPageSize - 1) / kPageSize;
    ++num_memories_defined_;
    memories_.byte(0x01);
    memories_.u32(pages);
    memories_.u32(pages);
    datas_.byte(self == 0 ? 0 : 2);
    if (self != 0) datas_.u32(self);
    datas_.byte(0x41);
    datas_.byte(0x00);
    datas_.byte(0x0B);
    datas_.name(bytes);
    ++num_datas_;
  } else {
    limits(c, memories_);
    ++num_memories_defined_;
  }
  c.expect_done("a memory");
}

void ModuleEncoder::global_field(Cursor& c) {
  c.take_id();
  uint32_t self = num_globals_++;
  inline_exports(c, ExternKind::Global, self);
  std::string module, name;
  if (inline_import(c, &module, &name)) {
    imports_.name(module);
    imports_.name(name);
    imports_.byte(0x03);
    globaltype(c, imports_);
    c.expect_done("an imported global");
    ++num_imports_;
    return;
  }
  globaltype(c, globals_);
  expr(c, globals_);
  ++num_globals_defined_;
}

void ModuleEncoder::import_field(Cursor& c) {
  imports_.name(c.name("a module name"));
  imports_.name(c.name("an import name"));
  Cursor d(c.next());
  const std::string& kind = d.atom("an import kind");
  d.take_id();
  if (kind == "func") {
    imports_.byte(0x00);
    imports_.u32(type_use(d, nullptr, nullptr));
    ++num_funcs_;
  } else if (kind == "table") {
    imports_.byte(0x01);
    BinaryWriter lim;
    limits(d, lim);
    imports_.byte(static_cast<uint8_t>(reftype(d)));
    imports_.append(lim.bytes);
    ++num_tables_;
  } else if (kind == "memory") {
    imports_.byte(0x02);
    limits(d, imports_);
    ++num_memories_;
  } else {
    imports_.byte(0x03);
    globaltype(d, imports_);
    ++num_globals_;
  }
  d.expect_done("an import description");
  c.expect_done("an import");
  ++num_imports_;
}

void ModuleEncoder::export_field(Cursor& c) {
  exports_.name(c.name("an export name"));
  Pos p = c.pos();
  if (!c.peek() || !c.peek()->is_list) throw TextError(p, "expected an export description");
  Cursor d(c.next());
  const std::string& kind = d.atom("an export kind");
  if (kind == "func")
    exports_.byte(0x00), exports_.u32(index(d, funcs));
  else if (kind == "table")
    exports_.byte(0x01), exports_.u32(index(d, tables));
  else if (kind == "memory")
    exports_.byte(0x02), exports_.u32(index(d, memories));
  else if (kind == "global")
    exports_.byte(0x03), exports_.u32(index(d, globals));
  else
    throw TextError(p, "unknown export kind '" + kind + "'");
  d.expect_done("an export description");
  c.expect_done("an export");
  ++num_exports_;
}

// elemlist ::= reftype (item expr | (instr))* | func? funcidx*. Function indices are written
// as such (element kind 0x00); anything else as expressions.
void ModuleEncoder::elem_list(Cursor& c, BinaryWriter& out, bool* as_exprs, ValType* type,
                              uint32_t* count, bool need_type) {
  if (c.peek_atom("func")) {
    c.next();
  } else if (c.peek_atom("funcref") || c.peek_atom("externref")) {
    *type = reftype(c);
    *as_exprs = true;
  } else if (need_type) {
    throw TextError(c.pos(), "expected 'func' or a reference type");
  } else if (c.peek() && c.peek()->is_list) {
    *as_exprs = true;  // (table funcref (elem (item ...) ...))
  }
  *count = 0;
  while (!c.done()) {
    if (*as_exprs) {
      Pos p = c.pos();
      if (!c.peek()->is_list) throw TextError(p, "expected an element expression");
      const SExpr& item = c.next();
      if (item.is_list_of("item")) {
        Cursor ic(item);
        ic.next();
        expr(ic, out);
      } else {
        Cursor one(std::span<const SExpr>(&item, 1), p);
        expr(one, out);
      }
    } else {
      out.u32(index(c, funcs));
    }
    ++*count;
  }
}

void ModuleEncoder::elem_field(Cursor& c, Pos pos) {
  c.take_id();
  enum { Passive, Active, Declarative } mode = Passive;
  uint32_t table = 0;
  bool explicit_table = false;
  BinaryWriter offset;
  if (c.peek_atom("declare")) {
    c.next();
    mode = Declarative;
  } else {
    if (c.peek_list("table")) {
      Cursor t(c.next());
      t.next();
      table = index(t, tables);
      t.expect_done("a table use");
      explicit_table = true;
    } else if (c.peek_index() && c.peek(1) && c.peek(1)->is_list) {
      table = index(c, tables);  // legacy form (elem 0 (offset ...) ...)
      explicit_table = true;
    }
    if (c.peek_list("offset")) {
      Cursor o(c.next());
      o.next();
      expr(o, offset);
      mode = Active;
    } else if (c.peek() && c.peek()->is_list && !c.peek_list("item")) {
      Pos p = c.pos();
      const SExpr& one = c.next();
      Cursor oc(std::span<const SExpr>(&one, 1), p);
      expr(oc, offset);
      mode = Active;
    } else if (explicit_table) {
      throw TextError(c.pos(), "expected an offset expression");
    }
  }
  BinaryWriter items;
  bool as_exprs = false;
  ValType type = ValType::FuncRef;
  uint32_t count = 0;
  elem_list(c, items, &as_exprs, &type, &count, mode != Active);
  if (mode == Active) {
    bool short_form = !explicit_table && type == ValType::FuncRef;
    elems_.byte((as_exprs ? 4 : 0) | (short_form ? 0 : 2));
    if (!short_form) elems_.u32(table);
    elems_.append(offset.bytes);
    if (!short_form) elems_.byte(as_exprs ? static_cast<uint8_t>(type) : 0x00);
  } else {
    elems_.byte((as_exprs ? 4 : 0) | (mode == Passive ? 1 : 3));
    elems_.byte(as_exprs ? static_cast<uint8_t>(type) : 0x00);
  }
  elems_.u32(count);
  elems_.append(items.bytes);
  ++num_elems_;
  (void)pos;
}

void ModuleEncoder::data_field(Cursor& c) {
  c.take_id();
  uint32_t memory = 0;
  bool explicit_memory = false, active = false;
  BinaryWriter offset;
  if (c.peek_list("memory")) {
    Cursor m(c.next());
    m.next();
    memory = index(m, memories);
    m.expect_done("a memory use");
    explicit_memory = true;
  } else if (c.peek_index() && c.peek(1) && c.peek(1)->is_list) {
    memory = index(c, memories);
    explicit_memory = true;
  }
  if (c.peek_list("offset")) {
    Cursor o(c.next());
    o.next();
    expr(o, offset);
    active = true;
  } else if (c.peek() && c.peek()->is_list) {
    Pos p = c.pos();
    const SExpr& one = c.next();
    Cursor oc(std::span<const SExpr>(&one, 1), p);
    expr(oc, offset);
    active = true;
  } else if (explicit_memory) {
    throw TextError(c.pos(), "expected an offset expression");
  }
  std::string bytes;
  while (!c.done()) bytes += c.string("data");
  if (!active) {
    datas_.byte(0x01);
  } else if (memory == 0) {
    datas_.byte(0x00);
    datas_.append(offset.bytes);
  } else {
    datas_.byte(0x02);
    datas_.u32(memory);
    datas_.append(offset.bytes);
  }
  datas_.name(bytes);
  ++num_datas_;
}

std::vector<uint8_t> ModuleEncoder::encode(std::span<const SExpr> fields, Pos) {
  for (const SExpr& f : fields) declare(f);
  for (const SExpr& f : fields) define(f);

  BinaryWriter types_out;
  for (const FuncType& ft : type_list) {
    types_out.byte(0x60);
    types_out.u32(ft.params.size());
    for (ValType t : ft.params) types_out.byte(static_cast<uint8_t>(t));
    types_out.u32(ft.results.size());
    for (ValType t : ft.results) types_out.byte(static_cast<uint8_t>(t));
  }
  BinaryWriter m;
  m.bytes = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  auto section = [&](uint8_t id, uint32_t count, const BinaryWriter& w) {
    if (!count) return;
    BinaryWriter payload;
    payload.vec(count, w.bytes);
    m.section(id, payload.bytes);
  };
  section(1, type_list.size(), types_out);
  section(2, num_imports_, imports_);
  section(3, num_code_, funcs_);
  section(4, num_tables_defined_, tables_);
  section(5, num_memories_defined_, memories_);
  section(6, num_globals_defined_, globals_);
  section(7, num_exports_, exports_);
  if (start_) {
    BinaryWriter s;
    s.u32(*start_);
    m.section(8, s.bytes);
  }
  section(9, num_elems_, elems_);
  if (num_datas_) {
    BinaryWriter dc;
    dc.u32(num_datas_);
    m.section(12, dc.bytes);
  }
  section(10, num_code_, code_);
  section(11, num_datas_, datas_);
  return m.bytes;
}

}  // namespace wc::engine::text
