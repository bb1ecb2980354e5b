// A native call initialises the callee's declared locals and constants (its frame template)
// with block copies from data placed after the code (x64_compiler.cc, copy_template_blocks),
// all-zero blocks from a zeroed register, the remainder slot by slot. These tests call
// functions of several template sizes (below, at and past whole blocks) natively in a loop, so
// every call reuses a frame the previous call dirtied: each must find its locals zero and its
// constants (small, negative, wider than 32 bits) intact, also when it leaves to the
// interpreter midway (which reads the constants from the frame), as the interpreter computes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

// A constant per index, of varied kinds: not an imm32, negative, zero, small.
std::string constant(int j) {
  switch (j % 4) {
    case 0: return std::to_string(static_cast<int64_t>(0x0123456789abcdefULL * (j + 1)));
    case 1: return std::to_string(-300 - j);
    case 2: return "0";
    default: return std::to_string(j * 77 + 1);
  }
}

// $f<n>: n declared i64 locals and n constants. It sums the locals (zero on entry), sets each
// to k + its constant, leaves to the interpreter (table.size is not compiled) when k is odd,
// then mixes each local with a second constant. An export loops `count` calls of it.
std::string module_text(int n) {
  std::string locals, sum, set, mix;
  for (int j = 0; j < n; ++j) {
    const std::string l = "$l" + std::to_string(j);
    locals += " (local " + l + " i64)";
    sum += "(local.set $z (i64.add (local.get $z) (local.get " + l + ")))\n";
    set += "(local.set " + l + " (i64.add (local.get $k) (i64.const " + constant(j) + ")))\n";
    mix += "(local.set $z (i64.add (i64.rotl (local.get $z) (i64.const 7)) (i64.xor (local.get " +
           l + ") (i64.const " + constant(j + 1000) + "))))\n";
  }
  return "(module (table 1 funcref)\n"
         "(func $f (export \"f\") (param $k i64) (result i64) (local $z i64)" +
         locals + "\n" + sum + "(local.set $z (i64.mul (local.get $z) (i64.const 1000003)))\n" +
         set +
         "(if (i32.wrap_i64 (i64.and (local.get $k) (i64.const 1)))\n"
         "  (then (drop (table.size 0))))\n" +
         mix +
         "(local.get $z))\n"
         "(func (export \"run\") (param $count i64) (result i64) (local $i i64) (local $acc i64)\n"
         "  (loop $l\n"
         "    (local.set $acc (i64.xor (i64.rotl (local.get $acc) (i64.const 13))\n"
         "                             (call $f (local.get $i))))\n"
         "    (local.set $i (i64.add (local.get $i) (i64.const 1)))\n"
         "    (br_if $l (i64.lt_u (local.get $i) (local.get $count))))\n"
         "  (local.get $acc)))";
}

TEST(JitFrameTemplate, BlockCopiedLocalsAndConstantsMatchTheInterpreter) {
  for (int n : {1, 3, 6, 7, 8, 9, 13, 30, 61}) {
    const std::string wat = module_text(n);
    ITEST_LOAD(jit, wat, itest::engine_config(jit::EngineMode::Jit));
    ITEST_LOAD(interp, wat, itest::engine_config(jit::EngineMode::Interp));
    ASSERT_NE(jit.instance()->get_func("run")->jit.entry, nullptr) << n;
    ASSERT_NE(jit.instance()->get_func("f")->jit.entry, nullptr) << n;
    for (uint64_t count : {1u, 2u, 9u}) {
      const uint64_t want = interp.u64("run", {itest::I64(count)});
      EXPECT_EQ(jit.u64("run", {itest::I64(count)}), want) << n << " " << count;
    }
  }
}

}  // namespace
}  // namespace wc::engine
