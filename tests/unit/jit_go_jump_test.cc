// Go's jumps inside a function (`i32.const k; local.set $PC; br $loop`, a CopyJump from a
// constant slot) compiled as direct jumps to the loop's br_table target k: the results must be
// the interpreter's for every target (in range, the default, an index that is negative as a
// signed number), the PC local must still hold k afterwards, and a loop made only of such
// jumps must still stop on an interrupt.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config(jit::EngineMode mode) { return itest::engine_config(mode); }

// "walk": block 0 counts n up and jumps to block 1; block 1 jumps back to block 0 until n
// reaches the limit, then to `$last` (param 1: 2 = block 2, 7 = the default, -1 = the default
// through a negative index), which all leave the loop. Returns n * 10 + the PC local's final
// value, so a jump that forgot to write $pc shows. "spin" jumps between two blocks for ever.
const char* kGoShape = R"((module
  (func (export "walk") (param $limit i32) (param $last i32) (result i32)
    (local $pc i32) (local $n i32)
    (loop $top
      (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 (local.get $pc)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $pc (i32.const 1))
        (br $top))
      (if (i32.lt_u (local.get $n) (local.get $limit))
        (then (local.set $pc (i32.const 0)) (br $top)))
      (if (i32.eq (local.get $last) (i32.const 2))
        (then (local.set $pc (i32.const 2)) (br $top)))
      (if (i32.eq (local.get $last) (i32.const 7))
        (then (local.set $pc (i32.const 7)) (br $top)))
      (local.set $pc (i32.const -1))
      (br $top)))
    (i32.add (i32.mul (local.get $n) (i32.const 10)) (local.get $pc)))
  (func (export "spin") (local $pc i32)
    (loop $top
      (block $b1 (block $b0
        (br_table $b0 $b1 (local.get $pc)))
        (local.set $pc (i32.const 1))
        (br $top))
      (local.set $pc (i32.const 0))
      (br $top)))
))";

TEST(JitGoJump, ConstantPcJumpsReachTheTablesTarget) {
  itest::Wasm jit(kGoShape, config(jit::EngineMode::Jit));
  itest::Wasm interp(kGoShape, config(jit::EngineMode::Interp));
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  ASSERT_NE(jit.instance()->get_func("walk")->code->native, nullptr);
  for (uint32_t limit : {1u, 2u, 1000u}) {
    for (int32_t last : {2, 7, -1}) {
      uint32_t expected = limit * 10 + static_cast<uint32_t>(last);
      EXPECT_EQ(interp.u32("walk", {itest::I32(limit), itest::I32(static_cast<uint32_t>(last))}),
                expected)
          << limit << " " << last;
      EXPECT_EQ(jit.u32("walk", {itest::I32(limit), itest::I32(static_cast<uint32_t>(last))}),
                expected)
          << limit << " " << last;
    }
  }
}

TEST(JitGoJump, InterruptStopsALoopOfDirectJumps) {
  itest::Wasm jit(kGoShape, config(jit::EngineMode::Jit));
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("spin")->code->native, nullptr);
  InvokeResult r = jit.run_interrupted("spin");
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::Interrupted);
}

}  // namespace
}  // namespace wc::engine
