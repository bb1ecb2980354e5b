// br_table in the JIT tier: up to kMaxCompareChain targets a compare chain, above that a
// position-independent jump table (32-bit offsets relative to the table), above kMaxJumpTable
// targets left to the interpreter. Every index (in range, the default, out of range, "negative"
// as a signed number) must reach the interpreter's target, including backward targets into
// loops, whose stubs poll the interrupt flag.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "engine/interp/compiled_function.h"
#include "engine/jit/x64_analysis.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig jit_config() {
  StoreConfig c;
  c.engine = jit::EngineMode::Jit;
  c.jit_min_run = 1;  // every compiled instruction enterable: the tests run the code itself
  return c;
}
StoreConfig interp_config() {
  StoreConfig c;
  c.engine = jit::EngineMode::Interp;
  return c;
}

// Blocks of pick_module: one per target, at most 16.
uint32_t block_count(uint32_t targets) { return targets < 16 ? targets + 1 : 16; }

// (func (export "pick") (param i32) (result i32)): nested blocks; index i goes to block
// (i * 7) % blocks, whose exit returns 100 + that block's number; the default goes to the
// outermost block.
std::string pick_module(uint32_t targets) {
  const uint32_t blocks = block_count(targets);
  std::string wat = "(module (func (export \"pick\") (param i32) (result i32)\n";
  for (uint32_t b = blocks; b-- > 0;) wat += "(block $b" + std::to_string(b) + " ";
  wat += "(br_table";
  for (uint32_t i = 0; i < targets; ++i) wat += " $b" + std::to_string((uint64_t{i} * 7) % blocks);
  wat += " $b" + std::to_string(blocks - 1) + " (local.get 0)))\n";
  // Block b ends after the return for block b - 1; the outermost one's return ends the function.
  for (uint32_t b = 0; b < blocks; ++b)
    wat += "(return (i32.const " + std::to_string(100 + b) + "))" + (b + 1 < blocks ? ")\n" : "");
  wat += "))";
  return wat;
}

uint32_t expected_pick(uint32_t targets, uint32_t index) {
  const uint32_t blocks = block_count(targets);
  return 100 +
         (index < targets ? static_cast<uint32_t>((uint64_t{index} * 7) % blocks) : blocks - 1);
}

enum class Form { Chain, Table, Interpreted };

void check_pick(uint32_t targets, Form form) {
  std::string wat = pick_module(targets);
  itest::Wasm jit(wat, jit_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  // The interpreter is checked too, except on the largest table (time under the sanitizers).
  std::optional<itest::Wasm> interp;
  if (targets <= 100000) interp.emplace(wat, interp_config());
  ASSERT_TRUE(!interp || interp->ok()) << interp->error();
  const CompiledFunction* code = jit.instance()->get_func("pick")->code;
  ASSERT_NE(code->native, nullptr);
  // A table holds 4 bytes per target in the code; a chain or an interpreted br_table does not.
  if (form == Form::Table) {
    EXPECT_GE(code->native->code_bytes(), size_t{4} * targets);
  } else if (form == Form::Interpreted) {
    EXPECT_LT(code->native->code_bytes(), size_t{4096});
  }
  // Every index when small, else a spread of them; then the default and out-of-range ones.
  std::vector<uint32_t> indices;
  const uint32_t step = targets <= 300 ? 1 : targets / 97;
  for (uint32_t i = 0; i < targets; i += step) indices.push_back(i);
  for (uint32_t i : {targets - 1, targets, targets + 1, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFFu})
    indices.push_back(i);
  for (uint32_t i : indices) {
    EXPECT_EQ(jit.u32("pick", {itest::I32(i)}), expected_pick(targets, i)) << targets << " " << i;
    if (interp) {
      EXPECT_EQ(interp->u32("pick", {itest::I32(i)}), expected_pick(targets, i))
          << targets << " " << i;
    }
  }
}

TEST(JitBrTable, CompareChainForFewTargets) {
  for (uint32_t n = 1; n <= jit::kMaxCompareChain; ++n) check_pick(n, Form::Chain);
}

TEST(JitBrTable, JumpTableReachesEveryTarget) {
  for (uint32_t n : {jit::kMaxCompareChain + 1, 8u, 63u, 64u, 65u, 300u})
    check_pick(n, Form::Table);
}

TEST(JitBrTable, LargeJumpTable) { check_pick(100000, Form::Table); }

TEST(JitBrTable, TablesAboveTheLimitStayInterpreted) {
  // The rest of the function is still compiled; the br_table itself leaves to the interpreter.
  check_pick(jit::kMaxJumpTable + 1, Form::Interpreted);
}

// Backward targets: a loop whose br_table continues it (index < 5 → $top), and one whose
// *default* continues it, each counting iterations; then a loop only a br_table keeps going.
const char* kLoops = R"((module
  (func (export "forward_default") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $out
      (loop $top
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (i32.const 3))))
        (br_table $top $top $top $top $top $top $out
          (select (i32.rem_u (local.get $i) (i32.const 6)) (i32.const 99)
                  (i32.lt_u (local.get $i) (local.get $n))))))
    (local.get $s))
  (func (export "backward_default") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $out
      (block $skip
        (loop $top
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $s (i32.xor (local.get $s) (local.get $i)))
          (br_table $out $skip $out $out $out $out $top
            (select (i32.const 1000) (i32.const 0) (i32.lt_u (local.get $i) (local.get $n))))))
      (local.set $s (i32.const -1)))
    (local.get $s))
  (func (export "spin") (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (br_table $l $l $l $l $l $l $l $l (i32.and (local.get 0) (i32.const 15)))))
))";

TEST(JitBrTable, BackwardTargetsIntoLoops) {
  itest::Wasm jit(kLoops, jit_config());
  itest::Wasm interp(kLoops, interp_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  for (const char* f : {"forward_default", "backward_default", "spin"})
    ASSERT_NE(jit.instance()->get_func(f)->code->native, nullptr) << f;
  for (uint32_t n : {0u, 1u, 2u, 5u, 6u, 7u, 1000u, 100000u}) {
    uint32_t s = 0;
    for (uint32_t i = 1;; ++i) {  // what forward_default computes
      s += i * 3;
      if (i >= n) break;
    }
    EXPECT_EQ(jit.u32("forward_default", {itest::I32(n)}), s) << n;
    EXPECT_EQ(interp.u32("forward_default", {itest::I32(n)}), s) << n;
    uint32_t x = 0;
    for (uint32_t i = 1;; ++i) {  // backward_default: index 0 ($out) once i >= n
      x ^= i;
      if (i >= n) break;
    }
    EXPECT_EQ(jit.u32("backward_default", {itest::I32(n)}), x) << n;
    EXPECT_EQ(interp.u32("backward_default", {itest::I32(n)}), x) << n;
  }
}

TEST(JitBrTable, InterruptStopsALoopKeptByABrTable) {
  itest::Wasm jit(kLoops, jit_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("spin")->code->native, nullptr);
  InvokeResult r = jit.run_interrupted("spin");
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::Interrupted);
}

}  // namespace
}  // namespace wc::engine
