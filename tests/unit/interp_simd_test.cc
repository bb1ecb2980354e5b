// How the interpreter carries v128 values: two adjacent frame slots everywhere (params,
// locals, constants, operand stack, results, globals), mixed with scalars. The per-op lane
// semantics are covered by the spec suite's simd_*.wast; these tests aim at the translator's
// slot bookkeeping, where a wrong slot shows up as a wrong half or a clobbered neighbour.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "engine/runtime/value.h"
#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;
using itest::I64;

Value V(uint64_t lo, uint64_t hi) { return Value::v128(lo, hi); }

// The results as (type, lo, hi) triples, so a swapped half or a wrong type is visible.
std::vector<std::string> results(itest::Wasm& w, const std::string& name, std::vector<Value> args) {
  InvokeResult r = w.run(name, std::move(args));
  std::vector<std::string> out;
  if (!r.ok()) {
    ADD_FAILURE() << name << " trapped: " << r.trap->message;
    return out;
  }
  for (const Value& v : r.results) out.push_back(value_to_string(v));
  return out;
}
std::string v128_text(uint64_t lo, uint64_t hi) { return value_to_string(V(lo, hi)); }

TEST(InterpSimd, ParamsResultsAndLocalsMixWithScalars) {
  ITEST_LOAD(w, R"((module
    (func (export "mix") (param i32 v128 i64 v128) (result v128 i32 v128 i64)
      (local f32 v128 i32)
      (local.set 5 (local.get 1))
      (local.set 6 (i32.add (local.get 0) (i32.const 1)))
      (local.get 3) (local.get 6) (local.get 5) (local.get 2))
    (func (export "swap") (param v128 v128) (result v128 v128)
      (local.get 0) (local.get 1) (local.set 0) (local.set 1) (local.get 0) (local.get 1))
    (func (export "tee") (param v128) (result v128 v128) (local v128)
      (local.tee 1 (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4)))
      (local.get 1)))
  )");
  EXPECT_EQ(results(w, "mix", {I32(41), V(1, 2), I64(7), V(3, 4)}),
            (std::vector<std::string>{v128_text(3, 4), "i32:42", v128_text(1, 2), "i64:7"}));
  EXPECT_EQ(results(w, "swap", {V(1, 2), V(3, 4)}),
            (std::vector<std::string>{v128_text(3, 4), v128_text(1, 2)}));
  uint64_t lo = 0x0000000200000001ull, hi = 0x0000000400000003ull;
  EXPECT_EQ(results(w, "tee", {V(0, 0)}),
            (std::vector<std::string>{v128_text(lo, hi), v128_text(lo, hi)}));
}

TEST(InterpSimd, BlocksBranchesSelectAndCalls) {
  ITEST_LOAD(w, R"((module
    (type $vv (func (param v128) (result v128 i32)))
    (func $twice (param v128 i32) (result v128)
      (if (result v128) (local.get 1)
        (then (i64x2.add (local.get 0) (local.get 0)))
        (else (local.get 0))))
    (func (export "block") (param v128 i32) (result v128 i32)
      (local.get 0)
      (block (type $vv)
        (i32.const 9)
        (br_if 0 (local.get 1))
        drop
        (i64x2.add (v128.const i64x2 100 200))
        (i32.const 5)))
    (func (export "select") (param v128 v128 i32) (result v128)
      (select (result v128) (local.get 0) (local.get 1) (local.get 2)))
    (func (export "select_untyped") (param v128 v128 i32) (result v128)
      (select (local.get 0) (local.get 1) (local.get 2)))
    (func (export "call") (param v128 i32) (result v128)
      (call $twice (local.get 0) (local.get 1)))
    (func (export "loop") (param i32) (result v128) (local v128)
      ;; sum i64x2(k, 2k) for k = n..1
      (loop $l
        (local.set 1 (i64x2.add (local.get 1)
          (i64x2.replace_lane 1 (i64x2.splat (i64.extend_i32_u (local.get 0)))
            (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 1)))))
        (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
      (local.get 1)))
  )");
  EXPECT_EQ(results(w, "block", {V(1, 2), I32(1)}),
            (std::vector<std::string>{v128_text(1, 2), "i32:9"}));
  EXPECT_EQ(results(w, "block", {V(1, 2), I32(0)}),
            (std::vector<std::string>{v128_text(101, 202), "i32:5"}));
  EXPECT_EQ(results(w, "select", {V(1, 2), V(3, 4), I32(1)}),
            (std::vector<std::string>{v128_text(1, 2)}));
  EXPECT_EQ(results(w, "select", {V(1, 2), V(3, 4), I32(0)}),
            (std::vector<std::string>{v128_text(3, 4)}));
  EXPECT_EQ(results(w, "select_untyped", {V(1, 2), V(3, 4), I32(0)}),
            (std::vector<std::string>{v128_text(3, 4)}));
  EXPECT_EQ(results(w, "call", {V(5, 6), I32(1)}), (std::vector<std::string>{v128_text(10, 12)}));
  EXPECT_EQ(results(w, "call", {V(5, 6), I32(0)}), (std::vector<std::string>{v128_text(5, 6)}));
  EXPECT_EQ(results(w, "loop", {I32(10)}), (std::vector<std::string>{v128_text(55, 110)}));
}

