// The baseline JIT (src/engine/jit): code pages are never writable and executable at once,
// compiled functions give the interpreter's results (including traps raised from compiled
// code and interrupts of a compiled `loop br 0`), and control passes between compiled code
// and the interpreter at calls and unsupported instructions.
//
// `WC_TEST_ENGINE=jit unit_tests --gtest_filter='Interp*'` reruns the interpreter's own tests
// with every function compiled (scripts/test.sh does).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "engine/interp/compiled_function.h"
#include "engine/jit/executable_memory.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

const bool g_engine_from_env = [] {
  const char* e = std::getenv("WC_TEST_ENGINE");
  if (e && std::string(e) == "jit") StoreConfig::set_process_engine(jit::EngineMode::Jit);
  // With WC_JIT_TIER_UP_AFTER=1 or 2, functions move between the tiers as often as they can.
  if (e && std::string(e) == "auto") StoreConfig::set_process_engine(jit::EngineMode::Auto);
  return true;
}();

// The permissions column of the mapping that holds `p` in /proc/self/maps.
std::string perms_of(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi)
      return perms;
  }
  return "unmapped";
}

TEST(Jit, CodePagesAreReadExecNeverWritable) {
  // mov eax, 42; ret
  const uint8_t code[] = {0xB8, 42, 0, 0, 0, 0xC3};
  size_t mapped = 0;
  uint8_t* p = jit::map_executable(code, sizeof code, &mapped);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(perms_of(p), "r-xp");
  EXPECT_EQ(reinterpret_cast<int (*)()>(p)(), 42);
  jit::unmap_executable(p, mapped);
  EXPECT_EQ(perms_of(p), "unmapped");
}

// Every compiled instruction enterable, so the tests exercise the compiled code itself.
StoreConfig jit_config() {
  StoreConfig c;
  c.engine = jit::EngineMode::Jit;
  c.jit_min_run = 1;
  return c;
}
StoreConfig interp_config() {
  StoreConfig c;
  c.engine = jit::EngineMode::Interp;
  return c;
}

