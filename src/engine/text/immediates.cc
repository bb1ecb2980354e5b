#include "engine/text/immediates.h"

#include <string>

namespace wc::engine::text {

void memarg(Cursor& c, BinaryWriter& out, uint8_t natural_align) {
  uint64_t offset = 0, align_log2 = natural_align;
  if (c.peek() && c.peek()->is_atom() && c.peek()->tok.text.starts_with("offset=")) {
    Pos p = c.pos();
    auto v = parse_nat(std::string_view(c.next().tok.text).substr(7), UINT32_MAX);
    if (!v) throw TextError(p, "malformed or out of range offset");
    offset = *v;
  }
  if (c.peek() && c.peek()->is_atom() && c.peek()->tok.text.starts_with("align=")) {
    Pos p = c.pos();
    auto v = parse_nat(std::string_view(c.next().tok.text).substr(6), UINT32_MAX);
    if (!v || *v == 0 || (*v & (*v - 1)))
      throw TextError(p, "malformed memop alignment (not a power of two)");
    align_log2 = 0;
    while ((uint64_t{1} << align_log2) < *v) ++align_log2;
  }
  out.u32(align_log2);
  out.u32(offset);
}

uint8_t lane_index(Cursor& c) {
  Pos p = c.pos();
  const SExpr* s = c.peek();
  if (!s || !s->is_atom()) throw TextError(p, "expected a lane index");
  auto v = parse_nat(s->tok.text, 0xFF);
  if (!v) throw TextError(p, "malformed lane index '" + s->tok.text + "'");
  c.next();
  return static_cast<uint8_t>(*v);
}

}  // namespace wc::engine::text