TEST(InterpSimd, Globals) {
  ITEST_LOAD(w, R"((module
    (global $g (export "g") (mut v128) (v128.const i64x2 7 8))
    (global $c v128 (v128.const i32x4 1 2 3 4))
    (global $n (mut i32) (i32.const 3))
    (func (export "bump") (result v128)
      (global.set $g (i64x2.add (global.get $g) (global.get $c)))
      (global.set $n (i32.const 4))
      (global.get $g)))
  )");
  uint64_t lo = 7 + 0x0000000200000001ull, hi = 8 + 0x0000000400000003ull;
  EXPECT_EQ(results(w, "bump", {}), (std::vector<std::string>{v128_text(lo, hi)}));
  auto g = w.instance()->get_export("g");
  ASSERT_TRUE(g && g->kind == ExternKind::Global);
  EXPECT_EQ(value_to_string(g->global->value()), v128_text(lo, hi));
}

TEST(InterpSimd, ConstantsBeyondThePool) {
  // More distinct constants than the translator pools: the later v128.const and the shuffle's
  // index bytes are then materialized by instructions instead of frame constants.
  std::string wat = "(module (func (export \"f\") (param v128) (result v128 i32) (local i32)";
  for (int i = 0; i < 600; ++i)
    wat += " (local.set 1 (i32.add (local.get 1) (i32.const " + std::to_string(i * 3 + 1) + ")))";
  wat +=
      " (i8x16.shuffle 16 17 18 19 20 21 22 23 0 1 2 3 4 5 6 7 (local.get 0)"
      " (v128.const i64x2 0x1111111111111111 0x2222222222222222))"
      " (local.get 1)))";
  ITEST_LOAD(w, wat);
  int sum = 0;
  for (int i = 0; i < 600; ++i) sum += i * 3 + 1;
  EXPECT_EQ(results(w, "f", {V(0xAAAAAAAAAAAAAAAAull, 0xBBBBBBBBBBBBBBBBull)}),
            (std::vector<std::string>{v128_text(0x1111111111111111ull, 0xAAAAAAAAAAAAAAAAull),
                                      "i32:" + std::to_string(sum)}));
}

TEST(InterpSimd, MemoryAccessesTrapAtTheEnd) {
  ITEST_LOAD(w, R"((module
    (memory (export "m") 1)
    (func (export "store") (param i32 v128) (v128.store (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result v128) (v128.load offset=1 (local.get 0)))
    (func (export "lane") (param i32) (result i32)
      (i32x4.extract_lane 3 (v128.load32_lane 3 (local.get 0) (v128.const i64x2 0 0)))))
  )");
  EXPECT_EQ(w.trap("store", {I32(65536 - 15), V(1, 2)}), TrapKind::MemoryOutOfBounds);
  // Nothing of a trapping store lands in memory.
  for (int i = 65536 - 15; i < 65536; ++i) EXPECT_EQ(w.mem()[i], 0) << i;
  EXPECT_EQ(w.trap("store", {I32(65536 - 16), V(0x0807060504030201ull, 0x100F0E0D0C0B0A09ull)}),
            std::nullopt);
  EXPECT_EQ(w.trap("load", {I32(65536 - 16)}), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(results(w, "load", {I32(65536 - 17)}),
            (std::vector<std::string>{v128_text(0x0807060504030201ull, 0x100F0E0D0C0B0A09ull)}));
  EXPECT_EQ(w.u32("lane", {I32(65536 - 4)}), 0x100F0E0Du);
  EXPECT_EQ(w.trap("lane", {I32(65536 - 3)}), TrapKind::MemoryOutOfBounds);
}

TEST(InterpSimd, ValueText) {
  EXPECT_EQ(value_to_string(V(0x0000000200000001ull, 0xFFFFFFFF00000003ull)),
            "v128:i32x4 0x00000001 0x00000002 0x00000003 0xffffffff");
}

}  // namespace
}  // namespace wc::engine
