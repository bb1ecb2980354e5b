// Reads the items of one S-expression list left to right, with the checks every form needs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/text/numbers.h"
#include "engine/text/sexpr.h"
#include "engine/text/text_error.h"

namespace wc::engine::text {

class Cursor {
 public:
  // `end_pos` is where "expected ... before ')'" errors point when the items run out.
  Cursor(std::span<const SExpr> items, Pos end_pos) : items_(items), end_pos_(end_pos) {}
  explicit Cursor(const SExpr& list) : items_(list.items), end_pos_(list.pos()) {}

  bool done() const { return i_ >= items_.size(); }
  const SExpr* peek(size_t k = 0) const {
    return i_ + k < items_.size() ? &items_[i_ + k] : nullptr;
  }
  const SExpr& next() {
    if (done()) throw TextError(end_pos_, "unexpected end of the list");
    return items_[i_++];
  }
  Pos pos() const { return done() ? end_pos_ : items_[i_].pos(); }

  bool peek_atom(std::string_view word) const { return peek() && peek()->is_atom(word); }
  bool peek_list(std::string_view head) const { return peek() && peek()->is_list_of(head); }
  bool peek_id() const { return peek() && peek()->is_id(); }
  bool peek_string() const { return peek() && peek()->is_string(); }
  // A natural number or an identifier: something that can name an index.
  bool peek_index() const {
    const SExpr* s = peek();
    return s && (s->is_id() || (s->is_atom() && !s->tok.text.empty() && s->tok.text[0] >= '0' &&
                                s->tok.text[0] <= '9'));
  }

  std::optional<std::string> take_id() {
    if (!peek_id()) return std::nullopt;
    return next().tok.text;
  }
  const std::string& atom(std::string_view what) {
    Pos p = pos();
    const SExpr& s = next();
    if (!s.is_atom()) throw TextError(p, "expected " + std::string(what));
    return s.tok.text;
  }
  const std::string& string(std::string_view what) {
    Pos p = pos();
    const SExpr& s = next();
    if (!s.is_string()) throw TextError(p, "expected " + std::string(what) + " (a string)");
    return s.tok.text;
  }
  // A name (import, export): a string that must be valid UTF-8.
  const std::string& name(std::string_view what) {
    Pos p = pos();
    const std::string& s = string(what);
    if (!is_valid_utf8(s)) throw TextError(p, "malformed UTF-8 encoding in " + std::string(what));
    return s;
  }
  uint32_t nat32(std::string_view what) {
    Pos p = pos();
    const std::string& t = atom(what);
    auto v = parse_nat(t, UINT32_MAX);
    if (!v) throw TextError(p, "malformed " + std::string(what) + " '" + t + "'");
    return static_cast<uint32_t>(*v);
  }
  void expect_done(std::string_view context) const {
    if (!done()) throw TextError(pos(), "unexpected token in " + std::string(context));
  }

 private:
  std::span<const SExpr> items_;
  Pos end_pos_;
  size_t i_ = 0;
};

}  // namespace wc::engine::text
