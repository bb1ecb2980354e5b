// Memory accesses in the interpreter: i32.add folded into load addresses, shl + add + load
// folded into scaled loads, wrapping i32 address arithmetic (modulo 2^32, then bounds-checked
// with the static offset), and the guard-page trap at the last valid byte for every width.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::edge_u32;
using itest::I32;
using itest::I64;

struct LoadOp {
  const char* name;  // wasm instruction
  const char* type;  // result type
  unsigned width;    // bytes read
  bool sign;         // sign-extending narrow load
  unsigned result_bits;
};

const std::vector<LoadOp>& load_ops() {
  static const std::vector<LoadOp> ops = {
      {"i32.load", "i32", 4, false, 32},    {"i64.load", "i64", 8, false, 64},
      {"f32.load", "f32", 4, false, 32},    {"f64.load", "f64", 8, false, 64},
      {"i32.load8_s", "i32", 1, true, 32},  {"i32.load8_u", "i32", 1, false, 32},
      {"i32.load16_s", "i32", 2, true, 32}, {"i32.load16_u", "i32", 2, false, 32},
      {"i64.load8_s", "i64", 1, true, 64},  {"i64.load8_u", "i64", 1, false, 64},
      {"i64.load16_s", "i64", 2, true, 64}, {"i64.load16_u", "i64", 2, false, 64},
      {"i64.load32_s", "i64", 4, true, 64}, {"i64.load32_u", "i64", 4, false, 64},
  };
  return ops;
}

// Result bits of `op` reading at `ea` in `mem`.
uint64_t expected_load(const LoadOp& op, const uint8_t* mem, uint64_t ea) {
  uint64_t v = 0;
  std::memcpy(&v, mem + ea, op.width);
  if (op.sign && op.width < 8) {
    unsigned sh = 64 - op.width * 8;
    v = static_cast<uint64_t>(static_cast<int64_t>(v << sh) >> sh);
  }
  if (op.result_bits == 32) v &= 0xFFFFFFFFu;
  return v;
}

void fill_pattern(itest::Wasm& w) {
  uint8_t* m = w.mem();
  for (uint64_t i = 0; i < w.mem_size(); ++i)
    m[i] = static_cast<uint8_t>((i * 167 + 13) ^ (i >> 8));
}

// Checks one call: either a result equal to the reference load at `ea`, or a memory trap when
// [ea, ea + width) is not inside the memory.
void check_access(itest::Wasm& w, const std::string& fn, const LoadOp& op, std::vector<Value> args,
                  uint64_t ea, const std::string& what) {
  InvokeResult r = w.run(fn, std::move(args));
  bool in_bounds = ea + op.width <= w.mem_size();
  if (!in_bounds) {
    EXPECT_FALSE(r.ok()) << what << ": expected an out-of-bounds trap at ea=" << ea;
    if (!r.ok()) {
      EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds) << what << " " << r.trap->message;
    }
    return;
  }
  ASSERT_TRUE(r.ok()) << what << ": unexpected trap at ea=" << ea << ": " << r.trap->message;
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].bits, expected_load(op, w.mem(), ea)) << what << " ea=" << ea;
}

const std::vector<uint32_t>& offsets() {
  static const std::vector<uint32_t> v = {0,      1,       3,          16,          0xFFF8,
                                          0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFF0u, 0xFFFFFFFFu};
  return v;
}

std::string add_fold_module() {
  std::string wat = "(module (memory 1)\n";
  int i = 0;
  for (const LoadOp& op : load_ops()) {
    for (uint32_t off : offsets()) {
      std::string s = std::to_string(i) + "_" + std::to_string(off);
      std::string o = " offset=" + std::to_string(off);
      wat += "(func (export \"plain" + s + "\") (param i32) (result " + op.type + ") local.get 0 " +
             op.name + o + ")\n";
      wat += "(func (export \"add" + s + "\") (param i32 i32) (result " + op.type +
             ") local.get 0 local.get 1 i32.add " + op.name + o + ")\n";
      // computed operands and a retarget of the load into one of its own operand locals
      wat += "(func (export \"addc" + s + "\") (param i32 i32) (result " + op.type +
             ") local.get 0 i32.const 0 i32.or local.get 1 i32.const 0 i32.xor i32.add " + op.name +
             o + ")\n";
    }
    ++i;
  }
  return wat + ")";
}

