#include "engine/interp/iops.h"

namespace wc::engine {

// Binary numeric ops carry (dst, a, b), unary ones (dst, a): the second operand type `V` marks
// a unary op in the opcode table.
#define WC_WORDS_V 2
#define WC_WORDS_I32 3
#define WC_WORDS_I64 3
#define WC_WORDS_F32 3
#define WC_WORDS_F64 3

uint32_t iop_operand_words(IOp op) {
  static constexpr uint8_t kWords[] = {
#define WC_IOP_WORDS(name, n) n,
#define X_NUM(name, a, b) WC_WORDS_##b,
      WC_IOPS(WC_IOP_WORDS) WC_NUMERIC_OPS(WC_IOP_NUMERIC_ENTRY)
#undef X_NUM
#undef WC_IOP_WORDS
  };
  return kWords[static_cast<uint16_t>(op)];
}

const char* iop_name(IOp op) {
  static const char* const kNames[] = {
#define WC_IOP_NAME(name, n) #name,
#define X_NUM(name, a, b) #name,
      WC_IOPS(WC_IOP_NAME) WC_NUMERIC_OPS(WC_IOP_NUMERIC_ENTRY)
#undef X_NUM
#undef WC_IOP_NAME
  };
  return kNames[static_cast<uint16_t>(op)];
}

}  // namespace wc::engine
