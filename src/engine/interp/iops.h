// Internal instructions of the interpreter: X(name, operand words). Operands are frame slots
// unless noted; `off` is a branch offset in words relative to the instruction's start.
#pragma once

#include <cstdint>

#include "engine/opcodes.h"

namespace wc::engine {

// Numeric ops keep their wasm names: unary ones take (dst, a), binary ones (dst, a, b).
#define WC_IOP_NUMERIC(X) WC_NUMERIC_OPS(WC_IOP_NUMERIC_ENTRY)
#define WC_IOP_NUMERIC_ENTRY(name, code, text, a, b, r) X_NUM(name, a, b)

#define WC_IOPS(X)                                                                              \
  X(Copy, 2)      /* dst src: 64-bit slot copy */                                               \
  X(Copy2, 4)     /* dst1 src1 dst2 src2: two copies, in order */                               \
  X(F64MulAdd, 4) /* dst a b c: a * b + c, rounded twice (no FMA) */                            \
  X(F64MulSub, 4) /* dst a b c: a * b - c */                                                    \
  X(F64SubMul, 4) /* dst a b c: c - a * b */                                                    \
  X(F32MulAdd, 4)                                                                               \
  X(F32MulSub, 4)                                                                               \
  X(F32SubMul, 4)                                                                               \
  X(Const32, 2)    /* dst imm32 */                                                              \
  X(Const64, 3)    /* dst imm64(lo, hi) */                                                      \
  X(Jump, 1)       /* off */                                                                    \
  X(CopyJump, 3)   /* dst src off: a value move then a jump (Go's `local.set $pc; br $loop`) */ \
  X(BrIfNez, 2)    /* cond off */                                                               \
  X(BrIfEqz, 2)    /* cond off */                                                               \
  X(BrIfI64Nez, 2) /* cond off: i64 condition (i64.eqz + br_if) */                              \
  X(BrIfI64Eqz, 2) /* cond off */                                                               \
  X(BrIfI32Eq, 3)  /* a b off: fused compare-and-branch */                                      \
  X(BrIfI32Ne, 3)                                                                               \
  X(BrIfI32LtS, 3)                                                                              \
  X(BrIfI32LtU, 3)                                                                              \
  X(BrIfI32GtS, 3)                                                                              \
  X(BrIfI32GtU, 3)                                                                              \
  X(BrIfI32LeS, 3)                                                                              \
  X(BrIfI32LeU, 3)                                                                              \
  X(BrIfI32GeS, 3)                                                                              \
  X(BrIfI32GeU, 3)                                                                              \
  X(BrIfF64Eq, 3) /* a b off: float compare-and-branch... */                                    \
  X(BrIfF64Ne, 3)                                                                               \
  X(BrIfF64Lt, 3)                                                                               \
  X(BrIfF64Gt, 3)                                                                               \
  X(BrIfF64Le, 3)                                                                               \
  X(BrIfF64Ge, 3)                                                                               \
  X(BrUnlessF64Eq, 3) /* ...and its negation (with NaN, !(a < b) is not a >= b) */              \
  X(BrUnlessF64Ne, 3)                                                                           \
  X(BrUnlessF64Lt, 3)                                                                           \
  X(BrUnlessF64Gt, 3)                                                                           \
  X(BrUnlessF64Le, 3)                                                                           \
  X(BrUnlessF64Ge, 3)                                                                           \
  X(AddBrIfI32Eq, 5) /* dst a b other off: dst = a + b; branch if dst CMP other */              \
  X(AddBrIfI32Ne, 5)                                                                            \
  X(AddBrIfI32LtS, 5)                                                                           \
  X(AddBrIfI32LtU, 5)                                                                           \
  X(AddBrIfI32GtS, 5)                                                                           \
  X(AddBrIfI32GtU, 5)                                                                           \
  X(AddBrIfI32LeS, 5)                                                                           \
  X(AddBrIfI32LeU, 5)                                                                           \
  X(AddBrIfI32GeS, 5)                                                                           \
  X(AddBrIfI32GeU, 5)                                                                           \
  X(BrTable, 2) /* index count, then count+1 offsets */                                         \
  X(Return, 0)                                                                                  \
  X(Call, 2)               /* func_index arg_start */                                           \
  X(CallIndirect, 4)       /* type_id table arg_start index_slot */                             \
  X(Trap, 1)               /* TrapKind */                                                       \
  X(Select, 4)             /* dst a b cond */                                                   \
  X(Select128, 4)          /* dst a b cond: v128 operands (two slots each) */                   \
  X(Simd, 7)               /* dst a b c lane fn(lo, hi): a SIMD op (simd_ops.h) */              \
  X(GlobalGet128, 2)       /* dst global_index: a v128 global */                                \
  X(GlobalSet128, 2)       /* global_index src */                                               \
  X(GlobalGet, 2)          /* dst global_index */                                               \
  X(GlobalSet, 2)          /* global_index src */                                               \
  X(I32AddGlobalSet, 3)    /* global_index a b: global = a + b (i32), e.g. Go's SP */           \
  X(I32SubGlobalSet, 3)    /* global_index a b: global = a - b (i32) */                         \
  X(I32AddTeeGlobalSet, 4) /* global_index dst a b: dst = global = a + b (local.tee) */         \
  X(I32SubTeeGlobalSet, 4) /* global_index dst a b: dst = global = a - b */                     \
  X(MemorySize, 1)         /* dst */                                                            \
  X(MemoryGrow, 2)         /* dst delta */                                                      \
  X(MemoryFill, 3)         /* dst value n */                                                    \
  X(MemoryCopy, 3)         /* dst src n */                                                      \
  X(MemoryInit, 4)         /* segment dst src n */                                              \
  X(DataDrop, 1)           /* segment */                                                        \
  X(TableGet, 3)           /* dst table index */                                                \
  X(TableSet, 3)           /* table index value */                                              \
  X(TableSize, 2)          /* dst table */                                                      \
  X(TableGrow, 4)          /* dst table init n */                                               \
  X(TableFill, 4)          /* table index value n */                                            \
  X(TableCopy, 5)          /* dst_table src_table dst src n */                                  \
  X(TableInit, 5)          /* segment table dst src n */                                        \
  X(ElemDrop, 1)           /* segment */                                                        \
  X(RefIsNull, 2)          /* dst a */                                                          \
  X(RefFunc, 2)            /* dst func_index */                                                 \
  X(I32Load, 3)            /* dst addr offset: loads */                                         \
  X(I64Load, 3)                                                                                 \
  X(F32Load, 3)                                                                                 \
  X(F64Load, 3)                                                                                 \
  X(I32Load8S, 3)                                                                               \
  X(I32Load8U, 3)                                                                               \
  X(I32Load16S, 3)                                                                              \
  X(I32Load16U, 3)                                                                              \
  X(I64Load8S, 3)                                                                               \
  X(I64Load8U, 3)                                                                               \
  X(I64Load16S, 3)                                                                              \
  X(I64Load16U, 3)                                                                              \
  X(I64Load32S, 3)                                                                              \
  X(I64Load32U, 3)                                                                              \
  X(I32LoadAdd, 4) /* dst a b offset: load from a + b, fused i32.add */                         \
  X(I64LoadAdd, 4)                                                                              \
  X(F32LoadAdd, 4)                                                                              \
  X(F64LoadAdd, 4)                                                                              \
  X(I32Load8SAdd, 4)                                                                            \
  X(I32Load8UAdd, 4)                                                                            \
  X(I32Load16SAdd, 4)                                                                           \
  X(I32Load16UAdd, 4)                                                                           \
  X(I64Load8SAdd, 4)                                                                            \
  X(I64Load8UAdd, 4)                                                                            \
  X(I64Load16SAdd, 4)                                                                           \
  X(I64Load16UAdd, 4)                                                                           \
  X(I64Load32SAdd, 4)                                                                           \
  X(I64Load32UAdd, 4)                                                                           \
  X(I32LoadScaled, 5) /* dst base index shift offset: load from base + (index << shift) */      \
  X(I64LoadScaled, 5)                                                                           \
  X(F32LoadScaled, 5)                                                                           \
  X(F64LoadScaled, 5)                                                                           \
  X(I32Store, 3) /* addr value offset: stores */                                                \
  X(I64Store, 3)                                                                                \
  X(F32Store, 3)                                                                                \
  X(F64Store, 3)                                                                                \
  X(I32Store8, 3)                                                                               \
  X(I32Store16, 3)                                                                              \
  X(I64Store8, 3)                                                                               \
  X(I64Store16, 3)                                                                              \
  X(I64Store32, 3)                                                                              \
  X(I32StoreAdd, 4) /* a b value offset: store to a + b, fused i32.add */                       \
  X(I64StoreAdd, 4)                                                                             \
  X(F32StoreAdd, 4)                                                                             \
  X(F64StoreAdd, 4)                                                                             \
  X(I32Store8Add, 4)                                                                            \
  X(I32Store16Add, 4)                                                                           \
  X(I64Store8Add, 4)                                                                            \
  X(I64Store16Add, 4)                                                                           \
  X(I64Store32Add, 4)

enum class IOp : uint16_t {
#define WC_IOP_ENUM(name, n) name,
#define X_NUM(name, a, b) name,
  WC_IOPS(WC_IOP_ENUM) WC_NUMERIC_OPS(WC_IOP_NUMERIC_ENTRY)
#undef X_NUM
#undef WC_IOP_ENUM
      Count
};

// Operand words of each internal op (numeric: 2 for unary, 3 for binary).
uint32_t iop_operand_words(IOp op);

// The op's name, for dumps and profiles.
const char* iop_name(IOp op);

// Handler addresses for the threaded code, indexed by IOp (from the interpreter loop).
const void* const* iop_handlers();

}  // namespace wc::engine
