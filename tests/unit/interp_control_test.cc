// Control flow in the translator: fused i32 compare + branch for br_if and if (both
// polarities), branch value moves for br / br_if / br_table (with stubs) into blocks and loops
// with parameters and results, and dead code after unconditional branches.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::edge_u32;
using itest::I32;

struct CmpOp {
  const char* name;
  std::function<bool(uint32_t, uint32_t)> eval;
};

const std::vector<CmpOp>& cmp_ops() {
  static const std::vector<CmpOp> ops = {
      {"eq", [](uint32_t a, uint32_t b) { return a == b; }},
      {"ne", [](uint32_t a, uint32_t b) { return a != b; }},
      {"lt_s", [](uint32_t a, uint32_t b) { return int32_t(a) < int32_t(b); }},
      {"lt_u", [](uint32_t a, uint32_t b) { return a < b; }},
      {"gt_s", [](uint32_t a, uint32_t b) { return int32_t(a) > int32_t(b); }},
      {"gt_u", [](uint32_t a, uint32_t b) { return a > b; }},
      {"le_s", [](uint32_t a, uint32_t b) { return int32_t(a) <= int32_t(b); }},
      {"le_u", [](uint32_t a, uint32_t b) { return a <= b; }},
      {"ge_s", [](uint32_t a, uint32_t b) { return int32_t(a) >= int32_t(b); }},
      {"ge_u", [](uint32_t a, uint32_t b) { return a >= b; }},
  };
  return ops;
}

// For one comparison, many shapes of branch on it.
std::string cmp_module(const std::string& op) {
  std::string c = "i32." + op;
  return R"((module
    (func (export "val") (param i32 i32) (result i32) local.get 0 local.get 1 )" +
         c + R"()
    (func (export "brif") (param i32 i32) (result i32)
      block local.get 0 local.get 1 )" +
         c + R"( br_if 0 i32.const 0 return end i32.const 1)
    (func (export "brif_not") (param i32 i32) (result i32)
      block local.get 0 local.get 1 )" +
         c + R"( i32.eqz br_if 0 i32.const 1 return end i32.const 0)
    (func (export "if") (param i32 i32) (result i32)
      local.get 0 local.get 1 )" +
         c + R"( if (result i32) i32.const 1 else i32.const 0 end)
    (func (export "if_not") (param i32 i32) (result i32)
      local.get 0 local.get 1 )" +
         c + R"( i32.eqz if (result i32) i32.const 0 else i32.const 1 end)
    (func (export "if_noelse") (param i32 i32) (result i32) (local i32)
      i32.const 2 local.set 2
      local.get 0 local.get 1 )" +
         c + R"( if i32.const 1 local.set 2 end
      local.get 2 i32.const 2 i32.ne)
    ;; branch that carries a value (needs moves: the taken path is the negated fused branch)
    (func (export "brif_val") (param i32 i32) (result i32)
      block (result i32)
        i32.const 1
        local.get 0 local.get 1 )" +
         c + R"( br_if 0
        drop i32.const 0
      end)
    ;; branch to function level (a return on the taken path)
    (func (export "brif_ret") (param i32 i32) (result i32)
      i32.const 1
      local.get 0 local.get 1 )" +
         c + R"( br_if 0
      drop i32.const 0)
    ;; constant operands, both sides
    (func (export "brif_k") (param i32 i32) (result i32)
      block local.get 0 i32.const 0x80000000 )" +
         c + R"( br_if 0 i32.const 0 return end i32.const 1)
    (func (export "brif_k2") (param i32 i32) (result i32)
      block i32.const -1 local.get 1 )" +
         c + R"( br_if 0 i32.const 0 return end i32.const 1)
    ;; computed operands
    (func (export "brif_c") (param i32 i32) (result i32)
      block local.get 0 i32.const 0 i32.add local.get 1 i32.const 0 i32.xor )" +
         c + R"( br_if 0
        i32.const 0 return end i32.const 1)
    ;; a counted loop whose back-edge is the fused branch: counts how long cmp(i, b) holds
    ;; when i walks from a upwards by 1, at most 5 steps
    (func (export "loop") (param i32 i32) (result i32) (local i32)
      loop
        local.get 2 i32.const 5 i32.eq if local.get 2 return end
        local.get 2 i32.const 1 i32.add local.set 2
        local.get 0 local.get 2 i32.add i32.const 1 i32.sub local.get 1 )" +
         c + R"(
        br_if 0
      end
      local.get 2)
    ;; a sum kept in a local and compared right away (add fused into the branch), with the
    ;; sum on either side; returns 2 if the branch was taken, plus 1 if the local holds a + b
    (func (export "addbr") (param i32 i32) (result i32) (local i32)
      block
        local.get 0 local.get 1 i32.add local.tee 2 local.get 1 )" +
         c + R"( br_if 0
        local.get 2 local.get 0 local.get 1 i32.add i32.eq return
      end
      local.get 2 local.get 0 local.get 1 i32.add i32.eq i32.const 2 i32.add)
    (func (export "addbr_swap") (param i32 i32) (result i32) (local i32)
      block
        local.get 1 local.get 0 local.get 1 i32.add local.tee 2 )" +
         c + R"( br_if 0
        local.get 2 local.get 0 local.get 1 i32.add i32.eq return
      end
      local.get 2 local.get 0 local.get 1 i32.add i32.eq i32.const 2 i32.add)
    ;; select on the comparison (no branch; the comparison must still be computed)
    (func (export "sel") (param i32 i32) (result i32)
      i32.const 7 i32.const 9 local.get 0 local.get 1 )" +
         c + R"( select))
  )";
}

