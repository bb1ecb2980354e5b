#include "arg_patterns.h"

#include <bit>

namespace wc::jitdiff {

using namespace engine;

namespace {

// Raw bits for parameter `i` of `type` under `pattern`.
uint64_t pattern_bits(ValType type, uint32_t pattern, uint64_t i) {
  bool wide = type == ValType::I64 || type == ValType::F64 || type == ValType::V128;
  switch (pattern) {
    case 0: return 0;
    case 1:  // small distinct counts / small floats
      switch (type) {
        case ValType::F32: return std::bit_cast<uint32_t>(1.5f * static_cast<float>(i + 1));
        case ValType::F64: return std::bit_cast<uint64_t>(-2.25 * static_cast<double>(i + 1));
        default: return i + 1;
      }
    case 2: return wide ? ~uint64_t{0} : 0xFFFFFFFFu;  // -1; for floats a full-payload NaN
    case 3:                                            // sign bit only: INT_MIN, -0.0
      return wide ? uint64_t{1} << 63 : uint64_t{1} << 31;
    default:  // just below and above the int/float boundaries
      switch (type) {
        case ValType::I32: return i % 2 ? 0x7FFFFFFFu : 0x80000001u;
        case ValType::I64: return i % 2 ? 0x7FFFFFFFFFFFFFFFu : 0x100000000u + i;
        case ValType::F32: return std::bit_cast<uint32_t>(i % 2 ? 2147483648.0f : -1e30f);
        case ValType::F64:
          return std::bit_cast<uint64_t>(i % 2 ? 9.2233720368547758e18 : 4294967295.5);
        default: return 0x0123456789ABCDEFu + i;
      }
  }
}

}  // namespace

std::vector<Value> make_args(const std::vector<ValType>& params, uint32_t pattern) {
  std::vector<Value> args;
  for (size_t i = 0; i < params.size(); ++i) {
    ValType t = params[i];
    if (is_reftype(t)) {
      args.push_back(Value::null(t));  // the only reference both stores share
      continue;
    }
    uint64_t bits = pattern_bits(t, pattern, i);
    Value v{t, bits};
    if (t == ValType::V128) v.hi = pattern_bits(ValType::V128, pattern, i + 7);
    args.push_back(v);
  }
  return args;
}

}  // namespace wc::jitdiff
