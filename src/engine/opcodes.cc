#include "engine/opcodes.h"

namespace wc::engine {

const char* op_name(Op op) {
  switch (op) {
#define WC_NAME6(name, code, text, a, b, c) case Op::name: return text;
#define WC_NAME3(name, code, text) case Op::name: return text;
    WC_NUMERIC_OPS(WC_NAME6)
    WC_LOAD_OPS(WC_NAME6)
    WC_STORE_OPS(WC_NAME6)
    WC_OTHER_OPS(WC_NAME3)
#undef WC_NAME6
#undef WC_NAME3
  }
  return "<unknown>";
}

}  // namespace wc::engine