TEST(InterpControl, FusedCompareBranchesAllOps) {
  for (const CmpOp& op : cmp_ops()) {
    SCOPED_TRACE(op.name);
    ITEST_LOAD(w, cmp_module(op.name));
    for (uint32_t a : edge_u32())
      for (uint32_t b : edge_u32()) {
        uint32_t e = op.eval(a, b) ? 1 : 0;
        std::vector<Value> args = {I32(a), I32(b)};
        ASSERT_EQ(w.u32("val", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("brif", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("brif_not", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("if", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("if_not", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("if_noelse", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("brif_val", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("brif_ret", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("addbr", args), (op.eval(a + b, b) ? 2u : 0u) + 1) << a << " " << b;
        EXPECT_EQ(w.u32("addbr_swap", args), (op.eval(b, a + b) ? 2u : 0u) + 1) << a << " " << b;
        EXPECT_EQ(w.u32("brif_k", args), op.eval(a, 0x80000000u) ? 1u : 0u) << a;
        EXPECT_EQ(w.u32("brif_k2", args), op.eval(0xFFFFFFFFu, b) ? 1u : 0u) << b;
        EXPECT_EQ(w.u32("brif_c", args), e) << a << " " << b;
        EXPECT_EQ(w.u32("sel", args), e ? 7u : 9u) << a << " " << b;
        uint32_t i = 0;
        for (;;) {
          if (i == 5) break;
          bool c = op.eval(a + i, b);
          ++i;
          if (!c) break;
        }
        EXPECT_EQ(w.u32("loop", args), i) << a << " " << b;
      }
  }
}

TEST(InterpControl, EqzBranches) {
  ITEST_LOAD(w, R"((module
    (func (export "brif") (param i32) (result i32)
      block local.get 0 i32.eqz br_if 0 i32.const 0 return end i32.const 1)
    (func (export "if") (param i32) (result i32)
      local.get 0 i32.eqz if (result i32) i32.const 1 else i32.const 0 end)
    (func (export "eqz_eqz") (param i32) (result i32)
      block local.get 0 i32.eqz i32.eqz br_if 0 i32.const 0 return end i32.const 1)
    (func (export "brif_val") (param i32) (result i32)
      block (result i32) i32.const 1 local.get 0 i32.eqz br_if 0 drop i32.const 0 end)
    (func (export "plain_brif") (param i32) (result i32)
      block local.get 0 br_if 0 i32.const 0 return end i32.const 1)
    (func (export "i64") (param i64) (result i32)
      block local.get 0 i64.eqz br_if 0 i32.const 0 return end i32.const 1))
  )");
  for (uint32_t a : edge_u32()) {
    uint32_t z = a == 0;
    EXPECT_EQ(w.u32("brif", {I32(a)}), z);
    EXPECT_EQ(w.u32("if", {I32(a)}), z);
    EXPECT_EQ(w.u32("eqz_eqz", {I32(a)}), 1 - z);
    EXPECT_EQ(w.u32("brif_val", {I32(a)}), z);
    EXPECT_EQ(w.u32("plain_brif", {I32(a)}), 1 - z);
    EXPECT_EQ(w.u32("i64", {Value::i64(uint64_t{a} << 32)}), z);
    EXPECT_EQ(w.u32("i64", {Value::i64(a)}), z);
  }
}

TEST(InterpControl, I64ComparesAreNotFusedAsI32) {
  // An i64 comparison must compare all 64 bits even when the low halves decide differently.
  ITEST_LOAD(w, R"((module
    (func (export "lt") (param i64 i64) (result i32)
      block local.get 0 local.get 1 i64.lt_s br_if 0 i32.const 0 return end i32.const 1)
    (func (export "eq") (param i64 i64) (result i32)
      local.get 0 local.get 1 i64.eq if (result i32) i32.const 1 else i32.const 0 end))
  )");
  std::vector<uint64_t> vals = {0,
                                1,
                                0xFFFFFFFFull,
                                0x100000000ull,
                                0x100000001ull,
                                0x8000000000000000ull,
                                0xFFFFFFFFFFFFFFFFull,
                                0x7FFFFFFF00000000ull};
  for (uint64_t a : vals)
    for (uint64_t b : vals) {
      EXPECT_EQ(w.u32("lt", {Value::i64(a), Value::i64(b)}), int64_t(a) < int64_t(b) ? 1u : 0u);
      EXPECT_EQ(w.u32("eq", {Value::i64(a), Value::i64(b)}), a == b ? 1u : 0u);
    }
}

TEST(InterpControl, IfWithParamsAndResults) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32 i32) (result i32)
      local.get 0 local.get 1 local.get 2
      if (param i32 i32) (result i32)
        i32.sub
      else
        i32.const 3 i32.mul i32.add
      end)
    ;; no else: params pass through unchanged when the condition is false
    (func (export "g") (param i32 i32) (result i32 i32)
      local.get 0 local.get 1
      local.get 0 local.get 1 i32.lt_u
      if (param i32 i32) (result i32 i32)
        i32.const 100 i32.add
      end)
    ;; params from locals overwritten inside both arms
    (func (export "h") (param i32 i32) (result i32)
      local.get 0 local.get 1
      local.get 0 i32.const 1 i32.and
      if (param i32 i32) (result i32)
        i32.const 7 local.set 0 i32.add local.get 0 i32.add
      else
        i32.const 9 local.set 1 i32.mul local.get 1 i32.add
      end
      local.get 0 i32.add local.get 1 i32.add)
    ;; values below the if must survive both arms
    (func (export "k") (param i32 i32) (result i32)
      local.get 0 i32.const 3 i32.mul
      local.get 1
      local.get 1
      if (param i32) (result i32 i32)
        i32.const 1 i32.add i32.const 50
      else
        i32.const 2 i32.add i32.const 60
      end
      i32.mul i32.add))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : edge_u32()) {
      for (uint32_t c : {0u, 1u, 0x80000000u})
        EXPECT_EQ(w.u32("f", {I32(a), I32(b), I32(c)}), c ? a - b : a + b * 3);
      std::vector<uint64_t> g =
          a < b ? std::vector<uint64_t>{a, uint32_t(b + 100)} : std::vector<uint64_t>{a, b};
      EXPECT_EQ(w.multi("g", {I32(a), I32(b)}), g);
      uint32_t h;
      if (a & 1) {
        h = (a + b) + 7 + 7 + b;
      } else {
        h = (a * b) + 9 + a + 9;
      }
      EXPECT_EQ(w.u32("h", {I32(a), I32(b)}), h) << a << " " << b;
      uint32_t k = b ? a * 3 + (b + 1) * 50 : a * 3 + (b + 2) * 60;
      EXPECT_EQ(w.u32("k", {I32(a), I32(b)}), k);
    }
}

TEST(InterpControl, BrIfCarriesValuesOutOfBlock) {
  ITEST_LOAD(w, R"((module
    ;; a stays below; (b, c) leave the block on the taken branch
    (func (export "f") (param i32 i32 i32) (result i32 i32 i32)
      local.get 0
      block (result i32 i32)
        local.get 1
        local.get 2
        local.get 2 i32.const 1 i32.and br_if 0
        i32.const 10 i32.add
      end)
    ;; computed values below the branch values, which come from swapped locals
    (func (export "g") (param i32 i32) (result i32)
      local.get 0 local.get 1 i32.mul
      block (result i32 i32)
        local.get 1 local.get 0
        local.get 0 local.get 1 i32.gt_s br_if 0
        i32.sub
        i32.const 5
      end
      i32.const 1000 i32.mul i32.add
      i32.xor)
    ;; br_if out of two levels with a local's value; the outer block's value below
    (func (export "h") (param i32 i32) (result i32)
      block (result i32)
        local.get 0
        block (result i32)
          local.get 1
          local.get 0
          local.get 1 br_if 1
          i32.add
        end
        i32.add
      end
      local.get 0 i32.sub)
    ;; br_if whose values need no moves (computed in place) and whose fall-through reuses them
    (func (export "k") (param i32 i32) (result i32)
      block (result i32)
        local.get 0 local.get 1 i32.add
        local.get 0 br_if 0
        i32.const 3 i32.mul
      end))
  )");
  for (uint32_t a : edge_u32())
    for (uint32_t b : {0u, 1u, 2u, 0x80000000u, 0xFFFFFFFFu}) {
      for (uint32_t c : {0u, 1u, 2u, 3u, 0xFFFFFFFFu}) {
        std::vector<uint64_t> e = {a, b, (c & 1) ? c : uint32_t(c + 10)};
        EXPECT_EQ(w.multi("f", {I32(a), I32(b), I32(c)}), e);
      }
      uint32_t below = a * b;
      uint32_t g = int32_t(a) > int32_t(b) ? below ^ (b + a * 1000) : below ^ ((b - a) + 5000);
      EXPECT_EQ(w.u32("g", {I32(a), I32(b)}), g) << a << " " << b;
      EXPECT_EQ(w.u32("h", {I32(a), I32(b)}), b ? 0u : a + b) << a << " " << b;
      uint32_t k = a ? a + b : (a + b) * 3;
      EXPECT_EQ(w.u32("k", {I32(a), I32(b)}), k);
    }
}

