#include "engine/text/simd_encoder.h"

#include <string>
#include <unordered_map>

#include "engine/opcodes.h"
#include "engine/simd_opcodes.h"
#include "engine/text/immediates.h"

namespace wc::engine::text {
namespace {

// Instruction name -> sub-opcode; simd_info(sub) gives the immediates' kind.
const std::unordered_map<std::string_view, uint32_t>& simd_table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, uint32_t>;
#define WC_SIMD_NAME(name, sub, text, kind, T, n) t->emplace(text, sub);
    WC_SIMD_OPS(WC_SIMD_NAME)
#undef WC_SIMD_NAME
    return t;
  }();
  return *table;
}

struct Shape {
  std::string_view name;
  unsigned lanes;
  unsigned bits;
  bool is_float;
};

constexpr Shape kShapes[] = {{"i8x16", 16, 8, false}, {"i16x8", 8, 16, false},
                             {"i32x4", 4, 32, false}, {"i64x2", 2, 64, false},
                             {"f32x4", 4, 32, true},  {"f64x2", 2, 64, true}};

}  // namespace

void v128_lanes(Cursor& c, BinaryWriter& out) {
  Pos sp = c.pos();
  const SExpr* s = c.peek();
  if (!s || !s->is_atom()) throw TextError(sp, "expected a v128 lane shape (i8x16 ... f64x2)");
  const Shape* shape = nullptr;
  for (const Shape& k : kShapes)
    if (s->tok.text == k.name) shape = &k;
  if (!shape) throw TextError(sp, "unknown v128 lane shape '" + s->tok.text + "'");
  c.next();
  for (unsigned i = 0; i < shape->lanes; ++i) {
    Pos p = c.pos();
    const SExpr* l = c.peek();
    if (!l || !l->is_atom())
      throw TextError(
          p, "expected " + std::to_string(shape->lanes) + " lanes for " + std::string(shape->name));
    const std::string& t = l->tok.text;
    std::optional<uint64_t> bits;
    if (!shape->is_float)
      bits = parse_int(t, shape->bits);
    else if (shape->bits == 32)
      bits = parse_f32(t);
    else
      bits = parse_f64(t);
    if (!bits) throw TextError(p, "malformed or out of range v128 lane '" + t + "'");
    c.next();
    out.fixed(*bits, static_cast<int>(shape->bits / 8));
  }
}

bool simd_instruction(std::string_view name, Cursor& c, BinaryWriter& out) {
  const auto& table = simd_table();
  auto it = table.find(name);
  if (it == table.end()) return false;
  const uint32_t sub = it->second;
  const SimdInfo info = simd_info(sub);
  out.byte(kPrefixFD);
  out.u32(sub);
  switch (info.kind) {
    case SimdKind::Load:
    case SimdKind::Store: memarg(c, out, info.n); break;
    case SimdKind::LoadLane:
    case SimdKind::StoreLane:
      memarg(c, out, info.n);
      out.byte(lane_index(c));
      break;
    case SimdKind::Const: v128_lanes(c, out); break;
    case SimdKind::Shuffle:
      for (int i = 0; i < 16; ++i) {
        if (!c.peek() || !c.peek()->is_atom())
          throw TextError(c.pos(), "invalid lane length: i8x16.shuffle takes 16 lane indices");
        out.byte(lane_index(c));
      }
      break;
    case SimdKind::Extract:
    case SimdKind::Replace: out.byte(lane_index(c)); break;
    case SimdKind::None:
    case SimdKind::Splat:
    case SimdKind::Un:
    case SimdKind::Bin:
    case SimdKind::Tern:
    case SimdKind::Test:
    case SimdKind::Shift: break;
  }
  return true;
}

}  // namespace wc::engine::text
