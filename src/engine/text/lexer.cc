#include "engine/text/lexer.h"

#include <cstdio>
#include <optional>

namespace wc::engine::text {

std::string at(Pos pos, std::string_view what) {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + std::string(what);
}

namespace {

// idchar of the specification: the printable ASCII characters that may form atoms and ids.
bool is_idchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '/':
    case ':':
    case '<':
    case '=':
    case '>':
    case '?':
    case '@':
    case '\\':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of the UTF-8 sequence starting at s[i] with its code point, or 0 if malformed.
size_t utf8_sequence(std::string_view s, size_t i, uint32_t* code_point) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp, min;
  if (c < 0x80) {
    *code_point = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
  *code_point = cp;
  return len;
}

}  // namespace

bool Lexer::next(Token* out) {
  for (;;) {
    if (auto err = skip_space()) return fail(*err);
    if (i_ >= s_.size()) return false;
    Pos pos = pos_;
    char c = s_[i_];
    if (c == '(' && peek(1) == '@') {
      if (auto err = skip_annotation()) return fail(*err);
      continue;
    }
    if (c == '(') {
      advance(1);
      *out = {TokenKind::LParen, pos, {}};
      return true;
    } else if (c == ')') {
      advance(1);
      *out = {TokenKind::RParen, pos, {}};
      return true;
    } else if (c == '"') {
      auto s = string_literal();
      if (!s) return false;
      // Tokens are separated by space, comments or parentheses: "a""b" is malformed.
      if (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '\n' && s_[i_] != '\r' &&
          s_[i_] != '(' && s_[i_] != ')' && s_[i_] != ';')
        return fail(at(pos_, "unknown operator: a string glued to the next token"));
      *out = {TokenKind::String, pos, std::move(*s)};
      return true;
    } else if (is_idchar(static_cast<unsigned char>(c))) {
      size_t b = i_;
      while (i_ < s_.size() && is_idchar(static_cast<unsigned char>(s_[i_]))) advance(1);
      std::string word(s_.substr(b, i_ - b));
      // A quoted identifier $"..." (WebAssembly 3.0): any UTF-8 name, equal to $name when
      // the name is also valid unquoted.
      if (word == "$" && i_ < s_.size() && s_[i_] == '"') {
        auto name = string_literal();
        if (!name) return false;
        if (name->empty()) return fail(at(pos, "empty identifier"));
        if (!is_valid_utf8(*name))
          return fail(at(pos, "malformed UTF-8 encoding in an identifier"));
        *out = {TokenKind::Id, pos, std::move(*name)};
        return true;
      }
      // An atom glued to a string ("a"b, x"y") is not a token of the grammar.
      if (i_ < s_.size() && s_[i_] == '"')
        return fail(at(pos, "unknown operator: a string right after '" + word + "'"));
      if (word[0] == '$') {
        if (word.size() == 1) return fail(at(pos, "empty identifier"));
        *out = {TokenKind::Id, pos, word.substr(1)};
      } else {
        *out = {TokenKind::Atom, pos, std::move(word)};
      }
      return true;
    } else {
      unsigned char u = static_cast<unsigned char>(c);
      char buf[64];
      std::snprintf(buf, sizeof buf,
                    u >= 0x21 && u < 0x7f ? "unexpected character '%c'" : "unexpected byte 0x%02x",
                    u);
      return fail(at(pos, buf));
    }
  }
}

void Lexer::advance(size_t n) {
  for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) {
    if (s_[i_] == '\n') {
      ++pos_.line;
      pos_.column = 1;
    } else if ((static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80) {
      ++pos_.column;  // columns count characters, not UTF-8 continuation bytes
    }
  }
}

// Checks one UTF-8 sequence at i_ and returns its code point, or nullopt if malformed.
std::optional<uint32_t> Lexer::utf8_char(size_t& len) const {
  uint32_t cp = 0;
  len = utf8_sequence(s_, i_, &cp);
  if (len == 0) return std::nullopt;
  return cp;
}

std::optional<std::string> Lexer::skip_space() {
  while (i_ < s_.size()) {
    char c = s_[i_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance(1);
    } else if (c == ';' && peek(1) == ';') {
      while (i_ < s_.size() && s_[i_] != '\n') {
        size_t len = 1;
        if (!utf8_char(len)) return at(pos_, "malformed UTF-8 encoding in a comment");
        advance(len);
      }
    } else if (c == '(' && peek(1) == ';') {
      if (auto err = block_comment()) return err;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Nested block comments, counted rather than recursed into so any depth is safe.
std::optional<std::string> Lexer::block_comment() {
  Pos start = pos_;
  size_t depth = 0;
  while (i_ < s_.size()) {
    if (s_[i_] == '(' && peek(1) == ';') {
      ++depth;
      advance(2);
    } else if (s_[i_] == ';' && peek(1) == ')') {
      advance(2);
      if (--depth == 0) return std::nullopt;
    } else {
      size_t len = 1;
      if (!utf8_char(len)) return at(pos_, "malformed UTF-8 encoding in a comment");
      advance(len);
    }
  }
  return at(start, "unterminated block comment");
}

// (@name ...) with balanced parentheses; strings and comments inside are lexed as usual.
std::optional<std::string> Lexer::skip_annotation() {
  Pos start = pos_;
  advance(2);  // "(@"
  size_t depth = 1;
  // The annotation's id follows at once: a keyword-like word or a non-empty UTF-8 string.
  if (i_ < s_.size() && s_[i_] == '"') {
    auto id = string_literal();
    if (!id) return error_;
    if (id->empty()) return at(start, "empty annotation id");
    if (!is_valid_utf8(*id)) return at(start, "malformed UTF-8 encoding in an annotation id");
  } else if (i_ < s_.size() && is_idchar(static_cast<unsigned char>(s_[i_]))) {
    while (i_ < s_.size() && is_idchar(static_cast<unsigned char>(s_[i_]))) advance(1);
  } else {
    return at(start, "empty annotation id");
  }
  while (i_ < s_.size()) {
    if (auto err = skip_space()) return err;
    if (i_ >= s_.size()) break;
    char c = s_[i_];
    if (c == '(') {
      ++depth;
      advance(1);
    } else if (c == ')') {
      advance(1);
      if (--depth == 0) return std::nullopt;
    } else if (c == '"') {
      if (!string_literal()) return error_;
    } else if (is_idchar(static_cast<unsigned char>(c)) || c == ',' || c == ';' || c == '[' ||
               c == ']' || c == '{' || c == '}') {
      // Keywords, numbers and reserved tokens, including the punctuation 3.0 reserves.
      advance(1);
    } else {
      return at(pos_, "unexpected character in an annotation");
    }
  }
  return at(start, "unterminated annotation");
}

std::optional<std::string> Lexer::string_literal() {
  Pos start = pos_;
  advance(1);  // the opening quote
  std::string out;
  while (i_ < s_.size()) {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (c == '"') {
      advance(1);
      return out;
    }
    if (c == '\n' || c < 0x20 || c == 0x7F) {
      error_ = at(pos_, c == '\n' ? "unterminated string (a newline before the closing quote)"
                                  : "control character in a string");
      return std::nullopt;
    }
    if (c == '\\') {
      Pos esc = pos_;
      char e = peek(1);
      int h1 = hex_value(e), h2 = hex_value(peek(2));
      if (h1 >= 0 && h2 >= 0) {
        out += static_cast<char>(h1 * 16 + h2);
        advance(3);
        continue;
      }
      switch (e) {
        case 'n':
          out += '\n';
          advance(2);
          continue;
        case 't':
          out += '\t';
          advance(2);
          continue;
        case 'r':
          out += '\r';
          advance(2);
          continue;
        case '"':
          out += '"';
          advance(2);
          continue;
        case '\'':
          out += '\'';
          advance(2);
          continue;
        case '\\':
          out += '\\';
          advance(2);
          continue;
        case 'u': {
          if (peek(2) != '{') break;
          size_t k = i_ + 3;
          uint32_t cp = 0;
          bool digits = false, overflow = false;
          while (k < s_.size() && (hex_value(s_[k]) >= 0 || (s_[k] == '_' && digits))) {
            if (s_[k] != '_') {
              cp = cp * 16 + static_cast<uint32_t>(hex_value(s_[k]));
              if (cp > 0x10FFFF) overflow = true;
              digits = true;
            }
            ++k;
          }
          if (!digits || k >= s_.size() || s_[k] != '}' || overflow ||
              (cp >= 0xD800 && cp < 0xE000)) {
            error_ = at(esc, "malformed unicode escape");
            return std::nullopt;
          }
          append_utf8(out, cp);
          advance(k + 1 - i_);
          continue;
        }
        default: break;
      }
      error_ = at(esc, "unknown escape in a string");
      return std::nullopt;
    }
    size_t len = 1;
    if (!utf8_char(len)) {
      error_ = at(pos_, "malformed UTF-8 encoding in a string");
      return std::nullopt;
    }
    out.append(s_.substr(i_, len));
    advance(len);
  }
  error_ = at(start, "unterminated string");
  return std::nullopt;
}

bool Lexer::fail(std::string message) {
  error_ = std::move(message);
  return false;
}

bool is_valid_utf8(std::string_view bytes) {
  uint32_t cp;
  for (size_t i = 0; i < bytes.size();) {
    size_t len = utf8_sequence(bytes, i, &cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

Result<std::vector<Token>> tokenize(std::string_view source) {
  Lexer lexer(source);
  std::vector<Token> out;
  Token t;
  while (lexer.next(&t)) out.push_back(std::move(t));
  if (!lexer.error().empty()) return Error{lexer.error()};
  return out;
}

}  // namespace wc::engine::text
