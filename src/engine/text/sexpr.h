// Tokens grouped into S-expressions. The tree is built without recursion, pulling one token at
// a time from the lexer, with two limits checked before anything is allocated for a token:
// nesting deeper than max_nesting is refused (so a file of a billion '(' is a clear error at
// its 1001st byte, not a stack overflow in the parser, in the encoder that walks the tree, or
// in the tree's destructor), and so is a source of more than max_tokens tokens (a tree node
// costs ~80 bytes, so a gigabyte of "()" must not become 40 GB of tree).
#pragma once

#include <string_view>
#include <vector>

#include "engine/result.h"
#include "engine/text/lexer.h"

namespace wc::engine::text {

struct ReadLimits {
  size_t max_nesting = 1000;
  size_t max_tokens = size_t{1} << 22;  // ~4.2M: ~30 MB of text; the largest spec script has 120K
};

struct SExpr {
  bool is_list = false;
  Token tok;                 // an atom, id or string; for a list, its '(' (position only)
  std::vector<SExpr> items;  // list only

  bool is_atom() const { return !is_list && tok.kind == TokenKind::Atom; }
  bool is_atom(std::string_view word) const { return is_atom() && tok.text == word; }
  bool is_id() const { return !is_list && tok.kind == TokenKind::Id; }
  bool is_string() const { return !is_list && tok.kind == TokenKind::String; }
  // A list whose first item is the keyword `head`: (head ...).
  bool is_list_of(std::string_view head) const {
    return is_list && !items.empty() && items[0].is_atom(head);
  }
  Pos pos() const { return tok.pos; }
};

// Every top-level S-expression of the source (atoms included), or the first error.
Result<std::vector<SExpr>> read_sexprs(std::string_view source, const ReadLimits& limits = {});

}  // namespace wc::engine::text
