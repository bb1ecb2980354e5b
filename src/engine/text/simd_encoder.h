// SIMD (v128) instructions to binary code: names and immediates from simd_opcodes.h, the same
// table the decoder and validator use.
#pragma once

#include <string_view>

#include "engine/text/binary_writer.h"
#include "engine/text/cursor.h"

namespace wc::engine::text {

// Writes the 0xFD instruction `name` and reads its immediates from `c` (memarg, lane index,
// `v128.const SHAPE lanes...`, the 16 lanes of i8x16.shuffle). False if `name` is not a SIMD
// instruction; malformed immediates throw TextError.
bool simd_instruction(std::string_view name, Cursor& c, BinaryWriter& out);

// `SHAPE lane*` of v128.const (i8x16, i16x8, i32x4, i64x2, f32x4, f64x2) as the 16 bytes of
// the vector, little-endian.
void v128_lanes(Cursor& c, BinaryWriter& out);

}  // namespace wc::engine::text
