#include "engine/text/sexpr.h"

namespace wc::engine::text {

Result<std::vector<SExpr>> read_sexprs(std::string_view source) {
  auto tokens = tokenize(source);
  if (!tokens) return tokens.error();
  std::vector<SExpr> top;
  std::vector<SExpr> open;  // the lists being filled, innermost last
  for (Token& t : *tokens) {
    std::vector<SExpr>& into = open.empty() ? top : open.back().items;
    switch (t.kind) {
      case TokenKind::LParen:
        if (open.size() >= kMaxNesting)
          return Error{at(t.pos, "nesting deeper than " + std::to_string(kMaxNesting) + " levels")};
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
  if (!open.empty()) return Error{at(open.back().pos(), "unclosed '(' (missing ')')")};
  return top;
}

}  // namespace wc::engine::text
