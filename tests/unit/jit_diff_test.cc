// The differential checker itself (tests/jit/diff): it must actually run compiled code, agree
// on a module both tiers run alike, end a runaway loop without calling it a difference, reject
// junk, and compare the host-call log.
#include <gtest/gtest.h>

#include <chrono>

#include "../jit/diff/differential.h"
#include "interp_test_util.h"

namespace wc::jitdiff {
namespace {

std::vector<uint8_t> assemble(const std::string& wat) {
  std::string error;
  auto bytes = engine::itest::wat_to_wasm(wat, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(std::vector<uint8_t>{});
}

TEST(JitDiff, AgreesOnAModuleAndRunsCompiledCode) {
  auto wasm = assemble(R"((module
    (import "fuzzing-support" "log-i32" (func $log (param i32)))
    (memory (export "memory") 1)
    (global $g (mut i64) (i64.const 7))
    (func (export "mix") (param i32 i64 f32 f64) (result i64)
      (call $log (i32.add (local.get 0) (i32.const 3)))
      (i32.store offset=4 (i32.and (local.get 0) (i32.const 0xfff)) (local.get 0))
      (global.set $g (i64.add (global.get $g) (local.get 1)))
      (i64.add (global.get $g) (i64.trunc_sat_f64_s (local.get 3))))
    (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
  )");
  DiffChecker checker;
  DiffReport r = checker.check(wasm);
  EXPECT_EQ(r.verdict, Verdict::Same) << r.detail;
  EXPECT_EQ(r.functions, 2u);
  EXPECT_EQ(r.native_functions, 2u);  // the JIT side really compiled them
  EXPECT_EQ(r.calls, 2u * 5u);        // every export under every argument pattern
  EXPECT_GE(r.traps, 1u);             // div by the all-zero pattern traps in both
  EXPECT_TRUE(r.stopped.empty()) << r.stopped;
}

TEST(JitDiff, ARunawayLoopIsStoppedNotADifference) {
  auto wasm = assemble(R"((module
    (func (export "spin") (local i32)
      (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l)))))");
  DiffOptions o;
  o.call_budget = std::chrono::milliseconds(50);
  DiffChecker checker(o);
  auto t0 = std::chrono::steady_clock::now();
  DiffReport r = checker.check(wasm);
  EXPECT_EQ(r.verdict, Verdict::Same) << r.detail;
  EXPECT_NE(r.stopped.find("interrupted (both tiers)"), std::string::npos) << r.stopped;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(JitDiff, RejectsJunk) {
  const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a, 0xff};
  DiffChecker checker;
  DiffReport r = checker.check(junk);
  EXPECT_EQ(r.verdict, Verdict::Invalid);
  EXPECT_FALSE(r.detail.empty());
}

}  // namespace
}  // namespace wc::jitdiff
