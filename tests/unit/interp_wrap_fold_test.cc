// i32.wrap_i64 folded into the instruction before it or into the memory access after it, and
// i64.eqz fused into br_if: the code shapes Go's wasm port emits for every stack access
// (`global.get SP; i64.extend_i32_u; i64.const; i64.add; i32.wrap_i64; i64.load`). Each case
// uses operands whose upper 32 bits are set, so a fold that forgot the wrap would show.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;
using itest::I64;

const char* kWrapModule = R"((module
  (memory (export "mem") 1)
  (global $sp (mut i32) (i32.const 64))
  ;; wrap of each foldable i64 operation; i32 results must come back zero-extended
  (func (export "add") (param i64 i64) (result i32) (i32.wrap_i64 (i64.add (local.get 0) (local.get 1))))
  (func (export "sub") (param i64 i64) (result i32) (i32.wrap_i64 (i64.sub (local.get 0) (local.get 1))))
  (func (export "mul") (param i64 i64) (result i32) (i32.wrap_i64 (i64.mul (local.get 0) (local.get 1))))
  (func (export "and") (param i64 i64) (result i32) (i32.wrap_i64 (i64.and (local.get 0) (local.get 1))))
  (func (export "or") (param i64 i64) (result i32) (i32.wrap_i64 (i64.or (local.get 0) (local.get 1))))
  (func (export "xor") (param i64 i64) (result i32) (i32.wrap_i64 (i64.xor (local.get 0) (local.get 1))))
  ;; not foldable: shifts use the amount modulo 64, i32 shifts modulo 32
  (func (export "shl") (param i64 i64) (result i32) (i32.wrap_i64 (i64.shl (local.get 0) (local.get 1))))
  (func (export "ext_u") (param i32) (result i32) (i32.wrap_i64 (i64.extend_i32_u (local.get 0))))
  (func (export "ext_s") (param i32) (result i32) (i32.wrap_i64 (i64.extend_i32_s (local.get 0))))
  ;; the extend's operand is a local written after the folded wrap: the stack value must not change
  (func (export "ext_then_set") (param i32) (result i32)
    (i32.wrap_i64 (i64.extend_i32_u (local.get 0)))
    (local.set 0 (i32.const 7))
    (i32.add (local.get 0)))
  (func (export "wide_loads") (param i32) (result i32)
    (i32.add
      (i32.add (i32.wrap_i64 (i64.load (local.get 0))) (i32.wrap_i64 (i64.load8_s (local.get 0))))
      (i32.add (i32.wrap_i64 (i64.load16_u offset=2 (local.get 0)))
               (i32.wrap_i64 (i64.load32_s offset=4 (local.get 0))))))
  (func (export "wide_load") (param i32) (result i32) (i32.wrap_i64 (i64.load (local.get 0))))
  (func (export "wide_load8s") (param i32) (result i32) (i32.wrap_i64 (i64.load8_s (local.get 0))))
  (func (export "wide_load16u") (param i32) (result i32) (i32.wrap_i64 (i64.load16_u (local.get 0))))
  (func (export "wide_load32s") (param i32) (result i32) (i32.wrap_i64 (i64.load32_s (local.get 0))))
  ;; Go's stack access: the address is an i64 sum, wrapped
  (func (export "go_load") (param i64) (result i64)
    (i64.load offset=8 (i32.wrap_i64 (i64.add (i64.extend_i32_u (global.get $sp)) (local.get 0)))))
  (func (export "go_store") (param i64 i64)
    (i64.store (i32.wrap_i64 (local.get 0)) (local.get 1)))
  (func (export "wrapped_addr_load") (param i64) (result i32)
    (i32.load (i32.wrap_i64 (local.get 0))))
  ;; the extend feeding a narrowed add is dropped; either operand order; sub is not symmetric
  (func (export "ext_add") (param i32 i64) (result i32)
    (i32.wrap_i64 (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))))
  (func (export "add_ext_s") (param i32 i64) (result i32)
    (i32.wrap_i64 (i64.add (local.get 1) (i64.extend_i32_s (local.get 0)))))
  (func (export "ext_sub") (param i32 i64) (result i32)
    (i32.wrap_i64 (i64.sub (local.get 1) (i64.extend_i32_u (local.get 0)))))
  (func (export "sp_down") (param i32) (result i32)
    (global.set $sp (i32.sub (global.get $sp) (local.get 0)))
    (global.get $sp))
  (func (export "sp_up") (param i32) (result i32)
    (global.set $sp (i32.add (local.get 0) (global.get $sp)))
    (global.get $sp))
  ;; Go's form: the new SP is tee'd into a local, then stored in the global
  (func (export "sp_tee") (param i32) (result i32) (local i32)
    (global.set $sp (local.tee 1 (i32.sub (global.get $sp) (local.get 0))))
    (i32.add (i32.mul (local.get 1) (i32.const 1000)) (global.get $sp)))
  (func (export "sp_set_get") (param i32) (result i32) (local i32)
    (local.set 1 (i32.add (global.get $sp) (local.get 0)))
    (global.set $sp (local.get 1))
    (i32.sub (global.get $sp) (local.get 1)))
  ;; br_if / if on a wrapped i64 test only its low bits; eqz of an extended i32
  (func (export "br_wrapped") (param i64) (result i32)
    (block (br_if 0 (i32.wrap_i64 (local.get 0))) (return (i32.const 1)))
    (i32.const 0))
  (func (export "if_wrapped") (param i64) (result i32)
    (if (result i32) (i32.wrap_i64 (local.get 0)) (then (i32.const 5)) (else (i32.const 6))))
  (func (export "eqz_ext") (param i32) (result i32)
    (i64.eqz (i64.extend_i32_s (local.get 0))))
  (func (export "eqz_ext_br") (param i32) (result i32)
    (block (br_if 0 (i64.eqz (i64.extend_i32_u (local.get 0)))) (return (i32.const 1)))
    (i32.const 0))
  ;; a loop whose back-edge carries a local.set (Copy + Jump in one step)
  (func (export "count_down") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 2)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (if (local.get 0) (then (local.set 1 (local.get 1)) (br $l))))
    (local.get 1))
  ;; i64.eqz + br_if, both senses, with only high bits set
  (func (export "eqz_br") (param i64) (result i32)
    (block (br_if 0 (i64.eqz (local.get 0))) (return (i32.const 1)))
    (i32.const 0))
  (func (export "nez_br") (param i64) (result i32)
    (block (br_if 0 (i32.eqz (i64.eqz (local.get 0)))) (return (i32.const 1)))
    (i32.const 0))
  (func (export "eqz_if") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 10)) (else (i32.const 20))))
))";

