// SIMD memory accesses at every alignment: wasm addresses carry no alignment guarantee (the
// memarg's align is only a hint), so the interpreter must not reach guest memory through a
// pointer type that demands one. Under clang's UBSan (the fuzz build) v128.store at address 1
// used to report "store to misaligned address ... requires 16 byte alignment"; these tests run
// every SIMD load and store at addresses 0..17 and at the end of memory, and check the bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "interp_test_util.h"

namespace wc::engine {
namespace {

using itest::I32;
using itest::I64;

const char* kAccesses = R"((module
  (memory 1)
  (func (export "store") (param i32 i64 i64)
    (v128.store (local.get 0)
      (i64x2.replace_lane 1 (i64x2.splat (local.get 1)) (local.get 2))))
  (func (export "store_offset") (param i32 i64 i64)
    (v128.store offset=3 align=1 (local.get 0)
      (i64x2.replace_lane 1 (i64x2.splat (local.get 1)) (local.get 2))))
  (func (export "load_lo") (param i32) (result i64) (i64x2.extract_lane 0 (v128.load (local.get 0))))
  (func (export "load_hi") (param i32) (result i64) (i64x2.extract_lane 1 (v128.load (local.get 0))))
  (func (export "splat64") (param i32) (result i64)
    (i64x2.extract_lane 1 (v128.load64_splat (local.get 0))))
  (func (export "splat32") (param i32) (result i32)
    (i32x4.extract_lane 3 (v128.load32_splat (local.get 0))))
  (func (export "splat16") (param i32) (result i32)
    (i16x8.extract_lane_u 7 (v128.load16_splat (local.get 0))))
  (func (export "extend16x4") (param i32) (result i32)
    (i32x4.extract_lane 3 (v128.load16x4_u (local.get 0))))
  (func (export "extend32x2") (param i32) (result i64)
    (i64x2.extract_lane 1 (v128.load32x2_s (local.get 0))))
  (func (export "zero64") (param i32) (result i64)
    (i64x2.extract_lane 0 (v128.load64_zero (local.get 0))))
  (func (export "zero32") (param i32) (result i32)
    (i32x4.extract_lane 0 (v128.load32_zero (local.get 0))))
  (func (export "lane64") (param i32) (result i64)
    (i64x2.extract_lane 1 (v128.load64_lane 1 (local.get 0) (v128.const i64x2 0 0))))
  (func (export "lane32") (param i32) (result i32)
    (i32x4.extract_lane 2 (v128.load32_lane 2 (local.get 0) (v128.const i64x2 0 0))))
  (func (export "store_lane64") (param i32 i64)
    (v128.store64_lane 1 (local.get 0) (i64x2.splat (local.get 1))))
  (func (export "store_lane32") (param i32 i32)
    (v128.store32_lane 3 (local.get 0) (i32x4.splat (local.get 1))))
  (func (export "store_lane16") (param i32 i32)
    (v128.store16_lane 5 (local.get 0) (i16x8.splat (local.get 1)))))
)";

constexpr uint64_t kLo = 0x0807060504030201ull, kHi = 0x100F0E0D0C0B0A09ull;
constexpr uint32_t kPage = 65536;

uint64_t read64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

TEST(InterpSimdAlignment, V128StoreAndLoadAtEveryAlignment) {
  ITEST_LOAD(w, kAccesses);
  for (uint32_t addr = 0; addr <= 17; ++addr) {
    std::memset(w.mem(), 0, 64);
    ASSERT_FALSE(w.trap("store", {I32(addr), I64(kLo), I64(kHi)})) << addr;
    EXPECT_EQ(read64(w.mem() + addr), kLo) << addr;
    EXPECT_EQ(read64(w.mem() + addr + 8), kHi) << addr;
    if (addr) {
      EXPECT_EQ(w.mem()[addr - 1], 0) << addr << ": wrote before the address";
    }
    EXPECT_EQ(w.mem()[addr + 16], 0) << addr << ": wrote past 16 bytes";
    EXPECT_EQ(w.u64("load_lo", {I32(addr)}), kLo) << addr;
    EXPECT_EQ(w.u64("load_hi", {I32(addr)}), kHi) << addr;

    std::memset(w.mem(), 0, 64);
    ASSERT_FALSE(w.trap("store_offset", {I32(addr), I64(kHi), I64(kLo)})) << addr;
    EXPECT_EQ(read64(w.mem() + addr + 3), kHi) << addr;
    EXPECT_EQ(read64(w.mem() + addr + 11), kLo) << addr;
  }
}