std::vector<std::pair<uint32_t, uint32_t>> addr_pairs() {
  std::vector<std::pair<uint32_t, uint32_t>> v;
  std::vector<uint32_t> bases = {0,           1,           8,           0xFFF0,     0xFFF8,
                                 0xFFFC,      0xFFFE,      0xFFFF,      0x10000,    0x7FFFFFFF,
                                 0x80000000u, 0xFFFFFFF0u, 0xFFFFFFF8u, 0xFFFFFFFFu};
  std::vector<uint32_t> idxs = {0, 1, 4, 7, 8, 0x10, 0x1000, 0x80000000u, 0xFFFF0000u, 0xFFFFFFFFu};
  for (uint32_t b : bases)
    for (uint32_t i : idxs) v.push_back({b, i});
  return v;
}

TEST(InterpMemory, AddFoldedLoadsWrapAndBoundsCheck) {
  ITEST_LOAD(w, add_fold_module());
  fill_pattern(w);
  int i = 0;
  for (const LoadOp& op : load_ops()) {
    for (uint32_t off : offsets()) {
      std::string s = std::to_string(i) + "_" + std::to_string(off);
      for (auto [b, x] : addr_pairs()) {
        uint64_t ea = uint64_t{static_cast<uint32_t>(b + x)} + off;
        std::string what = std::string(op.name) + " offset=" + std::to_string(off) +
                           " base=" + std::to_string(b) + " idx=" + std::to_string(x);
        check_access(w, "add" + s, op, {I32(b), I32(x)}, ea, "add " + what);
        check_access(w, "add" + s, op, {I32(x), I32(b)}, ea, "add(rev) " + what);
        check_access(w, "addc" + s, op, {I32(b), I32(x)}, ea, "addc " + what);
      }
      for (uint32_t a : edge_u32())
        check_access(w, "plain" + s, op, {I32(a)}, uint64_t{a} + off,
                     "plain " + std::string(op.name) + " a=" + std::to_string(a));
    }
    ++i;
  }
}

struct ScaledOp {
  const char* name;
  const char* type;
  unsigned width;
};

TEST(InterpMemory, ScaledLoadsAllShiftsBothOperandOrders) {
  std::vector<ScaledOp> ops = {{"i32.load", "i32", 4},
                               {"i64.load", "i64", 8},
                               {"f32.load", "f32", 4},
                               {"f64.load", "f64", 8},
                               {"i32.load16_u", "i32", 2}};  // not scaled-fused: add + load
  std::vector<uint32_t> shifts = {0, 1, 2, 3, 4, 31, 32, 33, 35, 63, 0xFFFFFFFFu};
  std::vector<uint32_t> offs = {0, 4, 0xFFF8, 0x10000, 0xFFFFFFFCu};
  std::string wat = "(module (memory 1)\n";
  for (size_t o = 0; o < ops.size(); ++o)
    for (uint32_t k : shifts)
      for (uint32_t off : offs) {
        std::string s = std::to_string(o) + "_" + std::to_string(k) + "_" + std::to_string(off);
        std::string sh = " i32.const " + std::to_string(k) + " i32.shl ";
        std::string ld = std::string(" ") + ops[o].name + " offset=" + std::to_string(off);
        std::string sig = "(param i32 i32) (result " + std::string(ops[o].type) + ")";
        // base + (idx << k)
        wat += "(func (export \"s" + s + "\") " + sig + " local.get 0 local.get 1" + sh +
               "i32.add" + ld + ")\n";
        // (idx << k) + base
        wat += "(func (export \"r" + s + "\") " + sig + " local.get 1" + sh +
               "local.get 0 i32.add" + ld + ")\n";
        // computed index and base
        wat += "(func (export \"c" + s + "\") " + sig +
               " local.get 0 i32.const 1 i32.sub local.get 1 i32.const 1 i32.add" + sh + "i32.add" +
               ld + ")\n";
      }
  wat += ")";
  ITEST_LOAD(w, wat);
  fill_pattern(w);
  std::vector<uint32_t> bases = {0,       4,           0x100,       0xFFF0,      0xFFFC,     0xFFFF,
                                 0x10000, 0x80000000u, 0xFFFFFFF0u, 0xFFFFFFFCu, 0xFFFFFFFFu};
  std::vector<uint32_t> idxs = {0,           1,           2,           0x1000,
                                0x3FFF,      0x4000,      0x40000000u, 0x80000000u,
                                0xC0000000u, 0xFFFFFFFFu, 0xFFFFFFFEu};
  for (size_t o = 0; o < ops.size(); ++o) {
    LoadOp lop{ops[o].name, ops[o].type, ops[o].width, false, ops[o].width == 8 ? 64u : 32u};
    for (uint32_t k : shifts)
      for (uint32_t off : offs) {
        std::string s = std::to_string(o) + "_" + std::to_string(k) + "_" + std::to_string(off);
        for (uint32_t b : bases)
          for (uint32_t x : idxs) {
            uint64_t ea = uint64_t{static_cast<uint32_t>(b + (x << (k & 31)))} + off;
            std::string what = std::string(ops[o].name) + " k=" + std::to_string(k) +
                               " off=" + std::to_string(off) + " base=" + std::to_string(b) +
                               " idx=" + std::to_string(x);
            check_access(w, "s" + s, lop, {I32(b), I32(x)}, ea, "base+(i<<k) " + what);
            check_access(w, "r" + s, lop, {I32(b), I32(x)}, ea, "(i<<k)+base " + what);
            uint64_t eac = uint64_t{static_cast<uint32_t>((b - 1) + ((x + 1) << (k & 31)))} + off;
            check_access(w, "c" + s, lop, {I32(b), I32(x)}, eac, "computed " + what);
          }
      }
  }
}

