#include "engine/opcodes.h"

namespace wc::engine {

// clang-format mangles a `case` inside a macro body.
// clang-format off
#define WC_NAME6(name, code, text, a, b, c) case Op::name: return text;
#define WC_NAME3(name, code, text) case Op::name: return text;
// clang-format on

const char* op_name(Op op) {
  switch (op) {
    WC_NUMERIC_OPS(WC_NAME6)
    WC_LOAD_OPS(WC_NAME6)
    WC_STORE_OPS(WC_NAME6)
    WC_OTHER_OPS(WC_NAME3)
  }
  return "<unknown>";
}

#undef WC_NAME6
#undef WC_NAME3

}  // namespace wc::engine
