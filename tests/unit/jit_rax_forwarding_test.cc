// The JIT's rax forwarding (x64_compiler.cc, operand_in_rax): a template that ends by storing
// rax into an unpinned slot leaves the value in rax, and the next instruction reads it from
// there. Checked against the interpreter where that is easy to get wrong: a non-commutative op
// whose second operand is the forwarded one, an i32 address made from an i64 (the forwarded
// register holds all 64 bits; the address must be zero-extended), a store whose value is the
// forwarded one while its address goes into eax, a compare-branch on a forwarded value, and
// values that reach an instruction through a label (rax may hold anything there). A hot loop
// takes the pinned registers, so the code after it works on frame slots, where rax forwards.
#include <gtest/gtest.h>

#include <cstdint>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

const char* kForwarding = R"((module
  (memory 1)
  (data (i32.const 0) "\f1\02\83\04\95\06\a7\08\b9\0a\cb\0c\dd\0e\ef\10")
  (func $g (param $a i32) (param $b i32) (result i32)
    (i32.sub (local.get $a) (i32.mul (local.get $b) (i32.const 3))))
  (func (export "fwd") (param $n i32) (param $x i64) (result i64)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32)
    (local $p5 i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $s i64)
    ;; A loop that makes $n and $p0..$p5 the hottest slots: they take the pinned registers,
    ;; so the straight-line code after it works on slots in the frame, where rax forwards.
    (local.set $p0 (i32.wrap_i64 (local.get $x)))
    (local.set $p1 (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 32))))
    (loop $top
      (local.set $p2 (i32.add (local.get $p2) (i32.xor (local.get $p0) (local.get $p1))))
      (local.set $p3 (i32.add (local.get $p3) (i32.rotl (local.get $p2) (local.get $p1))))
      (local.set $p4 (i32.xor (local.get $p4) (i32.add (local.get $p3) (local.get $p0))))
      (local.set $p5 (i32.add (local.get $p5) (i32.mul (local.get $p4) (local.get $p2))))
      (local.set $p0 (i32.add (local.get $p0) (local.get $p5)))
      (br_if $top (i32.lt_u (local.tee $p1 (i32.add (local.get $p1) (i32.const 1))) (local.get $n))))
    ;; sub whose second operand is the one just stored (it must not be swapped), then first
    (local.set $d (i32.add (local.get $p0) (i32.const 1234567)))
    (local.set $e (i32.sub (local.get $p1) (local.get $d)))
    (local.set $f (i32.sub (local.get $e) (local.get $p2)))
    ;; shift and multiply of forwarded values
    (local.set $g (i32.shl (local.get $f) (local.get $p3)))
    (local.set $d (i32.mul (local.get $p4) (local.get $g)))
    ;; a value stored through a label: the branch arrives with something else in rax
    (local.set $e (i32.sub
      (block (result i32)
        (drop (br_if 0 (local.get $p5) (i32.and (i32.xor (local.get $d) (local.get $n)) (i32.const 1))))
        (i32.add (local.get $d) (local.get $p4)))
      (local.get $p3)))
    ;; an address and a store value just stored
    (local.set $f (i32.and (local.get $e) (i32.const 15)))
    (local.set $g (i32.load8_u (local.get $f)))
    (local.set $s (i64.mul (i64.extend_i32_u (local.get $g)) (i64.extend_i32_s (local.get $e))))
    (i64.store offset=16 (local.get $f) (local.get $s))
    (local.set $g (i32.add (local.get $d) (i32.const 32)))
    (i32.store8 offset=40 (local.get $f) (local.get $g))
    (local.set $s (i64.add (local.get $s) (i64.load offset=16 (local.get $f))))
;; two argument copies in one instruction: the first goes through rax, the second reads
    ;; the slot rax held before it
    (local.set $d (i32.add (local.get $e) (local.get $p1)))
    (local.set $d (call $g (local.get $f) (local.get $d)))
    ;; a compare-branch on the value just stored
    (local.set $g (i32.xor (local.get $e) (local.get $p1)))
    (block $skip
      (br_if $skip (i32.lt_u (local.get $g) (local.get $p2)))
      (local.set $s (i64.add (local.get $s) (i64.const 99))))
    (i64.add (i64.add (local.get $s) (i64.load offset=16 (i32.const 0)))
      (i64.add (i64.load offset=24 (i32.const 0))
        (i64.extend_i32_u (i32.add (i32.load (i32.const 40))
          (i32.add (i32.add (local.get $d) (local.get $e)) (i32.add (local.get $f) (local.get $g))))))))
))";

TEST(JitRaxForwarding, ForwardedOperandsMatchTheInterpreter) {
  itest::Wasm jit(kForwarding, itest::engine_config(jit::EngineMode::Jit));
  itest::Wasm interp(kForwarding, itest::engine_config(jit::EngineMode::Interp));
  ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error() << interp.error();
  ASSERT_NE(jit.instance()->get_func("fwd")->code->native, nullptr);
  for (uint64_t x : {uint64_t{0}, uint64_t{1}, uint64_t{0x80000000}, uint64_t{0xffffffff},
                     ~uint64_t{0}, uint64_t{0x123456789abcdef0}, uint64_t{0x8000000000000001}})
    for (uint32_t n : {1u, 2u, 7u, 300u})
      EXPECT_EQ(jit.u64("fwd", {itest::I32(n), itest::I64(x)}),
                interp.u64("fwd", {itest::I32(n), itest::I64(x)}))
          << n << " " << x;
}

}  // namespace
}  // namespace wc::engine
