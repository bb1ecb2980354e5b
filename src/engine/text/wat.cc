#include "engine/text/wat.h"

#include "engine/text/module_encoder.h"

namespace wc::engine::text {

Result<std::vector<uint8_t>> fields_to_wasm(std::span<const SExpr> fields, Pos end_pos) {
  try {
    ModuleEncoder encoder;
    return encoder.encode(fields, end_pos);
  } catch (const TextError& e) {
    return Error{e.what()};
  }
}

Result<std::vector<uint8_t>> module_to_wasm(const SExpr& module) {
  if (!module.is_list_of("module")) return Error{at(module.pos(), "expected (module ...)")};
  std::span<const SExpr> rest(module.items);
  rest = rest.subspan(1);
  if (!rest.empty() && rest[0].is_id()) rest = rest.subspan(1);
  bool binary = !rest.empty() && rest[0].is_atom("binary");
  bool quote = !rest.empty() && rest[0].is_atom("quote");
  if (!binary && !quote) return fields_to_wasm(rest, module.pos());
  std::string joined;
  for (const SExpr& s : rest.subspan(1)) {
    if (!s.is_string()) return Error{at(s.pos(), "expected a string")};
    joined += s.tok.text;
  }
  if (binary) return std::vector<uint8_t>(joined.begin(), joined.end());
  auto fields = read_sexprs(joined);
  if (!fields) return fields.error();
  // A quoted module may itself be written as (module ...).
  if (fields->size() == 1 && (*fields)[0].is_list_of("module")) return module_to_wasm((*fields)[0]);
  return fields_to_wasm(*fields, module.pos());
}

Result<std::vector<uint8_t>> wat_to_wasm(std::string_view source) {
  auto top = read_sexprs(source);
  if (!top) return top.error();
  if (top->size() == 1 && (*top)[0].is_list_of("module")) return module_to_wasm((*top)[0]);
  for (const SExpr& s : *top)
    if (s.is_list_of("module")) return Error{at(s.pos(), "a .wat file holds one module")};
  return fields_to_wasm(*top, Pos{});
}

bool looks_binary(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' &&
         bytes[3] == 'm';
}

bool is_text_module(std::string_view path, std::span<const uint8_t> bytes) {
  return !path.ends_with(".wasm") && !looks_binary(bytes);
}

std::string file_error(std::string_view file, std::string_view message) {
  // Split after "LINE:COLUMN: " (two numbers); anything else is shown whole.
  size_t i = 0;
  for (int field = 0; field < 2; ++field) {
    size_t start = i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    if (i == start || i >= message.size() || message[i] != ':')
      return std::string(file) + ": error: " + std::string(message);
    ++i;
  }
  std::string_view rest = message.substr(i);
  if (rest.starts_with(' ')) rest.remove_prefix(1);
  return std::string(file) + ":" + std::string(message.substr(0, i)) +
         " error: " + std::string(rest);
}

}  // namespace wc::engine::text
