#include "engine/opcodes.h"

namespace wc::engine {

// clang-format mangles a `case` inside a macro body.
// clang-format off
#define WC_NAME6(name, code, text, a, b, c) case Op::name: return text;
#define WC_NAME3(name, code, text) case Op::name: return text;
#define WC_NAME_SIMD(name, sub, text, kind, t, n) case Op::name: return text;
// clang-format on

const char* op_name(Op op) {
  switch (op) {
    WC_NUMERIC_OPS(WC_NAME6)
    WC_LOAD_OPS(WC_NAME6)
    WC_STORE_OPS(WC_NAME6)
    WC_OTHER_OPS(WC_NAME3)
    WC_SIMD_OPS(WC_NAME_SIMD)
  }
  return "<unknown>";
}

#undef WC_NAME6
#undef WC_NAME3

SimdInfo simd_info(uint32_t sub) {
  static const auto kTable = [] {
    struct Table {
      SimdInfo info[256];
    } t{};
    constexpr uint8_t kV = 0, kI32 = 0x7F, kI64 = 0x7E, kF32 = 0x7D, kF64 = 0x7C;
    (void)kV;
#define WC_SIMD_INFO(name, sub, text, kind, T, n) t.info[sub] = SimdInfo{SimdKind::kind, k##T, n};
    WC_SIMD_OPS(WC_SIMD_INFO)
#undef WC_SIMD_INFO
    return t;
  }();
  return sub < 256 ? kTable.info[sub] : SimdInfo{};
}
#undef WC_NAME_SIMD

}  // namespace wc::engine
