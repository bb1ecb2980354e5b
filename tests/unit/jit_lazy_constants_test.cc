// A native call leaves a function's constants out of the callee's new frame when the callee
// has enough of them (NativeCode::lazy_from, x64_compiler.cc): its code reads them from the
// template copy after the code, and the interpreter stores them into every frame the code
// entered natively when the code leaves (complete_native_frames, interpreter.cc), before it
// may run those frames. These tests make the interpreter run such frames: the top one (the
// code leaves midway) and the ones below it (a callee leaves, and the interpreter returns into
// callers that then leave too), three deep. Before each call a function with many locals
// fills the same stack area with other values, so a constant that was not stored reads as
// garbage instead of a leftover of the previous call. Results are compared with the
// interpreter's.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "engine/interp/compiled_function.h"
#include "engine/jit/native_code.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

// A constant per index, of varied kinds: not an imm32, negative, small.
std::string constant(int j) {
  switch (j % 3) {
    case 0: return std::to_string(static_cast<int64_t>(0x0123456789abcdefULL * (j + 1)));
    case 1: return std::to_string(-300 - j);
    default: return std::to_string(j * 77 + 1);
  }
}

// $name (param $k i64) (result i64): mixes 12 constants into $z, calls `callee` (if any) with
// $k, leaves to the interpreter (table.size is not compiled) when bit `bit` of $k is set, then
// mixes 12 more constants with the callee's result. `base` keeps each function's constants its
// own.
std::string layer(const std::string& name, const std::string& callee, int bit, int base) {
  std::string before, after;
  for (int j = 0; j < 12; ++j) {
    before += "(local.set $z (i64.add (i64.rotl (local.get $z) (i64.const 5)) (i64.const " +
              constant(base + j) + ")))\n";
    after += "(local.set $z (i64.xor (i64.rotl (local.get $z) (i64.const 11)) (i64.const " +
             constant(base + 100 + j) + ")))\n";
  }
  const std::string call = callee.empty() ? ""
                                          : "(local.set $z (i64.add (local.get $z) (call " +
                                                callee + " (local.get $k))))\n";
  return "(func " + name + " (param $k i64) (result i64) (local $z i64)\n" + before + call +
         "(if (i32.wrap_i64 (i64.and (i64.shr_u (local.get $k) (i64.const " + std::to_string(bit) +
         ")) (i64.const 1))) (then (drop (table.size 0))))\n" + after + "(local.get $z))\n";
}

std::string module_text() {
  // $dirty: 64 locals set from $k, stored into the frame by the call that follows (every one
  // is read after it), over the slots where $a, $b and $c keep their constants.
  std::string locals, set, sum;
  for (int j = 0; j < 64; ++j) {
    const std::string l = "$d" + std::to_string(j);
    locals += " (local " + l + " i64)";
    set += "(local.set " + l + " (i64.mul (local.get $k) (i64.const " + std::to_string(j + 3) +
           ")))\n";
    sum += "(local.set $k (i64.add (local.get $k) (local.get " + l + ")))\n";
  }
  return "(module (table 1 funcref)\n" + layer("$c", "", 0, 0) + layer("$b", "$c", 1, 200) +
         layer("$a", "$b", 2, 400) + "(func $dirty (param $k i64) (result i64)" + locals + "\n" +
         set + "(drop (call $c (local.get $k)))\n" + sum + "(local.get $k))\n" +
         "(func (export \"run\") (param $count i64) (result i64) (local $i i64) (local $acc i64)\n"
         "  (loop $l\n"
         "    (local.set $acc (i64.add (local.get $acc) (call $dirty (local.get $i))))\n"
         "    (local.set $acc (i64.xor (i64.rotl (local.get $acc) (i64.const 13))\n"
         "                             (call $a (local.get $i))))\n"
         "    (local.set $i (i64.add (local.get $i) (i64.const 1)))\n"
         "    (br_if $l (i64.lt_u (local.get $i) (local.get $count))))\n"
         "  (local.get $acc))\n"
         "(export \"a\" (func $a)) (export \"b\" (func $b)) (export \"c\" (func $c)))";
}

TEST(JitLazyConstants, FramesLeftToTheInterpreterGetTheirConstants) {
  const std::string wat = module_text();
  ITEST_LOAD(jit, wat, itest::engine_config(jit::EngineMode::Jit));
  ITEST_LOAD(interp, wat, itest::engine_config(jit::EngineMode::Interp));
  for (const char* name : {"a", "b", "c"}) {
    const FuncInstance* f = jit.instance()->get_func(name);
    ASSERT_NE(f->jit.entry, nullptr) << name;
    ASSERT_NE(f->code->native, nullptr) << name;
    EXPECT_NE(f->code->native->lazy_from(), 0u) << name << ": its constants are stored on entry";
  }
  // Counts past 8 cover every combination of the three layers leaving or not.
  for (uint64_t count : {1u, 2u, 5u, 8u, 17u}) {
    const uint64_t want = interp.u64("run", {itest::I64(count)});
    EXPECT_EQ(jit.u64("run", {itest::I64(count)}), want) << count;
  }
}

}  // namespace
}  // namespace wc::engine