constexpr uint64_t kHi = 0xABCD'0000'0000'0000ull;

TEST(InterpWrapFold, ArithmeticKeepsOnlyLowBits) {
  ITEST_LOAD(w, kWrapModule);
  std::vector<std::pair<uint64_t, uint64_t>> pairs = {{kHi | 5, 0xFFFF'FFFF'0000'0003ull},
                                                      {0xFFFF'FFFF'FFFF'FFFFull, 1},
                                                      {0x1'0000'0000ull, 0x1'0000'0000ull},
                                                      {kHi | 0x8000'0000u, kHi | 0x8000'0000u}};
  for (auto [a, b] : pairs) {
    std::vector<Value> args = {I64(a), I64(b)};
    EXPECT_EQ(w.u32("add", args), static_cast<uint32_t>(a + b));
    EXPECT_EQ(w.u32("sub", args), static_cast<uint32_t>(a - b));
    EXPECT_EQ(w.u32("mul", args), static_cast<uint32_t>(a * b));
    EXPECT_EQ(w.u32("and", args), static_cast<uint32_t>(a & b));
    EXPECT_EQ(w.u32("or", args), static_cast<uint32_t>(a | b));
    EXPECT_EQ(w.u32("xor", args), static_cast<uint32_t>(a ^ b));
  }
  // 1 << 33 wraps to 0 in i64, but an i32 shift by 33 would give 2.
  EXPECT_EQ(w.u32("shl", {I64(1), I64(33)}), 0u);
  for (uint32_t v : {0u, 1u, 0x7FFF'FFFFu, 0x8000'0000u, 0xFFFF'FFFFu}) {
    EXPECT_EQ(w.u32("ext_u", {I32(v)}), v);
    EXPECT_EQ(w.u32("ext_s", {I32(v)}), v);
    EXPECT_EQ(w.u32("ext_then_set", {I32(v)}), v + 7);
  }
}

TEST(InterpWrapFold, ExtendFeedingANarrowedOpIsDropped) {
  ITEST_LOAD(w, kWrapModule);
  for (uint32_t x : {0u, 5u, 0x8000'0001u, 0xFFFF'FFFFu})
    for (uint64_t y : std::vector<uint64_t>{0, kHi | 3, 0xFFFF'FFFF'FFFF'FFFFull}) {
      EXPECT_EQ(w.u32("ext_add", {I32(x), I64(y)}), static_cast<uint32_t>(x + y));
      EXPECT_EQ(w.u32("add_ext_s", {I32(x), I64(y)}), static_cast<uint32_t>(x + y));
      EXPECT_EQ(w.u32("ext_sub", {I32(x), I64(y)}), static_cast<uint32_t>(y - x));
    }
}

TEST(InterpWrapFold, GlobalSetOfASumIsOneStep) {
  ITEST_LOAD(w, kWrapModule);
  EXPECT_EQ(w.u32("sp_down", {I32(16)}), 48u);
  EXPECT_EQ(w.u32("sp_up", {I32(32)}), 80u);
  EXPECT_EQ(w.u32("sp_down", {I32(100)}), static_cast<uint32_t>(80 - 100));  // wraps, zero-extended
  EXPECT_EQ(w.u32("sp_up", {I32(0xFFFF'FFFFu)}), static_cast<uint32_t>(80 - 100 - 1));
  // sp is now 0xFFFFFFEB; the tee'd local and the global must both hold the new value.
  uint32_t sp = static_cast<uint32_t>(80 - 100 - 1);
  EXPECT_EQ(w.u32("sp_tee", {I32(3)}), (sp - 3) * 1000u + (sp - 3));
  sp -= 3;
  EXPECT_EQ(w.u32("sp_set_get", {I32(7)}), 0u);
}

TEST(InterpWrapFold, WideLoadsNarrowed) {
  ITEST_LOAD(w, kWrapModule);
  const uint8_t bytes[8] = {0x81, 0x92, 0xA3, 0xB4, 0xC5, 0xD6, 0xE7, 0xF8};
  std::memcpy(w.mem() + 100, bytes, 8);
  uint64_t q;
  std::memcpy(&q, bytes, 8);
  uint32_t load = static_cast<uint32_t>(q);
  uint32_t load8s = static_cast<uint32_t>(static_cast<int64_t>(static_cast<int8_t>(bytes[0])));
  uint32_t load16u = static_cast<uint32_t>(bytes[0] | bytes[1] << 8);
  int32_t word;
  std::memcpy(&word, bytes, 4);
  uint32_t load32s = static_cast<uint32_t>(static_cast<int64_t>(word));
  EXPECT_EQ(w.u32("wide_load", {I32(100)}), load);
  EXPECT_EQ(w.u32("wide_load8s", {I32(100)}), load8s);
  EXPECT_EQ(w.u32("wide_load16u", {I32(100)}), load16u);
  EXPECT_EQ(w.u32("wide_load32s", {I32(100)}), load32s);
  uint32_t w16 = static_cast<uint32_t>(bytes[2] | bytes[3] << 8);
  int32_t w32;
  std::memcpy(&w32, bytes + 4, 4);
  EXPECT_EQ(w.u32("wide_loads", {I32(100)}), load + load8s + w16 + static_cast<uint32_t>(w32));
  // The fold keeps the bounds check: a wide load past the end still traps.
  EXPECT_FALSE(w.run("wide_load", {I32(65536 - 4)}).ok());
}

TEST(InterpWrapFold, WrappedAddressesUseLowBitsOnly) {
  ITEST_LOAD(w, kWrapModule);
  const uint64_t v = 0x1122'3344'5566'7788ull;
  std::memcpy(w.mem() + 64 + 16 + 8, &v, 8);
  // SP (64) + 16 + offset 8; the i64 operand's high bits vanish in the wrap.
  EXPECT_EQ(w.u64("go_load", {I64(kHi | 16)}), v);
  ASSERT_TRUE(w.run("go_store", {I64(kHi | 200), I64(v)}).ok());
  uint64_t stored;
  std::memcpy(&stored, w.mem() + 200, 8);
  EXPECT_EQ(stored, v);
  EXPECT_EQ(w.u32("wrapped_addr_load", {I64(kHi | 200)}), static_cast<uint32_t>(v));
  // Out of bounds after the wrap still traps (0xFFFFFFFF + 8 bytes).
  EXPECT_FALSE(w.run("wrapped_addr_load", {I64(0xFFFF'FFFFull)}).ok());
}

TEST(InterpWrapFold, I64EqzBranchesSeeHighBits) {
  ITEST_LOAD(w, kWrapModule);
  for (uint64_t v : std::vector<uint64_t>{0, 1, kHi, 0x1'0000'0000ull, ~uint64_t{0}}) {
    bool zero = v == 0;
    EXPECT_EQ(w.u32("eqz_br", {I64(v)}), zero ? 0u : 1u) << v;
    EXPECT_EQ(w.u32("nez_br", {I64(v)}), zero ? 1u : 0u) << v;
    EXPECT_EQ(w.u32("eqz_if", {I64(v)}), zero ? 10u : 20u) << v;
  }
}

TEST(InterpWrapFold, BranchesOnWrappedValuesAndExtendedBooleans) {
  ITEST_LOAD(w, kWrapModule);
  for (uint64_t v : std::vector<uint64_t>{0, 1, kHi, kHi | 1, 0x1'0000'0000ull}) {
    bool low_zero = static_cast<uint32_t>(v) == 0;
    EXPECT_EQ(w.u32("br_wrapped", {I64(v)}), low_zero ? 1u : 0u) << v;
    EXPECT_EQ(w.u32("if_wrapped", {I64(v)}), low_zero ? 6u : 5u) << v;
  }
  for (uint32_t y : {0u, 1u, 0x8000'0000u, 0xFFFF'FFFFu}) {
    EXPECT_EQ(w.u32("eqz_ext", {I32(y)}), y == 0 ? 1u : 0u) << y;
    EXPECT_EQ(w.u32("eqz_ext_br", {I32(y)}), y == 0 ? 0u : 1u) << y;
  }
  EXPECT_EQ(w.u32("count_down", {I32(5)}), 10u);
  EXPECT_EQ(w.u32("count_down", {I32(1)}), 2u);
}

}  // namespace
}  // namespace wc::engine