TEST(InterpControl, BrTableWithValuesToBlocks) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32 i32) (result i32)
      block $b2 (result i32)
        block $b1 (result i32)
          block $b0 (result i32)
            local.get 1
            local.get 0
            br_table $b0 $b1 $b2 $b1
          end
          i32.const 100 i32.add
          br $b2
        end
        i32.const 1000 i32.add
      end
      i32.const 7 i32.mul)
    ;; two values per target, from swapped locals, with a computed value below every block
    (func (export "g") (param i32 i32 i32) (result i32)
      local.get 2 i32.const 3 i32.shl
      block $b1 (result i32 i32)
        block $b0 (result i32 i32)
          local.get 1 local.get 0
          local.get 2
          br_table $b0 $b1 $b0
        end
        i32.sub i32.const 0
      end
      i32.const 16 i32.shl i32.xor i32.xor)
    ;; computed branch values that already sit where one target expects them (no stub) and
    ;; not where another does (stub with moves)
    (func (export "h") (param i32 i32) (result i32)
      block $outer (result i32)
        local.get 0 i32.const 1 i32.add
        block $inner (result i32)
          local.get 0 local.get 1 i32.mul
          local.get 1
          br_table $inner $outer $inner
        end
        i32.add
      end
      i32.const 3 i32.add)
    ;; a br_table to the function level (returns), with values from a param
    (func (export "k") (param i32 i32) (result i32)
      block (result i32)
        local.get 1
        local.get 0
        br_table 0 1 0
      end
      i32.const 1 i32.add))
  )");
  for (uint32_t x : edge_u32())
    for (uint32_t sel : {0u, 1u, 2u, 3u, 4u, 100u, 0x80000000u, 0xFFFFFFFFu}) {
      uint32_t f = sel == 0 ? (x + 100) * 7 : sel == 2 ? x * 7 : (x + 1000) * 7;
      EXPECT_EQ(w.u32("f", {I32(sel), I32(x)}), f) << sel << " " << x;
      uint32_t a = x, b = x * 31 + 5;
      // g: values (b, a); target b0 (sel 0 or >= 2) -> sub: b - a, 0; b1 (sel 1) -> (b, a)
      uint32_t r0, r1;
      if (sel == 1) {
        r0 = b;
        r1 = a;
      } else {
        r0 = b - a;
        r1 = 0;
      }
      uint32_t g = (sel << 3) ^ (r0 ^ (r1 << 16));
      EXPECT_EQ(w.u32("g", {I32(a), I32(b), I32(sel)}), g) << sel << " " << x;
      uint32_t h = sel == 1 ? a + 3 : (a + 1) + a * sel + 3;
      EXPECT_EQ(w.u32("h", {I32(a), I32(sel)}), h) << sel << " " << x;
      uint32_t k = sel == 1 ? x : x + 1;
      EXPECT_EQ(w.u32("k", {I32(sel), I32(x)}), k) << sel << " " << x;
    }
}

