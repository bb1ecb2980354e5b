// libFuzzer target: arbitrary bytes through the text-format parser (lexer, S-expression reader,
// encoder), as a .wat file and as the modules of a .wast script (including `module quote` and
// `module binary`); whatever encodes goes on through decode and validate. Any crash, sanitizer
// report, leak or runaway allocation is a bug; an error message is the expected outcome.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/binary/decoder.h"
#include "engine/text/sexpr.h"
#include "engine/text/wat.h"
#include "engine/validate/validator.h"

using namespace wc::engine;

namespace {

void decode_and_validate(const std::vector<uint8_t>& bytes) {
  auto module = decode_module(bytes);
  if (module) (void)validate_module(**module);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  if (auto wasm = text::wat_to_wasm(source)) decode_and_validate(*wasm);
  // The same input as a script: each top-level (module ...) on its own.
  auto top = text::read_sexprs(source);
  if (!top) return 0;
  for (const text::SExpr& s : *top) {
    const text::SExpr* m = &s;
    // (assert_invalid (module ...) "text") and friends hold their module second.
    if (!s.is_list_of("module") && s.is_list && s.items.size() > 1) m = &s.items[1];
    if (!m->is_list_of("module")) continue;
    if (auto wasm = text::module_to_wasm(*m)) decode_and_validate(*wasm);
  }
  return 0;
}