TEST(InterpMemory, ScaledLoadIndexLocalModifiedAfter) {
  ITEST_LOAD(w, R"((module (memory 1)
    ;; sum of n i32 elements at base
    (func (export "sum") (param i32 i32) (result i32) (local i32 i32)
      block loop
        local.get 2 local.get 1 i32.ge_u br_if 1
        local.get 0 local.get 2 i32.const 2 i32.shl i32.add i32.load
        local.get 2 i32.const 1 i32.add local.set 2
        local.get 3 i32.add local.set 3
        br 0
      end end
      local.get 3)
    ;; list chase: the load result goes straight into the index local (retarget into an
    ;; operand of the scaled load itself)
    (func (export "chase") (param i32 i32 i32) (result i32)
      block loop
        local.get 2 i32.eqz br_if 1
        local.get 0 local.get 1 i32.const 3 i32.shl i32.add i32.load offset=4
        local.set 1
        local.get 2 i32.const 1 i32.sub local.set 2
        br 0
      end end
      local.get 1)
    ;; the same with tee, the old index still on the stack
    (func (export "tee") (param i32 i32) (result i32)
      local.get 1
      local.get 0 local.get 1 i32.const 2 i32.shl i32.add i32.load
      local.tee 1
      i32.add local.get 1 i32.xor)
    ;; base local overwritten by the scaled load it feeds
    (func (export "base") (param i32 i32) (result i32)
      local.get 0
      local.get 1 i32.const 2 i32.shl local.get 0 i32.add i32.load
      local.set 0
      local.get 0 i32.sub)
    ;; add-folded load into its own operand
    (func (export "addself") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.add i32.load local.set 1 local.get 1 local.get 0 i32.add)
    ;; scaled index from a local that is on the stack below and then incremented
    (func (export "below") (param i32 i32) (result i32)
      local.get 1
      local.get 0 local.get 1 i32.const 1 i32.shl i32.add i32.load16_u
      local.get 1 i32.const 1 i32.add local.set 1
      i32.add local.get 1 i32.mul))
  )");
  uint8_t* m = w.mem();
  auto rd32 = [&](uint64_t a) {
    uint32_t v;
    std::memcpy(&v, m + a, 4);
    return v;
  };
  auto wr32 = [&](uint64_t a, uint32_t v) { std::memcpy(m + a, &v, 4); };
  for (uint32_t i = 0; i < 1024; ++i) wr32(0x100 + i * 4, i * 2654435761u);
  for (uint32_t n : {0u, 1u, 2u, 100u, 1024u}) {
    uint32_t e = 0;
    for (uint32_t i = 0; i < n; ++i) e += rd32(0x100 + i * 4);
    EXPECT_EQ(w.u32("sum", {I32(0x100), I32(n)}), e) << n;
  }
  // nodes of 8 bytes at 0x2000: next at +4
  for (uint32_t i = 0; i < 64; ++i) wr32(0x2000 + i * 8 + 4, (i * 7 + 3) % 64);
  for (uint32_t start : {0u, 5u, 63u})
    for (uint32_t steps : {0u, 1u, 2u, 10u, 100u}) {
      uint32_t cur = start;
      for (uint32_t s = 0; s < steps; ++s) cur = rd32(0x2000 + uint64_t{cur} * 8 + 4);
      EXPECT_EQ(w.u32("chase", {I32(0x2000), I32(start), I32(steps)}), cur);
    }
  for (uint32_t i : {0u, 1u, 77u, 1023u}) {
    uint32_t v = rd32(0x100 + i * 4);
    EXPECT_EQ(w.u32("tee", {I32(0x100), I32(i)}), (i + v) ^ v);
    EXPECT_EQ(w.u32("base", {I32(0x100), I32(i)}), 0x100 - v);
    EXPECT_EQ(w.u32("addself", {I32(0x100), I32(i * 4)}), v + 0x100);
    uint16_t h;
    std::memcpy(&h, m + 0x100 + i * 2, 2);
    EXPECT_EQ(w.u32("below", {I32(0x100), I32(i)}), (i + h) * (i + 1));
  }
}