TEST(InterpControl, BrTableToLoopWithParams) {
  ITEST_LOAD(w, R"((module
    (func (export "sum") (param i32) (result i32 i32) (local i32 i32)
      block $exit (result i32 i32)
        local.get 0 i32.const 0
        loop $l (param i32 i32) (result i32 i32)
          local.set 2 local.set 1
          local.get 1 i32.const 1 i32.sub
          local.get 2 local.get 1 i32.add
          local.get 1 i32.const 1 i32.le_u
          br_table $l $exit
        end
      end)
    ;; loop params passed around unchanged and swapped through the back-edge
    (func (export "swapper") (param i32 i32 i32) (result i32 i32)
      local.get 0 local.get 1
      loop $l (param i32 i32) (result i32 i32)
        local.set 1 local.set 0
        local.get 1 local.get 0
        local.get 2 i32.const 1 i32.sub local.tee 2
        br_if $l
      end))
  )");
  for (uint32_t n : {0u, 1u, 2u, 3u, 10u, 100u}) {
    uint32_t cur = n, acc = 0;
    for (;;) {
      uint32_t nn = cur - 1, na = acc + cur;
      bool exit = cur <= 1;
      cur = nn;
      acc = na;
      if (exit) break;
    }
    EXPECT_EQ(w.multi("sum", {I32(n)}), (std::vector<uint64_t>{cur, acc})) << n;
  }
  for (uint32_t n : {1u, 2u, 3u, 4u, 7u}) {
    std::vector<uint64_t> e = n % 2 ? std::vector<uint64_t>{22, 11} : std::vector<uint64_t>{11, 22};
    EXPECT_EQ(w.multi("swapper", {I32(11), I32(22), I32(n)}), e) << n;
  }
}

