// Values of the spec test scripts as wast2json writes them ({"type": ..., "value": ...}), and
// the comparison rules of assert_return. Header-only so the unit tests can include it without
// linking the runner.
#pragma once

#include <charconv>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/value.h"

namespace wc::spec {

using engine::ValType;
using engine::Value;

// Scripts name externrefs by small numbers starting at 0, but handle 0 is null for the engine:
// externref N is handle N+1, in arguments and in results alike.
constexpr uint64_t extern_handle(uint64_t n) { return n + 1; }

inline ValType parse_valtype(std::string_view name) {
  if (name == "i32") return ValType::I32;
  if (name == "i64") return ValType::I64;
  if (name == "f32") return ValType::F32;
  if (name == "f64") return ValType::F64;
  if (name == "funcref") return ValType::FuncRef;
  if (name == "externref") return ValType::ExternRef;
  if (name == "v128") return ValType::V128;
  throw std::runtime_error("unknown value type '" + std::string(name) + "'");
}

// wast2json writes every number as the unsigned decimal of its bit pattern (i32 -1 is
// "4294967295", f32 1.0 is "1065353216"), so one parser covers all numeric types.
inline uint64_t parse_bits(std::string_view text, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max)
    throw std::runtime_error("bad numeric value '" + std::string(text) + "'");
  return v;
}

// An argument. `text` is nullopt when the JSON has no "value" (only legal for expectations).
inline Value parse_arg(std::string_view type, std::optional<std::string_view> text) {
  ValType t = parse_valtype(type);
  if (!text) throw std::runtime_error("argument of type " + std::string(type) + " has no value");
  switch (t) {
    case ValType::I32:
    case ValType::F32: return Value{t, parse_bits(*text, UINT32_MAX)};
    case ValType::I64:
    case ValType::F64: return Value{t, parse_bits(*text, UINT64_MAX)};
    case ValType::ExternRef:
      return *text == "null" ? Value::null(t)
                             : Value::ref(t, extern_handle(parse_bits(*text, UINT64_MAX - 1)));
    case ValType::FuncRef:
      // A script cannot name a function by value; only null funcrefs can be passed.
      if (*text == "null") return Value::null(t);
      throw std::runtime_error("non-null funcref arguments are not supported");
    default: throw std::runtime_error("unsupported argument type " + std::string(type));
  }
}

// A v128 is written as its lanes: {"type": "v128", "lane_type": "i8".."f64", "value": [...]},
// each lane the unsigned decimal of its bits.
inline int lane_bits(std::string_view lane_type) {
  if (lane_type == "i8") return 8;
  if (lane_type == "i16") return 16;
  if (lane_type == "i32" || lane_type == "f32") return 32;
  if (lane_type == "i64" || lane_type == "f64") return 64;
  throw std::runtime_error("unknown v128 lane type '" + std::string(lane_type) + "'");
}

inline Value parse_v128(std::string_view lane_type, const std::vector<std::string>& lanes) {
  const int bits = lane_bits(lane_type);
  if (lanes.size() != size_t(128 / bits)) throw std::runtime_error("wrong number of v128 lanes");
  const uint64_t max = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
  Value v = Value::v128(0, 0);
  for (size_t i = 0; i < lanes.size(); ++i) {
    uint64_t x = parse_bits(lanes[i], max);
    size_t at = i * bits;  // bit position in the 128
    (at < 64 ? v.bits : v.hi) |= x << (at % 64);
  }
  return v;
}

// The bits of lane i of a v128 (lanes of `bits` width).
inline uint64_t v128_lane(const Value& v, int bits, size_t i) {
  size_t at = i * bits;
  uint64_t word = at < 64 ? v.bits : v.hi;
  return bits == 64 ? word : (word >> (at % 64)) & ((uint64_t{1} << bits) - 1);
}

struct Expected {
  enum class Kind {
    Exact,          // bits must be equal (numbers, null refs, externref handles)
    CanonicalNan,   // "nan:canonical"
    ArithmeticNan,  // "nan:arithmetic"
    NonNull,        // funcrefs are only compared for null / non-null; also a ref without value
  };
  ValType type = ValType::I32;
  Kind kind = Kind::Exact;
  uint64_t bits = 0;
  // v128: the lane width and one expectation per lane (lanes may be NaN patterns).
  int lane_bits = 0;
  std::vector<Expected> lanes;
};

inline Expected parse_expected(std::string_view type, std::optional<std::string_view> text);

inline Expected parse_expected_v128(std::string_view lane_type,
                                    const std::vector<std::string>& lanes) {
  Expected e;
  e.type = ValType::V128;
  e.lane_bits = lane_bits(lane_type);
  if (lanes.size() != size_t(128 / e.lane_bits))
    throw std::runtime_error("wrong number of v128 lanes");
  // Integer lanes narrower than 32 bits are compared as i32 holding the lane's bits.
  std::string_view scalar = e.lane_bits < 32 ? std::string_view("i32") : lane_type;
  for (const std::string& lane : lanes) {
    Expected l = parse_expected(scalar, lane);
    if (e.lane_bits < 32 && l.bits >> e.lane_bits)
      throw std::runtime_error("v128 lane out of range");
    e.lanes.push_back(l);
  }
  return e;
}

