// The translator's virtual operand stack: local.get / constants push slot references without
// code, and must be materialized before the local is overwritten and at block entries;
// local.set / local.tee retarget the previous instruction; `local.set L (i32.const 0)` is
// skipped while L is known zero from function entry.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::edge_u32;
using itest::I32;
using itest::I64;

TEST(InterpLocals, SwapThroughStack) {
  ITEST_LOAD(w, R"((module
    (func (export "swap") (param i32 i32) (result i32 i32)
      local.get 0 local.get 1 local.set 0 local.set 1 local.get 0 local.get 1)
    (func (export "swap_sub") (param i32 i32) (result i32)
      local.get 0 local.get 1 local.set 0 local.set 1 local.get 0 local.get 1 i32.sub)
    (func (export "swap3") (param i32 i32 i32) (result i32 i32 i32)
      ;; rotate: (a b c) -> (b c a) using only the stack
      local.get 0 local.get 1 local.get 2
      local.set 1 local.set 0 local.set 2
      local.get 1 local.get 2 local.get 0)
    (func (export "swap_local") (param i32 i32) (result i32) (local i32 i32)
      local.get 0 local.get 1 local.set 2 local.set 3
      local.get 2 local.get 3 i32.sub))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : {0u, 1u, 0x80000000u, 0xFFFFFFFFu, 12345u}) {
      EXPECT_EQ(w.multi("swap", {I32(a), I32(b)}), (std::vector<uint64_t>{b, a}));
      EXPECT_EQ(w.u32("swap_sub", {I32(a), I32(b)}), b - a);
      EXPECT_EQ(w.u32("swap_local", {I32(a), I32(b)}), b - a);
      EXPECT_EQ(w.multi("swap3", {I32(a), I32(b), I32(a ^ 0x5A5A)}),
                (std::vector<uint64_t>{a ^ 0x5A5Au, a, b}));
    }
}

TEST(InterpLocals, OldValueSurvivesLocalSet) {
  ITEST_LOAD(w, R"((module
    ;; old a left on the stack while a is overwritten with a computed value (retargeted)
    (func (export "f1") (param i32 i32) (result i32)
      local.get 0
      local.get 0 local.get 1 i32.add local.set 0
      local.get 0 i32.sub)
    ;; the same local pushed several times, then overwritten by a constant
    (func (export "f2") (param i32) (result i32)
      local.get 0 local.get 0 local.get 0 local.get 0
      i32.const 77 local.set 0
      i32.add i32.add i32.add local.get 0 i32.add)
    ;; the new value itself reads the local being overwritten, with old copies below
    (func (export "f3") (param i32 i32) (result i32)
      local.get 0
      local.get 0
      local.get 0 local.get 1 i32.mul local.set 0
      i32.xor
      local.get 0 i32.add)
    ;; local.set of another local's value while the target is on the stack
    (func (export "f4") (param i32 i32) (result i32)
      local.get 0 local.get 1 local.set 0 local.get 0 i32.sub))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : edge_u32()) {
      EXPECT_EQ(w.u32("f1", {I32(a), I32(b)}), a - (a + b)) << a << " " << b;
      EXPECT_EQ(w.u32("f3", {I32(a), I32(b)}), (a ^ a) + a * b);
      EXPECT_EQ(w.u32("f4", {I32(a), I32(b)}), a - b);
    }
  for (uint32_t a : edge_u32()) EXPECT_EQ(w.u32("f2", {I32(a)}), 4 * a + 77);
}