TEST(InterpControl, BrToLoopWithParamsFromNestedBlock) {
  ITEST_LOAD(w, R"((module
    ;; gcd by subtraction with the pair carried as loop parameters
    (func (export "gcd") (param i32 i32) (result i32)
      local.get 0 local.get 1
      loop $l (param i32 i32) (result i32)
        local.set 1 local.set 0
        block $done
          local.get 1 i32.eqz br_if $done
          local.get 1
          local.get 0 local.get 1 i32.rem_u
          br $l
        end
        local.get 0
      end)
    ;; fibonacci with (a, b, n) as loop parameters; the back-edge is inside a block
    (func (export "fib") (param i32) (result i32) (local i32 i32)
      i32.const 0 i32.const 1 local.get 0
      loop $l (param i32 i32 i32) (result i32)
        local.set 0 local.set 2 local.set 1
        block $b
          local.get 0 i32.eqz br_if $b
          local.get 2
          local.get 1 local.get 2 i32.add
          local.get 0 i32.const 1 i32.sub
          br $l
        end
        local.get 1
      end))
  )");
  uint32_t fa = 0, fb = 1;
  for (uint32_t n = 0; n < 60; ++n) {
    EXPECT_EQ(w.u32("fib", {I32(n)}), fa) << n;
    uint32_t t = fa + fb;
    fa = fb;
    fb = t;
  }
  auto gcd = [](uint32_t a, uint32_t b) {
    while (b) {
      uint32_t t = a % b;
      a = b;
      b = t;
    }
    return a;
  };
  for (uint32_t a : {0u, 1u, 12u, 18u, 1000u, 0xFFFFFFFFu, 0x80000000u})
    for (uint32_t b : {0u, 1u, 8u, 27u, 65536u})
      EXPECT_EQ(w.u32("gcd", {I32(a), I32(b)}), gcd(a, b)) << a << " " << b;
}

TEST(InterpControl, DeadCodeAfterBranches) {
  ITEST_LOAD(w, R"((module
    (func (export "f") (param i32) (result i32)
      block (result i32)
        local.get 0
        br 0
        i32.const 1 local.set 0
        block (result i32) i32.const 5 if i32.const 6 drop else unreachable end i32.const 2 end
        drop
        loop br 0 end
        i32.const 3
      end
      local.get 0 i32.add)
    (func (export "g") (param i32) (result i32)
      local.get 0
      if (result i32)
        i32.const 10
        return
        i32.const 11
      else
        local.get 0 i32.const 1 i32.add
        br 0
        unreachable
      end)
    (func (export "h") (param i32) (result i32)
      block
        local.get 0
        br_table 0 0
        i32.const 99
        return
      end
      i32.const 42))
  )");
  for (uint32_t a : edge_u32()) {
    EXPECT_EQ(w.u32("f", {I32(a)}), a + a);
    EXPECT_EQ(w.u32("g", {I32(a)}), a ? 10u : 1u);
    EXPECT_EQ(w.u32("h", {I32(a)}), 42u);
  }
}

}  // namespace
}  // namespace wc::engine