inline Expected parse_expected(std::string_view type, std::optional<std::string_view> text) {
  Expected e;
  e.type = parse_valtype(type);
  bool is_float = e.type == ValType::F32 || e.type == ValType::F64;
  bool is_ref = e.type == ValType::FuncRef || e.type == ValType::ExternRef;
  if (!text) {
    if (!is_ref) throw std::runtime_error("expected " + std::string(type) + " has no value");
    e.kind = Expected::Kind::NonNull;  // (ref.func) / (ref.extern): any non-null reference
  } else if (is_float && *text == "nan:canonical") {
    e.kind = Expected::Kind::CanonicalNan;
  } else if (is_float && *text == "nan:arithmetic") {
    e.kind = Expected::Kind::ArithmeticNan;
  } else if (e.type == ValType::FuncRef && *text != "null") {
    e.kind = Expected::Kind::NonNull;
  } else {
    e.bits = parse_arg(type, text).bits;
  }
  return e;
}

// Quiet-NaN masks: exponent all ones plus the top mantissa bit.
constexpr uint32_t kF32QuietNan = 0x7fc00000u;
constexpr uint64_t kF64QuietNan = 0x7ff8000000000000ull;

inline bool matches(const Expected& e, const Value& got) {
  if (got.type != e.type) return false;
  if (e.type == ValType::V128) {
    for (size_t i = 0; i < e.lanes.size(); ++i)
      if (!matches(e.lanes[i], Value{e.lanes[i].type, v128_lane(got, e.lane_bits, i)}))
        return false;
    return true;
  }
  bool f32 = e.type == ValType::F32;
  // i32/f32 live in the low half; compare only the bits the type has.
  uint64_t bits = (e.type == ValType::I32 || f32) ? got.bits & 0xffffffffull : got.bits;
  // Sign is ignored for both NaN classes.
  uint64_t magnitude = bits & (f32 ? 0x7fffffffull : 0x7fffffffffffffffull);
  uint64_t quiet_nan = f32 ? uint64_t{kF32QuietNan} : kF64QuietNan;
  switch (e.kind) {
    case Expected::Kind::Exact: return bits == e.bits;
    case Expected::Kind::CanonicalNan:
      return magnitude == quiet_nan;  // payload exactly the quiet bit
    case Expected::Kind::ArithmeticNan:
      return (magnitude & quiet_nan) == quiet_nan;  // any payload with the quiet bit
    case Expected::Kind::NonNull: return !got.is_null();
  }
  return false;
}

// For diagnostics: the type, a readable value, and the bit pattern for floats.
inline std::string format_value(const Value& v) {
  char buf[96];
  switch (v.type) {
    case ValType::I32: std::snprintf(buf, sizeof buf, "i32:%" PRId32, v.as_i32()); break;
    case ValType::I64: std::snprintf(buf, sizeof buf, "i64:%" PRId64, v.as_i64()); break;
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:%.9g (0x%08" PRIx32 ")", static_cast<double>(v.as_f32()),
                    v.as_u32());
      break;
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:%.17g (0x%016" PRIx64 ")", v.as_f64(), v.as_u64());
      break;
    case ValType::FuncRef:
    case ValType::ExternRef: {
      const char* name = v.type == ValType::FuncRef ? "funcref" : "externref";
      if (v.is_null())
        std::snprintf(buf, sizeof buf, "%s:null", name);
      else if (v.type == ValType::ExternRef)  // show the script's number, not our handle
        std::snprintf(buf, sizeof buf, "%s:%" PRIu64, name, v.bits - 1);
      else
        std::snprintf(buf, sizeof buf, "%s:0x%" PRIx64, name, v.bits);
      break;
    }
    case ValType::V128:
      std::snprintf(buf, sizeof buf,
                    "v128:0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32,
                    uint32_t(v.bits), uint32_t(v.bits >> 32), uint32_t(v.hi), uint32_t(v.hi >> 32));
      break;
    default: std::snprintf(buf, sizeof buf, "<type 0x%02x>", static_cast<unsigned>(v.type));
  }
  return buf;
}

inline std::string format_expected(const Expected& e) {
  if (e.type == ValType::V128) {
    std::string s = "v128:i" + std::to_string(e.lane_bits) + "x" + std::to_string(e.lanes.size());
    if (e.lanes.size() && e.lanes[0].type == ValType::F32) s = "v128:f32x4";
    if (e.lanes.size() && e.lanes[0].type == ValType::F64) s = "v128:f64x2";
    for (const Expected& l : e.lanes) {
      std::string one = format_expected(l);
      s += " " + one.substr(one.find(':') + 1);
    }
    return s;
  }
  std::string type = e.type == ValType::F32 ? "f32" : "f64";
  switch (e.kind) {
    case Expected::Kind::CanonicalNan: return type + ":nan:canonical";
    case Expected::Kind::ArithmeticNan: return type + ":nan:arithmetic";
    case Expected::Kind::NonNull:
      return e.type == ValType::FuncRef ? "funcref:non-null" : "externref:non-null";
    case Expected::Kind::Exact: break;
  }
  return format_value(Value{e.type, e.bits});
}

}  // namespace wc::spec