TEST(InterpLocals, StackRefAcrossNestedBlockAndLoop) {
  ITEST_LOAD(w, R"((module
    ;; old a stays below a block and a loop that rewrite a
    (func (export "f") (param i32 i32) (result i32)
      local.get 0
      block
        loop
          local.get 0 local.get 1 i32.add local.set 0
          local.get 1 i32.const 1 i32.sub local.tee 1
          br_if 0
        end
      end
      local.get 0 i32.sub)
    ;; a value read inside the loop body, kept on the stack across a write of the same local
    ;; in a nested block, and consumed after that block
    (func (export "g") (param i32 i32) (result i32) (local i32)
      loop
        local.get 0
        block
          local.get 0 i32.const 3 i32.mul i32.const 1 i32.add local.set 0
        end
        local.get 2 i32.add local.set 2
        local.get 1 i32.const 1 i32.sub local.tee 1
        br_if 0
      end
      local.get 2 local.get 0 i32.xor)
    ;; local ref used as a block result, with the local overwritten before the end
    (func (export "h") (param i32) (result i32)
      block (result i32)
        local.get 0
        i32.const 5 local.set 0
      end
      local.get 0 i32.mul)
    ;; local ref as a loop parameter, the local rewritten inside the loop
    (func (export "k") (param i32 i32) (result i32)
      local.get 0
      loop (param i32) (result i32)
        local.get 0 i32.const 2 i32.add local.set 0
        local.get 1 i32.const 1 i32.sub local.tee 1
        if (param i32) (result i32)
          local.get 0 i32.add
          br 1
        end
      end
      local.get 0 i32.add))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t n = 1; n <= 5; ++n) {
      uint32_t x = a, b = n;
      do {
        x += b;
        --b;
      } while (b != 0);
      EXPECT_EQ(w.u32("f", {I32(a), I32(n)}), a - x);
      uint32_t la = a, acc = 0;
      for (uint32_t i = n; i != 0; --i) {
        uint32_t old = la;
        la = la * 3 + 1;
        acc += old;
      }
      EXPECT_EQ(w.u32("g", {I32(a), I32(n)}), acc ^ la);
      // k: v = a; repeat: L0 += 2; n -= 1; if n != 0: v += L0, loop
      uint32_t v = a, l0 = a, c = n;
      for (;;) {
        l0 += 2;
        --c;
        if (c != 0) {
          v += l0;
          continue;
        }
        break;
      }
      EXPECT_EQ(w.u32("k", {I32(a), I32(n)}), v + l0);
    }
  for (uint32_t a : edge_u32()) EXPECT_EQ(w.u32("h", {I32(a)}), a * 5);
}

TEST(InterpLocals, BrIfCarriesLocalRefOut) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32) (result i32)
      block (result i32)
        local.get 0
        local.get 1 br_if 0
        i32.const 9 local.set 0
      end
      local.get 0 i32.const 1000 i32.mul i32.add)
    (func (export "g") (param i32 i32) (result i32)
      ;; the branch value is the local; after the not-taken br_if the local changes and the
      ;; stack value must still be the old one
      block (result i32)
        local.get 0
        local.get 0 local.get 1 i32.lt_u br_if 0
        local.get 1 local.set 0
        local.get 0 i32.add
      end))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : {0u, 1u, 2u, 0xFFFFFFFFu}) {
      uint32_t l0 = b ? a : 9;
      EXPECT_EQ(w.u32("f", {I32(a), I32(b)}), a + l0 * 1000);
      uint32_t g = a < b ? a : a + b;
      EXPECT_EQ(w.u32("g", {I32(a), I32(b)}), g);
    }
}

TEST(InterpLocals, TeeIntoOperandLocal) {
  ITEST_LOAD(w, R"((module
    (func (export "f1") (param i32) (result i32)
      local.get 0 local.get 0 i32.const 1 i32.add local.tee 0 i32.mul local.get 0 i32.add)
    (func (export "f2") (param i32 i32) (result i32)
      local.get 0 local.get 1 local.tee 0 i32.sub local.get 0 i32.const 16 i32.shl i32.xor)
    (func (export "f3") (param i32 i32) (result i32)
      ;; tee of a value computed from the same local, used twice in one expression
      local.get 0 local.get 1 i32.add local.tee 0 local.get 0 i32.mul local.get 0 i32.sub)
    (func (export "f4") (param i64 i64) (result i64)
      local.get 1 local.get 0 local.get 1 i64.sub local.tee 1 i64.add local.get 1 i64.mul))
  )");
  for (uint32_t a : edge_u32()) {
    EXPECT_EQ(w.u32("f1", {I32(a)}), a * (a + 1) + (a + 1));
    for (uint32_t b : edge_u32()) {
      EXPECT_EQ(w.u32("f2", {I32(a), I32(b)}), (a - b) ^ (b << 16));
      uint32_t s = a + b;
      EXPECT_EQ(w.u32("f3", {I32(a), I32(b)}), s * s - s);
      uint64_t A = uint64_t{a} * 0x100000001ull, B = uint64_t{b} << 7;
      uint64_t t = A - B;
      EXPECT_EQ(w.u64("f4", {I64(A), I64(B)}), (B + t) * t);
    }
  }
}

