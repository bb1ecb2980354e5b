// Tokens of the WebAssembly text format: parentheses, atoms (keywords, numbers, reserved
// words), identifiers ($name) and strings, each with its line and column. Comments (`;;` to the
// end of the line, nested `(; ... ;)`) and annotations (`(@name ...)`, balanced) are skipped.
#pragma once

#include <cstdint>
#include <optional>
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

// Reads tokens one at a time, so a reader can stop at the first problem (too deep, too many)
// without having tokenized the rest of a possibly huge input.
class Lexer {
 public:
  explicit Lexer(std::string_view source) : s_(source) {}

  // The next token into *out and true; false at the end of the input or on a lexical error,
  // which error() then describes.
  bool next(Token* out);
  const std::string& error() const { return error_; }

 private:
  char peek(size_t k) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void advance(size_t n);
  std::optional<uint32_t> utf8_char(size_t& len) const;
  std::optional<std::string> skip_space();
  std::optional<std::string> block_comment();
  std::optional<std::string> skip_annotation();
  std::optional<std::string> string_literal();
  bool fail(std::string message);

  std::string_view s_;
  size_t i_ = 0;
  Pos pos_;
  std::string error_;
};

// The whole input as tokens, or the first lexical error (unterminated string or comment, bad
// escape, invalid UTF-8 in a string or comment, a character outside the token grammar).
Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace wc::engine::text
