// The WebAssembly text format (.wat) to the binary format.
//
// Text is encoded to binary and then goes through the one binary decoder and validator, rather
// than being built into a Module directly: the decoder stays the single source of truth for
// what a module is, text and `(module binary ...)` share one path, and every check the
// validator makes applies to text modules without being written twice.
#pragma once

#include <cstdint>
#include <span>
#include <string>
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

// True if the bytes start with the binary magic "\0asm".
bool looks_binary(std::span<const uint8_t> bytes);

// Whether a module file is read as text: a file named *.wasm is always binary (so a corrupt one
// gets the decoder's message about its header); any other file is binary if it starts with the
// magic, text otherwise (x.wat, x.wast, or any name).
bool is_text_module(std::string_view path, std::span<const uint8_t> bytes);

// A text error "LINE:COLUMN: what" as a compiler would print it for `file`:
// "FILE:LINE:COLUMN: error: what".
std::string file_error(std::string_view file, std::string_view message);

}  // namespace wc::engine::text
