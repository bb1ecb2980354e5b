// The JIT's v128 instructions (x64_simd.cc) against the interpreter: out-of-bounds v128
// accesses trap with the interpreter's kind, message and backtrace, from an SSE template and
// from a SimdFn called by compiled code; lane ops (inline SSE templates and called SimdFns)
// give the interpreter's bits, NaN lanes included; and scalar values pinned in registers
// survive runs of v128 instructions in a loop.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/interp/compiled_function.h"
#include "engine/jit/x64_compiler.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

StoreConfig config_for(jit::EngineMode mode) { return itest::engine_config(mode); }

struct Engines {
  itest::Wasm jit, interp;
  explicit Engines(const char* wat)
      : jit(wat, config_for(jit::EngineMode::Jit)),
        interp(wat, config_for(jit::EngineMode::Interp)) {}
};

void expect_compiled(itest::Wasm& w) {
  for (const FuncInstance* f : w.instance()->funcs_) {
    ASSERT_NE(f->code, nullptr);
    EXPECT_NE(f->code->native, nullptr) << f->name;
    std::optional<std::string> diff = jit::check_analysis(*f->code);
    EXPECT_FALSE(diff.has_value()) << f->name << ": " << diff.value_or("");
  }
}

// Both engines' outcomes of one call: the same trap (kind, message, backtrace) or the same
// result bits, exactly (NaN payloads too: the templates use the instruction the interpreter's
// lane loop compiles to, with the same operand order).
void expect_same(Engines& e, const std::string& name, const std::vector<Value>& args) {
  InvokeResult a = e.jit.run(name, args), b = e.interp.run(name, args);
  std::string where = name;
  for (const Value& v : args) where += " " + value_to_string(v);
  ASSERT_EQ(a.ok(), b.ok()) << where << ": jit " << (a.ok() ? "returned" : a.trap->message)
                            << ", interpreter " << (b.ok() ? "returned" : b.trap->message);
  if (!a.ok()) {
    EXPECT_EQ(a.trap->kind, b.trap->kind) << where;
    EXPECT_EQ(a.trap->message, b.trap->message) << where;
    EXPECT_EQ(a.trap->backtrace, b.trap->backtrace) << where;
    return;
  }
  ASSERT_EQ(a.results.size(), b.results.size()) << where;
  for (size_t i = 0; i < a.results.size(); ++i)
    EXPECT_EQ(value_to_string(a.results[i]), value_to_string(b.results[i])) << where;
}

// v128.load is an SSE template, v128.load32_splat and v128.store64_lane call their SimdFn;
// each sits in a loop (compiled code runs it) two calls deep (the backtrace has both).
const char* kMemory = R"((module
  (memory 1)
  (func $load (param i32 i32) (result v128) (local v128)
    (loop $l
      (local.set 2 (i32x4.add (local.get 2) (v128.load offset=4 (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 16)))
      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    (local.get 2))
  (func $splat (param i32 i32) (result v128) (local v128)
    (loop $l
      (local.set 2 (f32x4.add (local.get 2) (v128.load32_splat (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1)))))
    (local.get 2))
  (func $store (param i32 i32)
    (loop $l
      (v128.store64_lane 1 (local.get 0) (v128.const i64x2 1 2))
      (v128.store offset=8 (local.get 0) (v128.const i32x4 5 6 7 8))
      (local.set 0 (i32.add (local.get 0) (i32.const 8)))
      (br_if $l (local.tee 1 (i32.sub (local.get 1) (i32.const 1))))))
  (func (export "load") (param i32 i32) (result v128) (call $load (local.get 0) (local.get 1)))
  (func (export "splat") (param i32 i32) (result v128) (call $splat (local.get 0) (local.get 1)))
  (func (export "store") (param i32 i32) (result v128)
    (call $store (local.get 0) (local.get 1))
    (v128.load (i32.const 65520)))
))";