const char* kKernels = R"((module
  (memory 1)
  ;; sum of i*i over 0..n, through memory
  (func (export "squares") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2))
                 (i32.mul (local.get $i) (local.get $i)))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (i32.load
         (i32.shl (i32.and (local.get $i) (i32.const 1023)) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))
    (local.get $s))
  ;; float loop with compares that see NaN
  (func (export "fl") (param $x f64) (result f64) (local $i i32) (local $a f64)
    (local.set $a (local.get $x))
    (loop $top
      (local.set $a (f64.add (f64.mul (local.get $a) (f64.const 0.5)) (f64.const 1)))
      (if (f64.le (local.get $a) (f64.const 1.5)) (then (local.set $a (f64.neg (local.get $a)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $top (i32.lt_s (local.get $i) (i32.const 50))))
    (local.get $a))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "oob") (param i32) (result i32) (i32.load offset=8 (local.get 0)))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  ;; a loop that calls: compiled code leaves at the call and comes back where it returns
  (func (export "calls") (param $n i32) (result i32) (local $s i32)
    (loop $top
      (local.set $s (i32.add (local.get $s) (call $sq (local.get $n))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top))
    (local.get $s))
  (func (export "switch") (param i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  ;; long enough a loop body that compiled code is entered at its header
  (func (export "spin") (local i32)
    (loop $l
      (local.set 0 (i32.add (local.get 0) (i32.const 1)))
      (local.set 0 (i32.xor (local.get 0) (i32.const 5)))
      (local.set 0 (i32.add (local.get 0) (i32.const 3)))
      (br $l))))
)";

TEST(Jit, CompiledFunctionsMatchTheInterpreter) {
  itest::Wasm jit(kKernels, jit_config());
  itest::Wasm interp(kKernels, interp_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  ASSERT_NE(jit.instance()->get_func("squares")->code->native, nullptr);
  EXPECT_EQ(interp.instance()->get_func("squares")->code->native, nullptr);
  for (uint32_t n : {0u, 1u, 7u, 1000u, 5000u})
    EXPECT_EQ(jit.u64("squares", {itest::I32(n)}), interp.u64("squares", {itest::I32(n)})) << n;
  for (double x : {0.0, -3.0, 2.5, 1e300, std::nan("")})
    EXPECT_EQ(jit.u64("fl", {Value::f64(x)}), interp.u64("fl", {Value::f64(x)})) << x;
  for (uint32_t n : {1u, 5u, 300u})  // n = 0 would loop 2^32 times
    EXPECT_EQ(jit.u32("calls", {itest::I32(n)}), interp.u32("calls", {itest::I32(n)})) << n;
  for (uint32_t i : {0u, 1u, 2u, 3u, 99u, 0xFFFFFFFFu})
    EXPECT_EQ(jit.u32("switch", {itest::I32(i)}), interp.u32("switch", {itest::I32(i)})) << i;
  EXPECT_EQ(jit.i32("div", {itest::I32s(-7), itest::I32s(2)}), -3);
  EXPECT_EQ(jit.u64("rem", {itest::I64(uint64_t{1} << 63), itest::I64(~uint64_t{0})}), 0u);
}

TEST(Jit, TrapsFromCompiledCodeAreTheInterpretersTraps) {
  itest::Wasm jit(kKernels, jit_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  EXPECT_EQ(jit.trap("div", {itest::I32(1), itest::I32(0)}), TrapKind::IntegerDivideByZero);
  EXPECT_EQ(jit.trap("div", {itest::I32(0x80000000u), itest::I32s(-1)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(jit.trap("oob", {itest::I32(65536 - 8)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(jit.trap("oob", {itest::I32(0xFFFFFFFFu)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(jit.trap("oob", {itest::I32(0)}), std::nullopt);
}

const char* kCalls = R"((module
  (memory 1)
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; recursion n deep, then a load at `addr` (traps when out of bounds) at the bottom
  (func $down (export "down") (param $n i32) (param $addr i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.load (local.get $addr)))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1))
                                               (local.get $addr))))))
  ;; never ends: call stack exhaustion
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  ;; callee with declared locals and constants: its frame must be set up natively too
  (func $mix (param $a i64) (result i64) (local $t i64) (local $u i64)
    (local.set $t (i64.mul (local.get $a) (i64.const 0x123456789)))
    (local.set $u (i64.xor (local.get $t) (i64.const -77)))
    (i64.add (local.get $u) (local.get $t)))
  (func (export "mixes") (param $n i32) (result i64) (local $s i64)
    (loop $top
      (local.set $s (i64.add (local.get $s) (call $mix (i64.extend_i32_u (local.get $n)))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top))
    (local.get $s))
  ;; a native callee that leaves to the interpreter midway (memory.grow is not compiled) and
  ;; returns into its native caller through the frame stack
  (func $grows (param i32) (result i32)
    (drop (memory.grow (i32.const 0)))
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "grows_loop") (param $n i32) (result i32) (local $s i32)
    (loop $top
      (local.set $s (i32.add (local.get $s) (call $grows (local.get $n))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top))
    (local.get $s))
  (type $unop (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $fib $sq $down)  ;; slot 3 stays null; $down has another signature
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "indirect") (param $i i32) (param $n i32) (result i32) (local $s i32)
    (loop $top
      (local.set $s (i32.add (local.get $s)
        (call_indirect (type $unop) (local.get $n) (local.get $i))))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $top))
    (local.get $s)))
)";

TEST(Jit, NativeCallsMatchTheInterpreter) {
  itest::Wasm jit(kCalls, jit_config());
  itest::Wasm interp(kCalls, interp_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  ASSERT_NE(jit.instance()->get_func("fib")->jit.entry, nullptr);
  for (uint32_t n : {0u, 1u, 2u, 10u, 20u})
    EXPECT_EQ(jit.u32("fib", {itest::I32(n)}), interp.u32("fib", {itest::I32(n)})) << n;
  for (uint32_t n : {1u, 2u, 1000u})
    EXPECT_EQ(jit.u64("mixes", {itest::I32(n)}), interp.u64("mixes", {itest::I32(n)})) << n;
  for (uint32_t n : {1u, 3u, 100u})
    EXPECT_EQ(jit.u32("grows_loop", {itest::I32(n)}), interp.u32("grows_loop", {itest::I32(n)}));
  // Deeper than native calls nest (4096): the rest continues through the interpreter.
  for (uint32_t n : {0u, 100u, 4095u, 4096u, 10000u})
    EXPECT_EQ(jit.u32("down", {itest::I32(n), itest::I32(0)}), n) << n;
}

TEST(Jit, TrapsInNativeCalleesKeepTheInterpretersBacktrace) {
  itest::Wasm jit(kCalls, jit_config());
  itest::Wasm interp(kCalls, interp_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_TRUE(interp.ok()) << interp.error();
  for (uint32_t n : {0u, 3u, 5000u}) {
    InvokeResult a = jit.run("down", {itest::I32(n), itest::I32(70000)});
    InvokeResult b = interp.run("down", {itest::I32(n), itest::I32(70000)});
    ASSERT_TRUE(a.trap && b.trap) << n;
    EXPECT_EQ(a.trap->kind, TrapKind::MemoryOutOfBounds);
    EXPECT_EQ(a.trap->kind, b.trap->kind);
    EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << n;
    EXPECT_EQ(a.trap->backtrace.size(), n + 1);
  }
  // call_indirect: found, out of range, null, wrong signature.
  for (uint32_t i : {0u, 1u, 2u, 3u, 4u, 0xFFFFFFFFu}) {
    InvokeResult x = jit.run("indirect", {itest::I32(i), itest::I32(12)});
    InvokeResult y = interp.run("indirect", {itest::I32(i), itest::I32(12)});
    ASSERT_EQ(x.ok(), y.ok()) << i;
    if (x.ok()) {
      EXPECT_EQ(x.results[0].bits, y.results[0].bits) << i;
    } else {
      EXPECT_EQ(x.trap->kind, y.trap->kind) << i;
      EXPECT_EQ(x.trap->message, y.trap->message) << i;
    }
  }
  EXPECT_EQ(jit.u32("indirect", {itest::I32(1), itest::I32(3)}), 9u + 4u + 1u);
  InvokeResult a = jit.run("forever", {itest::I32(0)});
  InvokeResult b = interp.run("forever", {itest::I32(0)});
  ASSERT_TRUE(a.trap && b.trap);
  EXPECT_EQ(a.trap->kind, TrapKind::StackExhausted);
  EXPECT_EQ(a.trap->backtrace.size(), b.trap->backtrace.size());
  // The store is usable after a trap deep in native calls.
  EXPECT_EQ(jit.u32("fib", {itest::I32(15)}), 610u);
}

TEST(Jit, InterruptStopsACompiledLoop) {
  itest::Wasm jit(kKernels, jit_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  ASSERT_NE(jit.instance()->get_func("spin")->code->native, nullptr);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    jit.store().interrupt();
  });
  EXPECT_EQ(jit.trap("spin"), TrapKind::Interrupted);
  stopper.join();
}

// Constants that are negative 32-bit numbers sign-extended to 64 bits (i64.const -8, as in
// every Go function) live in the frame template; the native entry stores them as a
// sign-extended imm32. Such functions used to fail to compile (an encoder error) and ran
// interpreted.
TEST(Jit, NegativeConstantsInTheFrameTemplateCompile) {
  const char* wat = R"((module
    (func $inner (param i64) (result i64)
      (i64.add (i64.mul (local.get 0) (i64.const -8)) (i64.const -2147483648)))
    (func (export "f") (param i64) (result i64)
      (i64.add (call $inner (local.get 0)) (i64.const -1))))
  )";
  itest::Wasm jit(wat, jit_config());
  ASSERT_TRUE(jit.ok()) << jit.error();
  for (const FuncInstance* f : jit.instance()->funcs_)
    EXPECT_NE(f->code->native, nullptr) << f->name;
  for (int64_t x : {int64_t{0}, int64_t{5}, int64_t{-7}})
    EXPECT_EQ(static_cast<int64_t>(jit.u64("f", {itest::I64(static_cast<uint64_t>(x))})),
              x * -8 - 2147483648LL - 1)
        << x;
}

}  // namespace
}  // namespace wc::engine
