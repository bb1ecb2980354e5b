#include "engine/runtime/value.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace wc::engine {

namespace {

// NaNs print with their bits: the payload matters to the spec tests (canonical vs arithmetic).
template <typename F>
std::string float_string(F f, uint64_t bits, int precision) {
  char buf[64];
  if (std::isnan(f))
    std::snprintf(buf, sizeof buf, "%snan:0x%" PRIx64, std::signbit(f) ? "-" : "",
                  bits & (sizeof(F) == 4 ? uint64_t{0x7FFFFF} : uint64_t{0xFFFFFFFFFFFFF}));
  else
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(f));
  return buf;
}

}  // namespace

std::string value_to_string(const Value& v) {
  std::string out = valtype_name(v.type);
  out += ':';
  switch (v.type) {
    case ValType::I32: return out + std::to_string(v.as_i32());
    case ValType::I64: return out + std::to_string(v.as_i64());
    case ValType::F32: return out + float_string(v.as_f32(), v.bits, 9);
    case ValType::F64: return out + float_string(v.as_f64(), v.bits, 17);
    case ValType::FuncRef:
    case ValType::ExternRef: {
      if (v.is_null()) return out + "null";
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%" PRIx64, v.bits);
      return out + buf;
    }
    case ValType::V128: {
      // As four i32 lanes in hex, lane 0 first (the text format's `i32x4` order).
      char buf[64];
      std::snprintf(buf, sizeof buf, "0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32,
                    uint32_t(v.bits), uint32_t(v.bits >> 32), uint32_t(v.hi), uint32_t(v.hi >> 32));
      return out + "i32x4 " + buf;
    }
  }
  return out + "?";
}

}  // namespace wc::engine
