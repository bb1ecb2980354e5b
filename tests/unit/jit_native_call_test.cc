// Native calls between compiled functions keep the call depth in a register relative to the
// depth the code was entered at (JitContext::base_depth), return only the result slots to the
// frame, and start a callee's pinned registers from its frame template. These tests pin the
// behaviour that must not change: the call-depth limit traps where the interpreter's does
// (also when the code was entered deep in the stack), with the same backtrace; multi-value
// and float results come back from pinned registers; declared locals start at zero even in a
// recursive callee that leaves to the interpreter midway; and an interrupt stops a recursion
// that has no loop at all (only the calls poll the flag).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config(jit::EngineMode mode, uint32_t max_depth = 20000) {
  StoreConfig c = itest::engine_config(mode);
  c.max_call_depth = max_depth;
  return c;
}

const char* kRecursion = R"((module
  (memory 1)
  ;; recursion n deep, then a load at $addr (out of bounds: a trap at the bottom)
  (func $down (export "down") (param $n i32) (param $addr i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (local.get $addr)))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1))
                                               (local.get $addr))))))
  ;; the same, but every level first leaves to the interpreter (memory.grow is not compiled)
  ;; and comes back, so the native code of each level is entered at a deeper call depth
  (func $grow_down (export "grow_down") (param $n i32) (result i32)
    (drop (memory.grow (i32.const 0)))
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $grow_down (i32.sub (local.get $n) (i32.const 1)))))))
  ;; declared locals must read as zero on entry of every activation, and pinned constants
  ;; must hold their values: each level sums 1..7 into $acc and checks $z stayed zero
  (func $locals (export "locals") (param $n i32) (result i64)
    (local $acc i64) (local $i i32) (local $z i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.le_u (local.get $i) (i32.const 7))))
    (if (i32.eqz (local.get $n)) (then (drop (memory.grow (i32.const 0)))))
    (local.set $acc (i64.add (local.get $acc) (local.get $z)))
    (local.set $z (i64.const 1000))
    (if (result i64) (i32.eqz (local.get $n))
      (then (local.get $acc))
      (else (i64.add (local.get $acc) (call $locals (i32.sub (local.get $n) (i32.const 1)))))))
  ;; two results (i32 and f64) produced in a loop (so they live in registers) and returned
  ;; through a native caller that combines them
  (func $pair (param $n i32) (result i32 f64) (local $i i32) (local $x f64)
    (loop $l
      (local.set $x (f64.add (local.get $x) (f64.const 0.5)))
      (local.set $i (i32.add (local.get $i) (i32.const 3)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i) (local.get $x))
  (func (export "pairs") (param $n i32) (result f64) (local $k i32) (local $s f64)
    (local $a i32) (local $b f64)
    (loop $l
      (call $pair (local.get $k))
      (local.set $b) (local.set $a)
      (local.set $s (f64.add (local.get $s) (f64.add (local.get $b) (f64.convert_i32_u (local.get $a)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (local.get $n))))
    (local.get $s))
  ;; more results than parameters and locals: the return copies results into slots that
  ;; are also constant slots (the constants 7 and 9 live at slots 2 and 3)
  (func $more (param i32) (result i32 i32 i32 i32) (local i32)
    (local.set 1 (i32.add (local.get 0) (i32.const 1)))
    (i32.add (local.get 0) (i32.const 7)) (local.get 0) (local.get 1) (i32.const 9))
  (func (export "more_sum") (param i32) (result i32)
    (call $more (local.get 0))
    (i32.sub) (i32.mul) (i32.add))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
))";

// A recursion `n` deep in both tiers: both return n, or both run out of call depth with the
// same trap (kind, message, backtrace).
void expect_recursion_outcome(const InvokeResult& jit, const InvokeResult& interp, uint32_t n) {
  ASSERT_EQ(jit.ok(), interp.ok()) << n;
  if (interp.ok()) {
    EXPECT_EQ(jit.results[0].bits, n) << n;
    return;
  }
  EXPECT_EQ(jit.trap->kind, TrapKind::StackExhausted) << n;
  EXPECT_EQ(jit.trap->kind, interp.trap->kind) << n;
  EXPECT_EQ(jit.trap->message, interp.trap->message) << n;
  EXPECT_EQ(jit.trap->backtrace, interp.trap->backtrace) << n;
}

TEST(JitNativeCall, CallDepthLimitTrapsWhereTheInterpretersDoes) {
  constexpr uint32_t kMaxDepth = 300;
  ITEST_LOAD(jit, kRecursion, config(jit::EngineMode::Jit, kMaxDepth));
  ITEST_LOAD(interp, kRecursion, config(jit::EngineMode::Interp, kMaxDepth));
  ASSERT_NE(jit.instance()->get_func("down")->jit.entry, nullptr);
  // The deepest recursion that fits (the export's own frame is one of kMaxDepth) and the
  // first that does not, at the limit and beyond it.
  for (uint32_t n : {kMaxDepth - 2, kMaxDepth - 1, kMaxDepth, kMaxDepth + 50}) {
    expect_recursion_outcome(jit.run("down", {itest::I32(n), itest::I32(0)}),
                             interp.run("down", {itest::I32(n), itest::I32(0)}), n);
  }
  EXPECT_TRUE(interp.run("down", {itest::I32(kMaxDepth - 1), itest::I32(0)}).ok());
  EXPECT_FALSE(interp.run("down", {itest::I32(kMaxDepth), itest::I32(0)}).ok());
  // A trap at the bottom of a native recursion: the backtrace has every level.
  InvokeResult a = jit.run("down", {itest::I32(100), itest::I32(70000)});
  InvokeResult b = interp.run("down", {itest::I32(100), itest::I32(70000)});
  ASSERT_TRUE(a.trap && b.trap);
  EXPECT_EQ(a.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(a.trap->backtrace, b.trap->backtrace);
  EXPECT_EQ(a.trap->backtrace.size(), 101u);
}

// Every level re-enters native code one frame deeper, so the limit is counted from a
// different starting depth each time.
TEST(JitNativeCall, CallDepthLimitHoldsWhenEnteredDeep) {
  constexpr uint32_t kMaxDepth = 200;
  ITEST_LOAD(jit, kRecursion, config(jit::EngineMode::Jit, kMaxDepth));
  ITEST_LOAD(interp, kRecursion, config(jit::EngineMode::Interp, kMaxDepth));
  for (uint32_t n : {0u, 1u, 50u, kMaxDepth - 1, kMaxDepth, kMaxDepth + 1}) {
    expect_recursion_outcome(jit.run("grow_down", {itest::I32(n)}),
                             interp.run("grow_down", {itest::I32(n)}), n);
  }
  // After a trap the depth bookkeeping starts afresh.
  EXPECT_EQ(jit.u32("fib", {itest::I32(20)}), 6765u);
  EXPECT_EQ(jit.u32("down", {itest::I32(kMaxDepth - 2), itest::I32(0)}), kMaxDepth - 2);
}

TEST(JitNativeCall, LocalsConstantsAndResultsMatchTheInterpreter) {
  ITEST_LOAD(jit, kRecursion, config(jit::EngineMode::Jit));
  ITEST_LOAD(interp, kRecursion, config(jit::EngineMode::Interp));
  ASSERT_NE(jit.instance()->get_func("locals")->jit.entry, nullptr);
  for (uint32_t n : {0u, 1u, 2u, 50u}) {
    EXPECT_EQ(jit.u64("locals", {itest::I32(n)}), 28u * (n + 1)) << n;
    EXPECT_EQ(interp.u64("locals", {itest::I32(n)}), 28u * (n + 1)) << n;
  }
  for (uint32_t n : {1u, 2u, 40u}) {
    uint64_t want = interp.u64("pairs", {itest::I32(n)});
    EXPECT_EQ(jit.u64("pairs", {itest::I32(n)}), want) << n;
  }
  for (uint32_t x : {0u, 5u, 0xFFFFFFF0u}) {
    const uint32_t want = x + 7 + x * (x + 1 - 9);  // a + b * (c - d)
    EXPECT_EQ(jit.u32("more_sum", {itest::I32(x)}), want) << x;
    EXPECT_EQ(interp.u32("more_sum", {itest::I32(x)}), want) << x;
  }
  for (uint32_t n : {0u, 1u, 2u, 3u, 17u})
    EXPECT_EQ(jit.u32("fib", {itest::I32(n)}), interp.u32("fib", {itest::I32(n)})) << n;
}

// fib has no loop: only the native calls poll the interrupt flag.
TEST(JitNativeCall, InterruptStopsARecursionWithoutLoops) {
  itest::Wasm jit(kRecursion, config(jit::EngineMode::Jit));
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("fib")->jit.entry, nullptr);
  InvokeResult r = jit.run_interrupted("fib", {itest::I32(60)});  // years, uninterrupted
  ASSERT_TRUE(r.trap);
  EXPECT_EQ(r.trap->kind, TrapKind::Interrupted);
  EXPECT_GE(r.trap->backtrace.size(), 1u);
}

// A recursion whose every level holds `height` values on its operand stack at once (a frame of
// a little more than `height` slots, with a small frame template), so the value stack runs out
// before the call depth does.
std::string tall_frame_recursion(uint32_t height) {
  std::string wat =
      R"((module (func $down (export "down") (param $n i32) (result i32) (local $r i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0)))))";
  for (uint32_t i = 0; i < height; ++i) wat += " local.get $n i32.const 1 i32.xor";
  // The call is made with all of them still there: the callee's frame starts above them.
  wat += " local.get $n i32.const 1 i32.sub call $down i32.const 1 i32.add local.set $r";
  for (uint32_t i = 0; i < height; ++i) wat += " drop";
  wat += " local.get $r))";
  return wat;
}

// Native calls check the value stack against one limit per run, which is right only because a
// function with a frame larger than kMaxNativeFrameSlots gets no native entry. Both sides of
// that bound run out of value stack where the interpreter does, with its trap and backtrace.
TEST(JitNativeCall, ValueStackLimitTrapsWhereTheInterpretersDoes) {
  for (uint32_t height : {jit::kMaxNativeFrameSlots - 1000, jit::kMaxNativeFrameSlots + 1000}) {
    StoreConfig jc = config(jit::EngineMode::Jit, 100000);
    StoreConfig ic = config(jit::EngineMode::Interp, 100000);
    jc.value_stack_bytes = ic.value_stack_bytes = size_t{256} << 10;  // 32,768 slots
    const std::string wat = tall_frame_recursion(height);
    ITEST_LOAD(jit, wat, jc);
    ITEST_LOAD(interp, wat, ic);
    const bool native = jit.instance()->get_func("down")->jit.entry != nullptr;
    EXPECT_EQ(native, height < jit::kMaxNativeFrameSlots) << height;
    // Somewhere below 32,768 / height levels the stack is full: try every depth around it.
    const uint32_t fits = 32768 / height;
    size_t exhausted = 0;
    for (uint32_t n = 0; n <= fits + 2; ++n) {
      InvokeResult a = jit.run("down", {itest::I32(n)});
      InvokeResult b = interp.run("down", {itest::I32(n)});
      expect_recursion_outcome(a, b, n);
      exhausted += !b.ok();
    }
    EXPECT_GE(exhausted, 2u) << height;  // the limit was reached, not only approached
  }
}

}  // namespace
}  // namespace wc::engine