TEST(InterpLocals, ComparisonTeeThenBrIf) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32) (result i32) (local i32)
      block
        local.get 0 local.get 1 i32.lt_s local.tee 2
        br_if 0
        local.get 2 i32.const 10 i32.add local.set 2
      end
      local.get 2)
    ;; the comparison is kept as a value under a br_if on a different condition
    (func (export "g") (param i32 i32 i32) (result i32)
      block (result i32)
        local.get 0 local.get 1 i32.gt_u
        local.get 2
        br_if 0
        i32.const 100 i32.add
      end)
    ;; comparison used by br_if, and its inverse recomputed afterwards
    (func (export "h") (param i32 i32) (result i32) (local i32)
      block (result i32)
        i32.const 5
        local.get 0 local.get 1 i32.ge_s local.tee 2
        br_if 0
        drop
        local.get 2 i32.eqz
      end
      local.get 2 i32.const 8 i32.mul i32.add))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : edge_u32()) {
      int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
      EXPECT_EQ(w.u32("f", {I32(a), I32(b)}), sa < sb ? 1u : 10u) << sa << " " << sb;
      for (uint32_t c : {0u, 1u}) {
        uint32_t gt = a > b;
        EXPECT_EQ(w.u32("g", {I32(a), I32(b), I32(c)}), c ? gt : gt + 100);
      }
      uint32_t ge = sa >= sb;
      EXPECT_EQ(w.u32("h", {I32(a), I32(b)}), (ge ? 5u : 1u) + ge * 8);
    }
}

TEST(InterpLocals, EntryZeroSkipDoesNotApplyToParams) {
  ITEST_LOAD(w, R"((module
    (func (export "p0") (param i32) (result i32)
      i32.const 0 local.set 0 local.get 0)
    (func (export "p1") (param i32 i32) (result i32)
      i32.const 0 local.tee 1 local.get 1 i32.add local.get 0 i32.add)
    (func (export "p64") (param i64) (result i64)
      i64.const 0 local.set 0 local.get 0)
    (func (export "pf64") (param f64) (result f64)
      f64.const 0 local.set 0 local.get 0)
    ;; a declared local: set nonzero, then zero, straight-line
    (func (export "d1") (param i32) (result i32) (local i32)
      local.get 0 local.set 1 i32.const 0 local.set 1 local.get 1)
    ;; declared local set through a retargeted instruction, then zero
    (func (export "d2") (param i32) (result i32) (local i32)
      local.get 0 i32.const 1 i32.add local.set 1 i32.const 0 local.set 1 local.get 1)
    ;; declared f64 local: -0.0 is not all-zero bits
    (func (export "d3") (result i64) (local f64)
      f64.const -0 local.set 0 local.get 0 i64.reinterpret_f64)
    ;; declared local, tee'd nonzero then zero
    (func (export "d4") (param i32) (result i32) (local i32)
      local.get 0 local.tee 1 drop i32.const 0 local.tee 1 local.get 1 i32.add))
  )");
  for (uint32_t a : edge_u32()) {
    EXPECT_EQ(w.u32("p0", {I32(a)}), 0u);
    EXPECT_EQ(w.u32("p1", {I32(a), I32(a + 7)}), a);
    EXPECT_EQ(w.u64("p64", {I64(uint64_t{a} << 20 | 1)}), 0u);
    EXPECT_EQ(w.u64("pf64", {Value::f64(1.5 + a)}), 0u);
    EXPECT_EQ(w.u32("d1", {I32(a)}), 0u);
    EXPECT_EQ(w.u32("d2", {I32(a)}), 0u);
    EXPECT_EQ(w.u32("d4", {I32(a)}), 0u);
  }
  EXPECT_EQ(w.u64("d3"), 0x8000000000000000ull);
}

