// The JIT's integer templates that compute straight into a pinned destination register,
// against the interpreter, where that is easy to get wrong: the destination is also an
// operand (first, second, both, a shift count, a select condition), commutative ops made in
// the second operand's register, non-commutative ones that must not be, compares whose result
// replaces an operand (zero-extended after setcc), 32-bit results that must keep the
// register's top half zero (read back as i64), loads and copies into pinned registers, and a
// br_if on a compare's result both right after the compare (branching on its flags) and after
// a loop label where the flags are gone.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

const char* kAliases = R"((module
  (memory 1)
  (data (i32.const 0) "\f1\02\83\04\95\06\a7\08\b9\0a\cb\0c\dd\0e\ef\10")
  (func (export "alias") (param $n i32) (param $x i64) (result i64)
    (local $a i32) (local $b i32) (local $c i64) (local $i i32) (local $f i32)
    (local.set $a (i32.wrap_i64 (local.get $x)))
    (local.set $b (i32.or (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32))) (i32.const 1)))
    (local.set $c (local.get $x))
    (loop $top
      (local.set $a (i32.xor (local.get $b) (local.get $a)))
      (local.set $a (i32.add (local.get $b) (local.get $a)))
      (local.set $a (i32.mul (local.get $b) (local.get $a)))
      (local.set $b (i32.sub (local.get $b) (local.get $a)))
      (local.set $a (i32.sub (local.get $b) (local.get $a)))
      (local.set $b (i32.shl (local.get $b) (local.get $a)))
      (local.set $a (i32.rotl (local.get $b) (local.get $a)))
      (local.set $b (i32.shr_u (local.get $b) (local.get $b)))
      (local.set $b (i32.or (local.get $b) (local.get $b)))
      (local.set $c (i64.mul (local.get $c) (i64.extend_i32_u (local.get $a))))
      (local.set $c (i64.xor (i64.extend_i32_s (local.get $b)) (local.get $c)))
      (local.set $c (i64.rotr (local.get $c) (local.get $c)))
      (local.set $c (i64.add (local.get $c) (i64.const 0x9e3779b97f4a7c15)))
      (local.set $f (i32.lt_s (local.get $a) (local.get $b)))
      (local.set $c (i64.add (local.get $c) (i64.extend_i32_u (local.get $f))))
      (local.set $a (i32.lt_u (local.get $a) (local.get $b)))
      (local.set $b (i32.gt_s (local.get $a) (local.get $b)))
      (local.set $f (i64.ge_u (local.get $c) (i64.extend_i32_u (local.get $f))))
      (local.set $a (i32.add (local.get $a) (i32.eqz (local.get $a))))
      (local.set $f (i32.eqz (local.get $f)))
      (local.set $b (i32.add (local.get $b) (i32.wrap_i64 (local.get $c))))
      (local.set $a (i32.xor (local.get $a) (i32.wrap_i64 (i64.shr_u (local.get $c) (i64.const 17)))))
      (local.set $a (select (local.get $a) (local.get $b) (local.get $f)))
      (local.set $b (select (local.get $a) (local.get $b) (i32.and (local.get $b) (i32.const 4))))
      (local.set $f (select (local.get $a) (local.get $b) (local.get $f)))
      (local.set $a (i32.add (local.get $a) (i32.load8_u (i32.and (local.get $b) (i32.const 15)))))
      (local.set $b (i32.xor (local.get $b) (i32.load16_s offset=1 (i32.and (local.get $a) (i32.const 7)))))
      (local.set $c (i64.add (local.get $c) (i64.load32_s (i32.and (local.get $a) (i32.const 8)))))
      (local.set $i (local.get $i))
      (local.set $f (local.get $a))
      ;; A 32-bit result read back as i64: its register's top half must be zero.
      (local.set $c (i64.add (local.get $c) (i64.extend_i32_u (local.get $f))))
      (block $skip
        (br_if $skip (i64.gt_u (local.get $c) (i64.const 0x8000000000000000)))
        (local.set $c (i64.sub (local.get $c) (i64.const 12345))))
      (block $skip
        (br_if $skip (i32.eqz (i32.ne (local.get $a) (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 3))))
      (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $c) (i64.shl (i64.extend_i32_u (local.get $a)) (i64.extend_i32_u (local.get $b)))))
  ;; A compare's result tested after a loop label: entering from the back edge, the flags are
  ;; the interrupt poll's, not the compare's (wrongly taken, the loop would run to k = 100).
  (func (export "label") (param $x i64) (result i32)
    (local $f i32) (local $k i32)
    (block $out
      (local.set $f (i64.lt_u (local.get $x) (i64.const 0x8000000000000000)))
      (loop $l
        (br_if $out (local.get $f))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $f (i32.gt_u (local.get $k) (i32.const 4)))
        (br_if $l (i32.lt_u (local.get $k) (i32.const 100)))))
    (i32.add (i32.mul (local.get $k) (i32.const 10)) (local.get $f)))
))";

TEST(JitResultRegister, AliasedOperandsOfPinnedDestinationsMatchTheInterpreter) {
  itest::Wasm jit(kAliases, itest::engine_config(jit::EngineMode::Jit));
  itest::Wasm interp(kAliases, itest::engine_config(jit::EngineMode::Interp));
  ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error() << interp.error();
  ASSERT_NE(jit.instance()->get_func("alias")->code->native, nullptr);
  for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{0x80000000}, uint64_t{0xffffffff},
                     ~uint64_t{0}, uint64_t{0x123456789abcdef0}, uint64_t{0x8000000000000001}})
    for (uint32_t n : {1u, 2u, 7u, 1000u})
      EXPECT_EQ(jit.u64("alias", {itest::I32(n), itest::I64(x)}),
                interp.u64("alias", {itest::I32(n), itest::I64(x)}))
          << n << " " << x;
}

TEST(JitResultRegister, ABranchAfterALabelDoesNotUseAnEarlierComparesFlags) {
  itest::Wasm jit(kAliases, itest::engine_config(jit::EngineMode::Jit));
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("label")->code->native, nullptr);
  EXPECT_EQ(jit.u64("label", {itest::I64(1)}), 1u);  // f = 1 at once: k = 0
  // f = 0 first: the loop runs until k = 5 sets f.
  EXPECT_EQ(jit.u64("label", {itest::I64(0x9000000000000000)}), 51u);
}

}  // namespace
}  // namespace wc::engine