TEST(InterpSimdAlignment, V128StoreAtTheEndOfMemory) {
  ITEST_LOAD(w, kAccesses);
  // The last 16 bytes, at an odd address: stored whole.
  const uint32_t last = kPage - 16;
  ASSERT_FALSE(w.trap("store", {I32(last), I64(kLo), I64(kHi)}));
  EXPECT_EQ(read64(w.mem() + last), kLo);
  EXPECT_EQ(read64(w.mem() + last + 8), kHi);
  EXPECT_EQ(w.u64("load_hi", {I32(last)}), kHi);
  // Straddling the end at every misalignment: a trap, and none of the in-bounds bytes written.
  for (uint32_t addr = last + 1; addr < kPage; ++addr) {
    std::memset(w.mem() + last, 0xAB, 16);
    EXPECT_EQ(w.trap("store", {I32(addr), I64(kLo), I64(kHi)}), TrapKind::MemoryOutOfBounds)
        << addr;
    for (uint32_t i = last; i < kPage; ++i)
      ASSERT_EQ(w.mem()[i], 0xAB) << "store at " << addr << " wrote byte " << i;
    EXPECT_EQ(w.trap("load_lo", {I32(addr)}), TrapKind::MemoryOutOfBounds) << addr;
  }
}

TEST(InterpSimdAlignment, NarrowLoadsAndLaneAccessesAtOddAddresses) {
  ITEST_LOAD(w, kAccesses);
  for (uint32_t i = 0; i < 64; ++i) w.mem()[i] = static_cast<uint8_t>(i + 1);
  for (uint32_t addr : {1u, 3u, 5u, 7u, 9u, 13u}) {
    const uint8_t* p = w.mem() + addr;
    uint32_t u32v;
    std::memcpy(&u32v, p, 4);
    uint16_t u16v;
    std::memcpy(&u16v, p, 2);
    EXPECT_EQ(w.u64("splat64", {I32(addr)}), read64(p)) << addr;
    EXPECT_EQ(w.u32("splat32", {I32(addr)}), u32v) << addr;
    EXPECT_EQ(w.u32("splat16", {I32(addr)}), u16v) << addr;
    uint16_t fourth;
    std::memcpy(&fourth, p + 6, 2);
    EXPECT_EQ(w.u32("extend16x4", {I32(addr)}), fourth) << addr;
    int32_t second;
    std::memcpy(&second, p + 4, 4);
    EXPECT_EQ(w.u64("extend32x2", {I32(addr)}), static_cast<uint64_t>(int64_t{second})) << addr;
    EXPECT_EQ(w.u64("zero64", {I32(addr)}), read64(p)) << addr;
    EXPECT_EQ(w.u32("zero32", {I32(addr)}), u32v) << addr;
    EXPECT_EQ(w.u64("lane64", {I32(addr)}), read64(p)) << addr;
    EXPECT_EQ(w.u32("lane32", {I32(addr)}), u32v) << addr;
  }
  for (uint32_t addr : {1u, 3u, 7u, 11u}) {
    std::memset(w.mem(), 0, 64);
    ASSERT_FALSE(w.trap("store_lane64", {I32(addr), I64(kHi)}));
    EXPECT_EQ(read64(w.mem() + addr), kHi) << addr;
    ASSERT_FALSE(w.trap("store_lane32", {I32(addr + 20), I32(0xCAFEF00Du)}));
    uint32_t v32;
    std::memcpy(&v32, w.mem() + addr + 20, 4);
    EXPECT_EQ(v32, 0xCAFEF00Du) << addr;
    ASSERT_FALSE(w.trap("store_lane16", {I32(addr + 40), I32(0xBEEF)}));
    uint16_t v16;
    std::memcpy(&v16, w.mem() + addr + 40, 2);
    EXPECT_EQ(v16, 0xBEEF) << addr;
    EXPECT_EQ(w.mem()[addr + 42], 0) << addr;
  }
}

}  // namespace
}  // namespace wc::engine