TEST(JitSimd, OutOfBoundsAccessesTrapLikeTheInterpreter) {
  Engines e(kMemory);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  expect_compiled(e.jit);
  using itest::I32;
  // In bounds, then crossing the end of memory after a few iterations, then far out.
  for (const char* f : {"load", "splat", "store"}) {
    for (uint32_t start : {0u, 65400u, 65512u, 65530u, 0xFFFFFFF0u}) {
      expect_same(e, f, {I32(start), I32(20)});
    }
  }
  InvokeResult r = e.jit.run("load", {I32(65400), I32(20)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(r.trap->backtrace.size(), 2u);  // $load, then the export that called it
  r = e.jit.run("store", {I32(65500), I32(20)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap->kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(r.trap->backtrace.size(), 2u);
}

const char* kLanes = R"((module
  (global $g (mut v128) (v128.const i32x4 0 0 0 0))
  (func (export "f32x4.add") (param v128 v128) (result v128) (f32x4.add (local.get 0) (local.get 1)))
  (func (export "f32x4.sub") (param v128 v128) (result v128) (f32x4.sub (local.get 0) (local.get 1)))
  (func (export "f32x4.mul") (param v128 v128) (result v128) (f32x4.mul (local.get 0) (local.get 1)))
  (func (export "f32x4.div") (param v128 v128) (result v128) (f32x4.div (local.get 0) (local.get 1)))
  (func (export "f32x4.min") (param v128 v128) (result v128) (f32x4.min (local.get 0) (local.get 1)))
  (func (export "f32x4.max") (param v128 v128) (result v128) (f32x4.max (local.get 0) (local.get 1)))
  (func (export "f64x2.add") (param v128 v128) (result v128) (f64x2.add (local.get 0) (local.get 1)))
  (func (export "f64x2.mul") (param v128 v128) (result v128) (f64x2.mul (local.get 0) (local.get 1)))
  (func (export "f64x2.min") (param v128 v128) (result v128) (f64x2.min (local.get 0) (local.get 1)))
  (func (export "i32x4.mul") (param v128 v128) (result v128) (i32x4.mul (local.get 0) (local.get 1)))
  (func (export "i16x8.mul") (param v128 v128) (result v128) (i16x8.mul (local.get 0) (local.get 1)))
  (func (export "i8x16.add_sat_s") (param v128 v128) (result v128)
    (i8x16.add_sat_s (local.get 0) (local.get 1)))
  (func (export "andnot") (param v128 v128) (result v128) (v128.andnot (local.get 0) (local.get 1)))
  (func (export "trunc_sat") (param v128 v128) (result v128)
    (i32x4.trunc_sat_f32x4_s (f32x4.add (local.get 0) (local.get 1))))
  (func (export "lanes") (param v128 v128) (result f32 f64 i32 i64 v128 v128)
    (f32x4.extract_lane 3 (local.get 0))
    (f64x2.extract_lane 1 (local.get 1))
    (i32x4.extract_lane 2 (local.get 1))
    (i64x2.extract_lane 0 (local.get 0))
    (f32x4.splat (f32x4.extract_lane 1 (local.get 1)))
    (i64x2.splat (i64x2.extract_lane 1 (local.get 0))))
  (func (export "select_global") (param v128 v128) (result v128 v128)
    (global.set $g (select (local.get 0) (local.get 1)
                           (i32x4.extract_lane 0 (local.get 0))))
    (global.get $g)
    (select (local.get 1) (local.get 0) (i32.const 0)))
))";

std::vector<Value> lane_inputs() {
  auto f32x4 = [](uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    return Value::v128(uint64_t{a} | uint64_t{b} << 32, uint64_t{c} | uint64_t{d} << 32);
  };
  const uint32_t one = std::bit_cast<uint32_t>(1.0f), big = std::bit_cast<uint32_t>(3e9f),
                 qnan = 0x7FC00000u, nan_payload = 0x7FC12345u, snan = 0x7FA00001u,
                 neg_nan = 0xFFC54321u, inf = 0x7F800000u, nzero = 0x80000000u;
  return {f32x4(one, big, 0, nzero),
          f32x4(qnan, nan_payload, snan, neg_nan),
          f32x4(neg_nan, snan, one, inf),
          f32x4(inf, 0xFF800000u, nzero, 0),
          Value::v128(0x7FF8000000000123ull, 0xFFF4000000000001ull),  // f64 NaN lanes
          Value::v128(0x3FF0000000000000ull, 0x8000000000000000ull),
          Value::v128(0xFFFFFFFF80000000ull, 0x7FFF00017FFFFFFFull)};
}

TEST(JitSimd, LaneOpsMatchTheInterpreterIncludingNaNLanes) {
  Engines e(kLanes);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  expect_compiled(e.jit);
  const std::vector<Value> in = lane_inputs();
  for (const char* f :
       {"f32x4.add", "f32x4.sub", "f32x4.mul", "f32x4.div", "f32x4.min", "f32x4.max", "f64x2.add",
        "f64x2.mul", "f64x2.min", "i32x4.mul", "i16x8.mul", "i8x16.add_sat_s", "andnot",
        "trunc_sat", "lanes", "select_global"})
    for (const Value& a : in)
      for (const Value& b : in) expect_same(e, f, {a, b});
  // NaN lanes spelled out: the first NaN operand's payload, quieted, as x86's addps gives it
  // and as the interpreter's lane loop computes it.
  InvokeResult r = e.jit.run("f32x4.add", {in[1], in[2]});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.results[0].bits, uint64_t{0x7FC00000u} | uint64_t{0x7FC12345u} << 32);
}

// Loops whose scalar values live in registers around v128 instructions: runs with a called
// SimdFn (i32x4.min_s), which write every pin back and reload them, and SSE templates alone,
// which write back and reload only their own slots.
const char* kLoop = R"((module
  (memory 1)
  (func (export "kernel") (param i32) (result i32 v128) (local i32 i32 v128 v128)
    (loop $l
      (local.set 4 (i32x4.add (local.get 4)
                              (i32x4.min_s (v128.load (local.get 1)) (i32x4.splat (local.get 2)))))
      (v128.store (local.get 1) (local.get 4))
      (local.set 2 (i32.add (local.get 2) (i32.const 3)))
      (local.set 1 (i32.and (i32.add (local.get 1) (i32.const 20)) (i32.const 4095)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (i32.add (local.get 1) (local.get 2))
    (local.get 4))
  ;; Scalars flowing into and out of SSE templates with no call in the loop: lane results
  ;; into float and integer pins, pinned scalars into splats and addresses.
  (func (export "mixed") (param i32) (result f32 i32 v128) (local f32 i32 i32 v128)
    (loop $l
      (local.set 4 (f32x4.add (local.get 4) (f32x4.splat (local.get 1))))
      (local.set 1 (f32.add (local.get 1) (f32x4.extract_lane 2 (local.get 4))))
      (local.set 2 (i32.xor (local.get 2) (i32x4.extract_lane 1 (v128.load (local.get 3)))))
      (v128.store offset=16 (local.get 3) (i32x4.add (i32x4.splat (local.get 2)) (local.get 4)))
      (local.set 3 (i32.and (i32.add (local.get 3) (i32.const 4)) (i32.const 1023)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1) (local.get 2) (local.get 4))
  ;; Lane results read only by float ops (the slots they land in may be in xmm registers).
  (func (export "fsum") (param i32 v128) (result f32 v128) (local f32)
    (loop $l
      (local.set 2 (f32.mul (local.get 2) (f32x4.extract_lane 1 (local.get 1))))
      (local.set 2 (f32.add (local.get 2) (f32x4.extract_lane 3 (local.get 1))))
      (local.set 1 (f32x4.sub (local.get 1) (f32x4.splat (local.get 2))))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 2) (local.get 1))
))";

TEST(JitSimd, PinnedScalarsSurviveV128Runs) {
  Engines e(kLoop);
  ASSERT_TRUE(e.jit.ok() && e.interp.ok()) << e.jit.error() << e.interp.error();
  expect_compiled(e.jit);
  for (uint32_t n : {1u, 2u, 100u, 5000u}) {
    expect_same(e, "kernel", {itest::I32(n)});
    expect_same(e, "mixed", {itest::I32(n)});
    expect_same(e, "fsum",
                {itest::I32(n), Value::v128(0x3F8000003F000000ull, 0xBF8000003E800000ull)});
  }
}

}  // namespace
}  // namespace wc::engine
