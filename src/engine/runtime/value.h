// Values as the host sees them. Inside the interpreter every value is a 64-bit slot (a v128
// two adjacent slots, low half first); a Value pairs those bits with their type at the API
// boundary.
#pragma once

#include <bit>
#include <cstdint>
#include <string>

#include "engine/types.h"

namespace wc::engine {

// References are 64-bit handles, 0 is null. A funcref is the address of a FuncInstance; an
// externref is whatever non-zero handle the host chose.
struct Value {
  ValType type = ValType::I32;
  uint64_t bits = 0;  // i32/f32 in the low 32 bits, upper bits zero; a v128's low 64 bits
  uint64_t hi = 0;    // a v128's high 64 bits (bytes 8..15 little-endian); zero otherwise

  static Value i32(uint32_t v) { return {ValType::I32, v}; }
  static Value i64(uint64_t v) { return {ValType::I64, v}; }
  static Value f32(float v) { return {ValType::F32, std::bit_cast<uint32_t>(v)}; }
  static Value f64(double v) { return {ValType::F64, std::bit_cast<uint64_t>(v)}; }
  static Value f32_bits(uint32_t b) { return {ValType::F32, b}; }
  static Value f64_bits(uint64_t b) { return {ValType::F64, b}; }
  static Value ref(ValType t, uint64_t handle) { return {t, handle}; }
  static Value v128(uint64_t lo, uint64_t hi) { return {ValType::V128, lo, hi}; }
  static Value null(ValType t) { return {t, 0}; }
  static Value zero(ValType t) { return {t, 0}; }

  uint32_t as_u32() const { return static_cast<uint32_t>(bits); }
  int32_t as_i32() const { return static_cast<int32_t>(bits); }
  uint64_t as_u64() const { return bits; }
  int64_t as_i64() const { return static_cast<int64_t>(bits); }
  float as_f32() const { return std::bit_cast<float>(static_cast<uint32_t>(bits)); }
  double as_f64() const { return std::bit_cast<double>(bits); }
  bool is_null() const { return bits == 0; }
};

std::string value_to_string(const Value& v);

}  // namespace wc::engine
