// `--engine auto`: the interpreter counts calls and loop back-edges of each function and asks
// the store to compile it once it is hot (StoreConfig::tier_up_after). These tests check that
// the count decides (a cold function stays interpreted, a hot one gets code), that the move
// happens in the middle of running code (a hot loop at its header, a recursion with frames of
// the same function still live), and that results and traps stay the interpreter's.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig auto_config(uint32_t after) {
  StoreConfig c;
  c.engine = jit::EngineMode::Auto;
  c.tier_up_after = after;
  c.jit_min_run = 1;  // every instruction enterable: tier changes can happen anywhere
  return c;
}
StoreConfig interp_config() {
  StoreConfig c;
  c.engine = jit::EngineMode::Interp;
  return c;
}

const char* kModule = R"((module
  (memory 1)
  (func $sq (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  ;; one call, a long loop: compiled at a loop header while it runs
  (func (export "loop") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2)) (local.get $i))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.load
         (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 2))))))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (call $sq (i32.and (local.get $i) (i32.const 15))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))
    (local.get $s))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; recursion to depth n, then a load at `addr`: out of bounds traps at the bottom
  (func $down (export "down") (param $n i32) (param $addr i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (local.get $addr)))
      (else (i32.add (i32.const 1)
        (call $down (i32.sub (local.get $n) (i32.const 1)) (local.get $addr))))))
))";

bool compiled(itest::Wasm& w, const char* name) {
  return w.instance()->get_func(name)->code->native != nullptr;
}

TEST(JitTierUp, AFunctionIsCompiledOnceItsCallsReachTheThreshold) {
  itest::Wasm w(kModule, auto_config(10));
  ASSERT_TRUE(w.ok()) << w.error();
  for (uint32_t i = 0; i < 9; ++i) EXPECT_EQ(w.u32("sq", {itest::I32(i)}), i * i);
  EXPECT_FALSE(compiled(w, "sq"));
  EXPECT_EQ(w.instance()->get_func("sq")->jit.entry, nullptr);
  EXPECT_EQ(w.u32("sq", {itest::I32(9)}), 81u);
  EXPECT_TRUE(compiled(w, "sq"));
  // Native callers find it from now on.
  EXPECT_NE(w.instance()->get_func("sq")->jit.entry, nullptr);
  EXPECT_EQ(w.u32("sq", {itest::I32(12)}), 144u);
  EXPECT_FALSE(compiled(w, "fib"));
}

TEST(JitTierUp, AHotLoopMovesToCompiledCodeAtItsHeader) {
  itest::Wasm tiered(kModule, auto_config(100));
  itest::Wasm interp(kModule, interp_config());
  ASSERT_TRUE(tiered.ok()) << tiered.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  EXPECT_EQ(tiered.u64("loop", {itest::I32(50)}), interp.u64("loop", {itest::I32(50)}));
  EXPECT_FALSE(compiled(tiered, "loop"));  // 50 back-edges: still cold
  EXPECT_EQ(tiered.u64("loop", {itest::I32(100000)}), interp.u64("loop", {itest::I32(100000)}));
  EXPECT_TRUE(compiled(tiered, "loop"));  // once, during its only call
  EXPECT_TRUE(compiled(tiered, "sq"));    // called from the loop
  EXPECT_FALSE(compiled(interp, "loop"));
}

TEST(JitTierUp, RecursionTiersUpWithItsOwnFramesLive) {
  for (uint32_t after : {1u, 2u, 7u, 1000u}) {
    itest::Wasm tiered(kModule, auto_config(after));
    ASSERT_TRUE(tiered.ok()) << tiered.error();
    EXPECT_EQ(tiered.u32("fib", {itest::I32(20)}), 6765u) << after;
    EXPECT_TRUE(compiled(tiered, "fib")) << after;
  }
}

TEST(JitTierUp, TrapsKeepTheInterpretersBacktraceAcrossTheMove) {
  itest::Wasm interp(kModule, interp_config());
  ASSERT_TRUE(interp.ok()) << interp.error();
  for (uint32_t after : {1u, 3u, 100u}) {
    itest::Wasm tiered(kModule, auto_config(after));
    ASSERT_TRUE(tiered.ok()) << tiered.error();
    for (uint32_t n : {0u, 5u, 300u}) {
      InvokeResult a = tiered.run("down", {itest::I32(n), itest::I32(70000)});
      InvokeResult b = interp.run("down", {itest::I32(n), itest::I32(70000)});
      ASSERT_TRUE(a.trap && b.trap) << after << " " << n;
      EXPECT_EQ(a.trap->kind, TrapKind::MemoryOutOfBounds);
      EXPECT_EQ(a.trap->message, b.trap->message);
      EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << after << " " << n;
      EXPECT_EQ(tiered.u32("down", {itest::I32(n), itest::I32(0)}), n);
    }
  }
}

TEST(JitTierUp, TheInterpreterAloneNeverCompiles) {
  itest::Wasm interp(kModule, interp_config());
  ASSERT_TRUE(interp.ok()) << interp.error();
  EXPECT_EQ(interp.u32("fib", {itest::I32(18)}), 2584u);
  // loop(n) = sum of i + sum of (i & 15)^2 over i < n, computed here independently.
  uint64_t expected = 0;
  for (uint64_t i = 0; i < 20000; ++i) expected += i + (i & 15) * (i & 15);
  EXPECT_EQ(interp.u64("loop", {itest::I32(20000)}), expected);
  EXPECT_FALSE(compiled(interp, "fib"));
  EXPECT_FALSE(compiled(interp, "loop"));
  EXPECT_FALSE(compiled(interp, "sq"));
}

}  // namespace
}  // namespace wc::engine
