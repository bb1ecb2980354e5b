// WebAssembly 2.0's fixed-width SIMD (v128) instructions as a table, numbered 0xFD0000 | sub.
// X(Name, sub, "text", Kind, T, n): Kind says the immediates and the signature (see below);
// T is the scalar type of splat / extract_lane / replace_lane (V otherwise); n is the natural
// alignment (log2 bytes) of memory ops and the lane count of lane ops.
//   Load      memarg; [i32] -> [v128]          Store     memarg; [i32 v128] -> []
//   LoadLane  memarg lane; [i32 v128] -> [v128] StoreLane memarg lane; [i32 v128] -> []
//   Const     16 bytes; [] -> [v128]           Shuffle   16 lane bytes; [v128 v128] -> [v128]
//   Splat     [T] -> [v128]                    Extract   lane; [v128] -> [T]
//   Replace   lane; [v128 T] -> [v128]         Un        [v128] -> [v128]
//   Bin       [v128 v128] -> [v128]            Tern      [v128 v128 v128] -> [v128]
//   Test      [v128] -> [i32]                  Shift     [v128 i32] -> [v128]
#pragma once

#include <cstdint>

// clang-format off
#define WC_SIMD_OPS(X)                                                          \
  X(V128Load, 0x00, "v128.load", Load, V, 4)                                    \
  X(V128Load8x8S, 0x01, "v128.load8x8_s", Load, V, 3)                           \
  X(V128Load8x8U, 0x02, "v128.load8x8_u", Load, V, 3)                           \
  X(V128Load16x4S, 0x03, "v128.load16x4_s", Load, V, 3)                         \
  X(V128Load16x4U, 0x04, "v128.load16x4_u", Load, V, 3)                         \
  X(V128Load32x2S, 0x05, "v128.load32x2_s", Load, V, 3)                         \
  X(V128Load32x2U, 0x06, "v128.load32x2_u", Load, V, 3)                         \
  X(V128Load8Splat, 0x07, "v128.load8_splat", Load, V, 0)                       \
  X(V128Load16Splat, 0x08, "v128.load16_splat", Load, V, 1)                     \
  X(V128Load32Splat, 0x09, "v128.load32_splat", Load, V, 2)                     \
  X(V128Load64Splat, 0x0A, "v128.load64_splat", Load, V, 3)                     \
  X(V128Store, 0x0B, "v128.store", Store, V, 4)                                 \
  X(V128Const, 0x0C, "v128.const", Const, V, 0)                                 \
  X(I8x16Shuffle, 0x0D, "i8x16.shuffle", Shuffle, V, 0)                         \
  X(I8x16Swizzle, 0x0E, "i8x16.swizzle", Bin, V, 0)                             \
  X(I8x16Splat, 0x0F, "i8x16.splat", Splat, I32, 16)                            \
  X(I16x8Splat, 0x10, "i16x8.splat", Splat, I32, 8)                             \
  X(I32x4Splat, 0x11, "i32x4.splat", Splat, I32, 4)                             \
  X(I64x2Splat, 0x12, "i64x2.splat", Splat, I64, 2)                             \
  X(F32x4Splat, 0x13, "f32x4.splat", Splat, F32, 4)                             \
  X(F64x2Splat, 0x14, "f64x2.splat", Splat, F64, 2)                             \
  X(I8x16ExtractLaneS, 0x15, "i8x16.extract_lane_s", Extract, I32, 16)          \
  X(I8x16ExtractLaneU, 0x16, "i8x16.extract_lane_u", Extract, I32, 16)          \
  X(I8x16ReplaceLane, 0x17, "i8x16.replace_lane", Replace, I32, 16)             \
  X(I16x8ExtractLaneS, 0x18, "i16x8.extract_lane_s", Extract, I32, 8)           \
  X(I16x8ExtractLaneU, 0x19, "i16x8.extract_lane_u", Extract, I32, 8)           \
  X(I16x8ReplaceLane, 0x1A, "i16x8.replace_lane", Replace, I32, 8)              \
  X(I32x4ExtractLane, 0x1B, "i32x4.extract_lane", Extract, I32, 4)              \
  X(I32x4ReplaceLane, 0x1C, "i32x4.replace_lane", Replace, I32, 4)              \
  X(I64x2ExtractLane, 0x1D, "i64x2.extract_lane", Extract, I64, 2)              \
  X(I64x2ReplaceLane, 0x1E, "i64x2.replace_lane", Replace, I64, 2)              \
  X(F32x4ExtractLane, 0x1F, "f32x4.extract_lane", Extract, F32, 4)              \
  X(F32x4ReplaceLane, 0x20, "f32x4.replace_lane", Replace, F32, 4)              \
  X(F64x2ExtractLane, 0x21, "f64x2.extract_lane", Extract, F64, 2)              \
  X(F64x2ReplaceLane, 0x22, "f64x2.replace_lane", Replace, F64, 2)              \
  X(I8x16Eq, 0x23, "i8x16.eq", Bin, V, 0)                                       \
  X(I8x16Ne, 0x24, "i8x16.ne", Bin, V, 0)                                       \
  X(I8x16LtS, 0x25, "i8x16.lt_s", Bin, V, 0)                                    \
  X(I8x16LtU, 0x26, "i8x16.lt_u", Bin, V, 0)                                    \
  X(I8x16GtS, 0x27, "i8x16.gt_s", Bin, V, 0)                                    \
  X(I8x16GtU, 0x28, "i8x16.gt_u", Bin, V, 0)                                    \
  X(I8x16LeS, 0x29, "i8x16.le_s", Bin, V, 0)                                    \
  X(I8x16LeU, 0x2A, "i8x16.le_u", Bin, V, 0)                                    \
  X(I8x16GeS, 0x2B, "i8x16.ge_s", Bin, V, 0)                                    \
  X(I8x16GeU, 0x2C, "i8x16.ge_u", Bin, V, 0)                                    \
  X(I16x8Eq, 0x2D, "i16x8.eq", Bin, V, 0)                                       \
  X(I16x8Ne, 0x2E, "i16x8.ne", Bin, V, 0)                                       \
  X(I16x8LtS, 0x2F, "i16x8.lt_s", Bin, V, 0)                                    \
  X(I16x8LtU, 0x30, "i16x8.lt_u", Bin, V, 0)                                    \
  X(I16x8GtS, 0x31, "i16x8.gt_s", Bin, V, 0)                                    \
  X(I16x8GtU, 0x32, "i16x8.gt_u", Bin, V, 0)                                    \
  X(I16x8LeS, 0x33, "i16x8.le_s", Bin, V, 0)                                    \
  X(I16x8LeU, 0x34, "i16x8.le_u", Bin, V, 0)                                    \
  X(I16x8GeS, 0x35, "i16x8.ge_s", Bin, V, 0)                                    \
  X(I16x8GeU, 0x36, "i16x8.ge_u", Bin, V, 0)                                    \
  X(I32x4Eq, 0x37, "i32x4.eq", Bin, V, 0)                                       \
  X(I32x4Ne, 0x38, "i32x4.ne", Bin, V, 0)                                       \
  X(I32x4LtS, 0x39, "i32x4.lt_s", Bin, V, 0)                                    \
  X(I32x4LtU, 0x3A, "i32x4.lt_u", Bin, V, 0)                                    \
  X(I32x4GtS, 0x3B, "i32x4.gt_s", Bin, V, 0)                                    \
  X(I32x4GtU, 0x3C, "i32x4.gt_u", Bin, V, 0)                                    \
  X(I32x4LeS, 0x3D, "i32x4.le_s", Bin, V, 0)                                    \
  X(I32x4LeU, 0x3E, "i32x4.le_u", Bin, V, 0)                                    \
  X(I32x4GeS, 0x3F, "i32x4.ge_s", Bin, V, 0)                                    \
  X(I32x4GeU, 0x40, "i32x4.ge_u", Bin, V, 0)                                    \
  X(F32x4Eq, 0x41, "f32x4.eq", Bin, V, 0)                                       \
  X(F32x4Ne, 0x42, "f32x4.ne", Bin, V, 0)                                       \
  X(F32x4Lt, 0x43, "f32x4.lt", Bin, V, 0)                                       \
  X(F32x4Gt, 0x44, "f32x4.gt", Bin, V, 0)                                       \
  X(F32x4Le, 0x45, "f32x4.le", Bin, V, 0)                                       \
  X(F32x4Ge, 0x46, "f32x4.ge", Bin, V, 0)                                       \
  X(F64x2Eq, 0x47, "f64x2.eq", Bin, V, 0)                                       \
  X(F64x2Ne, 0x48, "f64x2.ne", Bin, V, 0)                                       \
  X(F64x2Lt, 0x49, "f64x2.lt", Bin, V, 0)                                       \
  X(F64x2Gt, 0x4A, "f64x2.gt", Bin, V, 0)                                       \
  X(F64x2Le, 0x4B, "f64x2.le", Bin, V, 0)                                       \
  X(F64x2Ge, 0x4C, "f64x2.ge", Bin, V, 0)                                       \
  X(V128Not, 0x4D, "v128.not", Un, V, 0)                                        \
  X(V128And, 0x4E, "v128.and", Bin, V, 0)                                       \
  X(V128AndNot, 0x4F, "v128.andnot", Bin, V, 0)                                 \
  X(V128Or, 0x50, "v128.or", Bin, V, 0)                                         \
  X(V128Xor, 0x51, "v128.xor", Bin, V, 0)                                       \
  X(V128Bitselect, 0x52, "v128.bitselect", Tern, V, 0)                          \
  X(V128AnyTrue, 0x53, "v128.any_true", Test, V, 0)                             \
  X(V128Load8Lane, 0x54, "v128.load8_lane", LoadLane, V, 0)                     \
  X(V128Load16Lane, 0x55, "v128.load16_lane", LoadLane, V, 1)                   \
  X(V128Load32Lane, 0x56, "v128.load32_lane", LoadLane, V, 2)                   \
  X(V128Load64Lane, 0x57, "v128.load64_lane", LoadLane, V, 3)                   \
  X(V128Store8Lane, 0x58, "v128.store8_lane", StoreLane, V, 0)                  \
  X(V128Store16Lane, 0x59, "v128.store16_lane", StoreLane, V, 1)                \
  X(V128Store32Lane, 0x5A, "v128.store32_lane", StoreLane, V, 2)                \
  X(V128Store64Lane, 0x5B, "v128.store64_lane", StoreLane, V, 3)                \
  X(V128Load32Zero, 0x5C, "v128.load32_zero", Load, V, 2)                       \
  X(V128Load64Zero, 0x5D, "v128.load64_zero", Load, V, 3)                       \
  X(F32x4DemoteF64x2Zero, 0x5E, "f32x4.demote_f64x2_zero", Un, V, 0)            \
  X(F64x2PromoteLowF32x4, 0x5F, "f64x2.promote_low_f32x4", Un, V, 0)            \
  X(I8x16Abs, 0x60, "i8x16.abs", Un, V, 0)                                      \
  X(I8x16Neg, 0x61, "i8x16.neg", Un, V, 0)                                      \
  X(I8x16Popcnt, 0x62, "i8x16.popcnt", Un, V, 0)                                \
  X(I8x16AllTrue, 0x63, "i8x16.all_true", Test, V, 0)                           \
  X(I8x16Bitmask, 0x64, "i8x16.bitmask", Test, V, 0)                            \
  X(I8x16NarrowI16x8S, 0x65, "i8x16.narrow_i16x8_s", Bin, V, 0)                 \
  X(I8x16NarrowI16x8U, 0x66, "i8x16.narrow_i16x8_u", Bin, V, 0)                 \
  X(F32x4Ceil, 0x67, "f32x4.ceil", Un, V, 0)                                    \
  X(F32x4Floor, 0x68, "f32x4.floor", Un, V, 0)                                  \
  X(F32x4Trunc, 0x69, "f32x4.trunc", Un, V, 0)                                  \
  X(F32x4Nearest, 0x6A, "f32x4.nearest", Un, V, 0)                              \
  X(I8x16Shl, 0x6B, "i8x16.shl", Shift, V, 0)                                   \
  X(I8x16ShrS, 0x6C, "i8x16.shr_s", Shift, V, 0)                                \
  X(I8x16ShrU, 0x6D, "i8x16.shr_u", Shift, V, 0)                                \
  X(I8x16Add, 0x6E, "i8x16.add", Bin, V, 0)                                     \
  X(I8x16AddSatS, 0x6F, "i8x16.add_sat_s", Bin, V, 0)                           \
  X(I8x16AddSatU, 0x70, "i8x16.add_sat_u", Bin, V, 0)                           \
  X(I8x16Sub, 0x71, "i8x16.sub", Bin, V, 0)                                     \
  X(I8x16SubSatS, 0x72, "i8x16.sub_sat_s", Bin, V, 0)                           \
  X(I8x16SubSatU, 0x73, "i8x16.sub_sat_u", Bin, V, 0)                           \
  X(F64x2Ceil, 0x74, "f64x2.ceil", Un, V, 0)                                    \
  X(F64x2Floor, 0x75, "f64x2.floor", Un, V, 0)                                  \
  X(I8x16MinS, 0x76, "i8x16.min_s", Bin, V, 0)                                  \
  X(I8x16MinU, 0x77, "i8x16.min_u", Bin, V, 0)                                  \
  X(I8x16MaxS, 0x78, "i8x16.max_s", Bin, V, 0)                                  \
  X(I8x16MaxU, 0x79, "i8x16.max_u", Bin, V, 0)                                  \
  X(F64x2Trunc, 0x7A, "f64x2.trunc", Un, V, 0)                                  \
  X(I8x16AvgrU, 0x7B, "i8x16.avgr_u", Bin, V, 0)                                \
  X(I16x8ExtaddPairwiseI8x16S, 0x7C, "i16x8.extadd_pairwise_i8x16_s", Un, V, 0) \
  X(I16x8ExtaddPairwiseI8x16U, 0x7D, "i16x8.extadd_pairwise_i8x16_u", Un, V, 0) \
  X(I32x4ExtaddPairwiseI16x8S, 0x7E, "i32x4.extadd_pairwise_i16x8_s", Un, V, 0) \
  X(I32x4ExtaddPairwiseI16x8U, 0x7F, "i32x4.extadd_pairwise_i16x8_u", Un, V, 0) \
  X(I16x8Abs, 0x80, "i16x8.abs", Un, V, 0)                                      \
  X(I16x8Neg, 0x81, "i16x8.neg", Un, V, 0)                                      \
  X(I16x8Q15mulrSatS, 0x82, "i16x8.q15mulr_sat_s", Bin, V, 0)                   \
  X(I16x8AllTrue, 0x83, "i16x8.all_true", Test, V, 0)                           \
  X(I16x8Bitmask, 0x84, "i16x8.bitmask", Test, V, 0)                            \
  X(I16x8NarrowI32x4S, 0x85, "i16x8.narrow_i32x4_s", Bin, V, 0)                 \
  X(I16x8NarrowI32x4U, 0x86, "i16x8.narrow_i32x4_u", Bin, V, 0)                 \
  X(I16x8ExtendLowI8x16S, 0x87, "i16x8.extend_low_i8x16_s", Un, V, 0)           \
  X(I16x8ExtendHighI8x16S, 0x88, "i16x8.extend_high_i8x16_s", Un, V, 0)         \
  X(I16x8ExtendLowI8x16U, 0x89, "i16x8.extend_low_i8x16_u", Un, V, 0)           \
  X(I16x8ExtendHighI8x16U, 0x8A, "i16x8.extend_high_i8x16_u", Un, V, 0)         \
  X(I16x8Shl, 0x8B, "i16x8.shl", Shift, V, 0)                                   \
  X(I16x8ShrS, 0x8C, "i16x8.shr_s", Shift, V, 0)                                \
  X(I16x8ShrU, 0x8D, "i16x8.shr_u", Shift, V, 0)                                \
  X(I16x8Add, 0x8E, "i16x8.add", Bin, V, 0)                                     \
  X(I16x8AddSatS, 0x8F, "i16x8.add_sat_s", Bin, V, 0)                           \
  X(I16x8AddSatU, 0x90, "i16x8.add_sat_u", Bin, V, 0)                           \
  X(I16x8Sub, 0x91, "i16x8.sub", Bin, V, 0)                                     \
  X(I16x8SubSatS, 0x92, "i16x8.sub_sat_s", Bin, V, 0)                           \
  X(I16x8SubSatU, 0x93, "i16x8.sub_sat_u", Bin, V, 0)                           \
  X(F64x2Nearest, 0x94, "f64x2.nearest", Un, V, 0)                              \
  X(I16x8Mul, 0x95, "i16x8.mul", Bin, V, 0)                                     \
  X(I16x8MinS, 0x96, "i16x8.min_s", Bin, V, 0)                                  \
  X(I16x8MinU, 0x97, "i16x8.min_u", Bin, V, 0)                                  \
  X(I16x8MaxS, 0x98, "i16x8.max_s", Bin, V, 0)                                  \
  X(I16x8MaxU, 0x99, "i16x8.max_u", Bin, V, 0)                                  \
  X(I16x8AvgrU, 0x9B, "i16x8.avgr_u", Bin, V, 0)                                \
  X(I16x8ExtmulLowI8x16S, 0x9C, "i16x8.extmul_low_i8x16_s", Bin, V, 0)          \
  X(I16x8ExtmulHighI8x16S, 0x9D, "i16x8.extmul_high_i8x16_s", Bin, V, 0)        \
  X(I16x8ExtmulLowI8x16U, 0x9E, "i16x8.extmul_low_i8x16_u", Bin, V, 0)          \
  X(I16x8ExtmulHighI8x16U, 0x9F, "i16x8.extmul_high_i8x16_u", Bin, V, 0)        \
  X(I32x4Abs, 0xA0, "i32x4.abs", Un, V, 0)                                      \
  X(I32x4Neg, 0xA1, "i32x4.neg", Un, V, 0)                                      \
  X(I32x4AllTrue, 0xA3, "i32x4.all_true", Test, V, 0)                           \
  X(I32x4Bitmask, 0xA4, "i32x4.bitmask", Test, V, 0)                            \
  X(I32x4ExtendLowI16x8S, 0xA7, "i32x4.extend_low_i16x8_s", Un, V, 0)           \
  X(I32x4ExtendHighI16x8S, 0xA8, "i32x4.extend_high_i16x8_s", Un, V, 0)         \
  X(I32x4ExtendLowI16x8U, 0xA9, "i32x4.extend_low_i16x8_u", Un, V, 0)           \
  X(I32x4ExtendHighI16x8U, 0xAA, "i32x4.extend_high_i16x8_u", Un, V, 0)         \
  X(I32x4Shl, 0xAB, "i32x4.shl", Shift, V, 0)                                   \
  X(I32x4ShrS, 0xAC, "i32x4.shr_s", Shift, V, 0)                                \
  X(I32x4ShrU, 0xAD, "i32x4.shr_u", Shift, V, 0)                                \
  X(I32x4Add, 0xAE, "i32x4.add", Bin, V, 0)                                     \
  X(I32x4Sub, 0xB1, "i32x4.sub", Bin, V, 0)                                     \
  X(I32x4Mul, 0xB5, "i32x4.mul", Bin, V, 0)                                     \
  X(I32x4MinS, 0xB6, "i32x4.min_s", Bin, V, 0)                                  \
  X(I32x4MinU, 0xB7, "i32x4.min_u", Bin, V, 0)                                  \
  X(I32x4MaxS, 0xB8, "i32x4.max_s", Bin, V, 0)                                  \
  X(I32x4MaxU, 0xB9, "i32x4.max_u", Bin, V, 0)                                  \
  X(I32x4DotI16x8S, 0xBA, "i32x4.dot_i16x8_s", Bin, V, 0)                       \
  X(I32x4ExtmulLowI16x8S, 0xBC, "i32x4.extmul_low_i16x8_s", Bin, V, 0)          \
  X(I32x4ExtmulHighI16x8S, 0xBD, "i32x4.extmul_high_i16x8_s", Bin, V, 0)        \
  X(I32x4ExtmulLowI16x8U, 0xBE, "i32x4.extmul_low_i16x8_u", Bin, V, 0)          \
  X(I32x4ExtmulHighI16x8U, 0xBF, "i32x4.extmul_high_i16x8_u", Bin, V, 0)        \
  X(I64x2Abs, 0xC0, "i64x2.abs", Un, V, 0)                                      \
  X(I64x2Neg, 0xC1, "i64x2.neg", Un, V, 0)                                      \
  X(I64x2AllTrue, 0xC3, "i64x2.all_true", Test, V, 0)                           \
  X(I64x2Bitmask, 0xC4, "i64x2.bitmask", Test, V, 0)                            \
  X(I64x2ExtendLowI32x4S, 0xC7, "i64x2.extend_low_i32x4_s", Un, V, 0)           \
  X(I64x2ExtendHighI32x4S, 0xC8, "i64x2.extend_high_i32x4_s", Un, V, 0)         \
  X(I64x2ExtendLowI32x4U, 0xC9, "i64x2.extend_low_i32x4_u", Un, V, 0)           \
  X(I64x2ExtendHighI32x4U, 0xCA, "i64x2.extend_high_i32x4_u", Un, V, 0)         \
  X(I64x2Shl, 0xCB, "i64x2.shl", Shift, V, 0)                                   \
  X(I64x2ShrS, 0xCC, "i64x2.shr_s", Shift, V, 0)                                \
  X(I64x2ShrU, 0xCD, "i64x2.shr_u", Shift, V, 0)                                \
  X(I64x2Add, 0xCE, "i64x2.add", Bin, V, 0)                                     \
  X(I64x2Sub, 0xD1, "i64x2.sub", Bin, V, 0)                                     \
  X(I64x2Mul, 0xD5, "i64x2.mul", Bin, V, 0)                                     \
  X(I64x2Eq, 0xD6, "i64x2.eq", Bin, V, 0)                                       \
  X(I64x2Ne, 0xD7, "i64x2.ne", Bin, V, 0)                                       \
  X(I64x2LtS, 0xD8, "i64x2.lt_s", Bin, V, 0)                                    \
  X(I64x2GtS, 0xD9, "i64x2.gt_s", Bin, V, 0)                                    \
  X(I64x2LeS, 0xDA, "i64x2.le_s", Bin, V, 0)                                    \
  X(I64x2GeS, 0xDB, "i64x2.ge_s", Bin, V, 0)                                    \
  X(I64x2ExtmulLowI32x4S, 0xDC, "i64x2.extmul_low_i32x4_s", Bin, V, 0)          \
  X(I64x2ExtmulHighI32x4S, 0xDD, "i64x2.extmul_high_i32x4_s", Bin, V, 0)        \
  X(I64x2ExtmulLowI32x4U, 0xDE, "i64x2.extmul_low_i32x4_u", Bin, V, 0)          \
  X(I64x2ExtmulHighI32x4U, 0xDF, "i64x2.extmul_high_i32x4_u", Bin, V, 0)        \
  X(F32x4Abs, 0xE0, "f32x4.abs", Un, V, 0)                                      \
  X(F32x4Neg, 0xE1, "f32x4.neg", Un, V, 0)                                      \
  X(F32x4Sqrt, 0xE3, "f32x4.sqrt", Un, V, 0)                                    \
  X(F32x4Add, 0xE4, "f32x4.add", Bin, V, 0)                                     \
  X(F32x4Sub, 0xE5, "f32x4.sub", Bin, V, 0)                                     \
  X(F32x4Mul, 0xE6, "f32x4.mul", Bin, V, 0)                                     \
  X(F32x4Div, 0xE7, "f32x4.div", Bin, V, 0)                                     \
  X(F32x4Min, 0xE8, "f32x4.min", Bin, V, 0)                                     \
  X(F32x4Max, 0xE9, "f32x4.max", Bin, V, 0)                                     \
  X(F32x4Pmin, 0xEA, "f32x4.pmin", Bin, V, 0)                                   \
  X(F32x4Pmax, 0xEB, "f32x4.pmax", Bin, V, 0)                                   \
  X(F64x2Abs, 0xEC, "f64x2.abs", Un, V, 0)                                      \
  X(F64x2Neg, 0xED, "f64x2.neg", Un, V, 0)                                      \
  X(F64x2Sqrt, 0xEF, "f64x2.sqrt", Un, V, 0)                                    \
  X(F64x2Add, 0xF0, "f64x2.add", Bin, V, 0)                                     \
  X(F64x2Sub, 0xF1, "f64x2.sub", Bin, V, 0)                                     \
  X(F64x2Mul, 0xF2, "f64x2.mul", Bin, V, 0)                                     \
  X(F64x2Div, 0xF3, "f64x2.div", Bin, V, 0)                                     \
  X(F64x2Min, 0xF4, "f64x2.min", Bin, V, 0)                                     \
  X(F64x2Max, 0xF5, "f64x2.max", Bin, V, 0)                                     \
  X(F64x2Pmin, 0xF6, "f64x2.pmin", Bin, V, 0)                                   \
  X(F64x2Pmax, 0xF7, "f64x2.pmax", Bin, V, 0)                                   \
  X(I32x4TruncSatF32x4S, 0xF8, "i32x4.trunc_sat_f32x4_s", Un, V, 0)             \
  X(I32x4TruncSatF32x4U, 0xF9, "i32x4.trunc_sat_f32x4_u", Un, V, 0)             \
  X(F32x4ConvertI32x4S, 0xFA, "f32x4.convert_i32x4_s", Un, V, 0)                \
  X(F32x4ConvertI32x4U, 0xFB, "f32x4.convert_i32x4_u", Un, V, 0)                \
  X(I32x4TruncSatF64x2SZero, 0xFC, "i32x4.trunc_sat_f64x2_s_zero", Un, V, 0)    \
  X(I32x4TruncSatF64x2UZero, 0xFD, "i32x4.trunc_sat_f64x2_u_zero", Un, V, 0)    \
  X(F64x2ConvertLowI32x4S, 0xFE, "f64x2.convert_low_i32x4_s", Un, V, 0)         \
  X(F64x2ConvertLowI32x4U, 0xFF, "f64x2.convert_low_i32x4_u", Un, V, 0)
// clang-format on

namespace wc::engine {

enum class SimdKind : uint8_t {
  None,  // not a SIMD opcode (the reserved gaps of the 0xFD space)
  Load,
  Store,
  LoadLane,
  StoreLane,
  Const,
  Shuffle,
  Splat,
  Extract,
  Replace,
  Un,
  Bin,
  Tern,
  Test,
  Shift,
};

// What the table says about one opcode. `scalar` is the ValType byte of T (0 for V).
struct SimdInfo {
  SimdKind kind = SimdKind::None;
  uint8_t scalar = 0;
  uint8_t n = 0;
};

// Indexed by the sub-opcode; SimdKind::None beyond the table.
SimdInfo simd_info(uint32_t sub);

}  // namespace wc::engine
