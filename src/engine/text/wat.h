// The WebAssembly text format (.wat) to the binary format.
//
// Text is encoded to binary and then goes through the one binary decoder and validator, rather
// than being built into a Module directly: the decoder stays the single source of truth for
// what a module is, text and `(module binary ...)` share one path, and every check the
// validator makes applies to text modules without being written twice.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/text/sexpr.h"

namespace wc::engine::text {

// A whole .wat file: one `(module $id? ...)` or the module fields on their own. Errors read
// "LINE:COLUMN: message".
Result<std::vector<uint8_t>> wat_to_wasm(std::string_view source);

// One `(module ...)` S-expression, including the script forms `(module binary "..."*)` and
// `(module quote "..."*)` (whose text is parsed here; its errors have positions inside the
// quoted text).
Result<std::vector<uint8_t>> module_to_wasm(const SExpr& module);

// Module fields already read (the items after `module` and its name).
Result<std::vector<uint8_t>> fields_to_wasm(std::span<const SExpr> fields, Pos end_pos);

// True if the bytes start with the binary magic "\0asm" (so a caller can accept both formats).
bool looks_binary(std::span<const uint8_t> bytes);

}  // namespace wc::engine::text
