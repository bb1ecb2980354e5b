// The JIT's analysis scan (src/engine/jit/x64_analysis.cc) decides which slots the compiler
// pins in registers without emitting code; it must see every slot use, loop back edge and
// call return that the emitted templates have. check_analysis() emits each function while
// noting those and compares; this test runs it over functions that use most instruction kinds
// (including the interpreter's fused forms).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "engine/jit/x64_analysis.h"
#include "engine/jit/x64_compiler.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

const char* kManyOps = R"((module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (global $h (mut i64) (i64.const 0))
  (table 2 funcref)
  (elem (i32.const 0) $ints $floats)
  (type $t (func (param i32) (result i32)))
  (func $ints (param $n i32) (result i32) (local $i i32) (local $s i32) (local $w i64)
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $i) (local.get $n)) (local.get $s))
      (i32.store8 offset=3 (local.get $i) (local.get $s))
      (i32.store16 offset=5 (local.get $i) (local.get $s))
      (i64.store32 (local.get $i) (local.get $w))
      (local.set $s (i32.add (local.get $s)
        (i32.load (i32.add (local.get $n) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $s (i32.xor (local.get $s) (i32.load8_s offset=7 (local.get $i))))
      (local.set $s (i32.or (local.get $s) (i32.load16_u (local.get $i))))
      (local.set $w (i64.add (local.get $w) (i64.load32_s (local.get $i))))
      (local.set $w (i64.mul (local.get $w) (i64.extend_i32_u (local.get $s))))
      (local.set $w (i64.rotl (local.get $w) (i64.const 7)))
      (local.set $s (i32.div_u (local.get $s) (i32.add (local.get $i) (i32.const 1))))
      (local.set $s (i32.rem_s (local.get $s) (i32.const 7)))
      (local.set $s (i32.add (local.get $s) (i32.popcnt (local.get $s))))
      (local.set $s (i32.add (local.get $s) (i32.clz (local.get $s))))
      (local.set $s (i32.add (local.get $s) (i32.wrap_i64 (i64.ctz (local.get $w)))))
      (local.set $s (select (local.get $s) (local.get $i) (i32.lt_s (local.get $s) (local.get $i))))
      (local.set $s (i32.add (local.get $s) (i32.extend8_s (local.get $s))))
      (global.set $g (i32.add (global.get $g) (local.get $s)))
      (global.set $h (local.get $w))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))
    (i32.add (local.get $s) (i32.wrap_i64 (local.get $w))))
  (func $floats (param $n i32) (result i32) (local $x f64) (local $y f32) (local $i i32)
    (loop $top
      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.5)) (f64.convert_i32_s (local.get $i))))
      (local.set $x (f64.sub (f64.const 3) (f64.mul (local.get $x) (f64.const 0.25))))
      (local.set $y (f32.div (f32.demote_f64 (local.get $x)) (f32.const 3)))
      (local.set $x (f64.add (local.get $x) (f64.promote_f32 (f32.sqrt (local.get $y)))))
      (local.set $x (f64.floor (f64.abs (f64.neg (local.get $x)))))
      (local.set $x (f64.copysign (local.get $x) (f64.const -1)))
      (f64.store (local.get $i) (local.get $x))
      (f32.store offset=8 (local.get $i) (local.get $y))
      (local.set $x (f64.add (local.get $x) (f64.load (local.get $i))))
      (local.set $y (f32.add (local.get $y) (f32.load offset=8 (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.trunc_sat_f64_s (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.trunc_f32_u (f32.abs (local.get $y)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (f64.lt (local.get $x) (f64.convert_i32_u (local.get $n))))
      (br_if $top (i32.lt_s (local.get $i) (local.get $n))))
    (i32.add (local.get $i) (f64.ge (local.get $x) (f64.const 0))))
  (func (export "run") (param $n i32) (result i32) (local $k i32)
    (loop $again
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $again $a $again $d (local.get $k)))
        (local.set $n (i32.add (local.get $n) (call $ints (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (call_indirect (type $t) (local.get $n) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 3))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $k) (i32.const 6))))
    (local.get $n))
))";

TEST(JitAnalysis, ScanSeesWhatTheTemplatesUse) {
  StoreConfig config;
  config.engine = jit::EngineMode::Jit;
  config.jit_min_run = 1;
  itest::Wasm m(kManyOps, config);
  ASSERT_TRUE(m.ok()) << m.error();
  size_t compiled = 0, checked = 0;
  for (const FuncInstance* f : m.instance()->funcs_) {
    if (!f->code) continue;
    ++checked;
    if (f->code->native) ++compiled;
    std::optional<std::string> diff = jit::check_analysis(*f->code);
    EXPECT_FALSE(diff.has_value()) << f->name << ": " << diff.value_or("");
  }
  EXPECT_EQ(checked, 3u);
  EXPECT_EQ(compiled, 3u);  // the check covered compiled code, not functions left interpreted
}

// A slot used more as half of a v128 operand than as a scalar stays in memory; one used more
// as a scalar is still pinned (SlotFacts::vector_uses).
TEST(JitAnalysis, SlotsMostlyV128AreNotPinned) {
  jit::SlotFacts facts;
  for (uint32_t w : {0u, 1u}) facts.uses.push_back({3, w}), facts.uses.push_back({4, w});
  for (uint32_t w : {2u, 3u}) facts.vector_uses.push_back({3, w});
  facts.vector_uses.push_back({4, 5});
  EXPECT_EQ(jit::make_plan(facts, 8).pinned_slots, (std::vector<uint32_t>{4}));
  facts.vector_uses.clear();
  EXPECT_EQ(jit::make_plan(facts, 8).pinned_slots, (std::vector<uint32_t>{3, 4}));
}

}  // namespace
}  // namespace wc::engine