TEST(InterpMemory, BoundaryForEveryWidth) {
  // Loads and stores at size - width (ok) and size - width + 1 (trap), addressed directly,
  // through an offset, through a folded add and through a scaled index.
  struct Acc {
    const char* load;
    const char* store;
    const char* type;
    unsigned width;
  };
  std::vector<Acc> accs = {
      {"i32.load8_u", "i32.store8", "i32", 1},   {"i32.load16_u", "i32.store16", "i32", 2},
      {"i32.load", "i32.store", "i32", 4},       {"i64.load", "i64.store", "i64", 8},
      {"f32.load", "f32.store", "f32", 4},       {"f64.load", "f64.store", "f64", 8},
      {"i64.load8_s", "i64.store8", "i64", 1},   {"i64.load16_s", "i64.store16", "i64", 2},
      {"i64.load32_u", "i64.store32", "i64", 4}, {"i32.load8_s", "i32.store8", "i32", 1},
      {"i32.load16_s", "i32.store16", "i32", 2}, {"i64.load32_s", "i64.store32", "i64", 4},
  };
  for (uint32_t pages : {1u, 2u}) {
    uint32_t size = pages * 65536;
    std::string wat = "(module (memory " + std::to_string(pages) + ")\n";
    for (size_t i = 0; i < accs.size(); ++i) {
      std::string n = std::to_string(i), t = accs[i].type;
      wat += "(func (export \"ld" + n + "\") (param i32) (result " + t + ") local.get 0 " +
             accs[i].load + ")\n";
      wat += "(func (export \"ldo" + n + "\") (param i32) (result " + t + ") i32.const 0 " +
             accs[i].load + " offset=" + std::to_string(size - accs[i].width) +
             " drop local.get 0 " + accs[i].load +
             " offset=" + std::to_string(size - accs[i].width) + ")\n";
      wat += "(func (export \"lda" + n + "\") (param i32) (result " + t +
             ") local.get 0 i32.const " + std::to_string(size / 2) + " i32.add " + accs[i].load +
             " offset=" + std::to_string(size / 2 - accs[i].width) + ")\n";
      wat += "(func (export \"st" + n + "\") (param i32) local.get 0 " + t + ".const 0 " +
             accs[i].store + ")\n";
      wat += "(func (export \"sto" + n + "\") (param i32) local.get 0 " + t + ".const 0 " +
             accs[i].store + " offset=" + std::to_string(size - accs[i].width) + ")\n";
    }
    for (const char* t : {"i32", "i64", "f32", "f64"}) {
      unsigned wdt = (t[1] == '3') ? 4 : 8;
      std::string k = wdt == 4 ? "2" : "3";
      wat += std::string("(func (export \"sc_") + t + "\") (param i32) (result " + t +
             ") i32.const 0 local.get 0 i32.const " + k + " i32.shl i32.add " + t + ".load)\n";
    }
    wat += ")";
    ITEST_LOAD(w, wat);
    ASSERT_EQ(w.mem_size(), size);
    for (size_t i = 0; i < accs.size(); ++i) {
      SCOPED_TRACE(std::string(accs[i].load) + " pages=" + std::to_string(pages));
      std::string n = std::to_string(i);
      uint32_t last = size - accs[i].width;
      EXPECT_EQ(w.trap("ld" + n, {I32(last)}), std::nullopt);
      EXPECT_EQ(w.trap("ld" + n, {I32(last + 1)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("ld" + n, {I32(size)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("ld" + n, {I32(0xFFFFFFFFu)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("ldo" + n, {I32(0)}), std::nullopt);
      EXPECT_EQ(w.trap("ldo" + n, {I32(1)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("lda" + n, {I32(0)}), std::nullopt);
      EXPECT_EQ(w.trap("lda" + n, {I32(1)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("lda" + n, {I32(0xFFFFFFFFu)}), std::nullopt);  // wraps to size/2 - 1
      EXPECT_EQ(w.trap("st" + n, {I32(last)}), std::nullopt);
      EXPECT_EQ(w.trap("st" + n, {I32(last + 1)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("sto" + n, {I32(0)}), std::nullopt);
      EXPECT_EQ(w.trap("sto" + n, {I32(1)}), TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(w.trap("sto" + n, {I32(0xFFFFFFFFu)}), TrapKind::MemoryOutOfBounds);
    }
    for (const char* t : {"i32", "i64", "f32", "f64"}) {
      SCOPED_TRACE(std::string("scaled ") + t);
      unsigned wdt = (t[1] == '3') ? 4 : 8;
      uint32_t last = size / wdt - 1;
      EXPECT_EQ(w.trap(std::string("sc_") + t, {I32(last)}), std::nullopt);
      EXPECT_EQ(w.trap(std::string("sc_") + t, {I32(last + 1)}), TrapKind::MemoryOutOfBounds);
      // (2^32 / wdt) wraps to 0
      EXPECT_EQ(
          w.trap(std::string("sc_") + t, {I32(static_cast<uint32_t>((uint64_t{1} << 32) / wdt))}),
          std::nullopt);
    }
    // Still usable after all those traps.
    EXPECT_EQ(w.trap("ld0", {I32(0)}), std::nullopt);
  }
}

TEST(InterpMemory, GrowMovesTheBoundary) {
  ITEST_LOAD(w, R"((module (memory 1 3)
    (func (export "ld") (param i32) (result i32) local.get 0 i32.load)
    (func (export "ldadd") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add i32.load)
    (func (export "st") (param i32 i32) local.get 0 local.get 1 i32.store)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "size") (result i32) memory.size))
  )");
  EXPECT_EQ(w.trap("ld", {I32(65536)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(w.trap("ldadd", {I32(65533), I32(0)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(w.u32("grow", {I32(1)}), 1u);
  EXPECT_EQ(w.u32("size"), 2u);
  EXPECT_EQ(w.trap("st", {I32(65536), I32(0xABCD1234u)}), std::nullopt);
  EXPECT_EQ(w.u32("ld", {I32(65536)}), 0xABCD1234u);
  EXPECT_EQ(w.u32("ldadd", {I32(65530), I32(6)}), 0xABCD1234u);
  EXPECT_EQ(w.trap("ld", {I32(131069)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(w.u32("grow", {I32(5)}), 0xFFFFFFFFu);
  EXPECT_EQ(w.trap("ld", {I32(131069)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(w.trap("ld", {I32(131068)}), std::nullopt);
}

TEST(InterpMemory, StoresWithWrappingAddressAndLoadsBack) {
  ITEST_LOAD(w, R"((module (memory 1)
    (func (export "st") (param i32 i32 i64) local.get 0 local.get 1 i32.add local.get 2 i64.store offset=8)
    (func (export "ld") (param i32 i32) (result i64) local.get 0 local.get 1 i32.add i64.load offset=8))
  )");
  for (auto [b, x] : std::vector<std::pair<uint32_t, uint32_t>>{
           {0xFFFFFFF8u, 8}, {0xFFFFFFFFu, 1}, {0x80000000u, 0x80000000u}, {100, 0xFFFFFF9Cu}}) {
    uint64_t v = (uint64_t{b} << 32) ^ x ^ 0x0102030405060708ull;
    EXPECT_EQ(w.trap("st", {I32(b), I32(x), I64(v)}), std::nullopt) << b << " " << x;
    EXPECT_EQ(w.u64("ld", {I32(0), I32(static_cast<uint32_t>(b + x))}), v);
    EXPECT_EQ(w.u64("ld", {I32(x), I32(b)}), v);
  }
  // (0xFFFFFFF8 + 0xFFF8) mod 2^32 = 0xFFF0, + 8 = 0xFFF8: the last 8 bytes.
  EXPECT_EQ(w.trap("st", {I32(0xFFFFFFF8u), I32(0xFFF8u), I64(1)}), std::nullopt);
  EXPECT_EQ(w.trap("st", {I32(0xFFFFFFF8u), I32(0xFFF9u), I64(1)}), TrapKind::MemoryOutOfBounds);
}

}  // namespace
}  // namespace wc::engine
