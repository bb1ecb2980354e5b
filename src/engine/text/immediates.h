// Immediates shared by the scalar and SIMD instruction encoders: memory arguments and lane
// indices.
#pragma once

#include <cstdint>

#include "engine/text/binary_writer.h"
#include "engine/text/cursor.h"

namespace wc::engine::text {

// `offset=N? align=N?`, written as the binary memarg (alignment as log2). A missing align is
// the instruction's natural alignment (`natural_align`, log2).
void memarg(Cursor& c, BinaryWriter& out, uint8_t natural_align);

// A lane index: a natural number that fits the binary format's byte. Whether it names an
// existing lane is the validator's question (an invalid module, not a malformed one).
uint8_t lane_index(Cursor& c);

}  // namespace wc::engine::text