TEST(InterpLocals, ZeroStoreInLoopExecutesEachIteration) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32) (result i32) (local i32 i32)
      loop
        i32.const 0 local.set 2
        local.get 2 i32.const 1 i32.add local.set 2
        local.get 1 local.get 2 i32.add local.set 1
        local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
      end
      local.get 1)
    ;; the zero store is inside a block after the loop's first iteration changed the local
    (func (export "g") (param i32) (result i32) (local i32 i32)
      loop
        block
          i32.const 0 local.set 2
        end
        local.get 2 i32.const 5 i32.add local.set 2
        local.get 1 local.get 2 i32.add local.set 1
        local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0
      end
      local.get 1)
    ;; the zero store right after an if that may have written the local
    (func (export "h") (param i32) (result i32) (local i32)
      local.get 0 if i32.const 9 local.set 1 end
      local.get 1
      i32.const 0 local.set 1
      local.get 1 i32.add)
    ;; after a block that wrote the local (no branch at all)
    (func (export "k") (result i32) (local i32)
      block i32.const 3 local.set 0 end
      i32.const 0 local.set 0
      local.get 0))
  )");
  for (uint32_t n : {1u, 2u, 3u, 10u, 100u}) {
    EXPECT_EQ(w.u32("f", {I32(n)}), n);
    EXPECT_EQ(w.u32("g", {I32(n)}), 5 * n);
  }
  EXPECT_EQ(w.u32("h", {I32(0)}), 0u);
  EXPECT_EQ(w.u32("h", {I32(1)}), 9u);
  EXPECT_EQ(w.u32("k"), 0u);
}

TEST(InterpLocals, DeclaredLocalsZeroInEveryFrame) {
  // Callee frames overlap the caller's operand stack, which holds stale values; declared
  // locals must still read 0 on entry, also when the first store of 0 is skipped.
  ITEST_LOAD(w, R"((module
    (func $r (export "r") (param i32) (result i32) (local i32 i64 f64)
      local.get 1
      local.get 2 i32.wrap_i64 i32.add
      local.get 3 i32.trunc_f64_s i32.add
      i32.const 0 local.set 1
      local.get 1 i32.add
      i32.const 0x7FFF local.set 1
      i64.const 0x1234567 local.set 2
      f64.const 3.5 local.set 3
      local.get 0
      if (result i32)
        local.get 0 i32.const 1 i32.sub call $r
        i32.const 0x7FFF i32.const 0x7FFF i32.const 0x7FFF drop drop drop
      else
        i32.const 0
      end
      i32.add
      local.get 1 i32.add
      i32.const -0x7FFF i32.add))
  )");
  // Deep run first so later, shallower runs find stale locals in the reused stack.
  for (uint32_t n : {50u, 50u, 5u, 1u, 0u, 7u}) EXPECT_EQ(w.u32("r", {I32(n)}), 0u) << n;
}

TEST(InterpLocals, ManyDistinctConstantsBeyondPool) {
  // More distinct constants than the pool holds: the rest are materialized by instructions,
  // which may themselves be retargeted by local.set.
  std::string body;
  uint32_t expect = 0, l1 = 0;
  for (uint32_t i = 0; i < 700; ++i) {
    uint32_t c = 0x1000 + i * 7919u;
    body += "i32.const " + std::to_string(c) + " ";
    if (i % 3 == 0) {
      body += "local.set 1 local.get 1 local.get 0 i32.xor local.get 2 i32.add local.set 2\n";
      l1 = c;
      expect += l1 ^ 0x55u;
    } else {
      body += "local.get 2 i32.add local.set 2\n";
      expect += c;
    }
  }
  std::string wat = "(module (func (export \"f\") (param i32) (result i32) (local i32 i32)\n" +
                    body + " local.get 2 local.get 1 i32.sub))";
  ITEST_LOAD(w, wat);
  EXPECT_EQ(w.u32("f", {I32(0x55)}), expect - l1);
}

