// Tokens of the WebAssembly text format: parentheses, atoms (keywords, numbers, reserved
// words), identifiers ($name) and strings, each with its line and column. Comments (`;;` to the
// end of the line, nested `(; ... ;)`) and annotations (`(@name ...)`, balanced) are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace wc::engine::text {

struct Pos {
  uint32_t line = 1;
  uint32_t column = 1;
};

enum class TokenKind : uint8_t { LParen, RParen, Atom, Id, String };

struct Token {
  TokenKind kind = TokenKind::Atom;
  Pos pos;
  std::string text;  // Atom: as written; Id: without the '$'; String: the decoded bytes
};

// Error messages read "LINE:COLUMN: what went wrong".
std::string at(Pos pos, std::string_view what);

// True if `bytes` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF). Names in the text format must be: a string's escapes can spell any bytes.
bool is_valid_utf8(std::string_view bytes);

// The whole input as tokens, or the first lexical error (unterminated string or comment, bad
// escape, invalid UTF-8 in a string or comment, a character outside the token grammar).
Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace wc::engine::text
