// Returns from compiled code with no native caller (the code was entered by the interpreter,
// after an exit): JitContext::return_to_caller pops the frame and the code continues in the
// caller's machine code instead of leaving once per frame. These tests pin what that must
// keep: after such a return the caller may call again and leave inside the new callee (same
// depth, even the same frame address as the returned function), and the interpreter must
// then run the new callee's instruction, not the old one's; deep chains of such returns give
// the interpreter's results and trap backtraces.
#include <gtest/gtest.h>

#include <cstdint>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config(jit::EngineMode mode) {
  StoreConfig c = itest::engine_config(mode);
  c.max_call_depth = 5000;
  return c;
}

// memory.size and memory.grow are left to the interpreter: each is an exit.
const char* kReturns = R"((module
  (memory 1)
  (func $size (result i32) (memory.size))
  ;; entered by the interpreter where $size returns to it, so it returns with no native caller
  (func $leaf (result i32) (i32.add (call $size) (i32.const 0)))
  (func $other (param i32) (result i32) (local $x i32)
    (local.set $x (i32.mul (local.get 0) (i32.const 3)))
    (local.set $x (i32.add (local.get $x) (i32.const 7)))
    (drop (memory.grow (i32.const 0)))
    (i32.add (local.get $x) (i32.const 100)))
  ;; $leaf's callee leaves; the interpreter re-enters $leaf, which returns to this function
  ;; without leaving; this function then calls $other at the same depth and frame, which leaves too
  (func (export "chain") (param $n i32) (result i32) (local $a i32) (local $i i32)
    (loop $l
      (local.set $a (i32.add (local.get $a) (call $leaf)))
      (local.set $a (i32.add (local.get $a) (call $other (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $a))
  ;; n levels; the bottom leaves, and every level above returns through return_to_caller
  (func $down (export "down") (param $n i32) (param $addr i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.add (memory.size) (i32.load (local.get $addr))))
      (else (i32.add (i32.const 2)
                     (call $down (i32.sub (local.get $n) (i32.const 1)) (local.get $addr))))))
  (func $rec (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $rec (i32.sub (local.get $n) (i32.const 1)))))))
  ;; $leaf returns here through return_to_caller (the code's depth is reset from the
  ;; interpreter's), then a native recursion runs into the call-depth limit
  (func (export "after_return") (param $n i32) (result i32)
    (i32.add (call $leaf) (call $rec (local.get $n))))
))";

TEST(JitReturn, ACallAfterAReturnToTheCallerLeavesInTheRightFunction) {
  ITEST_LOAD(jit, kReturns, config(jit::EngineMode::Jit));
  ITEST_LOAD(interp, kReturns, config(jit::EngineMode::Interp));
  ASSERT_NE(jit.instance()->get_func("chain")->jit.entry, nullptr);
  for (uint32_t n : {1u, 2u, 10u}) {
    const uint32_t want = n * 1 + n * 107 + 3 * (n * (n - 1) / 2);  // size 1, 3i + 107
    EXPECT_EQ(interp.u32("chain", {itest::I32(n)}), want) << n;
    EXPECT_EQ(jit.u32("chain", {itest::I32(n)}), want) << n;
  }
}

TEST(JitReturn, DeepReturnChainsMatchTheInterpreter) {
  ITEST_LOAD(jit, kReturns, config(jit::EngineMode::Jit));
  ITEST_LOAD(interp, kReturns, config(jit::EngineMode::Interp));
  for (uint32_t n : {0u, 1u, 50u, 1000u}) {
    EXPECT_EQ(jit.u32("down", {itest::I32(n), itest::I32(0)}), 2 * n + 1) << n;
    EXPECT_EQ(interp.u32("down", {itest::I32(n), itest::I32(0)}), 2 * n + 1) << n;
  }
  // A trap at the bottom: the same backtrace, every level.
  InvokeResult a = jit.run("down", {itest::I32(300), itest::I32(70000)});
  InvokeResult b = interp.run("down", {itest::I32(300), itest::I32(70000)});
  ASSERT_TRUE(a.trap && b.trap);
  EXPECT_EQ(a.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(a.trap->backtrace, b.trap->backtrace);
  EXPECT_EQ(a.trap->backtrace.size(), 301u);
  // And after the trap, the depth bookkeeping starts afresh.
  EXPECT_EQ(jit.u32("chain", {itest::I32(3)}), 3u + 3 * 107u + 9u);
}

TEST(JitReturn, TheDepthLimitHoldsAfterAReturnToTheCaller) {
  ITEST_LOAD(jit, kReturns, config(jit::EngineMode::Jit));
  ITEST_LOAD(interp, kReturns, config(jit::EngineMode::Interp));
  int traps = 0;
  for (uint32_t n = 4990; n <= 5005; ++n) {
    InvokeResult a = jit.run("after_return", {itest::I32(n)});
    InvokeResult b = interp.run("after_return", {itest::I32(n)});
    ASSERT_EQ(a.ok(), b.ok()) << n;
    if (b.ok()) {
      EXPECT_EQ(a.results[0].bits, b.results[0].bits) << n;
      continue;
    }
    ++traps;
    EXPECT_EQ(a.trap->kind, TrapKind::StackExhausted) << n;
    EXPECT_EQ(a.trap->message, b.trap->message) << n;
    EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << n;
  }
  EXPECT_GT(traps, 0);
  EXPECT_LT(traps, 16);
}

}  // namespace
}  // namespace wc::engine
