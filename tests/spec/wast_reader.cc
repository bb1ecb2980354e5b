#include "wast_reader.h"

#include <cstring>

#include "engine/text/numbers.h"
#include "engine/text/sexpr.h"
#include "engine/text/text_error.h"
#include "engine/text/wat.h"

namespace wc::spec {
namespace {

using engine::text::Pos;
using engine::text::SExpr;
using engine::text::TextError;
using json = nlohmann::json;

const SExpr& item(const SExpr& list, size_t i, const char* what) {
  if (i >= list.items.size()) throw TextError(list.pos(), std::string("expected ") + what);
  return list.items[i];
}

const std::string& string_at(const SExpr& list, size_t i, const char* what) {
  const SExpr& s = item(list, i, what);
  if (!s.is_string()) throw TextError(s.pos(), std::string("expected ") + what + " (a string)");
  return s.tok.text;
}

std::string bits_text(uint64_t v) { return std::to_string(v); }

// A number of a lane or scalar type, as wast2json writes it: the unsigned decimal of its bits,
// or the NaN class name for results.
std::string number(const std::string& type, const SExpr& s, bool result) {
  if (!s.is_atom()) throw TextError(s.pos(), "expected a " + type + " literal");
  const std::string& t = s.tok.text;
  if (result && (type == "f32" || type == "f64") && (t == "nan:canonical" || t == "nan:arithmetic"))
    return t;
  std::optional<uint64_t> v;
  if (type == "i8")
    v = engine::text::parse_int(t, 8);
  else if (type == "i16")
    v = engine::text::parse_int(t, 16);
  else if (type == "i32")
    v = engine::text::parse_int(t, 32);
  else if (type == "i64")
    v = engine::text::parse_int(t, 64);
  else if (type == "f32")
    v = engine::text::parse_f32(t);
  else if (type == "f64")
    v = engine::text::parse_f64(t);
  if (!v) throw TextError(s.pos(), "malformed " + type + " literal '" + t + "'");
  return bits_text(*v);
}

// (i32.const 1), (v128.const i32x4 ...), (ref.null func), (ref.extern 1), (ref.func), ...
json value(const SExpr& v, bool result) {
  if (!v.is_list || v.items.empty() || !v.items[0].is_atom())
    throw TextError(v.pos(), "expected a constant");
  const std::string& head = v.items[0].tok.text;
  if (head == "i32.const" || head == "i64.const" || head == "f32.const" || head == "f64.const") {
    std::string type = head.substr(0, 3);
    if (v.items.size() != 2) throw TextError(v.pos(), "expected one literal");
    return {{"type", type}, {"value", number(type, v.items[1], result)}};
  }
  if (head == "v128.const") {
    const std::string& shape = item(v, 1, "a lane shape").tok.text;
    static const std::pair<const char*, std::pair<const char*, size_t>> shapes[] = {
        {"i8x16", {"i8", 16}}, {"i16x8", {"i16", 8}}, {"i32x4", {"i32", 4}},
        {"i64x2", {"i64", 2}}, {"f32x4", {"f32", 4}}, {"f64x2", {"f64", 2}}};
    for (auto& [name, lanes] : shapes) {
      if (shape != name) continue;
      if (v.items.size() != 2 + lanes.second)
        throw TextError(v.pos(), "wrong number of lanes for " + shape);
      json values = json::array();
      for (size_t i = 0; i < lanes.second; ++i)
        values.push_back(number(lanes.first, v.items[2 + i], result));
      return {{"type", "v128"}, {"lane_type", lanes.first}, {"value", values}};
    }
    throw TextError(v.pos(), "unknown lane shape '" + shape + "'");
  }
  if (head == "ref.null") {
    const std::string& heap = item(v, 1, "a heap type").tok.text;
    if (heap == "func") return {{"type", "funcref"}, {"value", "null"}};
    if (heap == "extern") return {{"type", "externref"}, {"value", "null"}};
    throw TextError(v.pos(), "unknown heap type '" + heap + "'");
  }
  if (head == "ref.extern") {
    if (v.items.size() == 1) return {{"type", "externref"}};
    auto n = engine::text::parse_nat(item(v, 1, "a number").tok.text, UINT32_MAX);
    if (!n) throw TextError(v.pos(), "malformed ref.extern");
    return {{"type", "externref"}, {"value", bits_text(*n)}};
  }
  if (head == "ref.func" && result) return {{"type", "funcref"}};
  throw TextError(v.pos(), "not yet implemented: the value form (" + head + " ...) in scripts");
}

json action(const SExpr& a) {
  if (!a.is_list_of("invoke") && !a.is_list_of("get"))
    throw TextError(a.pos(), "expected (invoke ...) or (get ...)");
  json out = {{"type", a.items[0].tok.text}};
  size_t i = 1;
  if (i < a.items.size() && a.items[i].is_id()) out["module"] = "$" + a.items[i++].tok.text;
  out["field"] = string_at(a, i++, "an export name");
  if (out["type"] == "invoke") {
    json args = json::array();
    for (; i < a.items.size(); ++i) args.push_back(value(a.items[i], false));
    out["args"] = args;
  } else if (i != a.items.size()) {
    throw TextError(a.pos(), "unexpected token after get's export name");
  }
  return out;
}

class Reader {
 public:
  WastScript script;

