#include "engine/text/sexpr.h"

#include <string>

namespace wc::engine::text {

Result<std::vector<SExpr>> read_sexprs(std::string_view source, const ReadLimits& limits) {
  Lexer lexer(source);
  std::vector<SExpr> top;
  std::vector<SExpr> open;  // the lists being filled, innermost last
  size_t tokens = 0;
  Token t;
  while (lexer.next(&t)) {
    if (++tokens > limits.max_tokens)
      return Error{at(t.pos, "more than " + std::to_string(limits.max_tokens) +
                                 " tokens: too large for a text module (use the binary format)")};
    std::vector<SExpr>& into = open.empty() ? top : open.back().items;
    switch (t.kind) {
      case TokenKind::LParen:
        if (open.size() >= limits.max_nesting)
          return Error{
              at(t.pos, "nesting deeper than " + std::to_string(limits.max_nesting) + " levels")};
        open.push_back(SExpr{true, std::move(t), {}});
        break;
      case TokenKind::RParen: {
        if (open.empty()) return Error{at(t.pos, "unexpected ')'")};
        SExpr done = std::move(open.back());
        open.pop_back();
        (open.empty() ? top : open.back().items).push_back(std::move(done));
        break;
      }
      default: into.push_back(SExpr{false, std::move(t), {}});
    }
  }
  if (!lexer.error().empty()) return Error{lexer.error()};
  if (!open.empty()) return Error{at(open.back().pos(), "unclosed '(' (missing ')')")};
  return top;
}

}  // namespace wc::engine::text
