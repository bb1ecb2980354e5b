// The JIT's integer templates with constant operands taken as immediates (constants are not
// pinned to registers) and with the operation made in a pinned destination's register, against
// the interpreter: shift counts past the width and negative, 64-bit constants that do and do
// not fit a sign-extended imm32, a destination that is also an operand, and a trap in the
// middle of such a loop (its kind, message and backtrace), also under tier-up where the
// interpreter and compiled code alternate mid-loop.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

// `mix` folds every constant-operand form into a few locals kept in registers over a loop of
// $n rounds; `divide` does the same and then divides by a value that reaches zero in round
// $k (a trap raised mid-loop, from a nested call so the backtrace has two frames).
const char* kKernel = R"((module
  (func $mix (export "mix") (param $n i32) (param $x i64) (result i64)
    (local $a i32) (local $b i64) (local $c i32) (local $i i32)
    (local.set $a (i32.wrap_i64 (local.get $x)))
    (local.set $b (local.get $x))
    (loop $top
      (local.set $a (i32.xor (local.get $a) (i32.shl (local.get $a) (i32.const 13))))
      (local.set $a (i32.xor (local.get $a) (i32.shr_u (local.get $a) (i32.const 49))))
      (local.set $a (i32.xor (local.get $a) (i32.rotl (local.get $a) (i32.const -5))))
      (local.set $c (i32.sub (i32.const 7) (local.get $c)))
      (local.set $c (i32.add (local.get $c) (i32.and (local.get $a) (i32.const -256))))
      (local.set $b (i64.add (local.get $b) (i64.const -1)))
      (local.set $b (i64.xor (local.get $b) (i64.const 0x80000000)))
      (local.set $b (i64.and (local.get $b) (i64.const 0x7fffffffffff)))
      (local.set $b (i64.or (local.get $b) (i64.shr_s (local.get $b) (i64.const 67))))
      (local.set $b (i64.sub (local.get $b) (i64.const -2147483648)))
      (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (i32.lt_s (local.get $a) (i32.const -3)))))
      (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (i64.gt_u (local.get $b) (i64.const -9)))))
      (local.set $b (i64.add (local.get $b) (i64.load8_u offset=3 (i32.and (local.get $a) (i32.const 0xff)))))
      (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.add (local.get $b) (i64.extend_i32_u (i32.add (local.get $a) (local.get $c)))))
  (func $divide (param $n i32) (param $k i32) (result i32)
    (local $a i32) (local $i i32)
    (local.set $a (i32.const 1000))
    (loop $top
      (local.set $a (i32.add (local.get $a)
        (i32.div_u (i32.const 100000) (i32.sub (local.get $k) (local.get $i)))))
      (local.set $a (i32.xor (local.get $a) (i32.shl (local.get $a) (i32.const 3))))
      (br_if $top (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $a))
  (func (export "divide") (param $n i32) (param $k i32) (result i32)
    (call $divide (local.get $n) (local.get $k)))
  (memory 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
))";

void expect_same(itest::Wasm& a, itest::Wasm& b, const std::string& name,
                 const std::vector<Value>& args) {
  InvokeResult x = a.run(name, args), y = b.run(name, args);
  const std::string where =
      name + "(" + std::to_string(args[0].bits) + ", " + std::to_string(args[1].bits) + ")";
  ASSERT_EQ(x.ok(), y.ok()) << where;
  if (!x.ok()) {
    EXPECT_EQ(x.trap->kind, y.trap->kind) << where;
    EXPECT_EQ(x.trap->message, y.trap->message) << where;
    EXPECT_EQ(x.trap->backtrace, y.trap->backtrace) << where;
    return;
  }
  ASSERT_EQ(x.results.size(), 1u) << where;
  ASSERT_EQ(y.results.size(), 1u) << where;
  EXPECT_EQ(x.results[0].bits, y.results[0].bits) << where;
}

TEST(JitImmediate, ConstantOperandsAndInPlaceResultsMatchTheInterpreter) {
  itest::Wasm jit(kKernel, itest::engine_config(jit::EngineMode::Jit));
  itest::Wasm interp(kKernel, itest::engine_config(jit::EngineMode::Interp));
  ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error() << interp.error();
  ASSERT_NE(jit.instance()->get_func("mix")->code->native, nullptr);
  for (uint64_t x :
       {uint64_t{0}, uint64_t{1}, uint64_t{0x80000000}, ~uint64_t{0}, uint64_t{0x123456789abcdef0}})
    for (uint32_t n : {1u, 2u, 1000u})
      expect_same(jit, interp, "mix", {itest::I32(n), itest::I64(x)});
}

TEST(JitImmediate, ATrapInsideARegisterLoopIsTheInterpretersTrap) {
  itest::Wasm jit(kKernel, itest::engine_config(jit::EngineMode::Jit));
  itest::Wasm interp(kKernel, itest::engine_config(jit::EngineMode::Interp));
  itest::Wasm autotier(kKernel, itest::engine_config(jit::EngineMode::Auto));
  ASSERT_TRUE(jit.ok() && interp.ok() && autotier.ok());
  // k = n: no trap; k < n: division by zero in round k.
  for (auto [n, k] : {std::pair{50u, 50u}, std::pair{50u, 0u}, std::pair{50u, 37u},
                      std::pair{5000u, 4999u}, std::pair{5000u, 5000u}}) {
    expect_same(jit, interp, "divide", {itest::I32(n), itest::I32(k)});
    expect_same(autotier, interp, "divide", {itest::I32(n), itest::I32(k)});
  }
  InvokeResult r = jit.run("divide", {itest::I32(50), itest::I32(37)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap->kind, TrapKind::IntegerDivideByZero);
}

// Unsigned division and remainder by constants: powers of two (a shift, a mask) and others
// (a multiply by a reciprocal), i32 and i64, against the interpreter over dividends at the
// edges (0, around multiples of the divisor, 2^31, 2^32, 2^63, 2^64 - 1).
TEST(JitImmediate, UnsignedDivisionByConstantsMatchesTheInterpreter) {
  const std::vector<uint64_t> divisors = {1, 2, 3, 7, 10, 26, 641, 1000, 1024, 65535, 0x7fffffff};
  std::string wat = "(module\n";
  for (uint64_t d : divisors)
    for (const char* t : {"i32", "i64"})
      for (const char* o : {"div_u", "rem_u"})
        wat += std::string("(func (export \"") + t + o + std::to_string(d) + "\") (param " + t +
               ") (result " + t + ") (" + t + "." + o + " (local.get 0) (" + t + ".const " +
               std::to_string(d) + ")))\n";
  wat += ")";
  itest::Wasm jit(wat, itest::engine_config(jit::EngineMode::Jit));
  itest::Wasm interp(wat, itest::engine_config(jit::EngineMode::Interp));
  ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error() << interp.error();
  std::vector<uint64_t> xs = {0,
                              1,
                              2,
                              0x7fffffff,
                              0x80000000,
                              0xffffffff,
                              0x100000000,
                              0x123456789abcdef0ull,
                              0x7fffffffffffffffull,
                              0x8000000000000000ull,
                              ~uint64_t{0}};
  for (uint64_t d : divisors)
    for (uint64_t k : {uint64_t{1}, uint64_t{12345}, uint64_t{0x3fffffff}, uint64_t{1} << 40})
      for (int64_t delta : {-1, 0, 1}) xs.push_back(d * k + static_cast<uint64_t>(delta));
  for (uint64_t d : divisors)
    for (const char* t : {"i32", "i64"})
      for (const char* o : {"div_u", "rem_u"}) {
        const std::string name = std::string(t) + o + std::to_string(d);
        ASSERT_NE(jit.instance()->get_func(name)->code->native, nullptr) << name;
        for (uint64_t x : xs) {
          const Value arg = t[1] == '3' ? itest::I32(static_cast<uint32_t>(x)) : itest::I64(x);
          EXPECT_EQ(jit.bits(name, {arg}), interp.bits(name, {arg})) << name << " " << x;
        }
      }
}

// Stores of constants (immediates of each width: an i32 0xffffffff, an i64 -2, an i64 that
// does not fit imm32, bytes and halves of wider constants) and of pinned values (from their
// registers, including the byte registers that need a REX prefix), at a variable address plus
// a constant; the memory is then summed back.
const char* kStores = R"((module
  (memory 1)
  (func (export "stores") (param $n i32) (param $x i64) (result i64)
    (local $i i32) (local $p i32) (local $v i64) (local $s i64)
    (local.set $v (local.get $x))
    (loop $top
      (local.set $p (i32.mul (i32.and (local.get $i) (i32.const 63)) (i32.const 40)))
      (i32.store (i32.add (local.get $p) (i32.const 0)) (i32.const 0xffffffff))
      (i64.store (i32.add (local.get $p) (i32.const 4)) (i64.const -2))
      (i64.store (i32.add (local.get $p) (i32.const 12)) (i64.const 0x123456789))
      (i32.store8 (i32.add (local.get $p) (i32.const 20)) (i32.const 0x1ff))
      (i32.store16 (i32.add (local.get $p) (i32.const 21)) (i32.const 0xabcdef))
      (i64.store32 (i32.add (local.get $p) (i32.const 23)) (i64.const -7))
      (i64.store8 (i32.add (local.get $p) (i32.const 27)) (local.get $v))
      (i64.store16 (i32.add (local.get $p) (i32.const 28)) (local.get $v))
      (i32.store8 (local.get $p) (i32.wrap_i64 (local.get $v)))
      (f64.store (i32.add (local.get $p) (i32.const 30)) (f64.const -0.5))
      (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 6364136223846793005))
                             (i64.const 1442695040888963407)))
      (br_if $top (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                            (local.get $n))))
    (local.set $i (i32.const 0))
    (loop $sum
      (local.set $s (i64.add (i64.rotl (local.get $s) (i64.const 7))
                             (i64.load (local.get $i))))
      (br_if $sum (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8)))
                            (i32.const 2600))))
    (local.get $s))
))";

TEST(JitImmediate, StoresOfConstantsAndPinnedValuesMatchTheInterpreter) {
  for (uint32_t n : {1u, 3u, 64u, 200u})
    for (uint64_t x : {uint64_t{0}, uint64_t{0x8081828384858687}, ~uint64_t{0}}) {
      // Fresh instances: each run starts from zeroed memory.
      itest::Wasm jit(kStores, itest::engine_config(jit::EngineMode::Jit));
      itest::Wasm interp(kStores, itest::engine_config(jit::EngineMode::Interp));
      ASSERT_TRUE(jit.ok() && interp.ok()) << jit.error() << interp.error();
      EXPECT_EQ(jit.u64("stores", {itest::I32(n), itest::I64(x)}),
                interp.u64("stores", {itest::I32(n), itest::I64(x)}))
          << n << " " << x;
    }
}

}  // namespace
}  // namespace wc::engine
