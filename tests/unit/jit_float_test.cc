// The JIT's float templates (issue 11) against the interpreter, on the inputs where x86's
// instructions and wasm's semantics part: min/max with NaN and ±0, u64 <-> float conversions
// across 2^63 and 2^64, out-of-range and NaN truncations (traps raised by the interpreter with
// its kinds, saturation by it too), sign-bit operations on NaNs; and the float cache (values
// kept in xmm registers and written to the frame only where the code may go elsewhere) over
// a kernel with more hot float values than pinned registers, crossing branches, a call and an
// instruction left to the interpreter.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "engine/jit/x64_compiler.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config_for(jit::EngineMode mode) { return itest::engine_config(mode); }

const char* kOps = R"((module
  (func (export "f64_min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "f64_max") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  (func (export "f32_min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "f32_max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func (export "u64_to_f64") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
  (func (export "u64_to_f32") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
  (func (export "f64_to_u64") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
  (func (export "f32_to_u64") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "f64_to_u64_sat") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (func (export "f32_to_u64_sat") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "f64_to_i64") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
  (func (export "f64_to_u32") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
  (func (export "f64_neg") (param f64) (result f64) (f64.neg (local.get 0)))
  (func (export "f64_abs") (param f64) (result f64) (f64.abs (local.get 0)))
  (func (export "f32_neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "f32_copysign") (param f32 f32) (result f32)
    (f32.copysign (local.get 0) (local.get 1)))
  (func (export "f64_copysign") (param f64 f64) (result f64)
    (f64.copysign (local.get 0) (local.get 1)))
  (func (export "f64_nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func (export "f32_sqrt") (param f32) (result f32) (f32.sqrt (local.get 0)))
))";

std::vector<uint64_t> f64_edges() {
  std::vector<uint64_t> v;
  for (double d : {0.0,
                   -0.0,
                   1.0,
                   -1.0,
                   0.5,
                   -0.5,
                   -0.9999,
                   2.5,
                   -2.5,
                   1e300,
                   -1e300,
                   5e-324,
                   -5e-324,
                   9223372036854774784.0 /* below 2^63 */,
                   9223372036854775808.0,
                   18446744073709549568.0 /* below 2^64 */,
                   18446744073709551616.0,
                   4294967295.0,
                   4294967296.0,
                   -9223372036854775808.0,
                   HUGE_VAL,
                   -HUGE_VAL})
    v.push_back(std::bit_cast<uint64_t>(d));
  for (uint64_t nan :
       {0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF4000000000001ull, 0x7FFFFFFFFFFFFFFFull})
    v.push_back(nan);
  return v;
}

std::vector<uint32_t> f32_edges() {
  std::vector<uint32_t> v;
  for (float f :
       {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, -0.999f, 1e30f, -1e30f, 1e-45f,
        9223371487098961920.0f /* below 2^63 */, 9223372036854775808.0f,
        18446742974197923840.0f /* below 2^64 */, 18446744073709551616.0f, HUGE_VALF, -HUGE_VALF})
    v.push_back(std::bit_cast<uint32_t>(f));
  for (uint32_t nan : {0x7FC00000u, 0xFFC00000u, 0x7FA00001u, 0x7FFFFFFFu}) v.push_back(nan);
  return v;
}

std::vector<uint64_t> u64_edges() {
  return {0,
          1,
          2,
          0x7FFFFFFFFFFFFFFFull,
          0x8000000000000000ull,
          0x8000000000000001ull,
          0x8000000000000400ull,  // halfway cases: ties to even after the halving
          0x8000000000000401ull,
          0x8000000000000C00ull,
          0x8000008000000000ull,  // an f32 halfway case
          0x8000008000000001ull,
          0xFFFFFFFFFFFFFC00ull,
          0xFFFFFFFFFFFFFFFFull,
          0x0020000000000001ull,
          0x123456789ABCDEF1ull,
          0xDEADBEEFCAFEBABEull};
}

bool is_nan_bits(uint64_t b, bool wide) {
  return wide ? std::isnan(std::bit_cast<double>(b))
              : std::isnan(std::bit_cast<float>(static_cast<uint32_t>(b)));
}

// Runs `name` in both engines; the outcomes must agree: the same trap kind, or results with
// the same bits (any NaN for a NaN: wasm leaves NaN payloads open except for sign-bit ops,
// where `exact_nan` asks for the bits).
void expect_same(itest::Wasm& jit, itest::Wasm& interp, const std::string& name,
                 const std::vector<Value>& args, bool wide_result, bool exact_nan = false) {
  InvokeResult a = jit.run(name, args), b = interp.run(name, args);
  std::string where = name + "(" + std::to_string(args[0].bits) +
                      (args.size() > 1 ? ", " + std::to_string(args[1].bits) : "") + ")";
  ASSERT_EQ(a.ok(), b.ok()) << where << ": jit " << (a.ok() ? "returned" : a.trap->message)
                            << ", interpreter " << (b.ok() ? "returned" : b.trap->message);
  if (!a.ok()) {
    EXPECT_EQ(a.trap->kind, b.trap->kind) << where;
    EXPECT_EQ(a.trap->message, b.trap->message) << where;
    return;
  }
  ASSERT_EQ(a.results.size(), 1u);
  ASSERT_EQ(b.results.size(), 1u);
  uint64_t x = a.results[0].bits, y = b.results[0].bits;
  if (!exact_nan && is_nan_bits(y, wide_result)) {
    EXPECT_TRUE(is_nan_bits(x, wide_result)) << where << ": jit " << std::hex << x;
    return;
  }
  EXPECT_EQ(x, y) << where;
}

struct Engines {
  itest::Wasm jit, interp;
  explicit Engines(const char* wat)
      : jit(wat, config_for(jit::EngineMode::Jit)),
        interp(wat, config_for(jit::EngineMode::Interp)) {}
};

TEST(JitFloat, OpsAreCompiled) {
  Engines e(kOps);
  ASSERT_TRUE(e.jit.ok()) << e.jit.error();
  for (const FuncInstance* f : e.jit.instance()->funcs_) {
    ASSERT_NE(f->code, nullptr);
    EXPECT_NE(f->code->native, nullptr) << f->name;
    std::optional<std::string> diff = jit::check_analysis(*f->code);
    EXPECT_FALSE(diff.has_value()) << f->name << ": " << diff.value_or("");
  }
}

TEST(JitFloat, MinMaxNaNAndSignedZeros) {
  Engines e(kOps);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  for (uint64_t a : f64_edges())
    for (uint64_t b : f64_edges())
      for (const char* f : {"f64_min", "f64_max"})
        expect_same(e.jit, e.interp, f, {Value::f64_bits(a), Value::f64_bits(b)}, true);
  for (uint32_t a : f32_edges())
    for (uint32_t b : f32_edges())
      for (const char* f : {"f32_min", "f32_max"})
        expect_same(e.jit, e.interp, f, {Value::f32_bits(a), Value::f32_bits(b)}, false);
  // The cases x86's minsd/maxsd get wrong by themselves, spelled out.
  const uint64_t pz = 0, nz = uint64_t{1} << 63;
  EXPECT_EQ(e.jit.u64("f64_min", {Value::f64_bits(pz), Value::f64_bits(nz)}), nz);
  EXPECT_EQ(e.jit.u64("f64_min", {Value::f64_bits(nz), Value::f64_bits(pz)}), nz);
  EXPECT_EQ(e.jit.u64("f64_max", {Value::f64_bits(nz), Value::f64_bits(pz)}), pz);
  EXPECT_EQ(e.jit.u64("f64_max", {Value::f64_bits(pz), Value::f64_bits(nz)}), pz);
  EXPECT_TRUE(std::isnan(std::bit_cast<double>(
      e.jit.u64("f64_min", {Value::f64(1.0), Value::f64_bits(0x7FF8000000000000ull)}))));
  EXPECT_TRUE(std::isnan(std::bit_cast<double>(
      e.jit.u64("f64_max", {Value::f64_bits(0xFFF8000000000000ull), Value::f64(1.0)}))));
}

TEST(JitFloat, UnsignedSixtyFourBitConversions) {
  Engines e(kOps);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  for (uint64_t u : u64_edges()) {
    expect_same(e.jit, e.interp, "u64_to_f64", {itest::I64(u)}, true);
    expect_same(e.jit, e.interp, "u64_to_f32", {itest::I64(u)}, false);
    // And against the C++ conversion (one correct rounding, to nearest even).
    EXPECT_EQ(e.jit.u64("u64_to_f64", {itest::I64(u)}),
              std::bit_cast<uint64_t>(static_cast<double>(u)))
        << u;
    EXPECT_EQ(e.jit.u64("u64_to_f32", {itest::I64(u)}),
              std::bit_cast<uint32_t>(static_cast<float>(u)))
        << u;
  }
}

TEST(JitFloat, TruncationsTrapAndSaturateAsTheInterpreter) {
  Engines e(kOps);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  for (uint64_t d : f64_edges())
    for (const char* f : {"f64_to_u64", "f64_to_u64_sat", "f64_to_i64", "f64_to_u32"})
      expect_same(e.jit, e.interp, f, {Value::f64_bits(d)}, true);
  for (uint32_t x : f32_edges())
    for (const char* f : {"f32_to_u64", "f32_to_u64_sat"})
      expect_same(e.jit, e.interp, f, {Value::f32_bits(x)}, true);
  EXPECT_EQ(e.jit.trap("f64_to_u64", {Value::f64(-1.0)}), TrapKind::IntegerOverflow);
  EXPECT_EQ(e.jit.trap("f64_to_u64", {Value::f64(18446744073709551616.0)}),
            TrapKind::IntegerOverflow);
  EXPECT_EQ(e.jit.trap("f64_to_u64", {Value::f64_bits(0x7FF8000000000000ull)}),
            TrapKind::InvalidConversion);
  EXPECT_EQ(e.jit.u64("f64_to_u64", {Value::f64(-0.75)}), 0u);
  EXPECT_EQ(e.jit.u64("f64_to_u64", {Value::f64(18446744073709549568.0)}), 0xFFFFFFFFFFFFF800ull);
  EXPECT_EQ(e.jit.u64("f64_to_u64_sat", {Value::f64(1e300)}), ~uint64_t{0});
  EXPECT_EQ(e.jit.u64("f64_to_u64_sat", {Value::f64(-1e300)}), 0u);
}

TEST(JitFloat, SignBitOpsKeepNaNPayloads) {
  Engines e(kOps);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  for (uint64_t a : f64_edges()) {
    expect_same(e.jit, e.interp, "f64_neg", {Value::f64_bits(a)}, true, true);
    expect_same(e.jit, e.interp, "f64_abs", {Value::f64_bits(a)}, true, true);
    expect_same(e.jit, e.interp, "f64_nearest", {Value::f64_bits(a)}, true);
    for (uint64_t b : f64_edges())
      expect_same(e.jit, e.interp, "f64_copysign", {Value::f64_bits(a), Value::f64_bits(b)}, true,
                  true);
  }
  for (uint32_t a : f32_edges()) {
    expect_same(e.jit, e.interp, "f32_neg", {Value::f32_bits(a)}, false, true);
    expect_same(e.jit, e.interp, "f32_sqrt", {Value::f32_bits(a)}, false);
    for (uint32_t b : f32_edges())
      expect_same(e.jit, e.interp, "f32_copysign", {Value::f32_bits(a), Value::f32_bits(b)}, false,
                  true);
  }
  EXPECT_EQ(e.jit.u64("f64_neg", {Value::f64_bits(0x7FF4000000000001ull)}), 0xFFF4000000000001ull);
}

// f64 locals that an integer template also touches (select moves them as bits), so they are
// not pinned to xmm registers and the float cache holds their new values; the loop body
// crosses a forward branch, a call and memory.grow (left to the interpreter, which must find
// every cached value in the frame) and ends in a conditional back edge.
std::string cache_kernel() {
  const int n = 6;
  std::string locals, body, sum, init;
  for (int i = 0; i < n; ++i) {
    std::string v = "$v" + std::to_string(i);
    locals += " (local " + v + " f64)";
    init +=
        "(local.set " + v + " (f64.add (local.get $x) (f64.const " + std::to_string(i) + ".5)))\n";
    // select keeps the value (the condition is the non-zero $n) but makes the slot "mixed".
    body += "(local.set " + v + " (select (local.get " + v + ") (local.get $x) (local.get $n)))\n";
  }
  for (int i = 0; i < n; ++i) {
    std::string v = "$v" + std::to_string(i), w = "$v" + std::to_string((i + 1) % n);
    body += "(local.set " + v + " (f64.add (f64.mul (local.get " + v +
            ") (f64.const 0.75)) (f64.mul (f64.min (local.get " + w +
            ") (f64.const 1e3)) (f64.const 0.375))))\n";
    if (i == 3) {
      body +=
          "(if (f64.gt (local.get $v2) (local.get $v3)) (then (local.set $v4 (call $half "
          "(local.get $v4)))))\n";
    }
    // Not at the branch's target (a label, where the cache is empty): v4 is still dirty here.
    if (i == 4) body += "(drop (memory.grow (i32.const 0)))\n";
  }
  sum = "(local.get $v0)";
  for (int i = 1; i < n; ++i) sum = "(f64.add " + sum + " (local.get $v" + std::to_string(i) + "))";
  return "(module (memory 1)\n"
         "(func $half (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))\n"
         "(func (export \"kernel\") (param $n i32) (param $x f64) (result f64)" +
         locals + "\n" + init + "(loop $top\n" + body +
         "(br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n" + sum + "))";
}

TEST(JitFloat, CachedValuesReachTheFrameWhereverTheCodeGoes) {
  const std::string wat = cache_kernel();
  Engines e(wat.c_str());
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  ASSERT_NE(e.jit.instance()->get_func("kernel")->code->native, nullptr);
  for (double x : {0.0, -3.0, 1.25, 700.0, -1e5})
    for (uint32_t n : {1u, 2u, 17u, 300u})
      expect_same(e.jit, e.interp, "kernel", {itest::I32(n), Value::f64(x)}, true);
  // The same under tier-up, where the interpreter and compiled code alternate mid-loop.
  StoreConfig c = config_for(jit::EngineMode::Auto);
  itest::Wasm autotier(wat, c);
  ASSERT_TRUE(autotier.ok()) << autotier.error();
  for (uint32_t n : {1u, 50u, 3000u})
    expect_same(autotier, e.interp, "kernel", {itest::I32(n), Value::f64(0.5)}, true);
}

// f64 templates that compute into the destination's register (pinned or a float cache
// register taken for it): more hot f64 locals than pinned registers, and every operand
// position the destination can take: d = a - d (the destination is b: never computed in
// place), d = d * a, d = a * b + d (fused multiply-add forms), d = a * b - c, loads into d.
std::string dest_kernel() {
  const int n = 14;
  std::string locals, body, sum;
  auto v = [](int i) { return "(local.get $v" + std::to_string(i % 14) + ")"; };
  auto set = [](int i, const std::string& e) {
    return "(local.set $v" + std::to_string(i % 14) + " " + e + ")\n";
  };
  for (int i = 0; i < n; ++i) {
    locals += " (local $v" + std::to_string(i) + " f64)";
    body += set(
        i, "(f64.add " + v(i) + " (f64.load offset=" + std::to_string(8 * i) + " (i32.const 0)))");
  }
  for (int i = 0; i < n; ++i) {
    body += set(i, "(f64.sub " + v(i + 3) + " " + v(i) + ")");
    body += set(i + 1, "(f64.mul " + v(i + 1) + " (f64.const 0.5))");
    body += set(i + 2, "(f64.add (f64.mul " + v(i + 5) + " " + v(i + 6) + ") " + v(i + 2) + ")");
    body += set(i + 4, "(f64.sub (f64.mul " + v(i) + " " + v(i + 4) + ") " + v(i + 7) + ")");
    body += set(i + 5, "(f64.div " + v(i + 5) + " (f64.add " + v(i + 8) + " (f64.const 3)))");
  }
  body += "(f64.store offset=16 (i32.const 0) " + v(3) + ")\n";
  sum = v(0);
  for (int i = 1; i < n; ++i) sum = "(f64.add " + sum + " " + v(i) + ")";
  return "(module (memory 1)\n"
         "(func (export \"kernel\") (param $n i32) (param $x f64) (result f64)" +
         locals + "\n(f64.store (i32.const 0) (local.get $x))\n(loop $top\n" + body +
         "(br_if $top (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n" + sum + "))";
}

TEST(JitFloat, ResultsComputedInTheirRegistersMatchTheInterpreter) {
  const std::string wat = dest_kernel();
  for (double x : {0.0, -3.0, 1.25, 1e5})
    for (uint32_t n : {1u, 2u, 7u, 40u}) {
      // Fresh instances: the kernel writes memory, which later calls read.
      Engines e(wat.c_str());
      ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
      ASSERT_NE(e.jit.instance()->get_func("kernel")->code->native, nullptr);
      expect_same(e.jit, e.interp, "kernel", {itest::I32(n), Value::f64(x)}, true);
    }
}

}  // namespace
}  // namespace wc::engine