TEST(InterpLocals, BlockParamsFromLocals) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32) (result i32)
      local.get 0 local.get 1
      block (param i32 i32) (result i32)
        i32.const 3 local.set 0
        i32.const 4 local.set 1
        i32.sub
      end
      local.get 0 local.get 1 i32.mul i32.add)
    (func (export "g") (param i32 i32) (result i32 i32)
      local.get 1 local.get 0
      loop (param i32 i32) (result i32 i32)
        local.get 0 i32.const 1 i32.add local.set 0
        local.get 1 local.set 0
      end))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : {0u, 1u, 0x80000000u, 77u}) {
      EXPECT_EQ(w.u32("f", {I32(a), I32(b)}), (a - b) + 12);
      EXPECT_EQ(w.multi("g", {I32(a), I32(b)}), (std::vector<uint64_t>{b, a}));
    }
}

TEST(InterpLocals, SelectWithLocalOperandsOverwritten) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32 i32) (result i32)
      local.get 0 local.get 1 local.get 2 select
      local.get 1 local.set 0
      local.get 0 local.set 1
      local.get 0 i32.const 1 i32.add local.set 2
      local.get 2 i32.add)
    (func (export "g") (param i64 i64 i32) (result i64)
      local.get 0 local.get 1
      local.get 2 local.get 2 i32.const 1 i32.and local.set 2
      select (result i64)
      local.get 2 i64.extend_i32_u i64.add))
  )");
  for (uint32_t a : {0u, 5u, 0xFFFFFFFFu})
    for (uint32_t b : {0u, 9u, 0x80000000u})
      for (uint32_t c : {0u, 1u, 2u, 0x80000000u}) {
        EXPECT_EQ(w.u32("f", {I32(a), I32(b), I32(c)}), (c ? a : b) + b + 1);
        uint64_t A = uint64_t{a} << 32 | 3, B = uint64_t{b} << 32 | 4;
        EXPECT_EQ(w.u64("g", {I64(A), I64(B), I32(c)}), (c ? A : B) + (c & 1));
      }
}

TEST(InterpLocals, I32ValuesKeepUpperSlotBitsClear) {
  // Every i32 a function returns must have the upper 32 bits of its slot clear (Value's
  // invariant), whatever produced it: globals initialized from negative constants, constants
  // shared with i64 constants in the pool, wrapped i64s, selects and loads.
  ITEST_LOAD(w, R"((module
    (memory 1)
    (data (i32.const 0) "\ff\ff\ff\ff\ff\ff\ff\ff")
    (global $g i32 (i32.const -1))
    (global $m (mut i32) (i32.const -2))
    (func (export "g") (result i32) global.get $g)
    (func (export "m") (result i32) global.get $m)
    (func (export "mset") (result i32) i32.const -3 global.set $m global.get $m)
    (func (export "k") (result i32) i64.const -1 drop i32.const -1)
    (func (export "k64") (result i64) i32.const -1 drop i64.const 4294967295)
    (func (export "wrap") (param i64) (result i32) local.get 0 i32.wrap_i64)
    (func (export "sel") (param i32) (result i32) i32.const -1 i32.const -5 local.get 0 select)
    (func (export "ld") (result i32) i32.const 0 i32.load)
    (func (export "ld8") (result i32) i32.const 0 i32.load8_s)
    (func (export "ld16a") (param i32) (result i32) local.get 0 i32.const 2 i32.add i32.load16_s)
    (func (export "gl") (result i32) (local i32) global.get $g local.set 0 local.get 0))
  )");
  EXPECT_EQ(w.u64("g"), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("m"), 0xFFFFFFFEull);
  EXPECT_EQ(w.u64("mset"), 0xFFFFFFFDull);
  EXPECT_EQ(w.u64("k"), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("k64"), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("wrap", {I64(0xFFFFFFFFFFFFFFFFull)}), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("sel", {I32(1)}), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("sel", {I32(0)}), 0xFFFFFFFBull);
  EXPECT_EQ(w.u64("ld"), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("ld8"), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("ld16a", {I32(0)}), 0xFFFFFFFFull);
  EXPECT_EQ(w.u64("gl"), 0xFFFFFFFFull);
}

}  // namespace
}  // namespace wc::engine
