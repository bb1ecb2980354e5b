// The interpreter's SIMD (v128) instructions. Each wasm SIMD instruction becomes one `Simd`
// internal instruction that calls the function implementing it (simd_ops.cc): the ~240 SIMD
// semantics stay out of the threaded loop, so the scalar handlers keep their registers and
// their code layout, at the cost of one indirect call per SIMD instruction.
//
// A v128 lives in two adjacent 64-bit frame slots, low half (bytes 0..7) first. See
// translator.cc for why.
#pragma once

#include <cstdint>

#include "engine/opcodes.h"

namespace wc::engine {

// Operands (five words), frame slot numbers unless noted:
//   loads:  dst, address, vector (lane loads), memarg offset (a number), lane
//   stores: address, vector, -, memarg offset, lane
//   others: dst, a, b, c, lane; i8x16.shuffle's c is the slot of its 16 index bytes.
// `mem` is the instance's linear memory base: out-of-bounds accesses fault in its guard
// region like scalar ones.
using SimdFn = void (*)(uint64_t* fp, const uint32_t* ops, uint8_t* mem);

// The implementation of `op` (a SIMD op other than v128.const, which is a frame constant).
SimdFn simd_function(Op op);

}  // namespace wc::engine