  void command(const SExpr& c) {
    if (!c.is_list || c.items.empty() || !c.items[0].is_atom())
      throw TextError(c.pos(), "expected a script command");
    const std::string& head = c.items[0].tok.text;
    json cmd = {{"type", head}, {"line", c.pos().line}};
    if (head == "module") {
      if (c.items.size() > 1 && c.items[1].is_id()) cmd["name"] = "$" + c.items[1].tok.text;
      cmd["filename"] = add_module(c);
    } else if (head == "register") {
      cmd["as"] = string_at(c, 1, "a registration name");
      if (c.items.size() > 2 && c.items[2].is_id()) cmd["name"] = "$" + c.items[2].tok.text;
    } else if (head == "invoke" || head == "get") {
      cmd["type"] = "action";
      cmd["action"] = action(c);
    } else if (head == "assert_return") {
      cmd["action"] = action(item(c, 1, "an action"));
      json expected = json::array();
      for (size_t i = 2; i < c.items.size(); ++i) expected.push_back(value(c.items[i], true));
      cmd["expected"] = expected;
    } else if (head == "assert_trap" || head == "assert_exhaustion") {
      const SExpr& what = item(c, 1, "an action or module");
      if (what.is_list_of("module"))
        cmd["filename"] = add_module(what);
      else
        cmd["action"] = action(what);
      cmd["text"] = string_at(c, 2, "the expected message");
    } else if (head == "assert_malformed" || head == "assert_invalid" ||
               head == "assert_unlinkable" || head == "assert_uninstantiable") {
      const SExpr& m = item(c, 1, "a module");
      if (!m.is_list_of("module")) throw TextError(m.pos(), "expected (module ...)");
      bool binary = m.items.size() > 1 &&
                    (m.items[1].is_atom("binary") ||
                     (m.items[1].is_id() && m.items.size() > 2 && m.items[2].is_atom("binary")));
      cmd["module_type"] = binary ? "binary" : "text";
      cmd["filename"] = add_module(m);
      cmd["text"] = string_at(c, 2, "the expected message");
    } else {
      throw TextError(c.pos(), "not yet implemented: script command '" + head + "'");
    }
    script.commands.push_back(std::move(cmd));
  }

 private:
  std::string add_module(const SExpr& m) {
    auto bytes = engine::text::module_to_wasm(m);
    ModuleSource src;
    if (bytes)
      src.bytes = std::move(*bytes);
    else
      src.text_error = bytes.error().message;
    script.modules.push_back(std::move(src));
    return "@" + std::to_string(script.modules.size() - 1);
  }
};

}  // namespace

engine::Result<WastScript> read_wast(std::string_view source) {
  auto top = engine::text::read_sexprs(source);
  if (!top) return top.error();
  try {
    Reader r;
    // A script may be a bare module: its fields with no (module ...) around them.
    static const char* fields[] = {"type",   "import", "func",  "table", "memory",
                                   "global", "export", "start", "elem",  "data"};
    if (!top->empty()) {
      for (const char* f : fields) {
        if (!(*top)[0].is_list_of(f)) continue;
        SExpr module{true, (*top)[0].tok, {}};
        module.items.push_back(SExpr{false, {engine::text::TokenKind::Atom, {}, "module"}, {}});
        for (SExpr& s : *top) module.items.push_back(std::move(s));
        top->assign(1, std::move(module));
        break;
      }
    }
    for (const SExpr& c : *top) r.command(c);
    return std::move(r.script);
  } catch (const TextError& e) {
    return engine::Error{e.what()};
  }
}

}  // namespace wc::spec
